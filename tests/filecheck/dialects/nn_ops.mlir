// RUN: npu-opt %s | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Every nn op in its custom syntax; both prints must match.

// CHECK-LABEL: func.func @elementwise(
// CHECK-SAME:      %{{.*}}: tensor<2x3xf32> {nn.name = "a"}, %{{.*}}: tensor<3xf32> {nn.name = "v"})
// CHECK-SAME:      -> (tensor<2x3xf32> {nn.name = "out"})
func.func @elementwise(%a: tensor<2x3xf32> {nn.name = "a"}, %v: tensor<3xf32> {nn.name = "v"}) -> (tensor<2x3xf32> {nn.name = "out"}) {
  // CHECK-NEXT: %[[C:.*]] = nn.constant dense_resource<blob_39fcd0de15fd3683> : tensor<2x3xf32>
  %c = nn.constant dense_resource<blob_39fcd0de15fd3683> : tensor<2x3xf32>
  // CHECK-NEXT: nn.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
  %d = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  // CHECK-NEXT: nn.constant dense<2> : tensor<4xi64>
  %i = nn.constant dense<2> : tensor<4xi64>
  // CHECK-NEXT: nn.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = nn.add %a, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.sub %{{.*}}, %{{.*}} : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = nn.sub %v, %a : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.mul %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = nn.mul %a, %c : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.div
  %3 = nn.div %a, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.pow
  %4 = nn.pow %a, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.min
  %5 = nn.min %a, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.max
  %6 = nn.max %a, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.relu %{{.*}} : tensor<2x3xf32>
  %7 = nn.relu %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.sigmoid %{{.*}} : tensor<2x3xf32>
  %8 = nn.sigmoid %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.tanh %{{.*}} : tensor<2x3xf32>
  %9 = nn.tanh %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.erf %{{.*}} : tensor<2x3xf32>
  %10 = nn.erf %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.exp %{{.*}} : tensor<2x3xf32>
  %11 = nn.exp %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.sqrt %{{.*}} : tensor<2x3xf32>
  %12 = nn.sqrt %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.neg %{{.*}} : tensor<3xf32>
  %13 = nn.neg %v : tensor<3xf32>
  // CHECK-NEXT: nn.abs %{{.*}} : tensor<4xi64>
  %14 = nn.abs %i : tensor<4xi64>
  // CHECK-NEXT: nn.hard_swish %{{.*}} : tensor<2x3xf32>
  %15 = nn.hard_swish %a : tensor<2x3xf32>
  // CHECK-NEXT: nn.gelu %{{.*}} {approximate = "tanh"} : tensor<2x3xf32>
  %16 = nn.gelu %a {approximate = "tanh"} : tensor<2x3xf32>
  // CHECK-NEXT: nn.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32} : tensor<2x3xf32>
  %17 = nn.leaky_relu %a {alpha = 0.1 : f32} : tensor<2x3xf32>
  // CHECK-NEXT: nn.elu %{{.*}} {alpha = 1.000000e+00 : f32} : tensor<2x3xf32>
  %18 = nn.elu %a {alpha = 1.0 : f32} : tensor<2x3xf32>
  // CHECK-NEXT: nn.hard_sigmoid %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32} : tensor<2x3xf32>
  %19 = nn.hard_sigmoid %a {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<2x3xf32>
  // CHECK-NEXT: nn.clamp %{{.*}} {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32} : tensor<2x3xf32>
  %20 = nn.clamp %a {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x3xf32>
  // CHECK-NEXT: nn.prelu %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %21 = nn.prelu %a, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: nn.cast %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  %22 = nn.cast %a : (tensor<2x3xf32>) -> tensor<2x3xi8>
  // CHECK-NEXT: func.return
  func.return %21 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @conv_pool(
func.func @conv_pool(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>, %dw: tensor<3x1x3x3xf32>) {
  // CHECK-NEXT: nn.conv2d %{{.*}}, %{{.*}}, %{{.*}} {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
  %0 = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
  // CHECK-NEXT: nn.conv2d %{{.*}}, %{{.*}} {strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 3 : i64} : (tensor<1x3x32x32xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x14x14xf32>
  %1 = nn.conv2d %x, %dw {strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 3 : i64} : (tensor<1x3x32x32xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x14x14xf32>
  // CHECK-NEXT: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f32} : (tensor<1x8x32x32xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
  %2 = nn.batch_norm %0, %b, %b, %b, %b {epsilon = 1.0e-5 : f32} : (tensor<1x8x32x32xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
  // CHECK-NEXT: nn.max_pool2d %{{.*}} {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x8x32x32xf32>) -> tensor<1x8x17x17xf32>
  %3 = nn.max_pool2d %2 {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x8x32x32xf32>) -> tensor<1x8x17x17xf32>
  // CHECK-NEXT: nn.avg_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, ceil_mode = false, count_include_pad = true} : (tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xf32>
  %4 = nn.avg_pool2d %2 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, ceil_mode = false, count_include_pad = true} : (tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xf32>
  // CHECK-NEXT: nn.global_avg_pool %{{.*}} : (tensor<1x8x16x16xf32>) -> tensor<1x8x1x1xf32>
  %5 = nn.global_avg_pool %4 : (tensor<1x8x16x16xf32>) -> tensor<1x8x1x1xf32>
  func.return
}

// CHECK-LABEL: func.func @matmul_norm(
func.func @matmul_norm(%a: tensor<4x2x8xf32>, %b: tensor<8x5xf32>, %v: tensor<8xf32>, %m: tensor<2x8xf32>, %n: tensor<5x8xf32>, %c: tensor<5xf32>) {
  // CHECK-NEXT: nn.matmul %{{.*}}, %{{.*}} : (tensor<4x2x8xf32>, tensor<8x5xf32>) -> tensor<4x2x5xf32>
  %0 = nn.matmul %a, %b : (tensor<4x2x8xf32>, tensor<8x5xf32>) -> tensor<4x2x5xf32>
  // CHECK-NEXT: nn.matmul %{{.*}}, %{{.*}} : (tensor<4x2x8xf32>, tensor<8xf32>) -> tensor<4x2xf32>
  %1 = nn.matmul %a, %v : (tensor<4x2x8xf32>, tensor<8xf32>) -> tensor<4x2xf32>
  // CHECK-NEXT: nn.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<2x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  %2 = nn.gemm %m, %n, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<2x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  // CHECK-NEXT: nn.transpose %{{.*}} {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<8x2xf32>
  // CHECK-NEXT: nn.gemm %{{.*}}, %{{.*}} {alpha = 5.000000e-01 : f32, beta = 0.000000e+00 : f32, trans_a = true, trans_b = false} : (tensor<8x2xf32>, tensor<8x5xf32>) -> tensor<2x5xf32>
  %t = nn.transpose %m {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<8x2xf32>
  %3 = nn.gemm %t, %b {alpha = 0.5 : f32, beta = 0.0 : f32, trans_a = true, trans_b = false} : (tensor<8x2xf32>, tensor<8x5xf32>) -> tensor<2x5xf32>
  // CHECK-NEXT: nn.softmax %{{.*}} {axis = 2 : i64} : tensor<4x2x8xf32>
  %4 = nn.softmax %a {axis = 2 : i64} : tensor<4x2x8xf32>
  // CHECK-NEXT: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-05 : f32} : (tensor<4x2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x2x8xf32>
  %5 = nn.layer_norm %a, %v, %v {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<4x2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x2x8xf32>
  // CHECK-NEXT: nn.layer_norm %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 1.000000e-05 : f32} : (tensor<4x2x8xf32>, tensor<2x8xf32>) -> tensor<4x2x8xf32>
  %6 = nn.layer_norm %a, %m {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<4x2x8xf32>, tensor<2x8xf32>) -> tensor<4x2x8xf32>
  // CHECK-NEXT: nn.reduce_mean %{{.*}} {axes = array<i64: 1, 2>, keepdims = true} : (tensor<4x2x8xf32>) -> tensor<4x1x1xf32>
  %7 = nn.reduce_mean %a {axes = array<i64: 1, 2>, keepdims = true} : (tensor<4x2x8xf32>) -> tensor<4x1x1xf32>
  // CHECK-NEXT: nn.reduce_sum %{{.*}} {axes = array<i64: 0>, keepdims = false} : (tensor<4x2x8xf32>) -> tensor<2x8xf32>
  %8 = nn.reduce_sum %a {axes = array<i64: 0>, keepdims = false} : (tensor<4x2x8xf32>) -> tensor<2x8xf32>
  // CHECK-NEXT: nn.reduce_max %{{.*}} {axes = array<i64: 2>, keepdims = false} : (tensor<4x2x8xf32>) -> tensor<4x2xf32>
  %9 = nn.reduce_max %a {axes = array<i64: 2>, keepdims = false} : (tensor<4x2x8xf32>) -> tensor<4x2xf32>
  func.return
}

// CHECK-LABEL: func.func @shapes(
func.func @shapes(%a: tensor<2x3x4xf32>, %i: tensor<5xi32>) {
  // CHECK-NEXT: nn.reshape %{{.*}} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %0 = nn.reshape %a : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK-NEXT: nn.flatten %{{.*}} {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = nn.flatten %a {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK-NEXT: nn.unsqueeze %{{.*}} {axes = array<i64: 0, 3>} : (tensor<2x3x4xf32>) -> tensor<1x2x3x1x4xf32>
  %2 = nn.unsqueeze %a {axes = array<i64: 0, 3>} : (tensor<2x3x4xf32>) -> tensor<1x2x3x1x4xf32>
  // CHECK-NEXT: nn.squeeze %{{.*}} {axes = array<i64: 0, 3>} : (tensor<1x2x3x1x4xf32>) -> tensor<2x3x4xf32>
  %3 = nn.squeeze %2 {axes = array<i64: 0, 3>} : (tensor<1x2x3x1x4xf32>) -> tensor<2x3x4xf32>
  // CHECK-NEXT: nn.transpose %{{.*}} {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %4 = nn.transpose %a {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK-NEXT: nn.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x9x4xf32>
  %5 = nn.concat %a, %a, %a {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x9x4xf32>
  // CHECK-NEXT: nn.concat %{{.*}} {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %6 = nn.concat %a {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK-NEXT: nn.slice %{{.*}} {starts = array<i64: 0, 2, 1>, ends = array<i64: 2, -1, 4>, steps = array<i64: 1, -1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x2xf32>
  %7 = nn.slice %a {starts = array<i64: 0, 2, 1>, ends = array<i64: 2, -1, 4>, steps = array<i64: 1, -1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x2xf32>
  // CHECK-NEXT: %{{.*}}, %{{.*}} = nn.split %{{.*}} {axis = 2 : i64, sizes = array<i64: 1, 3>} : (tensor<2x3x4xf32>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  %8, %9 = nn.split %a {axis = 2 : i64, sizes = array<i64: 1, 3>} : (tensor<2x3x4xf32>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  // CHECK-NEXT: nn.pad %{{.*}} {pads = array<i64: 0, 1, 2, 0, 1, 2>, mode = "constant", value = -1.000000e+00 : f32} : (tensor<2x3x4xf32>) -> tensor<2x5x8xf32>
  %10 = nn.pad %a {pads = array<i64: 0, 1, 2, 0, 1, 2>, mode = "constant", value = -1.0 : f32} : (tensor<2x3x4xf32>) -> tensor<2x5x8xf32>
  // CHECK-NEXT: nn.gather %{{.*}}, %{{.*}} {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<5xi32>) -> tensor<2x3x5xf32>
  %11 = nn.gather %a, %i {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<5xi32>) -> tensor<2x3x5xf32>
  func.return
}

// The blob section survives both round trips.
// CHECK:      {-# 
// CHECK-NEXT:   dialect_resources: {
// CHECK-NEXT:     builtin: {
// CHECK-NEXT:       blob_39fcd0de15fd3683: "0x04000000000000000000803f0000004000004040000080400000a040"

// GENERIC: "nn.conv2d"(%{{.*}}, %{{.*}}, %{{.*}}) {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
// GENERIC: "nn.split"(%{{.*}}) {axis = 2 : i64, sizes = array<i64: 1, 3>} : (tensor<2x3x4xf32>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)

{-#
  dialect_resources: {
    builtin: {
      blob_39fcd0de15fd3683: "0x04000000000000000000803f0000004000004040000080400000a040"
    }
  }
#-}
