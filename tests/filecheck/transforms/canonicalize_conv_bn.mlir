// RUN: npu-opt %s -p canonicalize | filecheck %s

// batch_norm after conv2d: s = scale / sqrt(var + epsilon) = [4 / 2, 3 / 3] = [2, 1],
// w' = w * s per output channel, b' = (b - mean) * s + bias.

// CHECK-LABEL: func.func @bn_into_depthwise_conv
// CHECK-NEXT:    %w = nn.constant dense<2.000000e+00> : tensor<2x1x1x1xf32>
// CHECK-NEXT:    %b = nn.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64}
// CHECK-NEXT:    func.return %y
func.func @bn_into_depthwise_conv(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = nn.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// Without a conv bias, b' = -mean * s + bias = [-1 + 1, -1 + 2]; the strides,
// padding and dilations of the conv are kept.

// CHECK-LABEL: func.func @bn_into_conv_without_bias
// CHECK-NEXT:    %w = nn.constant dense<{{\[}}{{\[}}{{\[}}[2.000000e+00, 4.000000e+00]]], {{\[}}{{\[}}[3.000000e+00, 4.000000e+00]]]]> : tensor<2x1x1x2xf32>
// CHECK-NEXT:    %w_bias = nn.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.conv2d %x, %w, %w_bias {strides = array<i64: 2, 1>, padding = array<i64: 1, 0, 1, 1>, dilations = array<i64: 1, 2>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NEXT:    func.return %y
func.func @bn_into_conv_without_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x3x3xf32> {
  %w = nn.constant dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 2, 1>, padding = array<i64: 1, 0, 1, 1>, dilations = array<i64: 1, 2>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x3x3xf32>
  %y = nn.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// gemm with trans_b: the rows of b (the output columns) are scaled; c' = (beta * c -
// mean) * s + bias = [(0.5 - 0.5) * 2 + 1, (0.5 - 1) * 1 + 1], beta becomes 1 and
// alpha stays.

// CHECK-LABEL: func.func @bn_into_gemm
// CHECK-NEXT:    %w = nn.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    %k = nn.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.gemm %a, %w, %k {alpha = 2.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true}
// CHECK-NEXT:    func.return %y
func.func @bn_into_gemm(%a: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %k = nn.constant dense<1.0> : tensor<2xf32>
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %g = nn.gemm %a, %w, %k {alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = false, trans_b = true} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %y = nn.batch_norm %g, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// A 2-D matmul plus a constant becomes a gemm, and the batch_norm then folds into
// it: without trans_b the columns of b are scaled, c' = (1 - mean) * s + bias.

// CHECK-LABEL: func.func @matmul_add_bn
// CHECK-NEXT:    %w = nn.constant dense<{{\[}}[2.000000e+00, 2.000000e+00], [6.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    %k = nn.constant dense<[2.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.gemm %a, %w, %k {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false}
// CHECK-NEXT:    func.return %y
func.func @matmul_add_bn(%a: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %k = nn.constant dense<1.0> : tensor<2xf32>
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %m = nn.matmul %a, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = nn.add %m, %k : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %y = nn.batch_norm %s, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// A constant per output channel added to a conv (on either side) goes into its bias.

// CHECK-LABEL: func.func @add_into_conv_bias
// CHECK-NEXT:    %w = nn.constant dense<{{\[}}{{\[}}{{\[}}[1.000000e+00]]], {{\[}}{{\[}}[2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-NEXT:    %b = nn.constant dense<[7.500000e-01, -5.000000e-01]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.conv2d %x, %w, %b
// CHECK-NEXT:    func.return %y
func.func @add_into_conv_bias(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %k = nn.constant dense<[[[0.25]], [[0.5]]]> : tensor<2x1x1xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = nn.add %k, %c : (tensor<2x1x1xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// A constant added to a gemm goes into c: c' = beta * c + k.

// CHECK-LABEL: func.func @add_into_gemm_bias
// CHECK-NEXT:    %w = nn.constant
// CHECK-NEXT:    %k = nn.constant dense<{{\[}}[2.000000e+00, 3.000000e+00]]> : tensor<1x2xf32>
// CHECK-NEXT:    %y = nn.gemm %a, %w, %k {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = false}
// CHECK-NEXT:    func.return %y
func.func @add_into_gemm_bias(%a: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %k = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %d = nn.constant dense<[[0.0, -1.0]]> : tensor<1x2xf32>
  %g = nn.gemm %a, %w, %k {alpha = 1.0 : f32, beta = 2.0 : f32, trans_a = false, trans_b = false} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %y = nn.add %g, %d : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// Negative cases: nothing below may be rewritten.

// The conv has another user: its unnormalised value is still needed.
// CHECK-LABEL: func.func @conv_with_two_users
// CHECK:         %c = nn.conv2d %x, %w, %b
// CHECK-NEXT:    %y = nn.batch_norm %c, %scale, %shift, %mean, %var
// CHECK-NEXT:    func.return %y, %c
func.func @conv_with_two_users(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = nn.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y, %c : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// The input of the batch_norm is not a conv or gemm.
// CHECK-LABEL: func.func @bn_after_relu
// CHECK:         %r = nn.relu %x
// CHECK-NEXT:    %y = nn.batch_norm %r, %scale, %shift, %mean, %var
func.func @bn_after_relu(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %mean = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %r = nn.relu %x : tensor<1x2x3x3xf32>
  %y = nn.batch_norm %r, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// The statistics or the weight are function arguments, not constants.
// CHECK-LABEL: func.func @non_constant_parameters
// CHECK:         %c = nn.conv2d %x, %w, %b
// CHECK-NEXT:    %y = nn.batch_norm %c, %scale, %shift, %mean, %var
// CHECK:         %c2 = nn.conv2d %x, %w2, %b
// CHECK-NEXT:    %y2 = nn.batch_norm %c2, %scale, %shift, %mean2, %var
func.func @non_constant_parameters(%x: tensor<1x2x3x3xf32>, %mean: tensor<2xf32>, %w2: tensor<2x1x1x1xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %scale = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %mean2 = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = nn.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %c2 = nn.conv2d %x, %w2, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y2 = nn.batch_norm %c2, %scale, %shift, %mean2, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  func.return %y, %y2 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// The added constant varies along W, not along the channels; a 3-D matmul is not a
// gemm; integer products are left alone.
// CHECK-LABEL: func.func @adds_that_are_not_biases
// CHECK:         %c = nn.conv2d %x, %w, %b
// CHECK-NEXT:    %y = nn.add %c, %along_w
// CHECK-NEXT:    %m = nn.matmul %t, %w3
// CHECK-NEXT:    %z = nn.add %m, %k
// CHECK-NEXT:    %ci = nn.conv2d %xi, %wi
// CHECK-NEXT:    %yi = nn.add %ci, %ki
func.func @adds_that_are_not_biases(%x: tensor<1x2x3x3xf32>, %t: tensor<1x1x2xf32>, %xi: tensor<1x2x3x3xi32>) -> (tensor<1x2x3x3xf32>, tensor<1x1x2xf32>, tensor<1x2x3x3xi32>) {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %along_w = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %w3 = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %k = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %wi = nn.constant dense<[[[[1]]], [[[2]]]]> : tensor<2x1x1x1xi32>
  %ki = nn.constant dense<[[[1]], [[2]]]> : tensor<2x1x1xi32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = nn.add %c, %along_w : (tensor<1x2x3x3xf32>, tensor<3xf32>) -> tensor<1x2x3x3xf32>
  %m = nn.matmul %t, %w3 : (tensor<1x1x2xf32>, tensor<2x2xf32>) -> tensor<1x1x2xf32>
  %z = nn.add %m, %k : (tensor<1x1x2xf32>, tensor<2xf32>) -> tensor<1x1x2xf32>
  %ci = nn.conv2d %xi, %wi {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xi32>, tensor<2x1x1x1xi32>) -> tensor<1x2x3x3xi32>
  %yi = nn.add %ci, %ki : (tensor<1x2x3x3xi32>, tensor<2x1x1xi32>) -> tensor<1x2x3x3xi32>
  func.return %y, %z, %yi : tensor<1x2x3x3xf32>, tensor<1x1x2xf32>, tensor<1x2x3x3xi32>
}
