// RUN: npu-opt %s | npu-opt | filecheck %s
// RUN: npu-opt %s --print-op-generic | npu-opt | filecheck %s

// A fully connected int8 layer on npu-base: y = requantize(x @ w). Both inputs are
// loaded concurrently, the matmul waits for both, requantize waits for the matmul
// and the store for requantize.

npu.program @fc config "npu-base" {
  npu.dram @x input "x" at 0 : tensor<64x64xi8>
  npu.dram @w weight at 4096 : tensor<64x64xi8> = dense<1> : tensor<64x64xi8>
  npu.dram @y output "y" at 8192 : tensor<64x64xi8>
  %x = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8> {origin = "fc"}
  %w = npu.dma_load @w[0] strides [64, 1] -> <weight[0x0], 64x64xi8> {origin = "fc"}
  %mm = npu.matmul <act[0x0], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x0], 64x64xi32> after %x, %w {origin = "fc"}
  %rq = npu.requantize <acc[0x0], 64x64xi32> -> <act[0x1000], 64x64xi8> multiplier [1073741824] shift [36] input_zp 0 output_zp -3 clamp [-3, 127] after %mm {origin = "fc"}
  %st = npu.dma_store <act[0x1000], 64x64xi8> -> @y[0] strides [64, 1] after %rq {origin = "fc"}
}

// CHECK:      npu.program @fc config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "x" at 0 : tensor<64x64xi8>
// CHECK-NEXT:   npu.dram @w weight at 4096 : tensor<64x64xi8> = dense<1> : tensor<64x64xi8>
// CHECK-NEXT:   npu.dram @y output "y" at 8192 : tensor<64x64xi8>
// CHECK-NEXT:   %[[X:.*]] = npu.dma_load @x[0] strides [64, 1] -> <act[0x0], 64x64xi8> {origin = "fc"}
// CHECK-NEXT:   %[[W:.*]] = npu.dma_load @w[0] strides [64, 1] -> <weight[0x0], 64x64xi8> {origin = "fc"}
// CHECK-NEXT:   %[[MM:.*]] = npu.matmul <act[0x0], 64x64xi8>, <weight[0x0], 64x64xi8> -> <acc[0x0], 64x64xi32> after %[[X]], %[[W]] {origin = "fc"}
// CHECK-NEXT:   %[[RQ:.*]] = npu.requantize <acc[0x0], 64x64xi32> -> <act[0x1000], 64x64xi8> multiplier [1073741824] shift [36] input_zp 0 output_zp -3 clamp [-3, 127] after %[[MM]] {origin = "fc"}
// CHECK-NEXT:   %{{.*}} = npu.dma_store <act[0x1000], 64x64xi8> -> @y[0] strides [64, 1] after %[[RQ]] {origin = "fc"}
// CHECK-NEXT: }
