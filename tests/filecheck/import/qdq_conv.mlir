// RUN: %python %inputs/onnx_quant_graphs.py qdq_conv %t.onnx
// RUN: npu-import %t.onnx | filecheck %s
// RUN: npu-import %t.onnx | npu-opt -p 'npu-compile{precision=int8}' | filecheck %s --check-prefix=NPU

// DequantizeLinear -> Conv -> Relu -> QuantizeLinear (onnxruntime's QDQ form) becomes
// one int8 convolution and a requantisation; the ReLU is the clamp's lower bound,
// the output zero point. x_scale 0.5 and weight scales 1/4, 1/8, 1/16 with y_scale
// 1 give requantisation scales 2^-3, 2^-4, 2^-5: multiplier 2^30, shifts 33 to 35.
// The int32 bias [10, -20, 30] already has the accumulator's scale (x_scale *
// w_scale); the input zero point 3 times each channel's weight sum (18 * (o + 1))
// is subtracted from it: [10 - 54, -20 - 108, 30 - 162]. Padding cells hold 3.

// CHECK:      func.func @main(%[[X:.*]]: tensor<1x2x4x4xf32> {nn.name = "x"}) -> (tensor<1x3x4x4xf32> {nn.name = "y"})
// CHECK-NEXT:   %[[XQ:.*]] = nn.quantize %[[X]] {scale = 5.000000e-01 : f32, zero_point = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:   %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x2x3x3xi8>
// CHECK-NEXT:   %[[B:.*]] = nn.constant dense<[-44, -128, -132]> : tensor<3xi32>
// CHECK-NEXT:   %[[ACC:.*]] = nn.qconv2d %[[XQ]], %[[W]], %[[B]] {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 3 : i64}
// CHECK-NEXT:   %[[YQ:.*]] = nn.requantize %[[ACC]] {multiplier = array<i64: 1073741824, 1073741824, 1073741824>, shift = array<i64: 33, 34, 35>, axis = 1 : i64, input_zp = 0 : i64, output_zp = -2 : i64, double_round = false, clamp = array<i64: -2, 127>, output_scale = 1.000000e+00 : f32} : (tensor<1x3x4x4xi32>) -> tensor<1x3x4x4xi8>
// CHECK-NEXT:   %[[Y:.*]] = nn.dequantize %[[YQ]] {scale = 1.000000e+00 : f32, zero_point = -2 : i64}
// CHECK-NEXT:   func.return %[[Y]]

// The module is quantised already: npu-compile{precision=int8} needs no
// calibration file and lowers it to one convolution with a fused requantisation.

// NPU:      npu.program @main config "npu-base"
// NPU:      npu.dma_load @x_q{{.*}} pad [1, 1, 0, 1, 1, 0] value 3 : i8
// NPU:      npu.conv2d
// NPU:      npu.requantize {{.*}} multiplier [1073741824, 1073741824, 1073741824] shift [33, 34, 35] input_zp 0 output_zp -2 clamp [-2, 127]
