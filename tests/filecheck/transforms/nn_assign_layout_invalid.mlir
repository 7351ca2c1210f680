// RUN: npu-opt %s --verify-diagnostics -p 'nn-assign-layout{activations=nchwc}' | filecheck %s --check-prefix=ACT
// RUN: npu-opt %s --verify-diagnostics -p 'nn-assign-layout{weights=hwio}' | filecheck %s --check-prefix=WEIGHTS
// RUN: not npu-opt %s -p 'nn-assign-layout{activations=nchwc}' 2>&1 | filecheck %s --check-prefix=TOOL

// The options take the documented values only.
// ACT: pass nn-assign-layout: activations must be one of nhwc, nchw, got 'nchwc'
// WEIGHTS: pass nn-assign-layout: weights must be one of matrix, model, got 'hwio'
// TOOL: npu-opt: error: pass nn-assign-layout: activations must be one of nhwc, nchw, got 'nchwc'
// TOOL-NOT: Traceback
func.func @main(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %y = nn.relu %x : tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
