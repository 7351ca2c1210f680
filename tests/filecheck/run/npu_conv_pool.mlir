// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=(np.arange(16) - 8).reshape(1, 1, 4, 4).astype(np.int8))"
// RUN: npu-run %s --inputs %t.npz | filecheck %s

// A 3x3 convolution with zero padding, read straight from the NCHW input by a padded,
// strided DMA (no im2col); per-channel requantize (channel 0 x 1, channel 1 x 1/2,
// rounding half up); 2x2 max pooling; NHWC output.
//
// x = [[-8 -7 -6 -5], [-4 -3 -2 -1], [0 1 2 3], [4 5 6 7]] and all-ones weights, so the
// convolution is the 3x3 box sum:
//   [[-22 -30 -24 -14], [-21 -27 -18 -9], [3 9 18 15], [10 18 24 18]]
// channel 0 pools to [[-21, -9], [18, 24]]; channel 1 halves first
// (-21 -> -10, -27 -> -13, -9 -> -4, 3 -> 2, 9 -> 5, 15 -> 8) and pools to
// [[-10, -4], [9, 12]].

npu.program @main config "npu-base" {
  npu.dram @x input at 0 : tensor<1x1x4x4xi8>
  npu.dram @w weight at 64 : tensor<3x3x1x2xi8> = dense<1> : tensor<3x3x1x2xi8>
  npu.dram @y output at 128 : tensor<2x2x2xi8>
  %x = npu.dma_load @x[0] strides [4, 1, 16] -> <act[0x0], 6x6x1xi8> pad [1, 1, 0, 1, 1, 0] value 0 : i8 {origin = "conv"}
  %w = npu.dma_load @w[0] strides [6, 2, 2, 1] -> <weight[0x0], 3x3x1x2xi8> {origin = "conv"}
  %c = npu.conv2d <act[0x0], 6x6x1xi8>, <weight[0x0], 3x3x1x2xi8> -> <acc[0x0], 4x4x2xi32> strides [1, 1] dilations [1, 1] groups 1 after %x, %w {origin = "conv"}
  %r = npu.requantize <acc[0x0], 4x4x2xi32> -> <act[0x40], 4x4x2xi8> multiplier [1073741824, 1073741824] shift [30, 31] input_zp 0 output_zp 0 after %c {origin = "conv"}
  %p = npu.pool max <act[0x40], 4x4x2xi8> -> <act[0x80], 2x2x2xi8> kernel [2, 2] strides [2, 2] after %r {origin = "pool"}
  %s = npu.dma_store <act[0x80], 2x2x2xi8> -> @y[0] strides [4, 2, 1] after %p {origin = "pool"}
}

// load x: 16 B read (the padding is made on chip): 10 + 200 + 1    [0, 211)
// load w: 18 B: 10 + 200 + 1                                        [211, 422)
// conv2d: GEMM (16, 9, 2), one fold of 2*32 + 32 + 16 - 2 = 110    [422, 532)
// requantize 32 elements: 1 step                                   [532, 533)
// pool: 8 outputs, 1 step per window element x 4                    [533, 537)
// store 8 B: 10 + 200 + 1                                           [537, 748)

// CHECK:      cycles: 748 (0.748 us)
// CHECK:      MACs: 288
// CHECK:      DRAM: 34 B read, 8 B written
// CHECK:      matrix         1          110
// CHECK-NEXT: vector         1            5
// CHECK:      conv    4     533  288
// CHECK-NEXT: pool    2     215    0
// CHECK:      output "y": 2x2x2 int8
// CHECK-NEXT:   {{\[}}{{\[}}[-21 -10]
// CHECK-NEXT:     [ -9  -4]]
// CHECK-NEXT: {{^ *$}}
// CHECK-NEXT:    {{\[}}[ 18   9]
// CHECK-NEXT:     [ 24  12]]]
