// RUN: %python %inputs/onnx_graphs.py conv_1d %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// A 1-D Conv or pool (NCW) runs as the 2-D op with H = 1.

// CHECK:      func.func @main(%[[X:.*]]: tensor<1x2x10xf32> {nn.name = "x"}) -> (tensor<1x3x5xf32> {nn.name = "y"})
// CHECK-NEXT: %[[X4:.*]] = nn.unsqueeze %[[X]] {axes = array<i64: 2>} : (tensor<1x2x10xf32>) -> tensor<1x2x1x10xf32>
// CHECK-NEXT: %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x2x1x3xf32>
// CHECK-NEXT: %[[C:.*]] = nn.conv2d %[[X4]], %[[W]] {strides = array<i64: 1, 1>, padding = array<i64: 0, 1, 0, 2>
// CHECK-SAME:   -> tensor<1x3x1x11xf32>
// CHECK-NEXT: nn.squeeze %[[C]] {axes = array<i64: 2>} : (tensor<1x3x1x11xf32>) -> tensor<1x3x11xf32>
// CHECK:      nn.max_pool2d %{{.*}} {kernel = array<i64: 1, 2>, strides = array<i64: 1, 2>, padding = array<i64: 0, 0, 0, 0>
// CHECK-SAME:   -> tensor<1x3x1x5xf32>
