// RUN: %python -c "import numpy as np, ml_dtypes; np.savez('%t.npz', x=np.array([[1.5, 2, -3, 0.25], [-1, 0.5, 4, 8]], dtype=ml_dtypes.bfloat16))"
// RUN: npu-run %s --inputs %t.npz | filecheck %s

// bf16 matmul accumulating in f32 onto a bias broadcast by a stride-0 DMA, an in-place
// relu, and a float-to-int conversion rounding to nearest even.
// x @ w = 0.5 * row sums = [0.375, 5.75] per row; + bias [1.125, -5.25]:
// [[1.5, -4.875], [6.875, 0.5]]; relu: [[1.5, 0], [6.875, 0.5]]; rint: [[2, 0], [7, 0]].

npu.program @main config "npu-base" {
  npu.dram @x input at 0 : tensor<2x4xbf16>
  npu.dram @w weight at 64 : tensor<4x2xbf16> = dense<5.000000e-01> : tensor<4x2xbf16>
  npu.dram @b weight at 128 : tensor<2xf32> = dense<[1.125, -5.250000e+00]> : tensor<2xf32>
  npu.dram @y output at 192 : tensor<2x2xf32>
  npu.dram @q output at 256 : tensor<2x2xi8>
  %x = npu.dma_load @x[0] strides [4, 1] -> <act[0x0], 2x4xbf16>
  %w = npu.dma_load @w[0] strides [2, 1] -> <weight[0x0], 4x2xbf16>
  %b = npu.dma_load @b[0] strides [0, 1] -> <acc[0x0], 2x2xf32>
  %m = npu.matmul <act[0x0], 2x4xbf16>, <weight[0x0], 4x2xbf16> -> <acc[0x0], 2x2xf32> accumulate after %x, %w, %b
  %r = npu.unary relu <acc[0x0], 2x2xf32> -> <acc[0x0], 2x2xf32> after %m
  %s = npu.dma_store <acc[0x0], 2x2xf32> -> @y[0] strides [2, 1] after %r
  %c = npu.convert <acc[0x0], 2x2xf32> -> <act[0x40], 2x2xi8> after %r
  %t = npu.dma_store <act[0x40], 2x2xi8> -> @q[0] strides [2, 1] after %c
}

// Three 16-byte loads of 10 + 200 + 1 cycles: [0, 633); matmul 2x4x2, one fold of
// 2*32 + 32 + 2 - 2 = 96: [633, 729); relu [729, 730); store y [730, 941); convert
// [730, 731) overlaps the store; store q waits for the store engine: [941, 1152).

// CHECK:      program @main on npu-base (32x32 ws, 1000 MHz): 8 instructions
// CHECK-NEXT: cycles: 1152 (1.152 us)
// CHECK:      MACs: 16
// CHECK:      dma_store      1          422
// CHECK:      output "y": 2x2 float32
// CHECK-NEXT:   {{\[}}[1.5   0.   ]
// CHECK-NEXT:    [6.875 0.5  ]]
// CHECK-NEXT: output "q": 2x2 int8
// CHECK-NEXT:   {{\[}}[2 0]
// CHECK-NEXT:    [7 0]]
