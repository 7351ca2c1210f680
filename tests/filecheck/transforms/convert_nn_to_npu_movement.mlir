// RUN: npu-opt %s --split-input-file -p 'convert-nn-to-npu' | filecheck %s

// A transpose is a view; the reshape of a non-row-major view copies it once.

// CHECK-LABEL: npu.program @views config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "arg0" at 0 : tensor<2x3x4xf32>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 128 : tensor<4x6xf32>
// CHECK-NEXT:   npu.dram @r_rm scratch at 256 : tensor<4x2x3xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [1, 12, 4] -> <act[0x0], 4x2x3xf32> {origin = "r"}
// CHECK-NEXT:   %1 = npu.dma_store <act[0x0], 4x2x3xf32> -> @r_rm[0] strides [6, 3, 1] after %0 {origin = "r"}
// CHECK-NEXT:   %2 = npu.dma_load @r_rm[0] strides [6, 1] -> <act[0x0], 4x6xf32> after %1 {origin = "n"}
// CHECK-NEXT:   %3 = npu.unary neg <act[0x0], 4x6xf32> -> <act[0x0], 4x6xf32> after %2 {origin = "n"}
// CHECK-NEXT:   %4 = npu.dma_store <act[0x0], 4x6xf32> -> @result0[0] strides [6, 1] after %3 {origin = "n"}
// CHECK-NEXT:  }
func.func @views(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %t = nn.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %r = nn.reshape %t : (tensor<4x2x3xf32>) -> tensor<4x6xf32>
  %n = nn.neg %r : tensor<4x6xf32>
  func.return %n : tensor<4x6xf32>
}

// -----

// Concatenation copies each input into its slice; constant padding comes from the DMA.

// CHECK-LABEL: npu.program @concat_pad config "npu-base" {
// CHECK-NEXT:   npu.dram @a input "arg0" at 0 : tensor<1x2x4xbf16>
// CHECK-NEXT:   npu.dram @b input "arg1" at 64 : tensor<1x3x4xbf16>
// CHECK-NEXT:   npu.dram @result0 output "result0" at 128 : tensor<1x7x6xbf16>
// CHECK-NEXT:   npu.dram @c scratch at 256 : tensor<1x5x4xbf16>
// CHECK-NEXT:   %0 = npu.dma_load @a[0] strides [4, 1] -> <act[0x0], 2x4xbf16> {origin = "c"}
// CHECK-NEXT:   %1 = npu.dma_store <act[0x0], 2x4xbf16> -> @c[0] strides [4, 1] after %0 {origin = "c"}
// CHECK-NEXT:   %2 = npu.dma_load @b[0] strides [4, 1] -> <act[0x0], 3x4xbf16> after %1 {origin = "c"}
// CHECK-NEXT:   %3 = npu.dma_store <act[0x0], 3x4xbf16> -> @c[8] strides [4, 1] after %2 {origin = "c"}
// CHECK-NEXT:   %4 = npu.dma_load @c[0] strides [4, 1] -> <act[0x0], 7x6xbf16> pad [1, 2, 1, 0] value 1.500000e+00 : bf16 after %3 {origin = "p"}
// CHECK-NEXT:   %5 = npu.dma_store <act[0x0], 7x6xbf16> -> @result0[0] strides [6, 1] after %4 {origin = "p"}
// CHECK-NEXT:  }
func.func @concat_pad(%a: tensor<1x2x4xbf16>, %b: tensor<1x3x4xbf16>) -> tensor<1x7x6xbf16> {
  %c = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x2x4xbf16>, tensor<1x3x4xbf16>) -> tensor<1x5x4xbf16>
  %p = nn.pad %c {pads = array<i64: 0, 1, 2, 0, 1, 0>, mode = "constant", value = 1.500000e+00 : f32} : (tensor<1x5x4xbf16>) -> tensor<1x7x6xbf16>
  func.return %p : tensor<1x7x6xbf16>
}

// -----

// An op the NPU cannot run (gather) runs on the host, from and to whole DRAM tensors;
// its transposed input is first made row-major.

// CHECK-LABEL: npu.program @host config "npu-base" {
// CHECK-NEXT:   npu.dram @x input "table" at 0 : tensor<6x8xf32>
// CHECK-NEXT:   npu.dram @i input "ids" at 192 : tensor<3xi32>
// CHECK-NEXT:   npu.dram @rows output "rows" at 256 : tensor<3x8xf32>
// CHECK-NEXT:   npu.dram @t_rm scratch at 384 : tensor<8x6xf32>
// CHECK-NEXT:   npu.dram @g scratch at 576 : tensor<8x3xf32>
// CHECK-NEXT:   %0 = npu.dma_load @x[0] strides [1, 8] -> <act[0x0], 8x6xf32> {origin = "t"}
// CHECK-NEXT:   %1 = npu.dma_store <act[0x0], 8x6xf32> -> @t_rm[0] strides [6, 1] after %0 {origin = "t"}
// CHECK-NEXT:   %2 = npu.host [@t_rm, @i] -> [@g] after %1 {
// CHECK-NEXT:   ^bb0(%t: tensor<8x6xf32>, %i: tensor<3xi32>):
// CHECK-NEXT:     %g = nn.gather %t, %i {axis = 1 : i64} : (tensor<8x6xf32>, tensor<3xi32>) -> tensor<8x3xf32>
// CHECK-NEXT:     npu.host_yield %g : tensor<8x3xf32>
// CHECK-NEXT:   } {origin = "g"}
// CHECK-NEXT:   %3 = npu.dma_load @g[0] strides [1, 3] -> <act[0x0], 3x8xf32> after %1, %2 {origin = "u"}
// CHECK-NEXT:   %4 = npu.dma_store <act[0x0], 3x8xf32> -> @rows[0] strides [8, 1] after %3 {origin = "u"}
// CHECK-NEXT:  }
func.func @host(%x: tensor<6x8xf32> {nn.name = "table"}, %i: tensor<3xi32> {nn.name = "ids"}) -> (tensor<3x8xf32> {nn.name = "rows"}) {
  %t = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<6x8xf32>) -> tensor<8x6xf32>
  %g = nn.gather %t, %i {axis = 1 : i64} : (tensor<8x6xf32>, tensor<3xi32>) -> tensor<8x3xf32>
  %u = nn.transpose %g {perm = array<i64: 1, 0>} : (tensor<8x3xf32>) -> tensor<3x8xf32>
  func.return %u : tensor<3x8xf32>
}
