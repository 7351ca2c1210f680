// RUN: npu-opt %s -p 'npu-allocate' | filecheck %s
// RUN: npu-opt %s -p 'npu-allocate{alignment=512}' | filecheck %s --check-prefix=ALIGN

// Three segments: inputs and outputs, weights, then the activations. @t1 dies (last
// read by %3) before @t3 is first written (%6), so @t3 reuses its bytes; @t2 is live
// meanwhile and gets bytes of its own. @t4 is read before it is written: it relies on
// scratch starting as zeros and keeps its bytes from the start of the program.

// CHECK:      npu.program @plan config "npu-base" {
// CHECK-NEXT:   npu.dram @t1 scratch at 1024 : tensor<64xf32>
// CHECK-NEXT:   npu.dram @x input "x" at 0 : tensor<64xf32>
// CHECK-NEXT:   npu.dram @t2 scratch at 1280 : tensor<64xf32>
// CHECK-NEXT:   npu.dram @w weight at 512 : tensor<64xf32> = dense<2.000000e+00> : tensor<64xf32>
// CHECK-NEXT:   npu.dram @t3 scratch at 1024 : tensor<64xf32>
// CHECK-NEXT:   npu.dram @t4 scratch at 768 : tensor<64xf32>
// CHECK-NEXT:   npu.dram @y output "y" at 256 : tensor<64xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 64xf32>

// ALIGN:      npu.dram @t1 scratch at 2048 : tensor<64xf32>
// ALIGN-NEXT: npu.dram @x input "x" at 0 : tensor<64xf32>
// ALIGN-NEXT: npu.dram @t2 scratch at 2560 : tensor<64xf32>
// ALIGN-NEXT: npu.dram @w weight at 1024 : tensor<64xf32>
npu.program @plan config "npu-base" {
  npu.dram @t1 scratch at 0 : tensor<64xf32>
  npu.dram @x input "x" at 256 : tensor<64xf32>
  npu.dram @t2 scratch at 512 : tensor<64xf32>
  npu.dram @w weight at 768 : tensor<64xf32> = dense<2.0> : tensor<64xf32>
  npu.dram @t3 scratch at 1024 : tensor<64xf32>
  npu.dram @t4 scratch at 1280 : tensor<64xf32>
  npu.dram @y output "y" at 1536 : tensor<64xf32>
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 64xf32>
  %1 = npu.dma_store <act[0x0], 64xf32> -> @t1[0] strides [1] after %0
  %2 = npu.dma_store <act[0x0], 64xf32> -> @t2[0] strides [1] after %0
  %3 = npu.dma_load @t1[0] strides [1] -> <act[0x100], 64xf32> after %1
  %4 = npu.dma_load @w[0] strides [1] -> <act[0x200], 64xf32>
  %5 = npu.binary mul <act[0x100], 64xf32>, <act[0x200], 64xf32> -> <act[0x300], 64xf32> after %3, %4
  %6 = npu.dma_store <act[0x300], 64xf32> -> @t3[0] strides [1] after %5
  %7 = npu.dma_load @t3[0] strides [1] -> <act[0x100], 64xf32> after %6
  %8 = npu.dma_load @t2[0] strides [1] -> <act[0x200], 64xf32> after %2, %5
  %9 = npu.binary add <act[0x100], 64xf32>, <act[0x200], 64xf32> -> <act[0x300], 64xf32> after %7, %8
  %10 = npu.dma_load @t4[0] strides [1] -> <act[0x400], 64xf32>
  %11 = npu.binary add <act[0x300], 64xf32>, <act[0x400], 64xf32> -> <act[0x300], 64xf32> after %9, %10
  %12 = npu.dma_store <act[0x300], 64xf32> -> @y[0] strides [1] after %11
}
