// RUN: %python %inputs/onnx_graphs.py dynamic_batch %t.onnx
// RUN: npu-import %t.onnx --input-shape x=4x3x8 | filecheck %s
// RUN: not npu-import %t.onnx 2>&1 | filecheck %s --check-prefix=DYNAMIC
// RUN: not npu-import %t.onnx --input-shape x=4x3x9 2>&1 | filecheck %s --check-prefix=CONFLICT
// RUN: not npu-import %t.onnx --input-shape x=4x3 2>&1 | filecheck %s --check-prefix=RANK
// RUN: not npu-import %t.onnx --input-shape y=4x3x8 2>&1 | filecheck %s --check-prefix=NAME
// RUN: not npu-import %t.onnx --input-shape x=4xbx8 2>&1 | filecheck %s --check-prefix=SYNTAX

// CHECK: func.func @main(%{{.*}}: tensor<4x3x8xf32> {nn.name = "x"}) -> (tensor<4x3x8xf32> {nn.name = "y"})

// DYNAMIC:  npu-import: error: {{.*}}.onnx: graph input 'x' has dynamic shape [batch, 3, 8]; fix it with --input-shape, e.g. --input-shape x=1x3x8
// CONFLICT: npu-import: error: {{.*}}.onnx: graph input 'x' has shape [batch, 3, 8], --input-shape gives 4x3x9
// RANK:     npu-import: error: {{.*}}.onnx: graph input 'x' has rank 3 (shape [batch, 3, 8]), --input-shape gives 4x3
// NAME:     npu-import: error: {{.*}}.onnx: --input-shape names 'y', which is not a graph input (inputs: x)
// SYNTAX:   npu-import: error: --input-shape 'x=4xbx8': expected NAME=DIMS with DIMS like 1x3x224x224
