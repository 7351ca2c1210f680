// RUN: npu-opt %s -p canonicalize | filecheck %s

// Neutral splat constants on either side of + and *, on the right of - and /.

// CHECK-LABEL: func.func @neutral_constants
// CHECK-NEXT:    func.return %x, %x, %x, %x, %x, %x, %i
func.func @neutral_constants(%x: tensor<2x3xf32>, %i: tensor<4xi8>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi8>) {
  %zero = nn.constant dense<0.0> : tensor<f32>
  %zeros = nn.constant dense<0.0> : tensor<3xf32>
  %one = nn.constant dense<1.0> : tensor<1x3xf32>
  %izero = nn.constant dense<0> : tensor<4xi8>
  %a = nn.add %x, %zero : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %b = nn.add %zeros, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %c = nn.sub %x, %zero : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %d = nn.mul %x, %one : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %e = nn.mul %one, %x : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %f = nn.div %x, %one : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %g = nn.add %i, %izero : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  func.return %a, %b, %c, %d, %e, %f, %g : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi8>
}

// relu and abs are idempotent, neg is its own inverse.

// CHECK-LABEL: func.func @repeated_activations
// CHECK-NEXT:    %r0 = nn.relu %x
// CHECK-NEXT:    %a0 = nn.abs %x
// CHECK-NEXT:    func.return %r0, %a0, %x
func.func @repeated_activations(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %r0 = nn.relu %x : tensor<4xf32>
  %r = nn.relu %r0 : tensor<4xf32>
  %a0 = nn.abs %x : tensor<4xf32>
  %a = nn.abs %a0 : tensor<4xf32>
  %n0 = nn.neg %x : tensor<4xf32>
  %n = nn.neg %n0 : tensor<4xf32>
  func.return %r, %a, %n : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// relu after clamp, clamp after relu and clamp after clamp are one clamp.

// CHECK-LABEL: func.func @clamp_chains
// CHECK-NEXT:    %a = nn.clamp %x {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT:    %b = nn.clamp %x {min = 0.000000e+00 : f32, max = 0.000000e+00 : f32}
// CHECK-NEXT:    %c = nn.clamp %x {min = 5.000000e-01 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT:    %d = nn.clamp %x {min = 1.000000e+00 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT:    func.return %a, %b, %c, %d
func.func @clamp_chains(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c0 = nn.clamp %x {min = -1.0 : f32, max = 6.0 : f32} : tensor<4xf32>
  %a = nn.relu %c0 : tensor<4xf32>
  %c1 = nn.clamp %x {min = -3.0 : f32, max = -1.0 : f32} : tensor<4xf32>
  %b = nn.relu %c1 : tensor<4xf32>
  %r = nn.relu %x : tensor<4xf32>
  %c = nn.clamp %r {min = 0.5 : f32, max = 6.0 : f32} : tensor<4xf32>
  %c2 = nn.clamp %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<4xf32>
  %d = nn.clamp %c2 {min = 1.0 : f32, max = 10.0 : f32} : tensor<4xf32>
  func.return %a, %b, %c, %d : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Negative cases: nothing below may be rewritten.

// Constants that are not neutral, not splats, on the wrong side of - and /, or that
// broadcast x to a larger shape.
// CHECK-LABEL: func.func @not_neutral
// CHECK:         %a = nn.add %x, %one
// CHECK-NEXT:    %b = nn.add %x, %mixed
// CHECK-NEXT:    %c = nn.sub %zero, %x
// CHECK-NEXT:    %d = nn.div %one, %x
// CHECK-NEXT:    %e = nn.add %x, %wide_zero
// CHECK-NEXT:    %f = nn.mul %x, %zero
func.func @not_neutral(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3xf32>, tensor<3xf32>) {
  %one = nn.constant dense<1.0> : tensor<f32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %mixed = nn.constant dense<[0.0, 0.0, 1.0]> : tensor<3xf32>
  %wide_zero = nn.constant dense<0.0> : tensor<2x3xf32>
  %a = nn.add %x, %one : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %b = nn.add %x, %mixed : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %c = nn.sub %zero, %x : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  %d = nn.div %one, %x : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  %e = nn.add %x, %wide_zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %f = nn.mul %x, %zero : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  func.return %a, %b, %c, %d, %e, %f : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3xf32>, tensor<3xf32>
}

// Different activations in a row; a clamp below zero after relu (always its max);
// clamps with disjoint ranges; integer clamps (their bounds round inwards).
// CHECK-LABEL: func.func @chains_kept
// CHECK-NEXT:    %n = nn.neg %x
// CHECK-NEXT:    %r = nn.relu %n
// CHECK-NEXT:    %r2 = nn.relu %x
// CHECK-NEXT:    %a = nn.clamp %r2 {min = -3.000000e+00 : f32, max = -1.000000e+00 : f32}
// CHECK-NEXT:    %c0 = nn.clamp %x {min = 0.000000e+00 : f32, max = 1.000000e+00 : f32}
// CHECK-NEXT:    %b = nn.clamp %c0 {min = 2.000000e+00 : f32, max = 3.000000e+00 : f32}
// CHECK-NEXT:    %i0 = nn.clamp %i {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT:    %c = nn.clamp %i0 {min = 1.000000e+00 : f32, max = 2.000000e+00 : f32}
func.func @chains_kept(%x: tensor<4xf32>, %i: tensor<4xi8>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi8>) {
  %n = nn.neg %x : tensor<4xf32>
  %r = nn.relu %n : tensor<4xf32>
  %r2 = nn.relu %x : tensor<4xf32>
  %a = nn.clamp %r2 {min = -3.0 : f32, max = -1.0 : f32} : tensor<4xf32>
  %c0 = nn.clamp %x {min = 0.0 : f32, max = 1.0 : f32} : tensor<4xf32>
  %b = nn.clamp %c0 {min = 2.0 : f32, max = 3.0 : f32} : tensor<4xf32>
  %i0 = nn.clamp %i {min = 0.0 : f32, max = 6.0 : f32} : tensor<4xi8>
  %c = nn.clamp %i0 {min = 1.0 : f32, max = 2.0 : f32} : tensor<4xi8>
  func.return %r, %a, %b, %c : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi8>
}
