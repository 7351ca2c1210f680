// int8 on npu-edge (its native precision, so precision= is not given): the module
// after each stage from `quantized` on, run by npu-run on the same inputs, gives
// bit-identical outputs.
// RUN: %python -c "import numpy as np; r = np.random.default_rng(1); np.savez('%t.cal.npz', x=r.standard_normal((4, 1, 2, 8, 8)).astype(np.float32)); np.savez('%t.in.npz', x=r.standard_normal((1, 2, 8, 8)).astype(np.float32))"
// RUN: npu-opt %s -p 'npu-compile{config=npu-edge calibration="%t.cal.npz" stop-after=quantized}' -o %t.quantized.mlir
// RUN: npu-opt %s -p 'npu-compile{config=npu-edge calibration="%t.cal.npz" stop-after=npu}' -o %t.npu.mlir
// RUN: npu-opt %s -p 'npu-compile{config=npu-edge calibration="%t.cal.npz"}' -o %t.allocated.mlir
// RUN: filecheck %s --check-prefix=QUANT < %t.quantized.mlir
// RUN: filecheck %s --check-prefix=ALLOC < %t.allocated.mlir
// RUN: npu-run %t.quantized.mlir --inputs %t.in.npz --outputs %t.quantized.npz --quiet
// RUN: npu-run %t.npu.mlir --inputs %t.in.npz --outputs %t.npu.npz --quiet
// RUN: npu-run %t.allocated.mlir --inputs %t.in.npz --outputs %t.allocated.npz --quiet
// RUN: %python -c "import numpy as np; o = [np.load('%t.' + s + '.npz')['y'] for s in ('quantized', 'npu', 'allocated')]; print('equal', all(np.array_equal(o[0], x) for x in o), o[0].dtype, o[0].shape)" | filecheck %s --check-prefix=EQUAL

// QUANT:     nn.qconv2d
// QUANT:     nn.qmatmul
// ALLOC:     npu.program @main config "npu-edge" {
// ALLOC:       npu.conv2d <act[{{.*}}], 10x10x2xi8>
// EQUAL:     equal True float32 (1, 4)

func.func @main(%x: tensor<1x2x8x8xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"}) {
  %w = nn.constant dense<[[[[0.5, -0.25, 0.125], [0.25, 1.0, -0.5], [0.0, 0.75, -0.125]], [[-0.5, 0.25, 0.5], [0.125, -1.0, 0.25], [0.5, 0.0, 0.25]]], [[[0.25, 0.5, -0.5], [1.0, 0.0, 0.25], [-0.25, 0.5, 0.125]], [[0.5, -0.5, 0.0], [0.25, 0.75, -0.25], [0.0, 0.125, 0.5]]]]> : tensor<2x2x3x3xf32>
  %b = nn.constant dense<[0.1, -0.2]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
  %r = nn.relu %c : tensor<1x2x8x8xf32>
  %p = nn.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %f = nn.flatten %p {axis = 1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>
  %fw = nn.constant dense<0.125> : tensor<4x32xf32>
  %fb = nn.constant dense<[0.5, -0.5, 0.25, 0.0]> : tensor<4xf32>
  %g = nn.gemm %f, %fw, %fb {alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, trans_a = false, trans_b = true} : (tensor<1x32xf32>, tensor<4x32xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return %g : tensor<1x4xf32>
}
