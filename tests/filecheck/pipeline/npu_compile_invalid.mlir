// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{stop-after=lowered}' | filecheck %s --check-prefix=STAGE
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{config=npu-base precision=int8}' | filecheck %s --check-prefix=CALIBRATION
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{config=npu-edge}' | filecheck %s --check-prefix=CALIBRATION
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{config=npu-bse}' | filecheck %s --check-prefix=CONFIG
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{config=npu-edge precision=bf16}' | filecheck %s --check-prefix=PRECISION
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{precision=int4}' | filecheck %s --check-prefix=UNKNOWN-PRECISION
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{precision=bf16 calibration="c.npz"}' | filecheck %s --check-prefix=BF16-CALIBRATION
// RUN: npu-opt %s --verify-diagnostics -p 'npu-compile{precision=int8 calibration="%t.missing.npz"}' | filecheck %s --check-prefix=INNER

// Bad options of npu-compile end in one line naming the problem.
// STAGE: pass npu-compile: stop-after must be one of nn, quantized, npu, allocated, got 'lowered'
// CALIBRATION: pass npu-compile: precision=int8 needs calibration=FILE.npz (sample inputs keyed by input name, with a leading sample axis)
// CONFIG: pass npu-compile: unknown preset 'npu-bse' (known: gemmini, npu-base, npu-edge, npu-server, sram-only, tpu-v1); did you mean 'npu-base'?
// PRECISION: pass npu-compile: precision bf16 is not supported by the matrix unit of config npu-edge (supports int8)
// UNKNOWN-PRECISION: pass npu-compile: precision must be one of int8, fp8, fp16, bf16, got 'int4'
// BF16-CALIBRATION: pass npu-compile: calibration only applies to precision int8 or fp8, not bf16
// An inner pass's error names that pass.
// INNER: pass npu-compile: nn-quantize: {{.*}}missing.npz

func.func @main(%x: tensor<1x4xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"}) {
  %y = nn.relu %x : tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}
