// RUN: %python %inputs/onnx_graphs.py conv_pads %t.onnx
// RUN: npu-import %t.onnx | filecheck %s
// RUN: npu-import %t.onnx -o %t.mlir
// RUN: npu-opt %t.mlir -o %t.again.mlir
// RUN: diff %t.mlir %t.again.mlir

// ONNX pads [top, left, bottom, right] keep their order; auto_pad SAME_LOWER puts
// the odd padding cell at the start, SAME_UPPER at the end.

// The output is exactly what npu-opt prints for it.

// CHECK:      func.func @main(%[[X:.*]]: tensor<1x3x7x7xf32> {nn.name = "x"})
// CHECK-SAME:   -> (tensor<1x4x5x11xf32> {nn.name = "explicit"}, tensor<1x3x4x4xf32> {nn.name = "same_lower"}
// CHECK:      %[[B:.*]] = nn.constant dense<{{.*}}> : tensor<4xf32>
// CHECK:      %[[W:.*]] = nn.constant dense_resource<[[BLOB:.*]]> : tensor<4x3x3x3xf32>
// CHECK:      nn.conv2d %[[X]], %[[W]], %[[B]] {strides = array<i64: 2, 1>, padding = array<i64: 1, 2, 3, 4>, dilations = array<i64: 1, 1>, groups = 1 : i64}
// CHECK:      %[[DW:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x1x4x4xf32>
// CHECK-NEXT: nn.conv2d %[[X]], %[[DW]] {strides = array<i64: 2, 2>, padding = array<i64: 2, 2, 1, 1>, dilations = array<i64: 1, 1>, groups = 3 : i64}
// CHECK-NEXT: nn.conv2d %[[X]], %[[DW]] {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 2, 2>, dilations = array<i64: 1, 1>, groups = 3 : i64}
// CHECK-NEXT: nn.conv2d %[[X]], %[[W]] {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 1 : i64}
// CHECK-SAME:   -> tensor<1x4x3x3xf32>
// CHECK:      dialect_resources: {
// CHECK-NEXT:   builtin: {
// CHECK:          [[BLOB]]: "0x04000000
