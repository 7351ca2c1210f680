// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Vector-unit instructions: types, shapes and attributes.

npu.program @p config "npu-base" {
  %0 = npu.binary add <act[0x0], 4xi32>, <act[0x40], 4xf32> -> <act[0x80], 4xi32>
}
// CHECK: 'npu.binary' op rhs type f32 differs from dest type i32

// -----
npu.program @p config "npu-base" {
  %0 = npu.binary mul <act[0x0], 4x8xf32>, <act[0x100], 4x2xf32> -> <act[0x200], 4x8xf32>
}
// CHECK: 'npu.binary' op rhs shape 4x2 does not broadcast to dest shape 4x8

// -----
npu.program @p config "npu-base" {
  %0 = npu.binary div <act[0x0], 4xi32>, <act[0x40], 4xi32> -> <act[0x80], 4xi32>
}
// CHECK: 'npu.binary' op binary div needs a float type, got i32

// -----
npu.program @p config "npu-base" {
  %0 = npu.binary add <act[0x0], 4xf8E4M3FN>, <act[0x40], 4xf8E4M3FN> -> <act[0x80], 4xf8E4M3FN>
}
// CHECK: 'npu.binary' op dest type f8E4M3FN not supported by the vector unit (supports i8, ui8, i16, i32, f16, bf16, f32)

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary exp <act[0x0], 4xf32> -> <act[0x40], 4xbf16>
}
// CHECK: 'npu.unary' op input type f32 differs from dest type bf16 (use npu.convert to change types)

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary exp <act[0x0], 4xf32> -> <act[0x40], 2x2xf32>
}
// CHECK: 'npu.unary' op input shape 4 and dest shape 2x2 differ

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary sigmoid <acc[0x0], 4xi32> -> <acc[0x0], 4xi32>
}
// CHECK: 'npu.unary' op unary sigmoid needs a float type, got i32

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary clamp <act[0x0], 4xf32> -> <act[0x0], 4xf32> params [6.0]
}
// CHECK: 'npu.unary' op unary clamp takes 2 params (min, max), got 1

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x0], 4xf32> -> <act[0x0], 4xf32> params [6.0]
}
// CHECK: 'npu.unary' op unary relu takes no params, got 1

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary clamp <act[0x0], 4xf32> -> <act[0x0], 4xf32> params [6.0, 0.0]
}
// CHECK: 'npu.unary' op clamp min 6.0 exceeds max 0.0

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary clamp <act[0x0], 4xi8> -> <act[0x0], 4xi8> params [0.5, 6.0]
}
// CHECK: 'npu.unary' op clamp bounds [0.5, 6.0] of an integer tile must be integers

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4xf32> -> <act[0x0], 4xi8> multiplier [1073741824] shift [30] input_zp 0 output_zp 0
}
// CHECK: 'npu.requantize' op input type f32 not supported by requantize (supports i8, ui8, i16, i32)

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4x8xi32> -> <act[0x0], 4x8xi8> multiplier [1, 2, 3] shift [30, 30, 30] input_zp 0 output_zp 0
}
// CHECK: 'npu.requantize' op multiplier has 3 entries, expected 1 (per tensor) or 8 (per channel of the last dim)

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4x2xi32> -> <act[0x0], 4x2xi8> multiplier [1, 2] shift [30] input_zp 0 output_zp 0
}
// CHECK: 'npu.requantize' op shift has 1 entries but multiplier has 2

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4xi32> -> <act[0x0], 4xi8> multiplier [-5] shift [30] input_zp 0 output_zp 0
}
// CHECK: 'npu.requantize' op multiplier -5 is negative

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4xi32> -> <act[0x0], 4xi8> multiplier [1073741824] shift [63] input_zp 0 output_zp 0
}
// CHECK: 'npu.requantize' op shift values must be in [2, 62], got 63..63

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4xi32> -> <act[0x0], 4xi8> multiplier [1073741824] shift [30] input_zp 3 output_zp 0
}
// CHECK: 'npu.requantize' op input_zp 3 out of range [0, 0] for i32

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4xi32> -> <act[0x0], 4xui8> multiplier [1073741824] shift [30] input_zp 0 output_zp -1
}
// CHECK: 'npu.requantize' op output_zp -1 out of range [0, 255] for ui8

// -----
npu.program @p config "npu-base" {
  %0 = npu.requantize <acc[0x0], 4xi32> -> <act[0x0], 4xi8> multiplier [1073741824] shift [30] input_zp 0 output_zp 0 clamp [127, -128]
}
// CHECK: 'npu.requantize' op clamp [127, -128] must be [min, max] with min <= max

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool max <act[0x0], 16x64xi8> -> <act[0x4000], 8x64xi8> kernel [2, 2] strides [2, 2]
}
// CHECK: 'npu.pool' op input tile must be 3-d (HWC), got shape 16x64

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool max <act[0x0], 4x4x8xi8> -> <act[0x400], 2x2x8xi8> kernel [2] strides [2, 2]
}
// CHECK: 'npu.pool' op kernel [2] must be two integers >= 1

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool max <act[0x0], 4x4x8xi8> -> <acc[0x0], 2x2x8xi32> kernel [2, 2] strides [2, 2]
}
// CHECK: 'npu.pool' op max pool of i8 must produce i8, got i32

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool avg <act[0x0], 4x4x8xi8> -> <act[0x400], 2x2x8xi8> kernel [2, 2] strides [2, 2]
}
// CHECK: 'npu.pool' op avg pool needs a float type, got i8 (use sum and requantize)

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool sum <act[0x0], 4x4x8xi8> -> <act[0x400], 2x2x8xi8> kernel [2, 2] strides [2, 2]
}
// CHECK: 'npu.pool' op sum pool of i8 must produce i32, got i8

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool max <act[0x0], 4x4x8xf32> -> <act[0x400], 2x2x8xf32> kernel [5, 2] strides [2, 2]
}
// CHECK: 'npu.pool' op kernel 5x2 does not fit input window 4x4

// -----
npu.program @p config "npu-base" {
  %0 = npu.pool max <act[0x0], 5x5x8xf32> -> <act[0x400], 2x2x8xf32> kernel [3, 3] strides [1, 1]
}
// CHECK: 'npu.pool' op dest is 2x2x8, expected 3x3x8

// -----
npu.program @p config "npu-base" {
  %0 = npu.reduce sum <act[0x0], 4x64xf32> -> <act[0x400], 4x1xf32> axis 2
}
// CHECK: 'npu.reduce' op axis 2 out of range for rank 2

// -----
npu.program @p config "npu-base" {
  %0 = npu.reduce sum <act[0x0], 4x64xf32> -> <act[0x400], 4xf32> axis 1
}
// CHECK: 'npu.reduce' op dest is 4, expected 4x1

// -----
npu.program @p config "npu-base" {
  %0 = npu.reduce sum <act[0x0], 4x64xbf16> -> <act[0x400], 4x1xf16> axis 1
}
// CHECK: 'npu.reduce' op sum of bf16 must produce f32 or bf16, got f16

// -----
npu.program @p config "npu-base" {
  %0 = npu.reduce max <act[0x0], 4x64xi8> -> <acc[0x0], 4x1xi32> axis 1
}
// CHECK: 'npu.reduce' op max of i8 must produce i8, got i32

// -----
npu.program @p config "npu-base" {
  %0 = npu.convert <act[0x0], 4x4xi32> -> <act[0x400], 16xf32>
}
// CHECK: 'npu.convert' op input shape 4x4 and dest shape 16 differ

// -----
npu.program @p config "npu-base" {
  %0 = npu.convert <act[0x0], 16xi32> -> <act[0x400], 16xf32> truncate
}
// CHECK: 'npu.convert' op truncate only applies to float-to-integer conversion, not i32 to f32
