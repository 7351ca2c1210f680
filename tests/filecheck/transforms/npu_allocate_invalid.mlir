// RUN: npu-opt %s --verify-diagnostics -p 'npu-allocate{alignment=48}' | filecheck %s
// RUN: npu-opt %s --verify-diagnostics -p 'npu-allocate' | filecheck %s --check-prefix=FUNC

// The alignment must be a power of two that keeps every element aligned.
// CHECK: pass npu-allocate: alignment must be a power of two of at least 4 bytes, got 48

// A function still made of nn ops has no DRAM plan yet.
// FUNC: pass npu-allocate: {{.*}}npu_allocate_invalid.mlir:9:1: function @main is not lowered to an npu.program; run convert-nn-to-npu first
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : tensor<4xf32>
  func.return %y : tensor<4xf32>
}
