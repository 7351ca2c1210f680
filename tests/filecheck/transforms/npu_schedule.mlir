// RUN: npu-opt %s --split-input-file -p 'npu-schedule' | filecheck %s

// Two 64x64 tiles through a matmul and a requantisation, with the tokens a naive
// lowering gives (every instruction waits on everything before it that it touches
// or that came before on another engine). npu-schedule keeps only the waits that
// order conflicting pairs and are not implied by the one-engine classes' program order
// or by another wait: the load of tile 1 into the other act slot waits on nothing,
// so it overlaps the matmul of tile 0; the reload of the scratch tensor waits on the
// store that wrote it, which already follows the matmul that last read act[0x0].

// CHECK-LABEL: npu.program @two_tiles config "npu-base" {
// CHECK:         %0 = npu.dma_load @w[0] strides [64, 1] -> <weight[0x0], 64x64xi8> {origin = "w"}
// CHECK-NEXT:    %1 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8> {origin = "x0"}
// CHECK-NEXT:    %2 = npu.matmul <act[0x0], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x0], 64x64xi32> after %1 {origin = "mm0"}
// CHECK-NEXT:    %3 = npu.dma_load @x[4096] strides [64, 1] -> <act[0x1000], 64x64xi8> {origin = "x1"}
// CHECK-NEXT:    %4 = npu.requantize <acc[0x0], 64x64xi32> -> <act[0x2000], 64x64xi8> {{.*}} after %2 {origin = "rq0"}
// CHECK-NEXT:    %5 = npu.dma_store <act[0x2000], 64x64xi8> -> @t[0] strides [64, 1] after %4 {origin = "st0"}
// CHECK-NEXT:    %6 = npu.matmul <act[0x1000], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x4000], 64x64xi32> after %3 {origin = "mm1"}
// CHECK-NEXT:    %7 = npu.requantize <acc[0x4000], 64x64xi32> -> <act[0x3000], 64x64xi8> {{.*}} after %6 {origin = "rq1"}
// CHECK-NEXT:    %8 = npu.dma_store <act[0x3000], 64x64xi8> -> @t[4096] strides [64, 1] after %7 {origin = "st1"}
// CHECK-NEXT:    %9 = npu.dma_load @t[0] strides [64, 1] -> <act[0x0], 64x64xi8> after %5 {origin = "reload"}
// CHECK-NEXT:    %10 = npu.dma_store <act[0x0], 64x64xi8> -> @y[0] strides [64, 1] after %9 {origin = "out"}
// CHECK-NEXT:  }
npu.program @two_tiles config "npu-base" {
  npu.dram @x input "x" at 0 : tensor<2x64x64xi8>
  npu.dram @w weight at 8192 : tensor<64x64xi8> = dense<1> : tensor<64x64xi8>
  npu.dram @t scratch at 12288 : tensor<2x64x64xi8>
  npu.dram @y output "y" at 20480 : tensor<64x64xi8>
  %0 = npu.dma_load @w[0] strides [64, 1] -> <weight[0x0], 64x64xi8> {origin = "w"}
  %1 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8> after %0 {origin = "x0"}
  %2 = npu.matmul <act[0x0], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x0], 64x64xi32> after %0, %1 {origin = "mm0"}
  %3 = npu.dma_load @x[4096] strides [64, 1] -> <act[0x1000], 64x64xi8> after %2 {origin = "x1"}
  %4 = npu.requantize <acc[0x0], 64x64xi32> -> <act[0x2000], 64x64xi8> multiplier [1073741824] shift [36] input_zp 0 output_zp 0 clamp [-128, 127] after %1, %2, %3 {origin = "rq0"}
  %5 = npu.dma_store <act[0x2000], 64x64xi8> -> @t[0] strides [64, 1] after %1, %2, %4 {origin = "st0"}
  %6 = npu.matmul <act[0x1000], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x4000], 64x64xi32> after %0, %3, %4 {origin = "mm1"}
  %7 = npu.requantize <acc[0x4000], 64x64xi32> -> <act[0x3000], 64x64xi8> multiplier [1073741824] shift [36] input_zp 0 output_zp 0 clamp [-128, 127] after %3, %5, %6 {origin = "rq1"}
  %8 = npu.dma_store <act[0x3000], 64x64xi8> -> @t[4096] strides [64, 1] after %5, %6, %7 {origin = "st1"}
  %9 = npu.dma_load @t[0] strides [64, 1] -> <act[0x0], 64x64xi8> after %2, %5, %8 {origin = "reload"}
  %10 = npu.dma_store <act[0x0], 64x64xi8> -> @y[0] strides [64, 1] after %8, %9 {origin = "out"}
}

// -----

// npu-server has two load engines: loads may run at once and overtake each other, so
// two loads into the same slot need a token between them (the second must not land
// first), while a load into another slot needs none. A wait implied through another
// wait's chain is still dropped: the vector op waits on the second load only.

// CHECK-LABEL: npu.program @two_engines config "npu-server" {
// CHECK:         %0 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8>
// CHECK-NEXT:    %1 = npu.dma_load @x[4096] strides [64, 1] -> <act[0x1000], 64x64xi8>
// CHECK-NEXT:    %2 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8> after %0
// CHECK-NEXT:    %3 = npu.unary relu <act[0x0], 64x64xi8> -> <act[0x2000], 64x64xi8> after %2
// CHECK-NEXT:    %4 = npu.dma_store <act[0x2000], 64x64xi8> -> @y[0] strides [64, 1] after %3
// CHECK-NEXT:  }
npu.program @two_engines config "npu-server" {
  npu.dram @x input "x" at 0 : tensor<2x64x64xi8>
  npu.dram @y output "y" at 8192 : tensor<64x64xi8>
  %0 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8>
  %1 = npu.dma_load @x[4096] strides [64, 1] -> <act[0x1000], 64x64xi8> after %0
  %2 = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8> after %1
  %3 = npu.unary relu <act[0x0], 64x64xi8> -> <act[0x2000], 64x64xi8> after %0, %1, %2
  %4 = npu.dma_store <act[0x2000], 64x64xi8> -> @y[0] strides [64, 1] after %0, %1, %2, %3
}

// -----

// A program with no tokens at all gets the ones it needs: read after write and write
// after read in DRAM (a scratch tensor stored, reloaded, then overwritten).

// CHECK-LABEL: npu.program @missing config "npu-base" {
// CHECK:         %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 64xf32>
// CHECK-NEXT:    %1 = npu.dma_store <act[0x0], 64xf32> -> @t[0] strides [1] after %0
// CHECK-NEXT:    %2 = npu.dma_load @t[0] strides [1] -> <act[0x200], 64xf32> after %1
// CHECK-NEXT:    %3 = npu.unary neg <act[0x100], 64xf32> -> <act[0x200], 64xf32> after %2
// CHECK-NEXT:    %4 = npu.dma_store <act[0x200], 64xf32> -> @t[0] strides [1] after %3
// CHECK-NEXT:    %5 = npu.dma_load @t[0] strides [1] -> <act[0x0], 64xf32> after %4
// CHECK-NEXT:    %6 = npu.dma_store <act[0x0], 64xf32> -> @y[0] strides [1] after %5
// CHECK-NEXT:  }
npu.program @missing config "npu-base" {
  npu.dram @x input "x" at 0 : tensor<64xf32>
  npu.dram @t scratch at 256 : tensor<64xf32>
  npu.dram @y output "y" at 512 : tensor<64xf32>
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 64xf32>
  %1 = npu.dma_store <act[0x0], 64xf32> -> @t[0] strides [1]
  %2 = npu.dma_load @t[0] strides [1] -> <act[0x200], 64xf32>
  %3 = npu.unary neg <act[0x100], 64xf32> -> <act[0x200], 64xf32>
  %4 = npu.dma_store <act[0x200], 64xf32> -> @t[0] strides [1]
  %5 = npu.dma_load @t[0] strides [1] -> <act[0x0], 64xf32>
  %6 = npu.dma_store <act[0x0], 64xf32> -> @y[0] strides [1]
}

// -----

// Byte ranges are compared exactly for interleaved tiles: two stores of the rows of
// a tile to alternate elements of one tensor (the hulls overlap, the bytes do not) need no token between
// them even on npu-server's two store engines; the reload of the whole tensor waits
// on both.

// CHECK-LABEL: npu.program @interleaved config "npu-server" {
// CHECK:         %0 = npu.dma_load @x[0] strides [32, 1] -> <act[0x0], 2x32xf32, strides [64, 1]>
// CHECK-NEXT:    %1 = npu.dma_store <act[0x0], 32xf32> -> @t[0] strides [2] after %0
// CHECK-NEXT:    %2 = npu.dma_store <act[0x100], 32xf32> -> @t[1] strides [2] after %0
// CHECK-NEXT:    %3 = npu.dma_load @t[0] strides [1] -> <act[0x200], 64xf32> after %1, %2
// CHECK-NEXT:    %4 = npu.dma_store <act[0x200], 64xf32> -> @y[0] strides [1] after %3
// CHECK-NEXT:  }
npu.program @interleaved config "npu-server" {
  npu.dram @x input "x" at 0 : tensor<2x32xf32>
  npu.dram @t scratch at 256 : tensor<64xf32>
  npu.dram @y output "y" at 512 : tensor<64xf32>
  %0 = npu.dma_load @x[0] strides [32, 1] -> <act[0x0], 2x32xf32, strides [64, 1]>
  %1 = npu.dma_store <act[0x0], 32xf32> -> @t[0] strides [2] after %0
  %2 = npu.dma_store <act[0x100], 32xf32> -> @t[1] strides [2] after %0, %1
  %3 = npu.dma_load @t[0] strides [1] -> <act[0x200], 64xf32> after %0, %1, %2
  %4 = npu.dma_store <act[0x200], 64xf32> -> @y[0] strides [1] after %3
}
