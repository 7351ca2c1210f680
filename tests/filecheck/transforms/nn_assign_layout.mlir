// RUN: npu-opt %s --split-input-file -p nn-assign-layout | filecheck %s
// RUN: npu-opt %s --split-input-file -p 'nn-assign-layout{activations=nchw}' | filecheck %s --check-prefix=NCHW
// RUN: npu-opt %s --split-input-file -p 'nn-assign-layout{weights=model}' | filecheck %s --check-prefix=MODEL
// RUN: npu-opt %s --split-input-file -p 'nn-fuse-epilogue,nn-assign-layout' | filecheck %s --check-prefix=FUSED
// RUN: npu-opt %s --split-input-file -p 'nn-assign-layout,nn-assign-layout{activations=nchw weights=model}' | filecheck %s --check-prefix=CLEAR

// A CNN: what the conv, the ReLU and the pool read is stored NHWC, the conv weights
// HWIO and the transposed gemm weights [K, N]. The pool's result is read by a flatten
// (a view), the gemm's is returned: both stay row-major, as do the function's input
// and the bias constants.

// CHECK-LABEL: func.func @cnn
// CHECK-NEXT:    %w = nn.constant {{.*}} : tensor<3x2x3x3xf32> {nn.layout = array<i64: 2, 3, 1, 0>}
// CHECK-NEXT:    %b = nn.constant {{.*}} : tensor<3xf32>{{$}}
// CHECK-NEXT:    %c = nn.conv2d %x, %w, %b {{{.*}}, nn.layout = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %r = nn.relu %c {nn.layout = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %p = nn.max_pool2d %r {{{.*}}ceil_mode = false} :
// CHECK-NEXT:    %f = nn.flatten %p {axis = 1 : i64} :
// CHECK-NEXT:    %fw = nn.constant {{.*}} : tensor<4x48xf32> {nn.layout = array<i64: 1, 0>}
// CHECK-NEXT:    %g = nn.gemm %f, %fw {{{.*}}trans_b = true} :
// CHECK-NEXT:    func.return %g

// activations=nchw: only the weights are re-laid out.
// NCHW-LABEL: func.func @cnn
// NCHW-NEXT:    %w = nn.constant {{.*}} {nn.layout = array<i64: 2, 3, 1, 0>}
// NCHW-NOT:     nn.layout = array<i64: 0, 2, 3, 1>
// NCHW:         %fw = nn.constant {{.*}} {nn.layout = array<i64: 1, 0>}

// weights=model: only the activations are.
// MODEL-LABEL: func.func @cnn
// MODEL-NEXT:    %w = nn.constant {{.*}} : tensor<3x2x3x3xf32>{{$}}
// MODEL-NEXT:    %b = nn.constant
// MODEL-NEXT:    %c = nn.conv2d {{.*}}nn.layout = array<i64: 0, 2, 3, 1>}
// MODEL:         %fw = nn.constant {{.*}} : tensor<4x48xf32>{{$}}

// After nn-fuse-epilogue the ops inside the group carry the layouts (the lowering
// puts them back into the function), judged by the readers outside the group.
// FUSED-LABEL: func.func @cnn
// FUSED:         %r = nn.fused (%input = %x, %weight = %w, %bias = %b) : ({{.*}}) -> tensor<1x3x8x8xf32> {
// FUSED-NEXT:      %c = nn.conv2d %input, %weight, %bias {{{.*}}, nn.layout = array<i64: 0, 2, 3, 1>}
// FUSED-NEXT:      %{{.*}} = nn.relu %c {nn.layout = array<i64: 0, 2, 3, 1>}
// FUSED-NEXT:      nn.yield

// Running the pass again decides every layout again: attributes it would not set go.
// CLEAR-LABEL: func.func @cnn
// CLEAR-NOT:     nn.layout
// CLEAR:         func.return
func.func @cnn(%x: tensor<1x2x8x8xf32>) -> tensor<1x4xf32> {
  %w = nn.constant dense<0.5> : tensor<3x2x3x3xf32>
  %b = nn.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  %r = nn.relu %c : tensor<1x3x8x8xf32>
  %p = nn.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %f = nn.flatten %p {axis = 1 : i64} : (tensor<1x3x4x4xf32>) -> tensor<1x48xf32>
  %fw = nn.constant dense<0.125> : tensor<4x48xf32>
  %g = nn.gemm %f, %fw {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<1x48xf32>, tensor<4x48xf32>) -> tensor<1x4xf32>
  func.return %g : tensor<1x4xf32>
}

// -----

// int8: quantize, qconv2d, requantize and the residual qadd all read spatially; the
// qadd's result is returned, so it stays row-major. A stale nn.layout on the
// requantize, which the transpose reads, is removed.

// CHECK-LABEL: func.func @int8_residual
// CHECK-NEXT:    %q = nn.quantize %x {{{.*}}, nn.layout = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %w = nn.constant {{.*}} {nn.layout = array<i64: 2, 3, 1, 0>}
// CHECK-NEXT:    %acc = nn.qconv2d %q, %w {{{.*}}, nn.layout = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %y = nn.requantize %acc {{{.*}}, nn.layout = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %s = nn.qadd %y, %q {{{[^}]*}}} :
// CHECK-NEXT:    %t = nn.requantize %acc {{{[^}]*}}} :
// CHECK-NEXT:    %v = nn.transpose %t
func.func @int8_residual(%x: tensor<1x4x6x6xf32>) -> (tensor<1x4x6x6xi8>, tensor<1x6x6x4xi8>) {
  %q = nn.quantize %x {scale = 5.000000e-01 : f32, zero_point = 0 : i64} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xi8>
  %w = nn.constant dense<3> : tensor<4x4x3x3xi8>
  %acc = nn.qconv2d %q, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = 0 : i64} : (tensor<1x4x6x6xi8>, tensor<4x4x3x3xi8>) -> tensor<1x4x6x6xi32>
  %y = nn.requantize %acc {multiplier = array<i64: 1073741824>, shift = array<i64: 36>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<1x4x6x6xi32>) -> tensor<1x4x6x6xi8>
  %s = nn.qadd %y, %q {lhs_zp = 0 : i64, lhs_multiplier = 1073741824 : i64, lhs_shift = 30 : i64, rhs_zp = 0 : i64, rhs_multiplier = 1073741824 : i64, rhs_shift = 30 : i64, output_zp = 0 : i64, output_multiplier = 1073741824 : i64, output_shift = 30 : i64, clamp = array<i64: -128, 127>} : (tensor<1x4x6x6xi8>, tensor<1x4x6x6xi8>) -> tensor<1x4x6x6xi8>
  %t = nn.requantize %acc {multiplier = array<i64: 1073741824>, shift = array<i64: 36>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 0 : i64, double_round = false, clamp = array<i64: -128, 127>, nn.layout = array<i64: 0, 2, 3, 1>} : (tensor<1x4x6x6xi32>) -> tensor<1x4x6x6xi8>
  %v = nn.transpose %t {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x6x6xi8>) -> tensor<1x6x6x4xi8>
  func.return %s, %v : tensor<1x4x6x6xi8>, tensor<1x6x6x4xi8>
}

// -----

// A value that a conv reads as its input and as its weights (%a), or that a spatial op
// and a product read (%d), has no layout that suits both: row-major. A depthwise
// conv's weights are HWIO like any conv's.

// CHECK-LABEL: func.func @mixed_readers
// CHECK-NEXT:    %a = nn.relu %x : tensor<2x2x3x3xf32>
// CHECK-NEXT:    %c = nn.conv2d %a, %a {{{.*}}, nn.layout = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %dw = nn.constant {{.*}} {nn.layout = array<i64: 2, 3, 1, 0>}
// CHECK-NEXT:    %d = nn.conv2d %c, %dw {{{[^}]*}}} :
// CHECK-NEXT:    %e = nn.exp %d : tensor<2x2x1x1xf32>
// CHECK-NEXT:    %m = nn.matmul %d, %d
func.func @mixed_readers(%x: tensor<2x2x3x3xf32>) -> (tensor<2x2x1x1xf32>, tensor<2x2x1x1xf32>) {
  %a = nn.relu %x : tensor<2x2x3x3xf32>
  %c = nn.conv2d %a, %a {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<2x2x3x3xf32>, tensor<2x2x3x3xf32>) -> tensor<2x2x1x1xf32>
  %dw = nn.constant dense<2.0> : tensor<2x1x1x1xf32>
  %d = nn.conv2d %c, %dw {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<2x2x1x1xf32>, tensor<2x1x1x1xf32>) -> tensor<2x2x1x1xf32>
  %e = nn.exp %d : tensor<2x2x1x1xf32>
  %m = nn.matmul %d, %d : (tensor<2x2x1x1xf32>, tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xf32>
  func.return %e, %m : tensor<2x2x1x1xf32>, tensor<2x2x1x1xf32>
}
