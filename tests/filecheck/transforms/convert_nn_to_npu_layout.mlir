// convert-nn-to-npu stores each value in the order its op's nn.layout gives, and
// without one row-major: the DMA descriptors follow, the numbers do not change.
// RUN: npu-opt %s -p convert-nn-to-npu | filecheck %s
// RUN: npu-opt %s -p 'nn-assign-layout{activations=nchw weights=model},convert-nn-to-npu' | filecheck %s --check-prefix=ROWMAJOR
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.savez('%t.in.npz', x=r.standard_normal((1, 4, 6, 6)).astype(np.float32))"
// RUN: npu-run %s --inputs %t.in.npz --outputs %t.nn.npz --quiet
// RUN: npu-opt %s -p convert-nn-to-npu -o %t.given.mlir
// RUN: npu-run %t.given.mlir --inputs %t.in.npz --outputs %t.given.npz --quiet
// RUN: npu-opt %s -p 'nn-assign-layout,convert-nn-to-npu' -o %t.assigned.mlir
// RUN: npu-run %t.assigned.mlir --inputs %t.in.npz --outputs %t.assigned.npz --quiet
// RUN: npu-opt %s -p 'nn-assign-layout{activations=nchw weights=model},convert-nn-to-npu' -o %t.rowmajor.mlir
// RUN: npu-run %t.rowmajor.mlir --inputs %t.in.npz --outputs %t.rowmajor.npz --quiet
// RUN: %python -c "import numpy as np; o = [np.load('%t.' + s + '.npz')['y'] for s in ('nn', 'given', 'assigned', 'rowmajor')]; print('equal', all(np.array_equal(o[0], x) for x in o[1:]))" | filecheck %s --check-prefix=EQUAL

// As given: the cast's result NWCH (an order nn-assign-layout never picks, which the
// lowering follows all the same), the conv weights HWIO.
// CHECK-LABEL: npu.program @main config "npu-base" {
// CHECK:         npu.dram @e scratch at {{[0-9]+}} : tensor<1x6x4x6xbf16>
// CHECK:         npu.dram @w_hwio weight at {{[0-9]+}} : tensor<3x3x4x4xbf16>
// CHECK:         npu.dma_load @e[0] strides [1, 24, 6]

// Row-major: the cast's result NCHW, so the conv's HWC window reads single elements 36
// apart; the OIHW weights are read strided too.
// ROWMAJOR-LABEL: npu.program @main config "npu-base" {
// ROWMAJOR:         npu.dram @e scratch at {{[0-9]+}} : tensor<1x4x6x6xbf16>
// ROWMAJOR:         npu.dram @w weight at {{[0-9]+}} : tensor<4x4x3x3xbf16>
// ROWMAJOR:         npu.dma_load @e[0] strides [6, 1, 36]
// ROWMAJOR:         npu.dma_load @w[0] strides [3, 1, 9, 36]

// EQUAL: equal True

func.func @main(%x: tensor<1x4x6x6xf32> {nn.name = "x"}) -> (tensor<1x4x6x6xbf16> {nn.name = "y"}) {
  %e = nn.cast %x {nn.layout = array<i64: 0, 3, 1, 2>} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xbf16>
  %w = nn.constant dense<[[[[0.5, -0.25, 0.125], [0.25, 1.0, -0.5], [0.0, 0.75, -0.125]], [[-0.5, 0.25, 0.5], [0.125, -1.0, 0.25], [0.5, 0.0, 0.25]], [[0.25, 0.5, -0.5], [1.0, 0.0, 0.25], [-0.25, 0.5, 0.125]], [[0.5, -0.5, 0.0], [0.25, 0.75, -0.25], [0.0, 0.125, 0.5]]], [[[0.25, 0.5, -0.5], [1.0, 0.0, 0.25], [-0.25, 0.5, 0.125]], [[0.5, -0.5, 0.0], [0.25, 0.75, -0.25], [0.0, 0.125, 0.5]], [[0.5, -0.25, 0.125], [0.25, 1.0, -0.5], [0.0, 0.75, -0.125]], [[-0.5, 0.25, 0.5], [0.125, -1.0, 0.25], [0.5, 0.0, 0.25]]], [[[0.5, -0.25, 0.125], [0.25, 1.0, -0.5], [0.0, 0.75, -0.125]], [[0.5, -0.5, 0.0], [0.25, 0.75, -0.25], [0.0, 0.125, 0.5]], [[-0.5, 0.25, 0.5], [0.125, -1.0, 0.25], [0.5, 0.0, 0.25]], [[0.25, 0.5, -0.5], [1.0, 0.0, 0.25], [-0.25, 0.5, 0.125]]], [[[-0.5, 0.25, 0.5], [0.125, -1.0, 0.25], [0.5, 0.0, 0.25]], [[0.25, 0.5, -0.5], [1.0, 0.0, 0.25], [-0.25, 0.5, 0.125]], [[0.5, -0.25, 0.125], [0.25, 1.0, -0.5], [0.0, 0.75, -0.125]], [[0.5, -0.5, 0.0], [0.25, 0.75, -0.25], [0.0, 0.125, 0.5]]]]> : tensor<4x4x3x3xbf16> {nn.layout = array<i64: 2, 3, 1, 0>}
  %y = nn.conv2d %e, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xbf16>, tensor<4x4x3x3xbf16>) -> tensor<1x4x6x6xbf16>
  func.return %y : tensor<1x4x6x6xbf16>
}
