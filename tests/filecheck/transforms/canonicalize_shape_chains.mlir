// RUN: npu-opt %s -p canonicalize | filecheck %s

// flatten, squeeze and unsqueeze become reshapes, and a chain of reshapes one
// reshape from the first input.

// CHECK-LABEL: func.func @reshape_chain
// CHECK-NEXT:    %v = nn.reshape %x : (tensor<1x4x1x1xf32>) -> tensor<1x1x4xf32>
// CHECK-NEXT:    %f = nn.reshape %x : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    func.return %v, %f
func.func @reshape_chain(%x: tensor<1x4x1x1xf32>) -> (tensor<1x1x4xf32>, tensor<1x4xf32>) {
  %s = nn.squeeze %x {axes = array<i64: 2, 3>} : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  %r = nn.reshape %s : (tensor<1x4xf32>) -> tensor<2x2xf32>
  %u = nn.unsqueeze %r {axes = array<i64: 0>} : (tensor<2x2xf32>) -> tensor<1x2x2xf32>
  %v = nn.reshape %u : (tensor<1x2x2xf32>) -> tensor<1x1x4xf32>
  %f = nn.flatten %x {axis = 1 : i64} : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  func.return %v, %f : tensor<1x1x4xf32>, tensor<1x4xf32>
}

// A reshape chain that ends in the input's shape disappears.

// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-NEXT:    func.return %x
func.func @reshape_round_trip(%x: tensor<2x6xf32>) -> tensor<2x6xf32> {
  %r = nn.reshape %x : (tensor<2x6xf32>) -> tensor<3x4xf32>
  %s = nn.reshape %r : (tensor<3x4xf32>) -> tensor<2x6xf32>
  func.return %s : tensor<2x6xf32>
}

// Two transposes compose into one: result dim i is input dim p[q[i]].

// CHECK-LABEL: func.func @transpose_chain
// CHECK-NEXT:    %b = nn.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    func.return %b
func.func @transpose_chain(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %a = nn.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %b = nn.transpose %a {perm = array<i64: 1, 2, 0>} : (tensor<3x4x2xf32>) -> tensor<4x2x3xf32>
  func.return %b : tensor<4x2x3xf32>
}

// Inverse transposes cancel, and so does an identity permutation.

// CHECK-LABEL: func.func @transpose_inverse
// CHECK-NEXT:    func.return %x, %x
func.func @transpose_inverse(%x: tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) {
  %a = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32>
  %b = nn.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x4x2xf32>) -> tensor<1x2x3x4xf32>
  %i = nn.transpose %x {perm = array<i64: 0, 1, 2, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  func.return %b, %i : tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>
}

// A transpose that only moves size-1 dims keeps the element order: a reshape.

// CHECK-LABEL: func.func @transpose_of_unit_dims
// CHECK-NEXT:    %t = nn.reshape %x : (tensor<1x5x1x3xf32>) -> tensor<5x1x3x1xf32>
// CHECK-NEXT:    func.return %t
func.func @transpose_of_unit_dims(%x: tensor<1x5x1x3xf32>) -> tensor<5x1x3x1xf32> {
  %t = nn.transpose %x {perm = array<i64: 1, 0, 3, 2>} : (tensor<1x5x1x3xf32>) -> tensor<5x1x3x1xf32>
  func.return %t : tensor<5x1x3x1xf32>
}

// Identity slices, pads, casts and one-piece concats and splits are removed.

// CHECK-LABEL: func.func @identities
// CHECK-NEXT:    func.return %x, %x, %x, %x, %x, %x
func.func @identities(%x: tensor<2x1xf32>) -> (tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>) {
  %s = nn.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 1>, steps = array<i64: 1, 1>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %r = nn.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, -1>, steps = array<i64: 1, -1>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %p = nn.pad %x {pads = array<i64: 0, 0, 0, 0>, mode = "reflect", value = 0.0 : f32} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %c = nn.cast %x : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %k = nn.concat %x {axis = 1 : i64} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %q = nn.split %x {axis = 0 : i64, sizes = array<i64: 2>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  func.return %s, %r, %p, %c, %k, %q : tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>
}

// Negative cases: nothing below may be removed.

// Two transposes that are not inverse stay one transpose; a transpose that reorders
// dims larger than 1 stays a transpose.
// CHECK-LABEL: func.func @transposes_kept
// CHECK-NEXT:    %b = nn.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
// CHECK-NEXT:    %u = nn.transpose %y {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x5x1x3xf32>) -> tensor<1x3x5x1xf32>
// CHECK-NEXT:    func.return %b, %u
func.func @transposes_kept(%x: tensor<2x3x4xf32>, %y: tensor<1x5x1x3xf32>) -> (tensor<3x2x4xf32>, tensor<1x3x5x1xf32>) {
  %a = nn.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %b = nn.transpose %a {perm = array<i64: 0, 2, 1>} : (tensor<3x4x2xf32>) -> tensor<3x2x4xf32>
  %u = nn.transpose %y {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x5x1x3xf32>) -> tensor<1x3x5x1xf32>
  func.return %b, %u : tensor<3x2x4xf32>, tensor<1x3x5x1xf32>
}

// A reversing slice, a slice that drops elements, a real pad, a real cast, a
// two-input concat and a two-piece split all change the value.
// CHECK-LABEL: func.func @not_identities
// CHECK-NEXT:    %r = nn.slice %x {starts = array<i64: 1, 0>, ends = array<i64: -1, 2>, steps = array<i64: -1, 1>}
// CHECK-NEXT:    %s = nn.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 2, 2>, steps = array<i64: 1, 1>}
// CHECK-NEXT:    %p = nn.pad %x {pads = array<i64: 0, 1, 0, 0>, mode = "constant", value = 0.000000e+00 : f32}
// CHECK-NEXT:    %c = nn.cast %x : (tensor<2x2xf32>) -> tensor<2x2xf16>
// CHECK-NEXT:    %k = nn.concat %x, %x {axis = 0 : i64}
// CHECK-NEXT:    %q, %q2 = nn.split %x {axis = 0 : i64, sizes = array<i64: 1, 1>}
func.func @not_identities(%x: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>, tensor<2x2xf16>, tensor<4x2xf32>, tensor<1x2xf32>) {
  %r = nn.slice %x {starts = array<i64: 1, 0>, ends = array<i64: -1, 2>, steps = array<i64: -1, 1>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = nn.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 2, 2>, steps = array<i64: 1, 1>} : (tensor<2x2xf32>) -> tensor<2x1xf32>
  %p = nn.pad %x {pads = array<i64: 0, 1, 0, 0>, mode = "constant", value = 0.0 : f32} : (tensor<2x2xf32>) -> tensor<2x3xf32>
  %c = nn.cast %x : (tensor<2x2xf32>) -> tensor<2x2xf16>
  %k = nn.concat %x, %x {axis = 0 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %q, %q2 = nn.split %x {axis = 0 : i64, sizes = array<i64: 1, 1>} : (tensor<2x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>)
  func.return %r, %s, %p, %c, %k, %q : tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>, tensor<2x2xf16>, tensor<4x2xf32>, tensor<1x2xf32>
}
