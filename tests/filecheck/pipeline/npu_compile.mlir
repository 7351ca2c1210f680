// RUN: npu-opt %s -p 'npu-compile{config=npu-base precision=bf16 stop-after=nn}' | filecheck %s --check-prefix=NN
// RUN: npu-opt %s -p 'npu-compile{config=npu-base precision=bf16 stop-after=quantized}' | filecheck %s --check-prefix=QUANT
// RUN: npu-opt %s -p 'npu-compile{config=npu-base precision=bf16 stop-after=npu}' | filecheck %s --check-prefix=NPU
// RUN: npu-opt %s -p 'npu-compile{config=npu-base precision=bf16}' | filecheck %s --check-prefix=ALLOC
// The same passes one by one give the same program.
// RUN: npu-opt %s -p 'canonicalize,nn-convert-precision{precision=bf16},nn-assign-layout,nn-fuse-epilogue,convert-nn-to-npu{config=npu-base},npu-allocate,npu-schedule' | filecheck %s --check-prefix=ALLOC
// npu-server's native precision is bf16.
// RUN: npu-opt %s -p 'npu-compile{config=npu-server stop-after=quantized}' | filecheck %s --check-prefix=QUANT

// A small CNN (conv + bias + ReLU, max pooling, flatten, fully connected) through the
// stages of npu-compile in bf16.

// Stage nn: canonicalized (the flatten is a reshape).
// NN:      func.func @main(
// NN:        nn.conv2d %x, %w, %b
// NN:        %f = nn.reshape %p : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>

// Stage quantized: the conv and gemm take bf16 operands and accumulate in f32; the
// activations the conv and pool read are stored NHWC, the conv weights HWIO and the
// transposed gemm weights [K, N]; the conv and its ReLU are one nn.fused group (the
// gemm has no epilogue to fuse).
// QUANT:      func.func @main(
// QUANT:        %0 = nn.cast %x {nn.layout = array<i64: 0, 2, 3, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xbf16>
// QUANT-NEXT:   %1 = nn.constant dense_resource<{{.*}}> : tensor<2x2x3x3xbf16> {nn.layout = array<i64: 2, 3, 1, 0>}
// QUANT-NEXT:   %r = nn.fused (%input = %0, %weight = %1, %bias = %b) : (tensor<1x2x8x8xbf16>, tensor<2x2x3x3xbf16>, tensor<2xf32>) -> tensor<1x2x8x8xf32> {
// QUANT-NEXT:     %c = nn.conv2d %input, %weight, %bias {{.*}}, nn.layout = array<i64: 0, 2, 3, 1>} : (tensor<1x2x8x8xbf16>, tensor<2x2x3x3xbf16>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
// QUANT-NEXT:     %[[R:.*]] = nn.relu %c {nn.layout = array<i64: 0, 2, 3, 1>} : tensor<1x2x8x8xf32>
// QUANT-NEXT:     nn.yield %[[R]] : tensor<1x2x8x8xf32>
// QUANT-NEXT:   }
// QUANT-NEXT:   nn.max_pool2d %r
// QUANT-NOT:      nn.layout = array<i64: 0, 2, 3, 1>
// QUANT:        nn.constant {{.*}} : tensor<4x32xbf16> {nn.layout = array<i64: 1, 0>}
// QUANT-NEXT:   %g = nn.gemm %2, %3, %fb {{.*}} : (tensor<1x32xbf16>, tensor<4x32xbf16>, tensor<4xf32>) -> tensor<1x4xf32>

// Stage npu: one program, every intermediate in a scratch tensor of its own, the
// lowering's conservative tokens.
// NPU:      npu.program @main config "npu-base" {
// NPU-NEXT:   npu.dram @x input "x" at 0 : tensor<1x2x8x8xf32>
// NPU-NEXT:   npu.dram @y output "y" at 512 : tensor<1x4xf32>
// NPU-NEXT:   npu.dram @t scratch at 576 : tensor<1x8x8x2xbf16>
// NPU:        npu.dram @r scratch at 1024 : tensor<1x8x8x2xf32>
// NPU-NEXT:   npu.dram @p scratch at 1536 : tensor<1x2x4x4xf32>
// NPU-NEXT:   npu.dram @t_1 scratch at 1664 : tensor<1x32xbf16>
// NPU:        %3 = npu.dma_load @t[0] strides [16, 2, 1] -> <act[0x0], 10x10x2xbf16> pad [1, 1, 0, 1, 1, 0] value 0.000000e+00 : bf16 after %1, %2 {origin = "c"}
// NPU-NEXT:   %4 = npu.dma_load @weight_hwio[0] strides [12, 4, 2, 1] -> <weight[0x0], 3x3x2x2xbf16> after %1, %2 {origin = "c"}
// NPU-NEXT:   %5 = npu.conv2d <act[0x0], 10x10x2xbf16>, <weight[0x0], 3x3x2x2xbf16> -> <acc[0x0], 8x8x2xf32> strides [1, 1] dilations [1, 1] groups 1 after %1, %4 {origin = "c"}

// Stage allocated: inputs and outputs, then weights, then the activations, which share
// one region since each dies before the next is stored; minimal tokens (the weight
// load follows the store that last read weight[0x0] through the in-order DMA loads).
// ALLOC:      npu.program @main config "npu-base" {
// ALLOC-NEXT:   npu.dram @x input "x" at 0 : tensor<1x2x8x8xf32>
// ALLOC-NEXT:   npu.dram @y output "y" at 512 : tensor<1x4xf32>
// ALLOC-NEXT:   npu.dram @t scratch at 1088 : tensor<1x8x8x2xbf16>
// ALLOC-NEXT:   npu.dram @b_acc weight at 576 : tensor<2xf32>
// ALLOC-NEXT:   npu.dram @weight_hwio weight at 640 : tensor<3x3x2x2xbf16>
// ALLOC-NEXT:   npu.dram @r scratch at 1088 : tensor<1x8x8x2xf32>
// ALLOC-NEXT:   npu.dram @p scratch at 1088 : tensor<1x2x4x4xf32>
// ALLOC-NEXT:   npu.dram @t_1 scratch at 1088 : tensor<1x32xbf16>
// ALLOC-NEXT:   npu.dram @weight_t weight at 768 : tensor<32x4xbf16>
// ALLOC-NEXT:   npu.dram @fb_acc weight at 1024 : tensor<4xf32>
// ALLOC:        %3 = npu.dma_load @t[0] strides [16, 2, 1] -> <act[0x0], 10x10x2xbf16> pad [1, 1, 0, 1, 1, 0] value 0.000000e+00 : bf16 after %2 {origin = "c"}
// ALLOC-NEXT:   %4 = npu.dma_load @weight_hwio[0] strides [12, 4, 2, 1] -> <weight[0x0], 3x3x2x2xbf16> {origin = "c"}
// ALLOC-NEXT:   %5 = npu.conv2d <act[0x0], 10x10x2xbf16>, <weight[0x0], 3x3x2x2xbf16> -> <acc[0x0], 8x8x2xf32> strides [1, 1] dilations [1, 1] groups 1 after %4 {origin = "c"}
// ALLOC:        %21 = npu.dma_store <acc[0x0], 1x4xf32> -> @y[0] strides [4, 1] after %20 {origin = "g"}
// ALLOC-NEXT: }

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
