// RUN: %python -c "import numpy as np; np.savez('%t.shape.npz', x=np.zeros((4, 2), np.float32)); np.savez('%t.dtype.npz', x=np.zeros((2, 4), np.float64)); np.savez('%t.extra.npz', x=np.zeros((2, 4), np.float32), z=np.zeros(1))"
// RUN: %python -c "open('%t.toml', 'w').write('base = \"npu-base\"\n[matrix]\nrows = -4\n')"
// RUN: not npu-run %s --inputs %t.shape.npz 2>&1 | filecheck %s --check-prefix=SHAPE
// RUN: not npu-run %s --inputs %t.dtype.npz 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: not npu-run %s --inputs %t.extra.npz 2>&1 | filecheck %s --check-prefix=EXTRA
// RUN: not npu-run %s --config npu-edge 2>&1 | filecheck %s --check-prefix=FIT
// RUN: not npu-run %s --config npu-bse 2>&1 | filecheck %s --check-prefix=PRESET
// RUN: not npu-run %s --config %t.toml 2>&1 | filecheck %s --check-prefix=FIELD
// RUN: npu-run %s --config npu-server --quiet | filecheck %s --check-prefix=OVERRIDE

// Bad inputs and configs end with one line naming the problem, never a traceback.

npu.program @main config "npu-base" {
  npu.dram @x input at 0 : tensor<2x4xf32>
  npu.dram @y output at 64 : tensor<2x2xf32>
  %x = npu.dma_load @x[0] strides [4, 1] -> <act[0x0], 2x4xf32>
  %c = npu.convert <act[0x0], 2x4xf32> -> <act[0x100], 2x4xbf16> after %x
  %m = npu.matmul <act[0x100], 2x4xbf16>, <weight[0x0], 4x2xbf16> -> <acc[0x0], 2x2xf32> after %c
  %s = npu.dma_store <acc[0x0], 2x2xf32> -> @y[0] strides [2, 1] after %m
}

// SHAPE:      npu-run: error: input 'x' of @main: expected shape 2x4 (tensor<2x4xf32>), got 4x2
// SHAPE-NOT:  Traceback
// DTYPE:      npu-run: error: input 'x' of @main: expected dtype float32 (tensor<2x4xf32>), got float64
// EXTRA:      npu-run: error: @main has no input named 'z' (its inputs: x)
// FIT:        npu-run: error: {{.*}}npu_errors.mlir:18:3: program @main (made for config npu-base) does not fit config npu-edge: 'npu.matmul' op matmul input type bf16 not supported by matrix unit of config npu-edge (supports i8)
// FIT-NOT:    Traceback
// PRESET:     npu-run: error: unknown preset 'npu-bse' (known: {{.*}}); did you mean 'npu-base'?
// FIELD:      npu-run: error: config {{.*}}.toml: field matrix.rows: expected a positive integer, got -4
// OVERRIDE:   program @main on npu-server (128x128 ws, 1000 MHz): 4 instructions
