// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Programs, DRAM tensors and tiles: the limits come from the hardware description.

npu.program @p config "npu-bse" {
}
// CHECK: 'npu.program' op unknown preset 'npu-bse' (known: gemmini, npu-base, npu-edge, npu-server, sram-only, tpu-v1); did you mean 'npu-base'?

// -----
npu.program @p config "no/such/config.toml" {
}
// CHECK: 'npu.program' op config no/such/config.toml: no such file

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x0], 4xf32> -> <act[0x0], 4xf32>
  npu.dram @x input at 0 : tensor<4xf32>
}
// CHECK: 'npu.program' op npu.dram @x follows an instruction; DRAM tensors must be declared before the first instruction

// -----
npu.program @p config "npu-base" {
  %0 = arith.constant 0 : i32
}
// CHECK: 'npu.program' op 'arith.constant' is not allowed in npu.program (only npu.dram declarations and npu instructions)

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<64xi32>
  npu.dram @y output at 128 : tensor<64xi32>
}
// CHECK: 'npu.program' op DRAM tensors @x [0, 256) and @y [128, 384) overlap (only scratch tensors may share DRAM)

// -----
%0 = npu.unary relu <act[0x0], 4xf32> -> <act[0x0], 4xf32>
// CHECK: 'npu.unary' op 'npu.unary' expects parent op 'npu.program'

// -----
npu.program @p config "npu-base" {
  npu.dram @w weight at 0 : tensor<4xi8>
}
// CHECK: 'npu.dram' op weight tensor @w needs a value

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4xi8> = dense<1> : tensor<4xi8>
}
// CHECK: 'npu.dram' op input tensor @x cannot have a value

// -----
npu.program @p config "npu-base" {
  npu.dram @w weight at 0 : tensor<4xi8> = dense<1> : tensor<8xi8>
}
// CHECK: 'npu.dram' op value of @w has type tensor<8xi8>, expected tensor<4xi8>

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 2 : tensor<4xf32>
}
// CHECK: 'npu.dram' op DRAM offset 2 of @x must be a non-negative multiple of its 4-byte element size

// -----
npu.program @p config "npu-edge" {
  npu.dram @x input at 536870910 : tensor<4xi8>
}
// CHECK: 'npu.dram' op DRAM tensor @x [536870910, 536870914) exceeds the 536870912 bytes of DRAM in config npu-edge

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<4xf64>
}
// CHECK: 'npu.dram' op DRAM tensor @x has unsupported element type f64

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <sram[0x0], 4xf32> -> <act[0x0], 4xf32>
}
// CHECK: unknown buffer 'sram' (expected one of act, weight, acc)

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x0], 4x0xf32> -> <act[0x0], 4xf32>
}
// CHECK: tile shape [4, 0] must have sizes >= 1

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x0], 4xf64> -> <act[0x0], 4xf64>
}
// CHECK: tile element type f64 is not one of i8, ui8, i16, i32, f8E4M3FN, f16, bf16, f32

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x0], 4x4xf32, strides [8]> -> <act[0x0], 4x4xf32>
}
// CHECK: tile has 1 strides for rank 2

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x3f000], 64x32xf32> -> <act[0x0], 64x32xf32>
}
// CHECK: 'npu.unary' op input tile act[0x3f000 + 8192 bytes] exceeds buffer 'act' of 262144 bytes in config npu-base

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary relu <act[0x0], 4xf32> -> <act[0x44], 4xf32>
}
// CHECK: 'npu.unary' op dest tile address 0x44 not aligned to 64 bytes of buffer 'act' in config npu-base

// -----
npu.program @p config "npu-base" {
  %0 = npu.unary copy <act[0x0], 4x4xi8> -> <act[0x40], 4x4xi8, strides [2, 1]>
}
// CHECK: 'npu.unary' op dest tile strides [2, 1] make elements of shape [4, 4] overlap
