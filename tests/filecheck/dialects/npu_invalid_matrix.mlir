// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// npu.matmul and npu.conv2d against the matrix unit of the program's config.

npu.program @p config "npu-edge" {
  %0 = npu.matmul <act[0x0], 16x16xf16>, <weight[0x0], 16x16xf16> -> <acc[0x0], 16x16xf32>
}
// CHECK: 'npu.matmul' op matmul input type f16 not supported by matrix unit of config npu-edge (supports i8)

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 64x128xi8>, <weight[0x41], 128x16xi8> -> <acc[0x0], 64x16xi32>
}
// CHECK: 'npu.matmul' op rhs tile address 0x41 not aligned to 64 bytes of buffer 'weight' in config npu-base

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <weight[0x0], 16x16xi8>, <weight[0x0], 16x16xi8> -> <acc[0x0], 16x16xi32>
}
// CHECK: 'npu.matmul' op lhs tile must be in buffer 'act', got 'weight'

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 16x16xi8>, <weight[0x0], 16x16xi8> -> <act[0x400], 16x16xi32>
}
// CHECK: 'npu.matmul' op dest tile must be in buffer 'acc', got 'act'

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 4x16x16xi8>, <weight[0x0], 16x16xi8> -> <acc[0x0], 16x16xi32>
}
// CHECK: 'npu.matmul' op lhs tile must be 2-d, got shape 4x16x16

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 64x128xi8>, <weight[0x0], 64x64xi8> -> <acc[0x0], 64x64xi32>
}
// CHECK: 'npu.matmul' op lhs is 64x128 but rhs is 64x64: inner dimensions 128 and 64 differ

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x0], 64x32xi32>
}
// CHECK: 'npu.matmul' op dest is 64x32, expected 64x64 (lhs rows x rhs columns)

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 16x16xbf16>, <weight[0x0], 16x16xf16> -> <acc[0x0], 16x16xf32>
}
// CHECK: 'npu.matmul' op lhs type bf16 and rhs type f16 differ

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 16x16xi8>, <weight[0x0], 16x16xi8> -> <acc[0x0], 16x16xf32>
}
// CHECK: 'npu.matmul' op dest type f32 must be i32, the accumulator type of i8

// -----
npu.program @p config "npu-base" {
  %0 = npu.matmul <act[0x0], 16x16xi8>, <weight[0x0], 16x16xi8> -> <acc[0x0], 16x16xi32> dataflow os
}
// CHECK: 'npu.matmul' op dataflow os not supported by matrix unit of config npu-base (supports ws)

// -----
npu.program @p config "npu-base" {
  %0 = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64xi8> -> <acc[0x0], 16x16x64xi32> strides [1, 1] dilations [1, 1] groups 1
}
// CHECK: 'npu.conv2d' op weight tile must be 4-d, got shape 3x3x64

// -----
npu.program @p config "npu-server" {
  %0 = npu.conv2d <act[0x0], 18x18x64xf16>, <weight[0x0], 3x3x64x64xf16> -> <acc[0x0], 16x16x64xf32> strides [1, 1] dilations [1, 1] groups 1
}
// CHECK: 'npu.conv2d' op conv2d input type f16 not supported by matrix unit of config npu-server (supports bf16, f8E4M3FN, i8)

// -----
npu.program @p config "npu-base" {
  %0 = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x64xi8> -> <acc[0x0], 16x16x64xi32> strides [1] dilations [1, 1] groups 1
}
// CHECK: 'npu.conv2d' op strides [1] must be two integers >= 1

// -----
npu.program @p config "npu-base" {
  %0 = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x60xi8> -> <acc[0x0], 16x16x60xi32> strides [1, 1] dilations [1, 1] groups 8
}
// CHECK: 'npu.conv2d' op groups 8 must be >= 1 and divide input channels 64 and output channels 60

// -----
npu.program @p config "npu-base" {
  %0 = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x64xi8> -> <acc[0x0], 16x16x64xi32> strides [1, 1] dilations [1, 1] groups 2
}
// CHECK: 'npu.conv2d' op weight has 64 input channels per group, expected 32 (64 channels / 2 groups)

// -----
npu.program @p config "npu-base" {
  %0 = npu.conv2d <act[0x0], 4x4x8xi8>, <weight[0x0], 3x3x8x8xi8> -> <acc[0x0], 1x1x8xi32> strides [1, 1] dilations [2, 2] groups 1
}
// CHECK: 'npu.conv2d' op kernel 3x3 with dilations [2, 2] does not fit input window 4x4

// -----
npu.program @p config "npu-base" {
  %0 = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x64xi8> -> <acc[0x0], 16x16x64xi32> strides [2, 2] dilations [1, 1] groups 1
}
// CHECK: 'npu.conv2d' op dest is 16x16x64, expected 8x8x64
