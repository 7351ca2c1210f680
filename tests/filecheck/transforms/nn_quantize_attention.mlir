// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.linspace(-2.0, 2.0, 4 * 32, dtype=np.float32).reshape(4, 1, 4, 8))"
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" method=minmax}' | filecheck %s

// An attention-like block: a projection with a bias add (folded into the int32 bias),
// two run-time x run-time matmuls on symmetric int8 (zero point 0), a division by a
// constant folded into the requantisation, a float softmax, and a residual add with
// ReLU as one nn.qadd whose result, a model output, stays i32.

// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    %[[X:.*]] = nn.quantize %x {scale = 0.0156862754 : f32, zero_point = -1 : i64}
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<8x8xi8>
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<[{{.*}}]> : tensor<8xi32>
// CHECK-NEXT:    %[[M:.*]] = nn.qmatmul %[[X]], %[[W]], %[[B]] : (tensor<1x4x8xi8>, tensor<8x8xi8>, tensor<8xi32>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %[[MB:.*]] = nn.requantize %[[M]] {{{.*}}, axis = 2 : i64, input_zp = 0 : i64, output_zp = 0 : i64, {{.*}}} : (tensor<1x4x8xi32>) -> tensor<1x4x8xi8>
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[MB]] {perm = array<i64: 0, 2, 1>} : (tensor<1x4x8xi8>) -> tensor<1x8x4xi8>
// CHECK-NEXT:    %[[S:.*]] = nn.qmatmul %[[MB]], %[[T]] : (tensor<1x4x8xi8>, tensor<1x8x4xi8>) -> tensor<1x4x4xi32>
// CHECK-NEXT:    %[[D:.*]] = nn.requantize %[[S]] {multiplier = array<i64: [[M1:[0-9]+]]>, shift = array<i64: [[S1:[0-9]+]]>, axis = 2 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -2147483648, 2147483647>, output_scale = [[SC:.*]] : f32} : (tensor<1x4x4xi32>) -> tensor<1x4x4xi32>
// CHECK-NEXT:    %[[DF:.*]] = nn.dequantize %[[D]] {scale = [[SC]] : f32, zero_point = 0 : i64} : (tensor<1x4x4xi32>) -> tensor<1x4x4xf32>
// CHECK-NEXT:    %[[P:.*]] = nn.softmax %[[DF]]
// CHECK-NEXT:    %[[PQ:.*]] = nn.quantize %[[P]] {scale = {{.*}} : f32, zero_point = 0 : i64} : (tensor<1x4x4xf32>) -> tensor<1x4x4xi8>
// CHECK-NEXT:    %[[O:.*]] = nn.qmatmul %[[PQ]], %[[MB]] : (tensor<1x4x4xi8>, tensor<1x4x8xi8>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %[[OQ:.*]] = nn.requantize %[[O]] {{{.*}}output_zp = [[OZ:-?[0-9]+]] : i64{{.*}}} : (tensor<1x4x8xi32>) -> tensor<1x4x8xi8>
// CHECK-NEXT:    %[[A:.*]] = nn.qadd %[[OQ]], %[[X]] {lhs_zp = [[OZ]] : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = -1 : i64, {{.*}}, output_zp = 0 : i64, {{.*}}, clamp = array<i64: 0, 2147483647>, {{.*}}} : (tensor<1x4x8xi8>, tensor<1x4x8xi8>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %[[AF:.*]] = nn.dequantize %[[A]] {{.*}} : (tensor<1x4x8xi32>) -> tensor<1x4x8xf32>
// CHECK-NEXT:    func.return %[[AF]] : tensor<1x4x8xf32>
func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
  %w = nn.constant dense<0.125> : tensor<8x8xf32>
  %b = nn.constant dense<[0.5, -0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 1.0]> : tensor<8xf32>
  %m = nn.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  %mb = nn.add %m, %b : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %t = nn.transpose %mb {perm = array<i64: 0, 2, 1>} : (tensor<1x4x8xf32>) -> tensor<1x8x4xf32>
  %s = nn.matmul %mb, %t : (tensor<1x4x8xf32>, tensor<1x8x4xf32>) -> tensor<1x4x4xf32>
  %k = nn.constant dense<4.0> : tensor<f32>
  %d = nn.div %s, %k : (tensor<1x4x4xf32>, tensor<f32>) -> tensor<1x4x4xf32>
  %p = nn.softmax %d {axis = 2 : i64} : tensor<1x4x4xf32>
  %o = nn.matmul %p, %mb : (tensor<1x4x4xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %a = nn.add %o, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %r = nn.relu %a : tensor<1x4x8xf32>
  func.return %r : tensor<1x4x8xf32>
}
