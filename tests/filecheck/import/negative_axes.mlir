// RUN: %python %inputs/onnx_graphs.py negative_axes %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// Negative axes (attributes and axes inputs) become non-negative and sorted;
// Slice bounds are clamped per dim, with end -1 meaning "through index 0".

// CHECK: nn.softmax %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32>
// CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
// CHECK: nn.unsqueeze %{{.*}} {axes = array<i64: 0, 4>} : (tensor<2x6x4xf32>) -> tensor<1x2x6x4x1xf32>
// CHECK: nn.squeeze %{{.*}} {axes = array<i64: 4>}
// CHECK: nn.reduce_mean %{{.*}} {axes = array<i64: 3>, keepdims = false} : (tensor<1x2x6x4xf32>) -> tensor<1x2x6xf32>
// CHECK: nn.transpose %{{.*}} {perm = array<i64: 2, 1, 0>} : (tensor<1x2x6xf32>) -> tensor<6x2x1xf32>
// CHECK: nn.gather %{{.*}}, %{{.*}} {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x3xf32>
// CHECK: nn.flatten %{{.*}} {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK: nn.slice %{{.*}} {starts = array<i64: 0, 0, 3>, ends = array<i64: 2, 3, -1>, steps = array<i64: 1, 2, -2>}
// CHECK-SAME: -> tensor<2x2x2xf32>
