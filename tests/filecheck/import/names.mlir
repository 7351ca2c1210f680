// RUN: %python %inputs/onnx_graphs.py names %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// Graph input and output names are kept as nn.name; a graph input that is also an
// initializer ('bias') is a constant, not an argument; Identity forwards its input.

// CHECK:      func.func @main(%[[IN:.*]]: tensor<1x4xf32> {nn.name = "input.1"}, %[[MASK:.*]]: tensor<1x4xf32> {nn.name = "mask:0"})
// CHECK-SAME:   -> (tensor<1x4xf32> {nn.name = "logits"}, tensor<1x4xf32> {nn.name = "copy"})
// CHECK-NEXT: %[[BIAS:.*]] = nn.constant dense<{{.*}}> : tensor<4xf32>
// CHECK-NEXT: %[[SUM:.*]] = nn.add %[[IN]], %[[BIAS]]
// CHECK-NEXT: %[[LOGITS:.*]] = nn.mul %[[SUM]], %[[MASK]]
// CHECK-NEXT: func.return %[[LOGITS]], %[[SUM]]
