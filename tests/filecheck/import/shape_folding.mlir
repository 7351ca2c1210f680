// RUN: %python %inputs/onnx_graphs.py shape_folding %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// Shape -> Gather -> Concat -> Reshape (and Cast/Div on shapes, Range, Equal, Where,
// ConstantOfShape, Expand on known values) are evaluated at import: only the
// reshapes and the folded constant remain.

// CHECK:      func.func @main(%[[X:.*]]: tensor<2x3x4x5xf32> {nn.name = "x"})
// CHECK-SAME:   -> (tensor<2x30x2xf32> {nn.name = "y"}, tensor<3x2xf32> {nn.name = "z"})
// CHECK-NEXT: %[[FLAT:.*]] = nn.reshape %[[X]] : (tensor<2x3x4x5xf32>) -> tensor<2x60xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.reshape %[[FLAT]] : (tensor<2x60xf32>) -> tensor<2x30x2xf32>
// CHECK-NEXT: %[[Z:.*]] = nn.constant dense<1.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT: func.return %[[Y]], %[[Z]]
