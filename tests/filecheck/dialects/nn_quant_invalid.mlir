// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of the quantised nn ops.

func.func @quantize_input(%x: tensor<4xi8>) {
  %0 = nn.quantize %x {scale = 1.0 : f32, zero_point = 0 : i64} : (tensor<4xi8>) -> tensor<4xi8>
  func.return
}
// CHECK: 'nn.quantize' op input element type i8 must be one of f32

// -----

func.func @quantize_result(%x: tensor<4xf32>) {
  %0 = nn.quantize %x {scale = 1.0 : f32, zero_point = 0 : i64} : (tensor<4xf32>) -> tensor<4xi32>
  func.return
}
// CHECK-NEXT: 'nn.quantize' op result element type i32 must be one of i8, ui8

// -----

func.func @quantize_scale(%x: tensor<4xf32>) {
  %0 = nn.quantize %x {scale = 0.0 : f32, zero_point = 0 : i64} : (tensor<4xf32>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.quantize' op scale must be positive and finite, got 0.0

// -----

func.func @quantize_zero_point(%x: tensor<4xf32>) {
  %0 = nn.quantize %x {scale = 1.0 : f32, zero_point = 128 : i64} : (tensor<4xf32>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.quantize' op zero_point 128 is out of range [-128, 127] for i8

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  %0 = nn.quantize %x {scale = 1.0 : f32, zero_point = 0 : i64} : (tensor<4xf32>) -> tensor<2x2xi8>
  func.return
}
// CHECK-NEXT: 'nn.quantize' op result type tensor<2x2xi8> does not match inferred tensor<4xi8>

// -----

func.func @dequantize_input(%x: tensor<4xf32>) {
  %0 = nn.dequantize %x {scale = 1.0 : f32, zero_point = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK-NEXT: 'nn.dequantize' op input element type f32 must be one of i8, ui8, i16, i32

// -----

func.func @dequantize_wide_zero_point(%x: tensor<4xi32>) {
  %0 = nn.dequantize %x {scale = 1.0 : f32, zero_point = 3 : i64} : (tensor<4xi32>) -> tensor<4xf32>
  func.return
}
// CHECK-NEXT: 'nn.dequantize' op zero_point 3 is out of range [0, 0] for i32

// -----

func.func @dequantize_zero_point(%x: tensor<4xui8>) {
  %0 = nn.dequantize %x {scale = 1.0 : f32, zero_point = -1 : i64} : (tensor<4xui8>) -> tensor<4xf32>
  func.return
}
// CHECK-NEXT: 'nn.dequantize' op zero_point -1 is out of range [0, 255] for ui8

// -----

func.func @dequantize_result(%x: tensor<4xi8>) {
  %0 = nn.dequantize %x {scale = 1.0 : f32, zero_point = 0 : i64} : (tensor<4xi8>) -> tensor<4xbf16>
  func.return
}
// CHECK-NEXT: 'nn.dequantize' op result type tensor<4xbf16> does not match inferred tensor<4xf32>

// -----

func.func @qconv2d_input(%x: tensor<1x3x8x8xui8>, %w: tensor<4x3x3x3xi8>) {
  %0 = nn.qconv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x3x8x8xui8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op input element type ui8 must be one of i8

// -----

func.func @qconv2d_weight(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xf32>) {
  %0 = nn.qconv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xi32>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op weight element type f32 must be one of i8

// -----

func.func @qconv2d_bias_type(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>, %b: tensor<4xi8>) {
  %0 = nn.qconv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>, tensor<4xi8>) -> tensor<1x4x6x6xi32>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op bias element type i8 must be one of i32

// -----

func.func @qconv2d_bias_shape(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>, %b: tensor<1x4xi32>) {
  %0 = nn.qconv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>, tensor<1x4xi32>) -> tensor<1x4x6x6xi32>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op bias must have shape 4 (one value per output channel), got 1x4

// -----

func.func @qconv2d_zero_point(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  %0 = nn.qconv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = -129 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op input_zp -129 is out of range [-128, 127] for i8

// -----

func.func @qconv2d_shape(%x: tensor<1x3x8x8xi8>, %w: tensor<4x2x3x3xi8>) {
  %0 = nn.qconv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x3x8x8xi8>, tensor<4x2x3x3xi8>) -> tensor<1x4x6x6xi32>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op weight has 2 input channels per group, input has 3 channels and groups = 1

// -----

func.func @qconv2d_result(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) {
  %0 = nn.qconv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x3x8x8xi8>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi8>
  func.return
}
// CHECK-NEXT: 'nn.qconv2d' op result type tensor<1x4x6x6xi8> does not match inferred tensor<1x4x6x6xi32>

// -----

func.func @qmatmul_lhs(%a: tensor<4x8xi16>, %b: tensor<8x2xi8>) {
  %0 = nn.qmatmul %a, %b : (tensor<4x8xi16>, tensor<8x2xi8>) -> tensor<4x2xi32>
  func.return
}
// CHECK-NEXT: 'nn.qmatmul' op lhs element type i16 must be one of i8

// -----

func.func @qmatmul_bias(%a: tensor<4x8xi8>, %b: tensor<8x2xi8>, %c: tensor<4xi32>) {
  %0 = nn.qmatmul %a, %b, %c : (tensor<4x8xi8>, tensor<8x2xi8>, tensor<4xi32>) -> tensor<4x2xi32>
  func.return
}
// CHECK-NEXT: 'nn.qmatmul' op bias must have shape 2 (one value per output channel), got 4

// -----

func.func @qmatmul_inner(%a: tensor<4x8xi8>, %b: tensor<6x2xi8>) {
  %0 = nn.qmatmul %a, %b : (tensor<4x8xi8>, tensor<6x2xi8>) -> tensor<4x2xi32>
  func.return
}
// CHECK-NEXT: 'nn.qmatmul' op lhs shape 4x8 and rhs shape 6x2 have different contraction sizes (8 and 6)

// -----

func.func @requantize_input(%x: tensor<4xf32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 0 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<4xf32>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op input element type f32 must be one of i8, ui8, i16, i32

// -----

func.func @requantize_result(%x: tensor<4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 0 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<4xi32>) -> tensor<4xi64>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op result element type i64 must be one of i8, ui8, i16, i32

// -----

func.func @requantize_axis(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 2 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op axis = 2 is out of range for rank 2

// -----

func.func @requantize_channels(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824, 1073741824, 1073741824>, shift = array<i64: 30, 30, 30>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op multiplier has 3 entries, expected 1 (per tensor) or 4 (per channel of axis 1)

// -----

func.func @requantize_shift_count(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30, 30>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op shift has 2 entries but multiplier has 1

// -----

func.func @requantize_multiplier(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 2147483648>, shift = array<i64: 30>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op multiplier 2147483648 is out of range [0, 2^31 - 1]

// -----

func.func @requantize_shift(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 63>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op shift 63 is out of range [2, 62]

// -----

func.func @requantize_input_zp(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 1 : i64, input_zp = 3 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op input_zp 3 is out of range [0, 0] for i32

// -----

func.func @requantize_output_zp(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 256 : i64, double_round = false, clamp = array<i64: 0, 255>} : (tensor<2x4xi32>) -> tensor<2x4xui8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op output_zp 256 is out of range [0, 255] for ui8

// -----

func.func @requantize_clamp(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: 5, -5>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op clamp [5, -5] must be [min, max] with min <= max

// -----

func.func @requantize_shape(%x: tensor<2x4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<4x2xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op result type tensor<4x2xi8> does not match inferred tensor<2x4xi8>

// -----

func.func @qadd_types(%a: tensor<4xi8>, %b: tensor<4xui8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<4xui8>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op rhs element type ui8 does not match lhs element type i8

// -----

func.func @qadd_lhs_type(%a: tensor<4xi32>, %b: tensor<4xi32>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op lhs element type i32 must be one of i8, ui8

// -----

func.func @qadd_shift(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 1 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op lhs_shift 1 is out of range [2, 62]

// -----

func.func @qadd_multiplier(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = -1 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op rhs_multiplier -1 is out of range [0, 2^31 - 1]

// -----

func.func @qadd_zero_point(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 200 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op output_zp 200 is out of range [-128, 127] for i8

// -----

func.func @qadd_broadcast(%a: tensor<4xi8>, %b: tensor<3xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<3xi8>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op lhs shape 4 does not broadcast with rhs shape 3

// -----

func.func @qadd_clamp(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: 0>} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op clamp [0] must be [min, max] with min <= max

// -----

func.func @qadd_result(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xui8>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op result element type ui8 must be the inputs' i8, i16 or i32

// -----

func.func @qadd_wide_zero_point(%a: tensor<4xi8>, %b: tensor<4xi8>) {
  %0 = nn.qadd %a, %b {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 49 : i64, output_zp = 5 : i64, clamp = array<i64: -128, 127>} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi32>
  func.return
}
// CHECK-NEXT: 'nn.qadd' op output_zp 5 is out of range [0, 0] for i32

// -----

func.func @output_scale(%x: tensor<4xi32>) {
  %0 = nn.requantize %x {multiplier = array<i64: 1073741824>, shift = array<i64: 30>, axis = 0 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>, output_scale = -1.0 : f32} : (tensor<4xi32>) -> tensor<4xi8>
  func.return
}
// CHECK-NEXT: 'nn.requantize' op output_scale must be positive and finite, got -1.0
