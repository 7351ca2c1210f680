// RUN: npu-opt %s --split-input-file -p 'nn-assign-layout,convert-nn-to-npu' | filecheck %s

// A fully-connected layer (gemm with transposed weights): the weights are stored
// [K, N] at compile time, the bias is added on the f32 accumulator, the rounding to
// bf16 and the fused cast back to f32 run before the store.

// CHECK-LABEL: npu.program @linear config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "x" at 0 : tensor<4x64xbf16>
// CHECK-NEXT:   npu.dram @y output "y" at 512 : tensor<4x16xf32>
// CHECK-NEXT:   npu.dram @w_t weight at 768 : tensor<64x16xbf16> = dense<2.500000e-01> : tensor<64x16xbf16>
// CHECK-NEXT:   npu.dram @b_acc weight at 2816 : tensor<16xf32> = dense<1.000000e+00> : tensor<16xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 4x64xbf16> {origin = "g"}
// CHECK-NEXT:   %1 = npu.dma_load @w_t[0] strides [16, 1] -> <weight[0x0], 64x16xbf16> {origin = "g"}
// CHECK-NEXT:   %2 = npu.matmul <act[0x0], 4x64xbf16>, <weight[0x0], 64x16xbf16> -> <acc[0x0], 4x16xf32> after %1 {origin = "g"}
// CHECK-NEXT:   %3 = npu.dma_load @b_acc[0] strides [0, 1] -> <act[0x400], 1x16xf32> {origin = "g"}
// CHECK-NEXT:   %4 = npu.binary add <acc[0x0], 4x16xf32>, <act[0x400], 1x16xf32> -> <acc[0x0], 4x16xf32> after %2, %3 {origin = "g"}
// CHECK-NEXT:   %5 = npu.convert <acc[0x0], 4x16xf32> -> <act[0x480], 4x16xbf16> {origin = "g"}
// CHECK-NEXT:   %6 = npu.convert <act[0x480], 4x16xbf16> -> <act[0x580], 4x16xf32> {origin = "y"}
// CHECK-NEXT:   %7 = npu.dma_store <act[0x580], 4x16xf32> -> @y[0] strides [16, 1] after %6 {origin = "y"}
// CHECK-NEXT:  }
func.func @linear(%x: tensor<4x64xbf16> {nn.name = "x"}) -> (tensor<4x16xf32> {nn.name = "y"}) {
  %w = nn.constant dense<2.500000e-01> : tensor<16x64xbf16>
  %b = nn.constant dense<1.000000e+00> : tensor<16xbf16>
  %g = nn.gemm %x, %w, %b {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<4x64xbf16>, tensor<16x64xbf16>, tensor<16xbf16>) -> tensor<4x16xbf16>
  %y = nn.cast %g : (tensor<4x16xbf16>) -> tensor<4x16xf32>
  func.return %y : tensor<4x16xf32>
}

// -----

// A batched product of two run-time operands: the rhs is loaded into the weight buffer
// through a view (the transpose pair costs nothing), one matmul per batch.

// CHECK-LABEL: npu.program @batched config "npu-base" {
// CHECK-NEXT:   npu.dram @a input "arg0" at 0 : tensor<2x8x16xbf16>
// CHECK-NEXT:   npu.dram @b input "arg1" at 512 : tensor<2x16x8xbf16>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 1024 : tensor<2x8x8xbf16>
// CHECK-NEXT:   %0 = npu.dma_load @a[0] strides [16, 1] -> <act[0x0], 8x16xbf16> {origin = "m"}
// CHECK-NEXT:   %1 = npu.dma_load @b[0] strides [8, 1] -> <weight[0x0], 16x8xbf16> {origin = "m"}
// CHECK-NEXT:   %2 = npu.matmul <act[0x0], 8x16xbf16>, <weight[0x0], 16x8xbf16> -> <acc[0x0], 8x8xf32> after %1 {origin = "m"}
// CHECK-NEXT:   %3 = npu.convert <acc[0x0], 8x8xf32> -> <weight[0x100], 8x8xbf16> after %2 {origin = "m"}
// CHECK-NEXT:   %4 = npu.dma_store <weight[0x100], 8x8xbf16> -> @result0[0] strides [8, 1] after %3 {origin = "m"}
// CHECK-NEXT:   %5 = npu.dma_load @a[128] strides [16, 1] -> <act[0x100], 8x16xbf16> {origin = "m"}
// CHECK-NEXT:   %6 = npu.dma_load @b[128] strides [8, 1] -> <weight[0x0], 16x8xbf16> after %2 {origin = "m"}
// CHECK-NEXT:   %7 = npu.matmul <act[0x100], 8x16xbf16>, <weight[0x0], 16x8xbf16> -> <acc[0x100], 8x8xf32> after %6 {origin = "m"}
// CHECK-NEXT:   %8 = npu.convert <acc[0x100], 8x8xf32> -> <weight[0x180], 8x8xbf16> after %7 {origin = "m"}
// CHECK-NEXT:   %9 = npu.dma_store <weight[0x180], 8x8xbf16> -> @result0[64] strides [8, 1] after %8 {origin = "m"}
// CHECK-NEXT:  }
func.func @batched(%a: tensor<2x8x16xbf16>, %b: tensor<2x16x8xbf16>) -> tensor<2x8x8xbf16> {
  %t = nn.transpose %b {perm = array<i64: 0, 2, 1>} : (tensor<2x16x8xbf16>) -> tensor<2x8x16xbf16>
  %u = nn.transpose %t {perm = array<i64: 0, 2, 1>} : (tensor<2x8x16xbf16>) -> tensor<2x16x8xbf16>
  %m = nn.matmul %a, %u : (tensor<2x8x16xbf16>, tensor<2x16x8xbf16>) -> tensor<2x8x8xbf16>
  func.return %m : tensor<2x8x8xbf16>
}

// -----

// int8: the i32 bias and the requantisation to int8 (with its fused clamp) run on the
// accumulator tile.

// CHECK-LABEL: npu.program @qlinear config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<1x48xi8>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 64 : tensor<1x10xi8>
// CHECK-NEXT:   npu.dram @w weight at 128 : tensor<48x10xi8> = dense<2> : tensor<48x10xi8>
// CHECK-NEXT:   npu.dram @b_acc weight at 640 : tensor<10xi32> = dense<100> : tensor<10xi32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [48, 1] -> <act[0x0], 1x48xi8> {origin = "m"}
// CHECK-NEXT:   %1 = npu.dma_load @w[0] strides [10, 1] -> <weight[0x0], 48x10xi8> {origin = "m"}
// CHECK-NEXT:   %2 = npu.matmul <act[0x0], 1x48xi8>, <weight[0x0], 48x10xi8> -> <acc[0x0], 1x10xi32> after %1 {origin = "m"}
// CHECK-NEXT:   %3 = npu.dma_load @b_acc[0] strides [0, 1] -> <act[0x80], 1x10xi32> {origin = "m"}
// CHECK-NEXT:   %4 = npu.binary add <acc[0x0], 1x10xi32>, <act[0x80], 1x10xi32> -> <acc[0x0], 1x10xi32> after %2, %3 {origin = "m"}
// CHECK-NEXT:   %5 = npu.requantize <acc[0x0], 1x10xi32> -> <act[0x100], 1x10xi8> multiplier [1073741824] shift [33] input_zp 0 output_zp 3 clamp [3, 127] {origin = "q"}
// CHECK-NEXT:   %6 = npu.dma_store <act[0x100], 1x10xi8> -> @result0[0] strides [10, 1] after %5 {origin = "q"}
// CHECK-NEXT:  }
func.func @qlinear(%x: tensor<1x48xi8>) -> tensor<1x10xi8> {
  %w = nn.constant dense<2> : tensor<48x10xi8>
  %b = nn.constant dense<100> : tensor<10xi32>
  %m = nn.qmatmul %x, %w, %b : (tensor<1x48xi8>, tensor<48x10xi8>, tensor<10xi32>) -> tensor<1x10xi32>
  %q = nn.requantize %m {multiplier = array<i64: 1073741824>, shift = array<i64: 33>, axis = 1 : i64, input_zp = 0 : i64, output_zp = 3 : i64, double_round = false, clamp = array<i64: 3, 127>} : (tensor<1x10xi32>) -> tensor<1x10xi8>
  func.return %q : tensor<1x10xi8>
}

// -----

// K too large for one weight tile: the dot products are split over K chunks
// accumulated into one accumulator tile, the chunks double-buffered.

// CHECK-LABEL: npu.program @deep config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<2x4096xbf16>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 16384 : tensor<2x128xbf16>
// CHECK-NEXT:   npu.dram @w weight at 16896 : tensor<4096x128xbf16> = dense_resource<blob_{{[0-9a-f]+}}> : tensor<4096x128xbf16>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [4096, 1] -> <act[0x0], 2x512xbf16> {origin = "m"}
// CHECK-NEXT:   %1 = npu.dma_load @w[0] strides [128, 1] -> <weight[0x0], 512x128xbf16> {origin = "m"}
// CHECK-NEXT:   %2 = npu.matmul <act[0x0], 2x512xbf16>, <weight[0x0], 512x128xbf16> -> <acc[0x0], 2x128xf32> after %1 {origin = "m"}
// CHECK-NEXT:   %3 = npu.dma_load @x[512] strides [4096, 1] -> <act[0x800], 2x512xbf16> {origin = "m"}
// CHECK-NEXT:   %4 = npu.dma_load @w[65536] strides [128, 1] -> <weight[0x20000], 512x128xbf16> {origin = "m"}
// CHECK-NEXT:   %5 = npu.matmul <act[0x800], 2x512xbf16>, <weight[0x20000], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %4 {origin = "m"}
// CHECK-NEXT:   %6 = npu.dma_load @x[1024] strides [4096, 1] -> <act[0x0], 2x512xbf16> after %2 {origin = "m"}
// CHECK-NEXT:   %7 = npu.dma_load @w[131072] strides [128, 1] -> <weight[0x0], 512x128xbf16> after %2 {origin = "m"}
// CHECK-NEXT:   %8 = npu.matmul <act[0x0], 2x512xbf16>, <weight[0x0], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %7 {origin = "m"}
// CHECK-NEXT:   %9 = npu.dma_load @x[1536] strides [4096, 1] -> <act[0x800], 2x512xbf16> after %5 {origin = "m"}
// CHECK-NEXT:   %10 = npu.dma_load @w[196608] strides [128, 1] -> <weight[0x20000], 512x128xbf16> after %5 {origin = "m"}
// CHECK-NEXT:   %11 = npu.matmul <act[0x800], 2x512xbf16>, <weight[0x20000], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %10 {origin = "m"}
// CHECK-NEXT:   %12 = npu.dma_load @x[2048] strides [4096, 1] -> <act[0x0], 2x512xbf16> after %8 {origin = "m"}
// CHECK-NEXT:   %13 = npu.dma_load @w[262144] strides [128, 1] -> <weight[0x0], 512x128xbf16> after %8 {origin = "m"}
// CHECK-NEXT:   %14 = npu.matmul <act[0x0], 2x512xbf16>, <weight[0x0], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %13 {origin = "m"}
// CHECK-NEXT:   %15 = npu.dma_load @x[2560] strides [4096, 1] -> <act[0x800], 2x512xbf16> after %11 {origin = "m"}
// CHECK-NEXT:   %16 = npu.dma_load @w[327680] strides [128, 1] -> <weight[0x20000], 512x128xbf16> after %11 {origin = "m"}
// CHECK-NEXT:   %17 = npu.matmul <act[0x800], 2x512xbf16>, <weight[0x20000], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %16 {origin = "m"}
// CHECK-NEXT:   %18 = npu.dma_load @x[3072] strides [4096, 1] -> <act[0x0], 2x512xbf16> after %14 {origin = "m"}
// CHECK-NEXT:   %19 = npu.dma_load @w[393216] strides [128, 1] -> <weight[0x0], 512x128xbf16> after %14 {origin = "m"}
// CHECK-NEXT:   %20 = npu.matmul <act[0x0], 2x512xbf16>, <weight[0x0], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %19 {origin = "m"}
// CHECK-NEXT:   %21 = npu.dma_load @x[3584] strides [4096, 1] -> <act[0x800], 2x512xbf16> after %17 {origin = "m"}
// CHECK-NEXT:   %22 = npu.dma_load @w[458752] strides [128, 1] -> <weight[0x20000], 512x128xbf16> after %17 {origin = "m"}
// CHECK-NEXT:   %23 = npu.matmul <act[0x800], 2x512xbf16>, <weight[0x20000], 512x128xbf16> -> <acc[0x0], 2x128xf32> accumulate after %22 {origin = "m"}
// CHECK-NEXT:   %24 = npu.convert <acc[0x0], 2x128xf32> -> <act[0x1000], 2x128xbf16> after %23 {origin = "m"}
// CHECK-NEXT:   %25 = npu.dma_store <act[0x1000], 2x128xbf16> -> @result0[0] strides [128, 1] after %24 {origin = "m"}
// CHECK-NEXT:  }
func.func @deep(%x: tensor<2x4096xbf16>) -> tensor<2x128xbf16> {
  %w = nn.constant dense<2.500000e-01> : tensor<4096x128xbf16>
  %m = nn.matmul %x, %w : (tensor<2x4096xbf16>, tensor<4096x128xbf16>) -> tensor<2x128xbf16>
  func.return %m : tensor<2x128xbf16>
}
