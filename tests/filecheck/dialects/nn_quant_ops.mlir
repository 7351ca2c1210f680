// RUN: npu-opt %s | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Every quantised nn op in its custom syntax; both prints must match. Scales are f32
// and print losslessly (9 significant digits when the short form would round).

// CHECK-LABEL: func.func @conv_block(
func.func @conv_block(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xi8>, %b: tensor<4xi32>) -> tensor<1x4x8x8xf32> {
  // CHECK-NEXT: %[[Q:.*]] = nn.quantize %{{.*}} {scale = 2.350000e-02 : f32, zero_point = -128 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xi8>
  %q = nn.quantize %x {scale = 0.0235 : f32, zero_point = -128 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xi8>
  // CHECK-NEXT: %[[ACC:.*]] = nn.qconv2d %[[Q]], %{{.*}}, %{{.*}} {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = -128 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>, tensor<4xi32>) -> tensor<1x4x8x8xi32>
  %acc = nn.qconv2d %q, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = -128 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>, tensor<4xi32>) -> tensor<1x4x8x8xi32>
  // CHECK-NEXT: %[[R:.*]] = nn.requantize %[[ACC]] {multiplier = array<i64: 1073741824, 1073741824, 1518500250, 2000000000>, shift = array<i64: 36, 36, 38, 40>, axis = 1 : i64, input_zp = 0 : i64, output_zp = -128 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<1x4x8x8xi32>) -> tensor<1x4x8x8xi8>
  %r = nn.requantize %acc {multiplier = array<i64: 1073741824, 1073741824, 1518500250, 2000000000>, shift = array<i64: 36, 36, 38, 40>, axis = 1 : i64, input_zp = 0 : i64, output_zp = -128 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<1x4x8x8xi32>) -> tensor<1x4x8x8xi8>
  // CHECK-NEXT: %[[S:.*]] = nn.qadd %[[R]], %[[R]] {lhs_zp = -128 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = -128 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = -128 : i64, clamp = array<i64: -128, 127>} : (tensor<1x4x8x8xi8>, tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xi8>
  %s = nn.qadd %r, %r {lhs_zp = -128 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = -128 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = -128 : i64, clamp = array<i64: -128, 127>} : (tensor<1x4x8x8xi8>, tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xi8>
  // CHECK-NEXT: nn.dequantize %[[S]] {scale = 0.0123456791 : f32, zero_point = -128 : i64} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %d = nn.dequantize %s {scale = 0.0123456791 : f32, zero_point = -128 : i64} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  func.return %d : tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func.func @matmul(
func.func @matmul(%a: tensor<2x5x16xi8>, %w: tensor<16x8xi8>, %b: tensor<8xi32>, %u: tensor<8xui8>) -> (tensor<2x5x8xi32>, tensor<5x5xi32>, tensor<8xi16>) {
  // CHECK-NEXT: nn.qmatmul %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x5x16xi8>, tensor<16x8xi8>, tensor<8xi32>) -> tensor<2x5x8xi32>
  %0 = nn.qmatmul %a, %w, %b : (tensor<2x5x16xi8>, tensor<16x8xi8>, tensor<8xi32>) -> tensor<2x5x8xi32>
  // CHECK-NEXT: nn.constant
  %k = nn.constant dense<1> : tensor<16x5xi8>
  %l = nn.constant dense<2> : tensor<5x16xi8>
  // CHECK-NEXT: nn.constant
  // CHECK-NEXT: nn.qmatmul %{{.*}}, %{{.*}} : (tensor<5x16xi8>, tensor<16x5xi8>) -> tensor<5x5xi32>
  %1 = nn.qmatmul %l, %k : (tensor<5x16xi8>, tensor<16x5xi8>) -> tensor<5x5xi32>
  // CHECK-NEXT: nn.requantize %{{.*}} {multiplier = array<i64: 1073741824>, shift = array<i64: 31>, axis = 0 : i64, input_zp = 3 : i64, output_zp = 0 : i64, double_round = true, clamp = array<i64: -32768, 32767>} : (tensor<8xui8>) -> tensor<8xi16>
  %2 = nn.requantize %u {multiplier = array<i64: 1073741824>, shift = array<i64: 31>, axis = 0 : i64, input_zp = 3 : i64, output_zp = 0 : i64, double_round = true, clamp = array<i64: -32768, 32767>} : (tensor<8xui8>) -> tensor<8xi16>
  func.return %0, %1, %2 : tensor<2x5x8xi32>, tensor<5x5xi32>, tensor<8xi16>
}

// Results that leave the integer domain stay wide: i32 with zero point 0, with the
// real step recorded in output_scale.
// CHECK-LABEL: func.func @wide(
func.func @wide(%a: tensor<4xi8>, %b: tensor<4xi8>, %acc: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK-NEXT: %[[S:.*]] = nn.qadd %{{.*}}, %{{.*}} {{{.*}}, output_zp = 0 : i64, clamp = array<i64: 0, 2147483647>, output_scale = 1.250000e-04 : f32} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi32>
  %s = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 41 : i64, output_zp = 0 : i64, clamp = array<i64: 0, 2147483647>, output_scale = 1.250000e-04 : f32} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi32>
  // CHECK-NEXT: nn.dequantize %[[S]] {scale = 1.250000e-04 : f32, zero_point = 0 : i64} : (tensor<4xi32>) -> tensor<4xf32>
  %d = nn.dequantize %s {scale = 1.250000e-04 : f32, zero_point = 0 : i64} : (tensor<4xi32>) -> tensor<4xf32>
  // CHECK-NEXT: nn.requantize %{{.*}} {{{.*}}, output_scale = 0.0123456791 : f32} : (tensor<4xi32>) -> tensor<4xi32>
  %r = nn.requantize %acc {multiplier = array<i64: 1073741824>, shift = array<i64: 38>, axis = 0 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -2147483648, 2147483647>, output_scale = 0.0123456791 : f32} : (tensor<4xi32>) -> tensor<4xi32>
  %e = nn.dequantize %r {scale = 0.0123456791 : f32, zero_point = 0 : i64} : (tensor<4xi32>) -> tensor<4xf32>
  func.return %d, %e : tensor<4xf32>, tensor<4xf32>
}

// GENERIC: "nn.quantize"(%{{.*}}) {scale = 2.350000e-02 : f32, zero_point = -128 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xi8>
// GENERIC: "nn.qconv2d"(%{{.*}}, %{{.*}}, %{{.*}}) {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = -128 : i64}
// GENERIC: "nn.requantize"(%{{.*}}) {multiplier
// GENERIC: "nn.qadd"(%{{.*}}, %{{.*}}) {lhs_zp
// GENERIC: "nn.dequantize"(%{{.*}}) {scale
// GENERIC: "nn.qmatmul"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<2x5x16xi8>, tensor<16x8xi8>, tensor<8xi32>) -> tensor<2x5x8xi32>
