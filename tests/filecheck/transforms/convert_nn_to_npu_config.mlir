// RUN: npu-opt %s --verify-diagnostics -p 'convert-nn-to-npu{config=npu-bse}' | filecheck %s --check-prefix=UNKNOWN
// RUN: npu-opt %s -p 'convert-nn-to-npu{config=gemmini}' | filecheck %s --check-prefix=GEMMINI
// RUN: npu-opt %s --config tpu-v1 -p 'convert-nn-to-npu' | filecheck %s --check-prefix=DEFAULT

// The hardware description comes from config=, else from npu-opt's --config; the
// program names it, and the tiles follow its buffers (gemmini aligns act tiles to 16
// bytes and its accumulator to 64).

func.func @main(%x: tensor<1x16xi8>) -> tensor<1x8xi32> {
  %w = nn.constant dense<1> : tensor<16x8xi8>
  %m = nn.qmatmul %x, %w : (tensor<1x16xi8>, tensor<16x8xi8>) -> tensor<1x8xi32>
  func.return %m : tensor<1x8xi32>
}

// UNKNOWN: pass convert-nn-to-npu: unknown preset 'npu-bse' (known: gemmini, npu-base, npu-edge, npu-server, sram-only, tpu-v1); did you mean 'npu-base'?

// GEMMINI:      npu.program @main config "gemmini" {
// GEMMINI:        npu.matmul <act[0x0], 1x16xi8>, <weight[0x0], 16x8xi8> -> <acc[0x0], 1x8xi32>

// DEFAULT:      npu.program @main config "tpu-v1" {
