// RUN: %python %inputs/onnx_graphs.py gemm %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// CHECK:      func.func @main(%[[A:.*]]: tensor<2x4xf32> {nn.name = "a"}) -> (tensor<2x5xf32> {nn.name = "y"})
// CHECK:      %[[W:.*]] = nn.constant dense<{{.*}}> : tensor<3x4xf32>
// CHECK-NEXT: %[[FC:.*]] = nn.gemm %[[A]], %[[W]], %{{.*}} {alpha = 5.000000e-01 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true}
// CHECK-SAME:   : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:      nn.matmul %[[FC]], %{{.*}} : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
