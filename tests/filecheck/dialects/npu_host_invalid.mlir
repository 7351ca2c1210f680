// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<16xf32>
  npu.dram @y output at 64 : tensor<16xf32>
  %0 = npu.host [@x] -> [@y] {
  ^bb0(%a: tensor<4x2xf32>):
    npu.host_yield %a : tensor<4x2xf32>
  }
}
// CHECK: 'npu.host' op input @x has 16 elements, the region uses tensor<4x2xf32>

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<16xf32>
  npu.dram @w weight at 64 : tensor<16xf32> = dense<0.0> : tensor<16xf32>
  %0 = npu.host [@x] -> [@w] {
  ^bb0(%a: tensor<16xf32>):
    npu.host_yield %a : tensor<16xf32>
  }
}
// CHECK: 'npu.host' op cannot write weight tensor @w

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<16xf32>
  npu.dram @y output at 64 : tensor<16xi32>
  %0 = npu.host [@x] -> [@y] {
  ^bb0(%a: tensor<16xf32>):
    npu.host_yield %a : tensor<16xf32>
  }
}
// CHECK: 'npu.host' op output @y holds i32, the region uses tensor<16xf32>

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<16xf32>
  npu.dram @y output at 64 : tensor<16xf32>
  %0 = npu.host [@x, @x] -> [@y] {
  ^bb0(%a: tensor<16xf32>):
    npu.host_yield %a : tensor<16xf32>
  }
}
// CHECK: 'npu.host' op region has 1 arguments for 2 inputs

// -----
npu.program @p config "npu-base" {
  npu.dram @x input at 0 : tensor<16xf32>
  %0 = npu.host [@x] -> [@z] {
  ^bb0(%a: tensor<16xf32>):
    npu.host_yield %a : tensor<16xf32>
  }
}
// CHECK: 'npu.host' op @z is not an npu.dram tensor of this program
