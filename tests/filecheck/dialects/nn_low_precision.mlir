// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Products on bf16, f16 and f8E4M3FN operands may accumulate into an f32 result (with
// an f32 bias / c); f8E4M3FN is a storage type the float-only ops reject. The errors
// print before the module of the last chunk, which round-trips in
// transforms/nn_convert_precision.mlir.

func.func @integer_products_do_not_widen(%a: tensor<2x8xi8>, %m: tensor<8x4xi8>) {
  %0 = nn.matmul %a, %m : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xf32>
  func.return
}
// CHECK: 'nn.matmul' op result type tensor<2x4xf32> does not match inferred tensor<2x4xi8>

// -----

func.func @f32_products_do_not_narrow(%a: tensor<2x8xf32>, %m: tensor<8x4xf32>) {
  %0 = nn.matmul %a, %m : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xbf16>
  func.return
}
// CHECK-NEXT: 'nn.matmul' op result type tensor<2x4xbf16> does not match inferred tensor<2x4xf32>

// -----

func.func @conv_bias(%x: tensor<1x2x4x4xbf16>, %w: tensor<3x2x1x1xbf16>, %b: tensor<3xbf16>) {
  %0 = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xbf16>, tensor<3x2x1x1xbf16>, tensor<3xbf16>) -> tensor<1x3x4x4xf32>
  func.return
}
// CHECK-NEXT: 'nn.conv2d' op bias element type bf16 does not match result element type f32

// -----

func.func @gemm_c(%a: tensor<2x8xf16>, %m: tensor<8x4xf16>, %c: tensor<4xf16>) {
  %0 = nn.gemm %a, %m, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x8xf16>, tensor<8x4xf16>, tensor<4xf16>) -> tensor<2x4xf32>
  func.return
}
// CHECK-NEXT: 'nn.gemm' op c element type f16 does not match result element type f32

// -----

func.func @fp8_is_not_a_float_type(%x: tensor<4xf8E4M3FN>) {
  %0 = nn.sigmoid %x : tensor<4xf8E4M3FN>
  func.return
}
// CHECK-NEXT: 'nn.sigmoid' op input element type f8E4M3FN is not a float type

// -----

// CHECK-LABEL: func.func @products(
func.func @products(%x: tensor<1x2x4x4xbf16>, %w: tensor<3x2x1x1xbf16>, %b: tensor<3xf32>, %a: tensor<2x8xf8E4M3FN>, %m: tensor<8x4xf8E4M3FN>, %c: tensor<4xf32>, %h: tensor<2x8xf16>, %k: tensor<8x4xf16>) -> (tensor<1x3x4x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf16>) {
  // CHECK-NEXT: nn.conv2d %{{.*}} : (tensor<1x2x4x4xbf16>, tensor<3x2x1x1xbf16>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %0 = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xbf16>, tensor<3x2x1x1xbf16>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  // CHECK-NEXT: nn.matmul %{{.*}} : (tensor<2x8xf8E4M3FN>, tensor<8x4xf8E4M3FN>) -> tensor<2x4xf32>
  %1 = nn.matmul %a, %m : (tensor<2x8xf8E4M3FN>, tensor<8x4xf8E4M3FN>) -> tensor<2x4xf32>
  // CHECK-NEXT: nn.gemm %{{.*}} : (tensor<2x8xf8E4M3FN>, tensor<8x4xf8E4M3FN>, tensor<4xf32>) -> tensor<2x4xf32>
  %2 = nn.gemm %a, %m, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x8xf8E4M3FN>, tensor<8x4xf8E4M3FN>, tensor<4xf32>) -> tensor<2x4xf32>
  // CHECK-NEXT: nn.matmul %{{.*}} : (tensor<2x8xf16>, tensor<8x4xf16>) -> tensor<2x4xf16>
  %3 = nn.matmul %h, %k : (tensor<2x8xf16>, tensor<8x4xf16>) -> tensor<2x4xf16>
  // CHECK-NEXT: nn.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf8E4M3FN>
  %4 = nn.constant dense<[1.0, 2.0]> : tensor<2xf8E4M3FN>
  // CHECK-NEXT: nn.cast %{{.*}} : (tensor<2x8xf16>) -> tensor<2x8xf8E4M3FN>
  %5 = nn.cast %h : (tensor<2x8xf16>) -> tensor<2x8xf8E4M3FN>
  func.return %0, %1, %2, %3 : tensor<1x3x4x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf16>
}
