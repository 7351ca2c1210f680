// RUN: npu-opt %s | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Every instruction and every optional part of its syntax.

npu.program @all config "npu-base" {
  npu.dram @img input "image" at 0 : tensor<1x64x16x16xi8>
  npu.dram @k weight at 16384 : tensor<3x3x64x64xi8> = dense<2> : tensor<3x3x64x64xi8>
  npu.dram @out output at 65536 : tensor<16x16x64xf32>
  npu.dram @tmp scratch at 131072 : tensor<1024xi32>
  npu.dram @tmp2 scratch at 131072 : tensor<4096xi8>
  // NCHW in DRAM -> a padded HWC window in SRAM: pad one row/column on each side.
  %a = npu.dma_load @img[0] strides [16, 1, 256] -> <act[0x0], 18x18x64xi8> pad [1, 1, 0, 1, 1, 0] value -128 : i8
  %b = npu.dma_load @k[0] strides [12288, 4096, 64, 1] -> <weight[0x0], 3x3x64x64xi8>
  %c = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x64xi8> -> <acc[0x0], 16x16x64xi32> strides [1, 1] dilations [1, 1] groups 1 after %a, %b
  %d = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x16x64xi8> -> <acc[0x0], 8x8x64xi32> strides [2, 2] dilations [1, 1] groups 4 accumulate dataflow ws after %c
  %e = npu.matmul <act[0x0], 16x64xi8, strides [128, 1]>, <weight[0x0], 64x32xi8> -> <acc[0x0], 16x32xi32> accumulate after %d
  %f = npu.binary add <acc[0x0], 16x16x64xi32>, <acc[0x10000], 1x1x64xi32> -> <acc[0x0], 16x16x64xi32> after %c
  %g = npu.binary max <act[0x0], 4x8xi8>, <act[0x40], 4x8xi8> -> <act[0x80], 4x8xi8>
  %h = npu.unary relu <acc[0x0], 16x16x64xi32> -> <acc[0x0], 16x16x64xi32> after %f
  %i = npu.unary clamp <act[0x0], 64xf32> -> <act[0x100], 64xf32> params [0.000000e+00, 6.000000e+00]
  %j = npu.unary leaky_relu <act[0x0], 64xbf16> -> <act[0x100], 64xbf16> params [1.000000e-01]
  %k = npu.unary gelu <act[0x0], 64xf16> -> <act[0x100], 64xf16>
  %l = npu.requantize <acc[0x0], 16x16x64xi32> -> <act[0x0], 16x16x64xi8> multiplier [1518500250] shift [38] input_zp 0 output_zp 5 double_round after %h
  %l2 = npu.requantize <act[0x0], 4x2xui8> -> <act[0x40], 4x2xi16> multiplier [1518500250, 1073741824] shift [30, 31] input_zp 128 output_zp 0
  %m = npu.pool max <act[0x0], 16x16x64xi8> -> <act[0x4000], 8x8x64xi8> kernel [2, 2] strides [2, 2] after %l
  %n = npu.pool sum <act[0x0], 16x16x64xi8> -> <acc[0x0], 1x1x64xi32> kernel [16, 16] strides [1, 1] after %l
  %o = npu.pool avg <act[0x0], 4x4x8xf32> -> <act[0x200], 2x2x8xf32> kernel [2, 2] strides [2, 2]
  %p = npu.reduce sum <act[0x0], 4x64xi8> -> <acc[0x0], 4x1xi32> axis 1
  %q = npu.reduce max <act[0x0], 4x64xf32> -> <act[0x400], 1x64xf32> axis 0
  %r = npu.convert <acc[0x0], 16x16x64xi32> -> <act[0x0], 16x16x64xf32> after %n
  %s = npu.convert <act[0x0], 64xf32> -> <act[0x100], 64xi8> truncate
  %t = npu.convert <act[0x0], 64xf32> -> <act[0x100], 64xf8E4M3FN>
  %u = npu.dma_store <act[0x0], 16x16x64xf32> -> @out[0] strides [1024, 64, 1] after %r
  %v = npu.dma_load @tmp[0] strides [0, 1] -> <acc[0x0], 16x64xi32>
}

// CHECK:      npu.program @all config "npu-base" {
// CHECK-NEXT:   npu.dram @img input "image" at 0 : tensor<1x64x16x16xi8>
// CHECK-NEXT:   npu.dram @k weight at 16384 : tensor<3x3x64x64xi8> = dense<2> : tensor<3x3x64x64xi8>
// CHECK-NEXT:   npu.dram @out output at 65536 : tensor<16x16x64xf32>
// CHECK-NEXT:   npu.dram @tmp scratch at 131072 : tensor<1024xi32>
// CHECK-NEXT:   npu.dram @tmp2 scratch at 131072 : tensor<4096xi8>
// CHECK-NEXT:   %[[A:.*]] = npu.dma_load @img[0] strides [16, 1, 256] -> <act[0x0], 18x18x64xi8> pad [1, 1, 0, 1, 1, 0] value -128 : i8
// CHECK-NEXT:   %[[B:.*]] = npu.dma_load @k[0] strides [12288, 4096, 64, 1] -> <weight[0x0], 3x3x64x64xi8>
// CHECK-NEXT:   %[[C:.*]] = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x64xi8> -> <acc[0x0], 16x16x64xi32> strides [1, 1] dilations [1, 1] groups 1 after %[[A]], %[[B]]
// CHECK-NEXT:   %[[D:.*]] = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x16x64xi8> -> <acc[0x0], 8x8x64xi32> strides [2, 2] dilations [1, 1] groups 4 accumulate dataflow ws after %[[C]]
// CHECK-NEXT:   %{{.*}} = npu.matmul <act[0x0], 16x64xi8, strides [128, 1]>, <weight[0x0], 64x32xi8> -> <acc[0x0], 16x32xi32> accumulate after %[[D]]
// CHECK-NEXT:   %[[F:.*]] = npu.binary add <acc[0x0], 16x16x64xi32>, <acc[0x10000], 1x1x64xi32> -> <acc[0x0], 16x16x64xi32> after %[[C]]
// CHECK-NEXT:   %{{.*}} = npu.binary max <act[0x0], 4x8xi8>, <act[0x40], 4x8xi8> -> <act[0x80], 4x8xi8>
// CHECK-NEXT:   %[[H:.*]] = npu.unary relu <acc[0x0], 16x16x64xi32> -> <acc[0x0], 16x16x64xi32> after %[[F]]
// CHECK-NEXT:   %{{.*}} = npu.unary clamp <act[0x0], 64xf32> -> <act[0x100], 64xf32> params [0.000000e+00, 6.000000e+00]
// CHECK-NEXT:   %{{.*}} = npu.unary leaky_relu <act[0x0], 64xbf16> -> <act[0x100], 64xbf16> params [1.000000e-01]
// CHECK-NEXT:   %{{.*}} = npu.unary gelu <act[0x0], 64xf16> -> <act[0x100], 64xf16>
// CHECK-NEXT:   %[[L:.*]] = npu.requantize <acc[0x0], 16x16x64xi32> -> <act[0x0], 16x16x64xi8> multiplier [1518500250] shift [38] input_zp 0 output_zp 5 double_round after %[[H]]
// CHECK-NEXT:   %{{.*}} = npu.requantize <act[0x0], 4x2xui8> -> <act[0x40], 4x2xi16> multiplier [1518500250, 1073741824] shift [30, 31] input_zp 128 output_zp 0
// CHECK-NEXT:   %{{.*}} = npu.pool max <act[0x0], 16x16x64xi8> -> <act[0x4000], 8x8x64xi8> kernel [2, 2] strides [2, 2] after %[[L]]
// CHECK-NEXT:   %[[N:.*]] = npu.pool sum <act[0x0], 16x16x64xi8> -> <acc[0x0], 1x1x64xi32> kernel [16, 16] strides [1, 1] after %[[L]]
// CHECK-NEXT:   %{{.*}} = npu.pool avg <act[0x0], 4x4x8xf32> -> <act[0x200], 2x2x8xf32> kernel [2, 2] strides [2, 2]
// CHECK-NEXT:   %{{.*}} = npu.reduce sum <act[0x0], 4x64xi8> -> <acc[0x0], 4x1xi32> axis 1
// CHECK-NEXT:   %{{.*}} = npu.reduce max <act[0x0], 4x64xf32> -> <act[0x400], 1x64xf32> axis 0
// CHECK-NEXT:   %[[R:.*]] = npu.convert <acc[0x0], 16x16x64xi32> -> <act[0x0], 16x16x64xf32> after %[[N]]
// CHECK-NEXT:   %{{.*}} = npu.convert <act[0x0], 64xf32> -> <act[0x100], 64xi8> truncate
// CHECK-NEXT:   %{{.*}} = npu.convert <act[0x0], 64xf32> -> <act[0x100], 64xf8E4M3FN>
// CHECK-NEXT:   %{{.*}} = npu.dma_store <act[0x0], 16x16x64xf32> -> @out[0] strides [1024, 64, 1] after %[[R]]
// CHECK-NEXT:   %{{.*}} = npu.dma_load @tmp[0] strides [0, 1] -> <acc[0x0], 16x64xi32>
// CHECK-NEXT: }

// GENERIC: "npu.dma_load"() <{dram = @img, offset = 0 : i64, strides = array<i64: 16, 1, 256>, dest = #npu.tile<act[0x0], 18x18x64xi8>, pad = array<i64: 1, 1, 0, 1, 1, 0>, pad_value = -128 : i8}> : () -> !npu.token
// GENERIC: "npu.matmul"(%{{.*}}) <{lhs = #npu.tile<act[0x0], 16x64xi8, strides [128, 1]>, rhs = #npu.tile<weight[0x0], 64x32xi8>, dest = #npu.tile<acc[0x0], 16x32xi32>, accumulate}> : (!npu.token) -> !npu.token
