// RUN: %python %inputs/onnx_quant_graphs.py qlinear_conv %t.onnx
// RUN: npu-import %t.onnx | filecheck %s
// RUN: npu-import %t.onnx | npu-opt -p 'npu-compile{precision=int8 stop-after=quantized}' | filecheck %s --check-prefix=STAGE

// QLinearConv on uint8 activations: uint8 tensors become int8 with 128 subtracted
// from values and zero points (x: 128 -> 0, y: 130 -> 2), which is exact. With
// input zero point 0 the bias stays as given. The uint8 result, a graph output,
// gets its 128 back by an exact requantize (multiplier 2^30, shift 30).
// npu-compile{precision=int8} runs no nn-quantize (no calibration file) on the
// quantised module: its quantized stage only groups the conv with its requantize
// (nn-fuse-epilogue; the requantized value has two users, so the group ends there).

// CHECK:      func.func @main(%[[X:.*]]: tensor<1x2x4x4xf32> {nn.name = "x"}) -> (tensor<1x3x2x2xf32> {nn.name = "y"}, tensor<1x3x2x2xui8> {nn.name = "y_q"})
// CHECK-NEXT:   %[[XQ:.*]] = nn.quantize %[[X]] {scale = 5.000000e-01 : f32, zero_point = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:   %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x2x3x3xi8>
// CHECK-NEXT:   %[[B:.*]] = nn.constant dense<[10, -20, 30]> : tensor<3xi32>
// CHECK-NEXT:   %[[ACC:.*]] = nn.qconv2d %[[XQ]], %[[W]], %[[B]] {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64}
// CHECK-NEXT:   %[[YQ:.*]] = nn.requantize %[[ACC]] {multiplier = array<i64: 1073741824, 1073741824, 1073741824>, shift = array<i64: 33, 34, 35>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 2 : i64, double_round = false, clamp = array<i64: -128, 127>, output_scale = 1.000000e+00 : f32} : (tensor<1x3x2x2xi32>) -> tensor<1x3x2x2xi8>
// CHECK-NEXT:   %[[Y:.*]] = nn.dequantize %[[YQ]] {scale = 1.000000e+00 : f32, zero_point = 2 : i64}
// CHECK-NEXT:   %[[U8:.*]] = nn.requantize %[[YQ]] {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 3 : i64, input_zp = 0 : i64, output_zp = 128 : i64, double_round = false, clamp = array<i64: 0, 255>} : (tensor<1x3x2x2xi8>) -> tensor<1x3x2x2xui8>
// CHECK-NEXT:   func.return %[[Y]], %[[U8]]

// STAGE:        %[[XQ:.*]] = nn.quantize %{{.*}} {scale = 5.000000e-01 : f32, zero_point = 0 : i64, nn.layout = array<i64: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// STAGE-NEXT:   %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x2x3x3xi8> {nn.layout = array<i64: 2, 3, 1, 0>}
// STAGE-NEXT:   %[[B:.*]] = nn.constant dense<[10, -20, 30]> : tensor<3xi32>
// STAGE-NEXT:   %[[YQ:.*]] = nn.fused (%input = %[[XQ]], %weight = %[[W]], %bias = %[[B]])
// STAGE-NEXT:     %[[ACC:.*]] = nn.qconv2d %input, %weight, %bias {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64, nn.layout = array<i64: 0, 2, 3, 1>}
// STAGE-NEXT:     %[[R:.*]] = nn.requantize %[[ACC]] {multiplier = array<i64: 1073741824, 1073741824, 1073741824>, shift = array<i64: 33, 34, 35>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 2 : i64, double_round = false, clamp = array<i64: -128, 127>, output_scale = 1.000000e+00 : f32, nn.layout = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x2xi32>) -> tensor<1x3x2x2xi8>
// STAGE-NEXT:     nn.yield %[[R]]
// STAGE-NEXT:   }
// STAGE-NEXT:   %[[Y:.*]] = nn.dequantize %[[YQ]] {scale = 1.000000e+00 : f32, zero_point = 2 : i64}
// STAGE-NEXT:   %[[U8:.*]] = nn.requantize %[[YQ]] {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 3 : i64, input_zp = 0 : i64, output_zp = 128 : i64, double_round = false, clamp = array<i64: 0, 255>} : (tensor<1x3x2x2xi8>) -> tensor<1x3x2x2xui8>
// STAGE-NEXT:   func.return %[[Y]], %[[U8]]
