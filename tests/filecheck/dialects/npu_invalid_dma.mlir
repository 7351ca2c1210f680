// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// npu.dma_load and npu.dma_store descriptors.

npu.program @p config "npu-base" {
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 4xi8>
}
// CHECK: 'npu.dma_load' op @x is not an npu.dram tensor of this program

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4xf32>
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 4xi32>
}
// CHECK: 'npu.dma_load' op tile element type i32 differs from f32 of @x

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4x4xi8>
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 4x4xi8>
}
// CHECK: 'npu.dma_load' op 1 DRAM strides given for a rank-2 tile

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<32xi8>
  %0 = npu.dma_load @x[0] strides [16, 8, 4, 2, 1] -> <act[0x0], 2x2x2x2x2xi8>
}
// CHECK: 'npu.dma_load' op descriptor of rank 5 exceeds the 4 dimensions the DMA engines of config npu-base support

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4x4xi8>
  %0 = npu.dma_load @x[4] strides [4, 1] -> <act[0x0], 4x4xi8>
}
// CHECK: 'npu.dma_load' op descriptor reaches element 19 of @x, which has 16 elements

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4x4xi8>
  %0 = npu.dma_load @x[0] strides [4, -1] -> <act[0x0], 4x4xi8>
}
// CHECK: 'npu.dma_load' op DRAM strides [4, -1] must be >= 0

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4x4xi8>
  %0 = npu.dma_load @x[0] strides [4, 1] -> <act[0x0], 6x6xi8> pad [1, 1] value 0 : i8
}
// CHECK: 'npu.dma_load' op pad has 2 entries, expected 4 (low then high padding of each dim)

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4x4xi8>
  %0 = npu.dma_load @x[0] strides [4, 1] -> <act[0x0], 4x4xi8> pad [3, 0, 2, 0] value 0 : i8
}
// CHECK: 'npu.dma_load' op pad [3, 0, 2, 0] must be non-negative and fit tile shape [4, 4]

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4xf32>
  %0 = npu.dma_load @x[0] strides [1] -> <act[0x0], 6xf32> pad [1, 1] value 0 : i32
}
// CHECK: 'npu.dma_load' op pad value type i32 differs from tile element type f32

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4xf32>
  %0 = "npu.dma_load"() <{dram = @x, offset = 0 : i64, strides = array<i64: 1>, dest = #npu.tile<act[0x0], 6xf32>, pad = array<i64: 1, 1>}> : () -> !npu.token
}
// CHECK: 'npu.dma_load' op pad needs a pad_value

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4xi8>
  %0 = npu.dma_store <act[0x0], 4xi8> -> @x[0] strides [1]
}
// CHECK: 'npu.dma_store' op cannot store to input tensor @x

// -----
npu.program @p config "npu-base" {
  npu.dram @y output at 0 : tensor<16xi8>
  %0 = npu.dma_store <act[0x0], 4x4xi8> -> @y[0] strides [1, 1]
}
// CHECK: 'npu.dma_store' op DRAM strides [1, 1] make elements of shape [4, 4] overlap

// -----
npu.program @p config "npu-base" {
  npu.dram @y output at 0 : tensor<16xi8>
  %0 = npu.dma_store <act[0x0], 4x4xi8> -> @y[0] strides [0, 1]
}
// CHECK: 'npu.dma_store' op DRAM strides [0, 1] must be >= 1
