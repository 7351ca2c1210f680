// RUN: npu-opt %s --split-input-file -p 'nn-assign-layout,convert-nn-to-npu' | filecheck %s

// Max pooling: the window is padded with -inf by the DMA.

// CHECK-LABEL: npu.program @max_pool config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<1x8x8x8xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 2048 : tensor<1x8x4x4xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [8, 1, 64] -> <act[0x0], 9x9x8xf32> pad [1, 1, 0, 0, 0, 0] value 0xff800000 : f32 {origin = "p"}
// CHECK-NEXT:   %1 = npu.pool max <act[0x0], 9x9x8xf32> -> <weight[0x0], 4x4x8xf32> kernel [3, 3] strides [2, 2] after %0 {origin = "p"}
// CHECK-NEXT:   %2 = npu.dma_store <weight[0x0], 4x4x8xf32> -> @result0[0] strides [4, 1, 16] after %1 {origin = "p"}
// CHECK-NEXT:  }
func.func @max_pool(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
  %p = nn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  func.return %p : tensor<1x8x4x4xf32>
}

// -----

// Average pooling whose border windows reach into the padding: sum pooling, then a
// division by the per-position count of cells inside the input (count_include_pad false).

// CHECK-LABEL: npu.program @avg_pool config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<1x4x6x6xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 576 : tensor<1x4x3x3xf32>
// CHECK-NEXT:   npu.dram @pool_counts weight at 768 : tensor<3x3x1xf32> = dense<[[[4.000000e+00], [6.000000e+00], [6.000000e+00]], [[6.000000e+00], [9.000000e+00], [9.000000e+00]], [[6.000000e+00], [9.000000e+00], [9.000000e+00]]]> : tensor<3x3x1xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [6, 1, 36] -> <act[0x0], 7x7x4xf32> pad [1, 1, 0, 0, 0, 0] value 0.000000e+00 : f32 {origin = "p"}
// CHECK-NEXT:   %1 = npu.pool sum <act[0x0], 7x7x4xf32> -> <weight[0x0], 3x3x4xf32> kernel [3, 3] strides [2, 2] after %0 {origin = "p"}
// CHECK-NEXT:   %2 = npu.dma_load @pool_counts[0] strides [3, 1, 1] -> <weight[0x180], 3x3x1xf32> {origin = "p"}
// CHECK-NEXT:   %3 = npu.binary div <weight[0x0], 3x3x4xf32>, <weight[0x180], 3x3x1xf32> -> <weight[0x0], 3x3x4xf32> after %2 {origin = "p"}
// CHECK-NEXT:   %4 = npu.dma_store <weight[0x0], 3x3x4xf32> -> @result0[0] strides [3, 1, 9] after %3 {origin = "p"}
// CHECK-NEXT:  }
func.func @avg_pool(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32> {
  %p = nn.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, ceil_mode = false, count_include_pad = false} : (tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32>
  func.return %p : tensor<1x4x3x3xf32>
}

// -----

// An elementwise chain runs on one tile: the broadcast operand is a 1xN tile.

// CHECK-LABEL: npu.program @elementwise config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<4x32xf32>
// CHECK-NEXT:   npu.dram @y input "arg1" at 512 : tensor<32xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 640 : tensor<4x32xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [32, 1] -> <act[0x0], 4x32xf32> {origin = "a"}
// CHECK-NEXT:   %1 = npu.dma_load @y[0] strides [0, 1] -> <act[0x400], 1x32xf32> {origin = "a"}
// CHECK-NEXT:   %2 = npu.binary add <act[0x0], 4x32xf32>, <act[0x400], 1x32xf32> -> <act[0x0], 4x32xf32> after %1 {origin = "a"}
// CHECK-NEXT:   %3 = npu.unary sigmoid <act[0x0], 4x32xf32> -> <act[0x0], 4x32xf32> {origin = "s"}
// CHECK-NEXT:   %4 = npu.dma_load @x[0] strides [32, 1] -> <weight[0x0], 4x32xf32> {origin = "m"}
// CHECK-NEXT:   %5 = npu.binary mul <act[0x0], 4x32xf32>, <weight[0x0], 4x32xf32> -> <act[0x0], 4x32xf32> after %4 {origin = "m"}
// CHECK-NEXT:   %6 = npu.dma_store <act[0x0], 4x32xf32> -> @result0[0] strides [32, 1] after %5 {origin = "m"}
// CHECK-NEXT:  }
func.func @elementwise(%x: tensor<4x32xf32>, %y: tensor<32xf32>) -> tensor<4x32xf32> {
  %a = nn.add %x, %y : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %s = nn.sigmoid %a : tensor<4x32xf32>
  %m = nn.mul %s, %x : (tensor<4x32xf32>, tensor<4x32xf32>) -> tensor<4x32xf32>
  func.return %m : tensor<4x32xf32>
}

// -----

// Softmax along the last axis, row tiles.

// CHECK-LABEL: npu.program @softmax config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<2x3x16xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 384 : tensor<2x3x16xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [16, 1] -> <act[0x0], 3x16xf32> {origin = "s"}
// CHECK-NEXT:   %1 = npu.reduce max <act[0x0], 3x16xf32> -> <weight[0x0], 3x1xf32> axis 1 after %0 {origin = "s"}
// CHECK-NEXT:   %2 = npu.binary sub <act[0x0], 3x16xf32>, <weight[0x0], 3x1xf32> -> <act[0x0], 3x16xf32> after %0 {origin = "s"}
// CHECK-NEXT:   %3 = npu.unary exp <act[0x0], 3x16xf32> -> <act[0x0], 3x16xf32> {origin = "s"}
// CHECK-NEXT:   %4 = npu.reduce sum <act[0x0], 3x16xf32> -> <weight[0x80], 3x1xf32> axis 1 {origin = "s"}
// CHECK-NEXT:   %5 = npu.unary reciprocal <weight[0x80], 3x1xf32> -> <weight[0x80], 3x1xf32> {origin = "s"}
// CHECK-NEXT:   %6 = npu.binary mul <act[0x0], 3x16xf32>, <weight[0x80], 3x1xf32> -> <act[0x0], 3x16xf32> {origin = "s"}
// CHECK-NEXT:   %7 = npu.dma_store <act[0x0], 3x16xf32> -> @result0[0] strides [16, 1] after %6 {origin = "s"}
// CHECK-NEXT:   %8 = npu.dma_load @x[48] strides [16, 1] -> <act[0xc0], 3x16xf32> {origin = "s"}
// CHECK-NEXT:   %9 = npu.reduce max <act[0xc0], 3x16xf32> -> <weight[0x40], 3x1xf32> axis 1 after %8 {origin = "s"}
// CHECK-NEXT:   %10 = npu.binary sub <act[0xc0], 3x16xf32>, <weight[0x40], 3x1xf32> -> <act[0xc0], 3x16xf32> after %8 {origin = "s"}
// CHECK-NEXT:   %11 = npu.unary exp <act[0xc0], 3x16xf32> -> <act[0xc0], 3x16xf32> {origin = "s"}
// CHECK-NEXT:   %12 = npu.reduce sum <act[0xc0], 3x16xf32> -> <weight[0xc0], 3x1xf32> axis 1 {origin = "s"}
// CHECK-NEXT:   %13 = npu.unary reciprocal <weight[0xc0], 3x1xf32> -> <weight[0xc0], 3x1xf32> {origin = "s"}
// CHECK-NEXT:   %14 = npu.binary mul <act[0xc0], 3x16xf32>, <weight[0xc0], 3x1xf32> -> <act[0xc0], 3x16xf32> {origin = "s"}
// CHECK-NEXT:   %15 = npu.dma_store <act[0xc0], 3x16xf32> -> @result0[48] strides [16, 1] after %14 {origin = "s"}
// CHECK-NEXT:  }
func.func @softmax(%x: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %s = nn.softmax %x {axis = 2 : i64} : tensor<2x3x16xf32>
  func.return %s : tensor<2x3x16xf32>
}

// -----

// Layer norm: mean and variance by reductions, then scale and bias rows.

// CHECK-LABEL: npu.program @layer_norm config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<8x32xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 1024 : tensor<8x32xf32>
// CHECK-NEXT:   npu.dram @g weight at 2048 : tensor<1x32xf32> = dense<1.500000e+00> : tensor<1x32xf32>
// CHECK-NEXT:   npu.dram @b weight at 2176 : tensor<1x32xf32> = dense<-5.000000e-01> : tensor<1x32xf32>
// CHECK-NEXT:   npu.dram @layer_norm_constants weight at 2304 : tensor<1x2xf32> = dense<[[3.200000e+01, 1.000000e-05]]> : tensor<1x2xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [32, 1] -> <act[0x0], 8x32xf32> {origin = "n"}
// CHECK-NEXT:   %1 = npu.dma_load @layer_norm_constants[0] strides [2, 1] -> <act[0x980], 1x1xf32> {origin = "n"}
// CHECK-NEXT:   %2 = npu.dma_load @layer_norm_constants[1] strides [2, 1] -> <act[0x9c0], 1x1xf32> {origin = "n"}
// CHECK-NEXT:   %3 = npu.reduce sum <act[0x0], 8x32xf32> -> <act[0x800], 8x1xf32> axis 1 after %0 {origin = "n"}
// CHECK-NEXT:   %4 = npu.binary div <act[0x800], 8x1xf32>, <act[0x980], 1x1xf32> -> <act[0x800], 8x1xf32> after %1 {origin = "n"}
// CHECK-NEXT:   %5 = npu.binary sub <act[0x0], 8x32xf32>, <act[0x800], 8x1xf32> -> <act[0x0], 8x32xf32> after %0 {origin = "n"}
// CHECK-NEXT:   %6 = npu.binary mul <act[0x0], 8x32xf32>, <act[0x0], 8x32xf32> -> <weight[0x0], 8x32xf32> {origin = "n"}
// CHECK-NEXT:   %7 = npu.reduce sum <weight[0x0], 8x32xf32> -> <weight[0x800], 8x1xf32> axis 1 {origin = "n"}
// CHECK-NEXT:   %8 = npu.binary div <weight[0x800], 8x1xf32>, <act[0x980], 1x1xf32> -> <weight[0x800], 8x1xf32> after %1 {origin = "n"}
// CHECK-NEXT:   %9 = npu.binary add <weight[0x800], 8x1xf32>, <act[0x9c0], 1x1xf32> -> <weight[0x800], 8x1xf32> after %2 {origin = "n"}
// CHECK-NEXT:   %10 = npu.unary sqrt <weight[0x800], 8x1xf32> -> <weight[0x800], 8x1xf32> {origin = "n"}
// CHECK-NEXT:   %11 = npu.binary div <act[0x0], 8x32xf32>, <weight[0x800], 8x1xf32> -> <act[0x0], 8x32xf32> {origin = "n"}
// CHECK-NEXT:   %12 = npu.dma_load @g[0] strides [32, 1] -> <act[0x880], 1x32xf32> {origin = "n"}
// CHECK-NEXT:   %13 = npu.binary mul <act[0x0], 8x32xf32>, <act[0x880], 1x32xf32> -> <act[0x0], 8x32xf32> after %12 {origin = "n"}
// CHECK-NEXT:   %14 = npu.dma_load @b[0] strides [32, 1] -> <weight[0x880], 1x32xf32> {origin = "n"}
// CHECK-NEXT:   %15 = npu.binary add <act[0x0], 8x32xf32>, <weight[0x880], 1x32xf32> -> <act[0x0], 8x32xf32> after %14 {origin = "n"}
// CHECK-NEXT:   %16 = npu.dma_store <act[0x0], 8x32xf32> -> @result0[0] strides [32, 1] after %15 {origin = "n"}
// CHECK-NEXT:  }
func.func @layer_norm(%x: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %g = nn.constant dense<1.500000e+00> : tensor<32xf32>
  %b = nn.constant dense<-5.000000e-01> : tensor<32xf32>
  %n = nn.layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  func.return %n : tensor<8x32xf32>
}

// -----

// Global average pooling: a sum pool over the whole spatial window, divided by H*W.
// The ReLU before it is an elementwise op of its own (NHWC scratch in between).

// CHECK-LABEL: npu.program @global_pool config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<1x16x4x4xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 1024 : tensor<1x16x1x1xf32>
// CHECK-NEXT:   npu.dram @r scratch at 1088 : tensor<1x4x4x16xf32>
// CHECK-NEXT:   npu.dram @spatial_size weight at 2112 : tensor<1x1x1xf32> = dense<1.600000e+01> : tensor<1x1x1xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [4, 1, 16] -> <act[0x0], 4x4x16xf32> {origin = "r"}
// CHECK-NEXT:   %1 = npu.unary relu <act[0x0], 4x4x16xf32> -> <act[0x0], 4x4x16xf32> after %0 {origin = "r"}
// CHECK-NEXT:   %2 = npu.dma_store <act[0x0], 4x4x16xf32> -> @r[0] strides [64, 16, 1] after %1 {origin = "r"}
// CHECK-NEXT:   %3 = npu.dma_load @r[0] strides [64, 16, 1] -> <act[0x0], 4x4x16xf32> after %1, %2 {origin = "p"}
// CHECK-NEXT:   %4 = npu.pool sum <act[0x0], 4x4x16xf32> -> <weight[0x80], 1x1x16xf32> kernel [4, 4] strides [1, 1] after %3 {origin = "p"}
// CHECK-NEXT:   %5 = npu.dma_load @spatial_size[0] strides [1, 1, 1] -> <weight[0xc0], 1x1x1xf32> {origin = "p"}
// CHECK-NEXT:   %6 = npu.binary div <weight[0x80], 1x1x16xf32>, <weight[0xc0], 1x1x1xf32> -> <weight[0x80], 1x1x16xf32> after %5 {origin = "p"}
// CHECK-NEXT:   %7 = npu.dma_store <weight[0x80], 1x1x16xf32> -> @result0[0] strides [1, 1, 1] after %6 {origin = "p"}
// CHECK-NEXT:  }
func.func @global_pool(%x: tensor<1x16x4x4xf32>) -> tensor<1x16x1x1xf32> {
  %r = nn.relu %x : tensor<1x16x4x4xf32>
  %p = nn.global_avg_pool %r : (tensor<1x16x4x4xf32>) -> tensor<1x16x1x1xf32>
  func.return %p : tensor<1x16x1x1xf32>
}

// -----

// A mean over two axes: one reduction per axis.

// CHECK-LABEL: npu.program @reduce config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<3x4x5xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 256 : tensor<4xf32>
// CHECK-NEXT:   npu.dram @reduce_count weight at 320 : tensor<1xf32> = dense<1.500000e+01> : tensor<1xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [5, 20, 1] -> <act[0x0], 4x3x5xf32> {origin = "r"}
// CHECK-NEXT:   %1 = npu.reduce sum <act[0x0], 4x3x5xf32> -> <weight[0x0], 4x1x5xf32> axis 1 after %0 {origin = "r"}
// CHECK-NEXT:   %2 = npu.reduce sum <weight[0x0], 4x1x5xf32> -> <act[0x200], 4x1x1xf32> axis 2 {origin = "r"}
// CHECK-NEXT:   %3 = npu.dma_load @reduce_count[0] strides [0, 0, 0] -> <weight[0x200], 1x1x1xf32> {origin = "r"}
// CHECK-NEXT:   %4 = npu.binary div <act[0x200], 4x1x1xf32>, <weight[0x200], 1x1x1xf32> -> <act[0x200], 4x1x1xf32> after %3 {origin = "r"}
// CHECK-NEXT:   %5 = npu.dma_store <act[0x200], 4x1x1xf32> -> @result0[0] strides [1, 1, 1] after %4 {origin = "r"}
// CHECK-NEXT:  }
func.func @reduce(%x: tensor<3x4x5xf32>) -> tensor<4xf32> {
  %r = nn.reduce_mean %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<3x4x5xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
