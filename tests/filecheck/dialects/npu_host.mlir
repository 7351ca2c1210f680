// RUN: npu-opt %s --split-input-file | npu-opt --split-input-file | filecheck %s
// RUN: npu-opt %s --split-input-file --print-op-generic | npu-opt --split-input-file | filecheck %s

// npu.host: nn ops run by the host on whole DRAM tensors; its region's arguments may
// reshape a tensor (same element count and type).

// CHECK-LABEL: npu.program @gather config "npu-base" {
// CHECK:         %0 = npu.host [@ids, @table] -> [@rows] {
// CHECK-NEXT:    ^bb0(%i: tensor<2x3xi32>, %t: tensor<4x2xf32>):
// CHECK-NEXT:      %r = nn.gather %t, %i {axis = 0 : i64} : (tensor<4x2xf32>, tensor<2x3xi32>) -> tensor<2x3x2xf32>
// CHECK-NEXT:      npu.host_yield %r : tensor<2x3x2xf32>
// CHECK-NEXT:    } {origin = "g"}
// CHECK-NEXT:    %1 = npu.dma_load @rows[0] strides [1] -> <act[0x0], 12xf32> after %0
npu.program @gather config "npu-base" {
  npu.dram @ids input at 0 : tensor<6xi32>
  npu.dram @table weight at 64 : tensor<4x2xf32> = dense<1.0> : tensor<4x2xf32>
  npu.dram @rows scratch at 128 : tensor<12xf32>
  %0 = npu.host [@ids, @table] -> [@rows] {
  ^bb0(%i: tensor<2x3xi32>, %t: tensor<4x2xf32>):
    %r = nn.gather %t, %i {axis = 0 : i64} : (tensor<4x2xf32>, tensor<2x3xi32>) -> tensor<2x3x2xf32>
    npu.host_yield %r : tensor<2x3x2xf32>
  } {origin = "g"}
  %1 = npu.dma_load @rows[0] strides [1] -> <act[0x0], 12xf32> after %0
}
