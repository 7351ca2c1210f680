// RUN: npu-opt %s --split-input-file --verify-diagnostics -p 'npu-schedule' | filecheck %s

// npu-schedule works on programs: a function still made of nn ops is an error that
// names it and the pass to run first.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : tensor<4xf32>
  func.return %y : tensor<4xf32>
}
// CHECK: pass npu-schedule: {{.*}}npu_schedule_invalid.mlir:5:1: function @main is not lowered to an npu.program; run convert-nn-to-npu first

// -----
// Also next to a program that is lowered already.
npu.program @lowered config "npu-base" {
  npu.dram @x input "x" at 0 : tensor<64xf32>
  npu.dram @y output "y" at 256 : tensor<64xf32>
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 64xf32>
  %1 = npu.dma_store <act[0x0], 64xf32> -> @y[0] strides [1] after %0
}
func.func @later(%x: tensor<4xf32>) -> tensor<4xf32> {
  func.return %x : tensor<4xf32>
}
// CHECK: pass npu-schedule: {{.*}}npu_schedule_invalid.mlir:19:1: function @later is not lowered to an npu.program; run convert-nn-to-npu first
