// RUN: npu-opt %s -p canonicalize | filecheck %s

// Ops on constants become constants computed by the interpreter's kernels; the
// constants they no longer need are erased.

// CHECK-LABEL: func.func @fold_chain
// CHECK-NEXT:    %t = nn.constant dense<{{\[}}[-4.000000e+00, -6.000000e+00], [3.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    %y = nn.add %x, %t
// CHECK-NEXT:    func.return %y
func.func @fold_chain(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %a = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = nn.constant dense<[3.0, -5.0, 3.0, -5.0]> : tensor<4xf32>
  %s = nn.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = nn.reshape %s : (tensor<4xf32>) -> tensor<2x2xf32>
  %n = nn.neg %r : tensor<2x2xf32>
  %t = nn.transpose %n {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = nn.add %x, %t : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %y : tensor<2x2xf32>
}

// Every result of a multi-result op is folded; integer division truncates toward
// zero as at run time; f16 values are stored as blobs.

// CHECK-LABEL: func.func @fold_kinds
// CHECK-NEXT:    %p = nn.constant dense<[7, 8]> : tensor<2xi32>
// CHECK-NEXT:    %p2 = nn.constant dense<9> : tensor<1xi32>
// CHECK-NEXT:    %q = nn.constant dense<[-3, 2]> : tensor<2xi32>
// CHECK-NEXT:    %h = nn.constant dense_resource<blob_{{[0-9a-f]+}}> : tensor<2xf16>
// CHECK-NEXT:    func.return %p, %p2, %q, %h
func.func @fold_kinds() -> (tensor<2xi32>, tensor<1xi32>, tensor<2xi32>, tensor<2xf16>) {
  %v = nn.constant dense<[7, 8, 9]> : tensor<3xi32>
  %p, %p2 = nn.split %v {axis = 0 : i64, sizes = array<i64: 2, 1>} : (tensor<3xi32>) -> (tensor<2xi32>, tensor<1xi32>)
  %num = nn.constant dense<[-7, 7]> : tensor<2xi32>
  %den = nn.constant dense<[2, 3]> : tensor<2xi32>
  %q = nn.div %num, %den : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  %f = nn.constant dense<[1.5, -2.0]> : tensor<2xf32>
  %h = nn.cast %f : (tensor<2xf32>) -> tensor<2xf16>
  func.return %p, %p2, %q, %h : tensor<2xi32>, tensor<1xi32>, tensor<2xi32>, tensor<2xf16>
}

// Negative cases: nothing below may be folded.

// A division by zero is left for the run to report; a result of more than 1 << 20
// elements is not materialised; an op with a non-constant operand is not folded.
// CHECK-LABEL: func.func @not_folded
// CHECK:         %q = nn.div %num, %zero
// CHECK:         %big = nn.add %splat, %one : (tensor<1025x1024xf32>, tensor<f32>) -> tensor<1025x1024xf32>
// CHECK-NEXT:    %y = nn.add %x, %one
func.func @not_folded(%x: tensor<f32>) -> (tensor<2xi32>, tensor<1025x1024xf32>, tensor<f32>) {
  %num = nn.constant dense<[-7, 7]> : tensor<2xi32>
  %zero = nn.constant dense<[2, 0]> : tensor<2xi32>
  %q = nn.div %num, %zero : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  %splat = nn.constant dense<1.0> : tensor<1025x1024xf32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %big = nn.add %splat, %one : (tensor<1025x1024xf32>, tensor<f32>) -> tensor<1025x1024xf32>
  %y = nn.add %x, %one : (tensor<f32>, tensor<f32>) -> tensor<f32>
  func.return %q, %big, %y : tensor<2xi32>, tensor<1025x1024xf32>, tensor<f32>
}

// The f16 blob of @fold_kinds: alignment 2, then 1.5 and -2.0.
// CHECK:       dialect_resources
// CHECK:         blob_{{[0-9a-f]+}}: "0x02000000003e00c0"
