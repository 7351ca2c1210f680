// npu-bisect runs the module after every pass of a pipeline (npu-compile expanded)
// and compares each run with the one before.
// RUN: %python -c "import numpy as np; r = np.random.default_rng(1); np.savez('%t.cal.npz', x=r.standard_normal((4, 1, 2, 8, 8)).astype(np.float32))"
// RUN: %python -m npu_tools.npu_bisect %s -p 'npu-compile{config=npu-edge calibration="%t.cal.npz"}' --seed 2 | filecheck %s
// RUN: not %python -m npu_tools.npu_bisect %s -p 'npu-compile{config=npu-edge}' 2>&1 | filecheck %s --check-prefix=ERROR
// RUN: not %python -m npu_tools.npu_bisect %s.missing -p canonicalize 2>&1 | filecheck %s --check-prefix=MISSING

// CHECK:      pass {{ +}}error  tolerance  verdict
// CHECK-NEXT: input {{ +}}-          -  reference
// CHECK-NEXT: canonicalize {{ +}}bit-identical      1e-05  agrees
// CHECK-NEXT: nn-quantize{calibration="{{.*}}.cal.npz"} {{ +}}{{[0-9.e-]+}}          -  precision change
// CHECK-NEXT: nn-assign-layout {{ +}}bit-identical      1e-06  agrees
// CHECK-NEXT: nn-fuse-epilogue {{ +}}bit-identical      1e-06  agrees
// CHECK-NEXT: convert-nn-to-npu{config="npu-edge"} {{ +}}bit-identical      1e-06  agrees
// CHECK-NEXT: npu-allocate {{ +}}bit-identical      1e-06  agrees
// CHECK-NEXT: npu-schedule {{ +}}bit-identical      1e-06  agrees
// CHECK-NEXT: no pass diverges

// ERROR: npu-bisect: error: precision=int8 needs calibration=FILE.npz (sample inputs keyed by input name, with a leading sample axis)
// MISSING: npu-bisect: error: {{.*}}npu_bisect.mlir.missing: no such file

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
