// RUN: %python %inputs/onnx_graphs.py dtypes %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// CHECK:      func.func @main(%[[Q:.*]]: tensor<4xi8> {nn.name = "q"}, %[[H:.*]]: tensor<4xf16> {nn.name = "h"}, %[[IDS:.*]]: tensor<2x2xi32> {nn.name = "ids"})
// CHECK-SAME:   -> (tensor<4xui8> {nn.name = "y"}, tensor<2x2x3xf32> {nn.name = "emb"})
// CHECK-NEXT: nn.cast %[[Q]] : (tensor<4xi8>) -> tensor<4xbf16>
// CHECK-NEXT: nn.cast %[[H]] : (tensor<4xf16>) -> tensor<4xbf16>
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.cast %{{.*}} : (tensor<4xbf16>) -> tensor<4xui8>
// CHECK-NEXT: %[[TABLE:.*]] = nn.constant dense_resource<{{.*}}> : tensor<10x3xf32>
// CHECK-NEXT: nn.gather %[[TABLE]], %[[IDS]] {axis = 0 : i64} : (tensor<10x3xf32>, tensor<2x2xi32>) -> tensor<2x2x3xf32>
