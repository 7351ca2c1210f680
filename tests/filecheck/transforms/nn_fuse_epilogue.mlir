// RUN: npu-opt %s --split-input-file -p nn-fuse-epilogue | filecheck %s
// RUN: npu-opt %s --split-input-file -p 'nn-fuse-epilogue{residual=false}' | filecheck %s --check-prefix=NORES
// RUN: npu-opt %s --split-input-file -p 'nn-fuse-epilogue{max-epilogue-ops=1}' | filecheck %s --check-prefix=MAX1
// RUN: npu-opt %s --split-input-file --verify-diagnostics -p 'nn-fuse-epilogue{max-epilogue-ops=0}' | filecheck %s --check-prefix=ZERO
// RUN: npu-opt %s --split-input-file --verify-diagnostics -p 'nn-fuse-epilogue,nn-convert-precision{precision=bf16}' | filecheck %s --check-prefix=ORDER

// ZERO: pass nn-fuse-epilogue: max-epilogue-ops must be at least 1, got 0
// The precision passes rewrite single ops: they run before the fusion.
// ORDER: pass nn-convert-precision: @conv_bias_relu has nn.fused groups: change the precision before nn-fuse-epilogue

// conv + per-channel bias + ReLU: one group; the constants stay outside as operands
// (the bias constant defined between the conv and the add moves before the conv).

// CHECK-LABEL: func.func @conv_bias_relu
// CHECK-NEXT:    %w = nn.constant
// CHECK-NEXT:    %b = nn.constant
// CHECK-NEXT:    %r = nn.fused (%input = %x, %weight = %w, %bias = %b) : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
// CHECK-NEXT:      %c = nn.conv2d %input, %weight {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:      %a = nn.add %c, %bias : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:      %[[R:.*]] = nn.relu %a : tensor<1x2x4x4xf32>
// CHECK-NEXT:      nn.yield %[[R]] : tensor<1x2x4x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %r : tensor<1x2x4x4xf32>
// MAX1-LABEL: func.func @conv_bias_relu
// MAX1:         %a = nn.fused
// MAX1-NEXT:      nn.conv2d
// MAX1-NEXT:      %[[A:.*]] = nn.add
// MAX1-NEXT:      nn.yield %[[A]]
// MAX1-NEXT:    }
// MAX1-NEXT:    %r = nn.relu %a : tensor<1x2x4x4xf32>
func.func @conv_bias_relu(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %b = nn.constant dense<[[[[0.25]], [[-0.5]]]]> : tensor<1x2x1x1xf32>
  %a = nn.add %c, %b : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %a : tensor<1x2x4x4xf32>
  func.return %r : tensor<1x2x4x4xf32>
}

// -----

// conv + residual add + ReLU. The shortcut is computed after the conv, so the group
// goes right after it.

// CHECK-LABEL: func.func @conv_residual_relu
// CHECK-NEXT:    %w = nn.constant
// CHECK-NEXT:    %s = nn.neg %y : tensor<1x2x4x4xf32>
// CHECK-NEXT:    %r = nn.fused (%input = %x, %weight = %w, %residual = %s) : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
// CHECK-NEXT:      %c = nn.conv2d %input, %weight
// CHECK-NEXT:      %a = nn.add %residual, %c : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:      %[[R:.*]] = nn.relu %a
// CHECK-NEXT:      nn.yield %[[R]]
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %r
// With residual=false the add stays outside and the ReLU after it too.
// NORES-LABEL: func.func @conv_residual_relu
// NORES-NOT:     nn.fused
// NORES:         func.return
func.func @conv_residual_relu(%x: tensor<1x2x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %s = nn.neg %y : tensor<1x2x4x4xf32>
  %a = nn.add %s, %c : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %a : tensor<1x2x4x4xf32>
  func.return %r : tensor<1x2x4x4xf32>
}

// -----

// matmul + bias (a per-channel constant along the last dim) + GELU.

// CHECK-LABEL: func.func @matmul_bias_gelu
// CHECK:         %g = nn.fused (%lhs = %x, %rhs = %w, %bias = %b) : (tensor<1x3x4xf32>, tensor<4x5xf32>, tensor<5xf32>) -> tensor<1x3x5xf32> {
// CHECK-NEXT:      %m = nn.matmul %lhs, %rhs : (tensor<1x3x4xf32>, tensor<4x5xf32>) -> tensor<1x3x5xf32>
// CHECK-NEXT:      %a = nn.add %m, %bias : (tensor<1x3x5xf32>, tensor<5xf32>) -> tensor<1x3x5xf32>
// CHECK-NEXT:      %[[G:.*]] = nn.gelu %a {approximate = "tanh"} : tensor<1x3x5xf32>
// CHECK-NEXT:      nn.yield %[[G]] : tensor<1x3x5xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %g
func.func @matmul_bias_gelu(%x: tensor<1x3x4xf32>) -> tensor<1x3x5xf32> {
  %w = nn.constant dense<0.5> : tensor<4x5xf32>
  %b = nn.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0]> : tensor<5xf32>
  %m = nn.matmul %x, %w : (tensor<1x3x4xf32>, tensor<4x5xf32>) -> tensor<1x3x5xf32>
  %a = nn.add %m, %b : (tensor<1x3x5xf32>, tensor<5xf32>) -> tensor<1x3x5xf32>
  %g = nn.gelu %a {approximate = "tanh"} : tensor<1x3x5xf32>
  func.return %g : tensor<1x3x5xf32>
}

// -----

// int8: qconv2d + requantize (per channel along the channels), then the int8
// residual nn.qadd with its own rescales; the dequantize is not part of the epilogue.

// CHECK-LABEL: func.func @qconv_requantize_qadd
// CHECK:         %s = nn.fused (%input = %x, %weight = %w, %bias = %b, %residual = %y) : (tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>, tensor<2xi32>, tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
// CHECK-NEXT:      %acc = nn.qconv2d %input, %weight, %bias
// CHECK-NEXT:      %q = nn.requantize %acc {{.*}} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:      %[[S:.*]] = nn.qadd %q, %residual
// CHECK-NEXT:      nn.yield %[[S]] : tensor<1x2x4x4xi8>
// CHECK-NEXT:    }
// CHECK-NEXT:    %d = nn.dequantize %s
// NORES-LABEL: func.func @qconv_requantize_qadd
// NORES:         %q = nn.fused
// NORES-NEXT:      nn.qconv2d
// NORES-NEXT:      %[[Q:.*]] = nn.requantize
// NORES-NEXT:      nn.yield %[[Q]]
// NORES-NEXT:    }
// NORES-NEXT:    %s = nn.qadd %q, %y
func.func @qconv_requantize_qadd(%x: tensor<1x2x4x4xi8>, %y: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<3> : tensor<2x2x1x1xi8>
  %b = nn.constant dense<[10, -10]> : tensor<2xi32>
  %acc = nn.qconv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>, tensor<2xi32>) -> tensor<1x2x4x4xi32>
  %q = nn.requantize %acc {multiplier = array<i64: 1073741824, 1518500250>, shift = array<i64: 33, 34>, axis = 1 : i64, input_zp = 0 : i64, output_zp = -3 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
  %s = nn.qadd %q, %y {lhs_zp = -3 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 11 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 11 : i64, output_multiplier = 1073741824 : i64, output_shift = 50 : i64, output_zp = 0 : i64, clamp = array<i64: 0, 127>} : (tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8>
  %d = nn.dequantize %s {scale = 0.5 : f32, zero_point = 0 : i64} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  func.return %d : tensor<1x2x4x4xf32>
}

// -----

// A requantize whose multipliers run along another dim than the channels is not an
// epilogue step of this anchor.

// CHECK-LABEL: func.func @requantize_other_axis
// CHECK-NOT:     nn.fused
// CHECK:         func.return
func.func @requantize_other_axis(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> {
  %w = nn.constant dense<3> : tensor<2x2x1x1xi8>
  %acc = nn.qconv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>) -> tensor<1x2x4x4xi32>
  %q = nn.requantize %acc {multiplier = array<i64: 1073741824, 1073741824, 1073741824, 1073741824>, shift = array<i64: 33, 33, 33, 33>, axis = 2 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
  func.return %q : tensor<1x2x4x4xi8>
}

// -----

// A ReLU with two users: the conv and the ReLU are fused (the ReLU's result is the
// group's, used twice), nothing after them.

// CHECK-LABEL: func.func @two_users
// CHECK:         %r = nn.fused
// CHECK-NEXT:      nn.conv2d
// CHECK-NEXT:      %[[R:.*]] = nn.relu
// CHECK-NEXT:      nn.yield %[[R]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %n = nn.neg %r
// CHECK-NEXT:    %t = nn.tanh %r
func.func @two_users(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %c : tensor<1x2x4x4xf32>
  %n = nn.neg %r : tensor<1x2x4x4xf32>
  %t = nn.tanh %r : tensor<1x2x4x4xf32>
  func.return %n, %t : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A conv whose result has two users heads no group: the ReLU is not fused.

// CHECK-LABEL: func.func @anchor_two_users
// CHECK-NOT:     nn.fused
// CHECK:         func.return
func.func @anchor_two_users(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %c : tensor<1x2x4x4xf32>
  func.return %r, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A pooling is not elementwise: it stops the chain (the ReLU after it stays out).

// CHECK-LABEL: func.func @pool_stops
// CHECK:         %r = nn.fused
// CHECK-NEXT:      nn.conv2d
// CHECK-NEXT:      %[[R:.*]] = nn.relu
// CHECK-NEXT:      nn.yield %[[R]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %p = nn.max_pool2d %r
// CHECK-NEXT:    %q = nn.relu %p
func.func @pool_stops(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %c : tensor<1x2x4x4xf32>
  %p = nn.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %q = nn.relu %p : tensor<1x2x2x2xf32>
  func.return %q : tensor<1x2x2x2xf32>
}

// -----

// A softmax is not elementwise either: nothing is fused after the matmul.

// CHECK-LABEL: func.func @softmax_stops
// CHECK-NOT:     nn.fused
// CHECK:         func.return
func.func @softmax_stops(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>) -> tensor<2x4xf32> {
  %m = nn.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %s = nn.softmax %m {axis = 1 : i64} : tensor<2x4xf32>
  func.return %s : tensor<2x4xf32>
}

// -----

// A residual that broadcasts along H and W (one value per pixel, not per channel) is
// not fused, nor an add whose result is larger than the anchor's.

// CHECK-LABEL: func.func @broadcasts
// CHECK-NOT:     nn.fused
// CHECK:         func.return
func.func @broadcasts(%x: tensor<1x2x4x4xf32>, %pixel: tensor<1x1x4x4xf32>, %big: tensor<3x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<3x2x4x4xf32>) {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %a = nn.add %c, %pixel : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %d = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %e = nn.add %d, %big : (tensor<1x2x4x4xf32>, tensor<3x2x4x4xf32>) -> tensor<3x2x4x4xf32>
  func.return %a, %e : tensor<1x2x4x4xf32>, tensor<3x2x4x4xf32>
}

// -----

// The epilogue runs bias, residual, activation, requantize/cast: an add after the
// ReLU would go back a step, so the group ends at the ReLU.

// CHECK-LABEL: func.func @order
// CHECK:         %r = nn.fused
// CHECK-NEXT:      nn.conv2d
// CHECK-NEXT:      %[[R:.*]] = nn.relu
// CHECK-NEXT:      nn.yield %[[R]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %a = nn.add %r, %y
func.func @order(%x: tensor<1x2x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x3x3xf32>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %c : tensor<1x2x4x4xf32>
  %a = nn.add %r, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  func.return %a : tensor<1x2x4x4xf32>
}

// -----

// bf16 operands accumulated in f32: the ReLU and the cast back to bf16 are the
// epilogue; at most four ops are fused (the fifth, a second cast, stays out).

// CHECK-LABEL: func.func @cast_and_limit
// CHECK:         %t = nn.fused (%a = %x, %b = %w) : (tensor<2x4xbf16>, tensor<4x4xbf16>) -> tensor<2x4xf32> {
// CHECK-NEXT:      %g = nn.gemm %a, %b
// CHECK-NEXT:      %r = nn.relu %g
// CHECK-NEXT:      %k = nn.clamp %r
// CHECK-NEXT:      %h = nn.cast %k : (tensor<2x4xf32>) -> tensor<2x4xbf16>
// CHECK-NEXT:      %[[T:.*]] = nn.cast %h : (tensor<2x4xbf16>) -> tensor<2x4xf32>
// CHECK-NEXT:      nn.yield %[[T]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %u = nn.cast %t : (tensor<2x4xf32>) -> tensor<2x4xbf16>
func.func @cast_and_limit(%x: tensor<2x4xbf16>) -> tensor<2x4xbf16> {
  %w = nn.constant dense<0.5> : tensor<4x4xbf16>
  %g = nn.gemm %x, %w {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x4xbf16>, tensor<4x4xbf16>) -> tensor<2x4xf32>
  %r = nn.relu %g : tensor<2x4xf32>
  %k = nn.clamp %r {min = -1.0 : f32, max = 6.0 : f32} : tensor<2x4xf32>
  %h = nn.cast %k : (tensor<2x4xf32>) -> tensor<2x4xbf16>
  %t = nn.cast %h : (tensor<2x4xbf16>) -> tensor<2x4xf32>
  %u = nn.cast %t : (tensor<2x4xf32>) -> tensor<2x4xbf16>
  func.return %u : tensor<2x4xbf16>
}
