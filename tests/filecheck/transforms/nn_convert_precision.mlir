// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.linspace(-1000.0, 1000.0, 4 * 32, dtype=np.float32).reshape(4, 1, 2, 4, 4), t=np.linspace(-1.0, 1.0, 4 * 16, dtype=np.float32).reshape(4, 2, 8))"
// RUN: npu-opt %s -p 'nn-convert-precision{precision=bf16}' | filecheck %s --check-prefix=BF16
// RUN: npu-opt %s -p 'nn-convert-precision{precision=fp16}' | filecheck %s --check-prefix=FP16
// RUN: npu-opt %s -p 'nn-convert-precision{precision=fp8 calibration="%t.npz"}' | filecheck %s --check-prefix=FP8
// RUN: npu-opt %s -p 'nn-convert-precision{precision=fp8}' | filecheck %s --check-prefix=FP8-NOCAL
// RUN: npu-opt %s -p 'nn-convert-precision{precision=fp8}' | npu-opt | filecheck %s --check-prefix=FP8-NOCAL
// RUN: npu-opt %s --verify-diagnostics -p 'nn-convert-precision{precision=int4}' | filecheck %s --check-prefix=ERR-PRECISION
// RUN: npu-opt %s --verify-diagnostics -p 'nn-convert-precision{precision=bf16 calibration="%t.npz"}' | filecheck %s --check-prefix=ERR-CALIBRATION

// conv2d, gemm and matmul on low-precision operands with f32 results; everything
// else (the transpose) stays f32.

// BF16-LABEL: func.func @main(
// BF16:       %[[X:.*]] = nn.cast %x : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xbf16>
// BF16-NEXT:  %[[W:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x2x1x1xbf16>
// BF16-NEXT:  %c = nn.conv2d %[[X]], %[[W]], %b {{.*}} : (tensor<1x2x4x4xbf16>, tensor<3x2x1x1xbf16>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
// BF16:       %[[T:.*]] = nn.cast %t : (tensor<2x8xf32>) -> tensor<2x8xbf16>
// BF16-NEXT:  %[[FW:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x8xbf16>
// BF16-NEXT:  %g = nn.gemm %[[T]], %[[FW]], %fb {{.*}} : (tensor<2x8xbf16>, tensor<3x8xbf16>, tensor<3xf32>) -> tensor<2x3xf32>
// BF16-NEXT:  %tt = nn.transpose %t {{.*}} : (tensor<2x8xf32>) -> tensor<8x2xf32>
// BF16-NEXT:  %[[TT:.*]] = nn.cast %tt : (tensor<8x2xf32>) -> tensor<8x2xbf16>
// BF16-NEXT:  %m = nn.matmul %[[T]], %[[TT]] : (tensor<2x8xbf16>, tensor<8x2xbf16>) -> tensor<2x2xf32>
// BF16-NEXT:  func.return %c, %g, %m

// FP16:       nn.conv2d {{.*}} : (tensor<1x2x4x4xf16>, tensor<3x2x1x1xf16>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
// FP16:       nn.gemm {{.*}} : (tensor<2x8xf16>, tensor<3x8xf16>, tensor<3xf32>) -> tensor<2x3xf32>
// FP16:       nn.matmul {{.*}} : (tensor<2x8xf16>, tensor<8x2xf16>) -> tensor<2x2xf32>

// fp8: |x| <= 1000 is divided by 4 and t (|t| <= 1) multiplied by 256 to reach 448;
// conv weight channel 0 ([0.3, -600]) by 2, channel 1 ([0.01, 0.02]) by 2^-14,
// channel 2 ([1, 0]) by 2^-8; the f32 results are multiplied back, then the bias added.
// FP8-LABEL: func.func @main(
// FP8-NEXT:  %[[Q:.*]] = nn.constant dense<2.500000e-01> : tensor<f32>
// FP8-NEXT:  %[[XS:.*]] = nn.mul %x, %[[Q]]
// FP8-NEXT:  %[[XC:.*]] = nn.clamp %[[XS]] {min = -4.480000e+02 : f32, max = 4.480000e+02 : f32}
// FP8-NEXT:  %[[X8:.*]] = nn.cast %[[XC]] : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf8E4M3FN>
// FP8-NEXT:  %[[W8:.*]] = nn.constant dense_resource<{{.*}}> : tensor<3x2x1x1xf8E4M3FN>
// FP8-NEXT:  %[[C:.*]] = nn.conv2d %[[X8]], %[[W8]] {{.*}} : (tensor<1x2x4x4xf8E4M3FN>, tensor<3x2x1x1xf8E4M3FN>) -> tensor<1x3x4x4xf32>
// FP8-NEXT:  %[[S:.*]] = nn.constant dense<[{{\[\[}}[8.000000e+00]], {{\[\[}}0.000244140625]], {{\[\[}}1.562500e-02]]]]> : tensor<1x3x1x1xf32>
// FP8-NEXT:  %[[CS:.*]] = nn.mul %[[C]], %[[S]]
// FP8-NEXT:  %[[B:.*]] = nn.constant dense<[{{\[\[}}[5.000000e-01]], {{\[\[}}0.000000e+00]], {{\[\[}}-1.000000e+00]]]]> : tensor<1x3x1x1xf32>
// FP8-NEXT:  %c = nn.add %[[CS]], %[[B]]
// FP8-NEXT:  %[[TS:.*]] = nn.constant dense<2.560000e+02> : tensor<f32>
// FP8:       nn.gemm {{.*}} : (tensor<2x8xf8E4M3FN>, tensor<3x8xf8E4M3FN>) -> tensor<2x3xf32>
// FP8:       nn.matmul {{.*}} : (tensor<2x8xf8E4M3FN>, tensor<8x2xf8E4M3FN>) -> tensor<2x2xf32>

// Without calibration the activations are only clamped: no scaling multiply.
// FP8-NOCAL-LABEL: func.func @main(
// FP8-NOCAL-NEXT:  %[[XC:.*]] = nn.clamp %x {min = -4.480000e+02 : f32, max = 4.480000e+02 : f32}
// FP8-NOCAL-NEXT:  nn.cast %[[XC]] : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf8E4M3FN>

// ERR-PRECISION:   pass nn-convert-precision: precision must be one of bf16, fp16, fp8, got 'int4'
// ERR-CALIBRATION: pass nn-convert-precision: calibration only applies to precision=fp8, not bf16

func.func @main(%x: tensor<1x2x4x4xf32> {nn.name = "x"}, %t: tensor<2x8xf32> {nn.name = "t"}) -> (tensor<1x3x4x4xf32>, tensor<2x3xf32>, tensor<2x2xf32>) {
  %w = nn.constant dense<[[[[0.3]], [[-600.0]]], [[[0.01]], [[0.02]]], [[[1.0]], [[0.0]]]]> : tensor<3x2x1x1xf32>
  %b = nn.constant dense<[0.5, 0.0, -1.0]> : tensor<3xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %fw = nn.constant dense<0.1> : tensor<3x8xf32>
  %fb = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %g = nn.gemm %t, %fw, %fb {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %tt = nn.transpose %t {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<8x2xf32>
  %m = nn.matmul %t, %tt : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32>
  func.return %c, %g, %m : tensor<1x3x4x4xf32>, tensor<2x3xf32>, tensor<2x2xf32>
}
