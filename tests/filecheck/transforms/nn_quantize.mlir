// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.linspace(-1.0, 3.0, 8 * 32, dtype=np.float32).reshape(8, 1, 2, 4, 4))"
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" method=minmax}' | filecheck %s
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" method=minmax}' | npu-opt | filecheck %s

// A CNN head: conv + ReLU (fused into the requantisation clamp), max pooling and
// flatten on int8, a fully-connected layer whose result feeds a float softmax (kept
// as i32 at 1/256 of the int8 step). The calibration input spans [-1, 3]: scale
// 4/255, zero point -128 + 1 / (4/255) = -64.
// Names: each accumulator keeps its float op's name (%c, %g), the int8 result of a
// layer is its epilogue's name + _q (%r_q: the ReLU fused), the dequantized value
// keeps the float name, or + _dq when the accumulator has it (%g_dq).

// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    %[[X:.*]] = nn.quantize %x {scale = 0.0156862754 : f32, zero_point = -64 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<4x2x2x2xi8>
// The bias at scale s_x * s_w minus input_zp * sum(w): channel 3 has zero bias and
// int8 weights [-32, 64, 95, -127, 32, 0, 0, 32] (sum 64), so 64 * 64 = 4096.
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<[5930, 40672, 14653, 4096]> : tensor<4xi32>
// CHECK-NEXT:    %[[C:c]] = nn.qconv2d %[[X]], %[[W]], %[[B]] {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = -64 : i64} : (tensor<1x2x4x4xi8>, tensor<4x2x2x2xi8>, tensor<4xi32>) -> tensor<1x4x4x4xi32>
// CHECK-NEXT:    %[[R:r_q]] = nn.requantize %[[C]] {multiplier = array<i64: 1936561984, 1549249610, 1936561984, 1161937237>, shift = array<i64: 38, 40, 38, 37>, axis = 1 : i64, input_zp = 0 : i64, output_zp = -128 : i64, double_round = false, clamp = array<i64: -128, 127>, output_scale = 0.0175317209 : f32} : (tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %[[P:.*]] = nn.max_pool2d %[[R]] {{.*}} : (tensor<1x4x4x4xi8>) -> tensor<1x4x2x2xi8>
// CHECK-NEXT:    %[[F:.*]] = nn.flatten %[[P]] {axis = 1 : i64} : (tensor<1x4x2x2xi8>) -> tensor<1x16xi8>
// CHECK-NEXT:    %[[FW:.*]] = nn.constant dense_resource<{{.*}}> : tensor<16x3xi8>
// Weights 0.25 are 127 at scale 0.25/127; bias 1.0 is 28976 steps; the correction is
// -(-128) * 16 * 127 = 260096.
// CHECK-NEXT:    %[[FB:.*]] = nn.constant dense<[289072, 260096, 231120]> : tensor<3xi32>
// CHECK-NEXT:    %[[G:g]] = nn.qmatmul %[[F]], %[[FW]], %[[FB]] : (tensor<1x16xi8>, tensor<16x3xi8>, tensor<3xi32>) -> tensor<1x3xi32>
// CHECK-NEXT:    %[[GQ:g_q]] = nn.requantize %[[G]] {multiplier = array<i64: 1508803975>, shift = array<i64: 33>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -2147483648, 2147483647>, output_scale = 0.000196479785 : f32} : (tensor<1x3xi32>) -> tensor<1x3xi32>
// CHECK-NEXT:    %[[GF:g_dq]] = nn.dequantize %[[GQ]] {scale = 0.000196479785 : f32, zero_point = 0 : i64} : (tensor<1x3xi32>) -> tensor<1x3xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.softmax %[[GF]] {axis = 1 : i64} : tensor<1x3xf32>
// CHECK-NEXT:    func.return %[[S]] : tensor<1x3xf32>
func.func @main(%x: tensor<1x2x4x4xf32> {nn.name = "x"}) -> (tensor<1x3xf32> {nn.name = "y"}) {
  %w = nn.constant dense<[[[[0.5, -0.25], [0.125, 1.0]], [[-1.0, 0.5], [0.25, -0.5]]], [[[0.2, 0.2], [0.2, 0.2]], [[0.2, 0.2], [0.2, -0.2]]], [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.5]]], [[[-0.3, 0.6], [0.9, -1.2]], [[0.3, 0.0], [0.0, 0.3]]]]> : tensor<4x2x2x2xf32>
  %b = nn.constant dense<[0.1, -0.2, 0.3, 0.0]> : tensor<4xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<4x2x2x2xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %r = nn.relu %c : tensor<1x4x4x4xf32>
  %p = nn.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  %f = nn.flatten %p {axis = 1 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
  %fw = nn.constant dense<0.25> : tensor<3x16xf32>
  %fb = nn.constant dense<[1.0, 0.0, -1.0]> : tensor<3xf32>
  %g = nn.gemm %f, %fw, %fb {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<1x16xf32>, tensor<3x16xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %s = nn.softmax %g {axis = 1 : i64} : tensor<1x3xf32>
  func.return %s : tensor<1x3xf32>
}
