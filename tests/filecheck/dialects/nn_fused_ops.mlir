// RUN: npu-opt %s | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: npu-opt %s -p dce | filecheck %s --check-prefix=DCE

// nn.fused in its custom syntax: each region argument bound to its operand, the
// anchor first, the epilogue, nn.yield. Both prints must match.

// CHECK-LABEL: func.func @conv_residual(
func.func @conv_residual(%x: tensor<1x2x4x4xf32>, %skip: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK-NEXT: %w = nn.constant dense<5.000000e-01> : tensor<2x2x3x3xf32>
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  // CHECK-NEXT: %b = nn.constant dense<[1.000000e-01, -2.000000e-01]> : tensor<2xf32>
  %b = nn.constant dense<[0.1, -0.2]> : tensor<2xf32>
  // CHECK-NEXT: %r = nn.fused (%in = %x, %k = %w, %c = %b, %s = %skip) : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK-NEXT:   %y = nn.conv2d %in, %k, %c {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  // CHECK-NEXT:   %a = nn.add %y, %s : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  // CHECK-NEXT:   %t = nn.relu %a : tensor<1x2x4x4xf32>
  // CHECK-NEXT:   nn.yield %t : tensor<1x2x4x4xf32>
  // CHECK-NEXT: } {note = "kept"}
  %r = nn.fused (%in = %x, %k = %w, %c = %b, %s = %skip) : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
    %y = nn.conv2d %in, %k, %c {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %a = nn.add %y, %s : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %t = nn.relu %a : tensor<1x2x4x4xf32>
    nn.yield %t : tensor<1x2x4x4xf32>
  } {note = "kept"}
  // CHECK-NEXT: func.return %r : tensor<1x2x4x4xf32>
  func.return %r : tensor<1x2x4x4xf32>
}

// An anchor alone is a valid group; the int8 epilogue: requantize, then nn.qadd.

// CHECK-LABEL: func.func @int8(
func.func @int8(%a: tensor<2x8xi8>, %w: tensor<8x4xi8>, %r: tensor<2x4xi8>) -> (tensor<2x4xi32>, tensor<2x4xi8>) {
  // CHECK-NEXT: %p = nn.fused (%l = %a, %m = %w) : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32> {
  // CHECK-NEXT:   %0 = nn.qmatmul %l, %m : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32>
  // CHECK-NEXT:   nn.yield %0 : tensor<2x4xi32>
  // CHECK-NEXT: }
  %p = nn.fused (%l = %a, %m = %w) : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32> {
    %0 = nn.qmatmul %l, %m : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32>
    nn.yield %0 : tensor<2x4xi32>
  }
  // CHECK-NEXT: %q = nn.fused (%l = %a, %m = %w, %res = %r) : (tensor<2x8xi8>, tensor<8x4xi8>, tensor<2x4xi8>) -> tensor<2x4xi8> {
  // CHECK-NEXT:   %{{.*}} = nn.qmatmul %l, %m : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32>
  // CHECK-NEXT:   %{{.*}} = nn.requantize %{{.*}} {multiplier = array<i64: 1073741824>, shift = array<i64: 36>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
  // CHECK-NEXT:   %{{.*}} = nn.qadd %{{.*}}, %res {{.*}} : (tensor<2x4xi8>, tensor<2x4xi8>) -> tensor<2x4xi8>
  // CHECK-NEXT:   nn.yield %{{.*}} : tensor<2x4xi8>
  // CHECK-NEXT: }
  %q = nn.fused (%l = %a, %m = %w, %res = %r) : (tensor<2x8xi8>, tensor<8x4xi8>, tensor<2x4xi8>) -> tensor<2x4xi8> {
    %0 = nn.qmatmul %l, %m : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32>
    %1 = nn.requantize %0 {multiplier = array<i64: 1073741824>, shift = array<i64: 36>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
    %2 = nn.qadd %1, %res {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 50 : i64, output_zp = 0 : i64, clamp = array<i64: -128, 127>} : (tensor<2x4xi8>, tensor<2x4xi8>) -> tensor<2x4xi8>
    nn.yield %2 : tensor<2x4xi8>
  }
  func.return %p, %q : tensor<2x4xi32>, tensor<2x4xi8>
}

// GENERIC: %p = "nn.fused"(%a, %w) ({
// GENERIC-NEXT: ^bb0(%l: tensor<2x8xi8>, %m: tensor<8x4xi8>):
// GENERIC-NEXT:   %{{.*}} = "nn.qmatmul"(%l, %m)
// GENERIC-NEXT:   "nn.yield"(%{{.*}}) : (tensor<2x4xi32>) -> ()
// GENERIC-NEXT: }) : (tensor<2x8xi8>, tensor<8x4xi8>) -> tensor<2x4xi32>

// A group whose result is unused is dead code (its ops have no side effects).

// CHECK-LABEL: func.func @dead(
// CHECK-NEXT:    %{{.*}} = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
// DCE-LABEL:   func.func @dead(
// DCE-NEXT:      func.return %x : tensor<4x4xf32>
func.func @dead(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %z = nn.sigmoid %y : tensor<4x4xf32>
    nn.yield %z : tensor<4x4xf32>
  }
  func.return %x : tensor<4x4xf32>
}
