// RUN: %python -c "import numpy as np; np.savez('%t.key.npz', x=np.ones((2, 1, 8), np.float32), z=np.ones(3)); np.savez('%t.shape.npz', x=np.ones((1, 8), np.float32)); np.savez('%t.none.npz', x=np.ones((0, 1, 8), np.float32)); np.savez('%t.int.npz', x=np.ones((2, 1, 8), np.int32)); np.savez('%t.good.npz', x=np.ones((2, 1, 8))); open('%t.text.npz', 'w').write('text'); open('%t.empty.npz', 'w').close(); np.save('%t.array.npy', np.ones((2, 1, 8), np.float32))"
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize' | filecheck %s --check-prefix=REQUIRED
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.missing.npz"}' | filecheck %s --check-prefix=MISSING
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.text.npz"}' | filecheck %s --check-prefix=TEXT
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.empty.npz"}' | filecheck %s --check-prefix=EMPTY
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.array.npy"}' | filecheck %s --check-prefix=NPY
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.key.npz"}' | filecheck %s --check-prefix=KEY
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.shape.npz"}' | filecheck %s --check-prefix=SHAPE
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.none.npz"}' | filecheck %s --check-prefix=NONE
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.int.npz"}' | filecheck %s --check-prefix=DTYPE
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.good.npz" method=kl}' | filecheck %s --check-prefix=METHOD
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.good.npz" activations=both}' | filecheck %s --check-prefix=MODE
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.good.npz" percentile=20}' | filecheck %s --check-prefix=PERCENTILE
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.good.npz" keep=7}' | filecheck %s --check-prefix=INDEX
// RUN: npu-opt %s --verify-diagnostics -p 'nn-quantize{calibration="%t.good.npz" keep=nope}' | filecheck %s --check-prefix=NAME
// RUN: npu-opt %s -p 'nn-quantize{calibration="%t.good.npz"}' | filecheck %s --check-prefix=FLOAT64
// RUN: not npu-opt %s -p 'nn-quantize{calibration="%t.missing.npz"}' 2>&1 | filecheck %s --check-prefix=STATUS

// Every user error of nn-quantize is one line naming the pass and the problem. Float
// calibration data of another precision (%t.good.npz is float64) is accepted.

func.func @main(%x: tensor<1x8xf32> {nn.name = "x"}) -> (tensor<1x8xf32> {nn.name = "y"}) {
  %w = nn.constant dense<0.5> : tensor<8x8xf32>
  %g = nn.gemm %x, %w {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
  func.return %g : tensor<1x8xf32>
}

// REQUIRED:   pass nn-quantize: the calibration option is required (calibration=FILE.npz of sample inputs)
// MISSING:    pass nn-quantize: calibration file '{{.*}}.missing.npz': no such file
// TEXT:       pass nn-quantize: calibration file '{{.*}}.text.npz': not a readable .npz file
// EMPTY:      pass nn-quantize: calibration file '{{.*}}.empty.npz': not a readable .npz file (No data left in file)
// NPY:        pass nn-quantize: calibration file '{{.*}}.array.npy': not a readable .npz file (a single .npy array)
// KEY:        pass nn-quantize: calibration file '{{.*}}.key.npz': no input named 'z' (the inputs are x)
// SHAPE:      pass nn-quantize: calibration file '{{.*}}.shape.npz': input 'x' has shape 1x8, expected N x 1x8 (a leading sample axis)
// NONE:       pass nn-quantize: calibration file '{{.*}}.none.npz': holds no samples
// DTYPE:      pass nn-quantize: calibration file '{{.*}}.int.npz': input 'x' has dtype int32, expected float32
// METHOD:     pass nn-quantize: method must be one of minmax, percentile, entropy, got 'kl'
// MODE:       pass nn-quantize: activations must be asymmetric or symmetric, got 'both'
// PERCENTILE: pass nn-quantize: percentile must be in (50, 100], got 20
// INDEX:      pass nn-quantize: keep index 7 is out of range (the function has 1 conv2d/gemm/matmul ops)
// NAME:       pass nn-quantize: keep: no op result is named %nope
// STATUS:     npu-opt: error: pass nn-quantize: calibration file '{{.*}}.missing.npz': no such file
// STATUS-NOT: Traceback
// FLOAT64:    nn.qmatmul
