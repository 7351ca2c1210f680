// RUN: npu-opt %s --split-input-file --verify-diagnostics -p 'convert-nn-to-npu{config=npu-edge}' | filecheck %s

// Diagnostics of convert-nn-to-npu: one line naming the op, the type and the config.

// npu-edge's matrix unit takes int8 only.
func.func @bf16_conv(%x: tensor<1x4x8x8xbf16>) -> tensor<1x8x6x6xbf16> {
  %w = nn.constant dense<5.000000e-01> : tensor<8x4x3x3xbf16>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x8x8xbf16>, tensor<8x4x3x3xbf16>) -> tensor<1x8x6x6xbf16>
  func.return %c : tensor<1x8x6x6xbf16>
}
// CHECK: pass convert-nn-to-npu: {{.*}}convert_nn_to_npu_invalid.mlir:8:3: 'nn.conv2d' op operands of type bf16 are not supported by the matrix unit of config npu-edge (supports i8); convert the model's precision first (nn-convert-precision or nn-quantize)

// -----
// An f32 model must have its precision converted first.
func.func @f32_matmul(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %m = nn.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  func.return %m : tensor<2x4xf32>
}
// CHECK: pass convert-nn-to-npu: {{.*}}convert_nn_to_npu_invalid.mlir:16:3: 'nn.matmul' op operands of type f32 are not supported by the matrix unit of config npu-edge (supports i8); convert the model's precision first (nn-convert-precision or nn-quantize)

// -----
// DRAM tensors hold the NPU's element types only.
func.func @i64_input(%x: tensor<4xi64> {nn.name = "ids"}) -> tensor<4xi64> {
  func.return %x : tensor<4xi64>
}
// CHECK: pass convert-nn-to-npu: @i64_input: input 'ids' has element type i64, which NPU DRAM tensors cannot hold (i8, ui8, i16, i32, f8E4M3FN, f16, bf16, f32)
