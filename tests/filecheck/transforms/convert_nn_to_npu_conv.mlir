// RUN: npu-opt %s --split-input-file -p 'nn-assign-layout,convert-nn-to-npu' | filecheck %s

// Inputs and outputs keep their nn.name keys; the OIHW weights are stored HWIO and the
// bias in the accumulator type. The window load pads the border, the epilogue (bias,
// rounding to bf16, the fused ReLU) runs on the accumulator tile before the one store.

// CHECK-LABEL: npu.program @conv config "npu-base" {
// CHECK-NEXT:    npu.dram @x input "image" at 0 : tensor<1x4x8x8xbf16>
// CHECK-NEXT:    npu.dram @features output "features" at 512 : tensor<1x8x8x8xbf16>
// CHECK-NEXT:    npu.dram @b_acc weight at 1536 : tensor<8xf32> = dense<2.500000e-01> : tensor<8xf32>
// CHECK-NEXT:    npu.dram @w_hwio weight at 1600 : tensor<3x3x4x8xbf16> = dense<5.000000e-01> : tensor<3x3x4x8xbf16>
// CHECK-NEXT:    %0 = npu.dma_load @x[0] strides [8, 1, 64] -> <act[0x0], 10x10x4xbf16> pad [1, 1, 0, 1, 1, 0] value 0.000000e+00 : bf16 {origin = "c"}
// CHECK-NEXT:    %1 = npu.dma_load @w_hwio[0] strides [96, 32, 8, 1] -> <weight[0x0], 3x3x4x8xbf16> {origin = "c"}
// CHECK-NEXT:    %2 = npu.conv2d <act[0x0], 10x10x4xbf16>, <weight[0x0], 3x3x4x8xbf16> -> <acc[0x0], 8x8x8xf32> strides [1, 1] dilations [1, 1] groups 1 after %1 {origin = "c"}
// CHECK-NEXT:    %3 = npu.dma_load @b_acc[0] strides [0, 0, 1] -> <[[B:.*]], 1x1x8xf32> {origin = "c"}
// CHECK-NEXT:    %4 = npu.binary add <acc[0x0], 8x8x8xf32>, <[[B]], 1x1x8xf32> -> <acc[0x0], 8x8x8xf32> after %2, %3 {origin = "c"}
// CHECK-NEXT:    %5 = npu.convert <acc[0x0], 8x8x8xf32> -> <[[OUT:.*]], 8x8x8xbf16> {origin = "c"}
// CHECK-NEXT:    %6 = npu.unary relu <[[OUT]], 8x8x8xbf16> -> <[[OUT]], 8x8x8xbf16> {origin = "r"}
// CHECK-NEXT:    %7 = npu.dma_store <[[OUT]], 8x8x8xbf16> -> @features[0] strides [8, 1, 64] after %6 {origin = "r"}
// CHECK-NEXT:  }

func.func @conv(%x: tensor<1x4x8x8xbf16> {nn.name = "image"}) -> (tensor<1x8x8x8xbf16> {nn.name = "features"}) {
  %w = nn.constant dense<5.000000e-01> : tensor<8x4x3x3xbf16>
  %b = nn.constant dense<2.500000e-01> : tensor<8xbf16>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x8x8xbf16>, tensor<8x4x3x3xbf16>, tensor<8xbf16>) -> tensor<1x8x8x8xbf16>
  %r = nn.relu %c : tensor<1x8x8x8xbf16>
  func.return %r : tensor<1x8x8x8xbf16>
}

// -----

// Too large for one accumulator tile: output tiles alternate between two slots of
// each region, and each window carries the halo rows and columns it needs.

// CHECK-LABEL: npu.program @conv_tiles
// CHECK:         %0 = npu.dma_load @x[0] strides [64, 1, 4096] -> <act[0x0], [[ROWS:[0-9]+]]x[[COLS:[0-9]+]]x64xbf16> pad [1, 1, 0, {{.*}}] value 0.000000e+00 : bf16
// CHECK:         %2 = npu.conv2d <act[0x0], [[ROWS]]x[[COLS]]x64xbf16>, <weight[0x0], 3x3x64x[[O:[0-9]+]]xbf16> -> <acc[0x0], {{[0-9]+}}x{{[0-9]+}}x[[O]]xf32>
// CHECK:         npu.dma_store {{.*}} -> @result0[0] strides [64, 1, 4096]
// CHECK-NEXT:    npu.dma_load @x[{{[0-9]+}}] strides [64, 1, 4096] -> <act[[[SLOT:0x[0-9a-f]+]]], [[ROWS]]x[[COLS]]x64xbf16>
// CHECK-NEXT:    npu.conv2d <act[[[SLOT]]], [[ROWS]]x[[COLS]]x64xbf16>, <weight[0x0], 3x3x64x[[O]]xbf16> -> <acc[{{0x[1-9a-f][0-9a-f]*}}]

func.func @conv_tiles(%x: tensor<1x64x64x64xbf16>) -> tensor<1x64x64x64xbf16> {
  %w = nn.constant dense<5.000000e-01> : tensor<64x64x3x3xbf16>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x64x64x64xbf16>, tensor<64x64x3x3xbf16>) -> tensor<1x64x64x64xbf16>
  func.return %c : tensor<1x64x64x64xbf16>
}

// -----

// int8: the window border holds the input zero point, the bias is added on the i32
// accumulator and the requantisation writes the int8 tile that is stored.

// CHECK-LABEL: npu.program @qconv
// CHECK:         npu.dram @b_acc weight at 512 : tensor<16xi32> = dense<-7> : tensor<16xi32>
// CHECK-NEXT:    npu.dram @w_hwio weight at 576 : tensor<3x3x8x16xi8> = dense<3> : tensor<3x3x8x16xi8>
// CHECK-NEXT:    %0 = npu.dma_load @x[0] strides [6, 1, 36] -> <act[0x0], 7x7x8xi8> pad [1, 1, 0, 0, 0, 0] value -5 : i8 {origin = "c"}
// CHECK-NEXT:    %1 = npu.dma_load @w_hwio[0] strides [384, 128, 16, 1] -> <weight[0x0], 3x3x8x16xi8> {origin = "c"}
// CHECK-NEXT:    %2 = npu.conv2d <act[0x0], 7x7x8xi8>, <weight[0x0], 3x3x8x16xi8> -> <acc[0x0], 3x3x16xi32> strides [2, 2] dilations [1, 1] groups 1 after %1 {origin = "c"}
// CHECK-NEXT:    %3 = npu.dma_load @b_acc[0] strides [0, 0, 1] -> <[[B:.*]], 1x1x16xi32> {origin = "c"}
// CHECK-NEXT:    %4 = npu.binary add <acc[0x0], 3x3x16xi32>, <[[B]], 1x1x16xi32> -> <acc[0x0], 3x3x16xi32> after %2, %3 {origin = "c"}
// CHECK-NEXT:    %5 = npu.requantize <acc[0x0], 3x3x16xi32> -> <[[Q:.*]], 3x3x16xi8> multiplier [1073741824] shift [36] input_zp 0 output_zp -128 clamp [-128, 127] {origin = "q"}
// CHECK-NEXT:    %6 = npu.dma_store <[[Q]], 3x3x16xi8> -> @result0[0] strides [3, 1, 9] after %5 {origin = "q"}

func.func @qconv(%x: tensor<1x8x6x6xi8>) -> tensor<1x16x3x3xi8> {
  %w = nn.constant dense<3> : tensor<16x8x3x3xi8>
  %b = nn.constant dense<-7> : tensor<16xi32>
  %c = nn.qconv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, input_zp = -5 : i64} : (tensor<1x8x6x6xi8>, tensor<16x8x3x3xi8>, tensor<16xi32>) -> tensor<1x16x3x3xi32>
  %q = nn.requantize %c {multiplier = array<i64: 1073741824>, shift = array<i64: 36>, axis = 1 : i64, input_zp = 0 : i64, output_zp = -128 : i64, double_round = false, clamp = array<i64: -128, 127>} : (tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi8>
  func.return %q : tensor<1x16x3x3xi8>
}

// -----

// Depthwise on the vector unit: the window is widened to f32 once, then each kernel
// cell is a strided view of it times that cell's weight row, summed cell by cell.

// CHECK-LABEL: npu.program @depthwise
// CHECK:         npu.dram @w_dw weight at 8192 : tensor<3x3x32xf32> = dense<5.000000e-01> : tensor<3x3x32xf32>
// CHECK-NEXT:    %0 = npu.dma_load @x[0] strides [8, 1, 64] -> <act[0x0], 10x10x32xbf16> pad [1, 1, 0, 1, 1, 0] value 0.000000e+00 : bf16 {origin = "c"}
// CHECK-NEXT:    %1 = npu.convert <act[0x0], 10x10x32xbf16> -> <[[WIDE:[a-z]+]][[[W0:0x[0-9a-f]+]]], 10x10x32xf32> after %0 {origin = "c"}
// CHECK-NEXT:    %2 = npu.dma_load @w_dw[0] strides [96, 32, 1] -> <[[K:[a-z]+\[0x[0-9a-f]+]]], 3x3x32xf32> {origin = "c"}
// CHECK-NEXT:    %3 = npu.binary mul <[[WIDE]][[[W0]]], 8x8x32xf32, strides [320, 32, 1]>, <[[K]]], 1x1x32xf32> -> <[[ACC:.*]], 8x8x32xf32> after %2 {origin = "c"}
// CHECK-NEXT:    %4 = npu.binary mul <{{.*}}, 8x8x32xf32, strides [320, 32, 1]>, <{{.*}}, 1x1x32xf32> -> <[[TMP:.*]], 8x8x32xf32> after %2 {origin = "c"}
// CHECK-NEXT:    %5 = npu.binary add <[[ACC]], 8x8x32xf32>, <[[TMP]], 8x8x32xf32> -> <[[ACC]], 8x8x32xf32> {origin = "c"}
// CHECK-COUNT-7: npu.binary mul
// CHECK:         npu.convert <[[ACC]], 8x8x32xf32> -> <{{.*}}, 8x8x32xbf16> {origin = "c"}
// CHECK-NEXT:    npu.dma_store

func.func @depthwise(%x: tensor<1x32x8x8xbf16>) -> tensor<1x32x8x8xbf16> {
  %w = nn.constant dense<5.000000e-01> : tensor<32x1x3x3xbf16>
  %c = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 32 : i64} : (tensor<1x32x8x8xbf16>, tensor<32x1x3x3xbf16>) -> tensor<1x32x8x8xbf16>
  func.return %c : tensor<1x32x8x8xbf16>
}
