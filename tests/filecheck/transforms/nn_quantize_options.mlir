// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.linspace(-1.0, 3.0, 4 * 8, dtype=np.float32).reshape(4, 1, 8))"
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" method=minmax activations=symmetric}' | filecheck %s --check-prefix=SYM
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" keep=0}' | filecheck %s --check-prefix=KEEP0
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" keep=g1,-1}' | filecheck %s --check-prefix=KEEPALL
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" first-last-float=true}' | filecheck %s --check-prefix=KEEPALL
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" method=entropy}' | filecheck %s --check-prefix=INT8
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.npz" method=percentile percentile=99}' | filecheck %s --check-prefix=INT8

// Options: symmetric activations, layers kept in float by index, by name and as the
// first and last layer, and the range methods.

func.func @main(%x: tensor<1x8xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"}) {
  %w1 = nn.constant dense<0.5> : tensor<8x8xf32>
  %g1 = nn.gemm %x, %w1 {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
  %h = nn.relu %g1 : tensor<1x8xf32>
  %w2 = nn.constant dense<-0.25> : tensor<4x8xf32>
  %g2 = nn.gemm %h, %w2 {alpha = 2.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
  func.return %g2 : tensor<1x4xf32>
}

// Symmetric: zero points 0, scale max|x| / 127 = 3/127; the ReLU output keeps the
// range [-max, max] and its clamp starts at 0.
// SYM:      nn.quantize %x {scale = 0.0236220472 : f32, zero_point = 0 : i64}
// SYM-NOT:  gemm
// SYM:      nn.qmatmul
// SYM-NEXT: nn.requantize {{.*}}output_zp = 0 : i64, double_round = false, clamp = array<i64: 0, 127>
// SYM:      nn.qmatmul
// SYM-NEXT: nn.requantize {{.*}} -> tensor<1x4xi32>
// SYM-NEXT: nn.dequantize

// KEEP0:      nn.gemm %x
// KEEP0-NEXT: nn.relu
// KEEP0-NEXT: nn.quantize
// KEEP0:      nn.qmatmul
// KEEP0-NEXT: nn.requantize
// KEEP0-NEXT: nn.dequantize
// KEEP0-NOT:  nn.gemm

// KEEPALL-NOT: nn.q
// KEEPALL:     nn.gemm
// KEEPALL:     nn.relu
// KEEPALL:     nn.gemm
// KEEPALL-NOT: nn.q

// INT8:      nn.quantize %x
// INT8-NOT:  nn.gemm
// INT8:      nn.qmatmul
// INT8-NEXT: nn.requantize
// INT8:      nn.qmatmul
// INT8-NEXT: nn.requantize
// INT8-NOT:  nn.gemm
