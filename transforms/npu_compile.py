"""`npu-compile`: the whole lowering from `nn` to allocated, scheduled NPU programs.

    npu-opt model.mlir -p 'npu-compile{config=npu-base precision=int8 calibration="c.npz"}'
    npu-opt model.mlir -p 'npu-compile{config=npu-server stop-after=quantized}'

The pass runs the list `compile_pipeline` returns, the same passes a user can run one
by one (`pipeline_spec` prints them as an `npu-opt -p` argument). See
docs/lowering.md, "The pipeline".
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.canonicalize import CanonicalizePass
from xdsl.utils.exceptions import DiagnosticException

from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.hardware import HardwareConfig, resolve_config
from npu_dialect.nn.quant import QUANT_OPS
from transforms.convert_nn_to_npu import ConvertNNToNPUPass
from transforms.nn_assign_layout import NNAssignLayoutPass
from transforms.nn_convert_precision import NNConvertPrecisionPass
from transforms.nn_fuse_epilogue import NNFuseEpiloguePass
from transforms.nn_quantize import NNQuantizePass
from transforms.npu_allocate import NPUAllocatePass
from transforms.npu_schedule import NPUSchedulePass
from transforms.quantization.quantizer import is_f32

STAGES = ("nn", "quantized", "npu", "allocated")
"""The stages `stop-after` names, in order: `nn` after graph optimisation, `quantized`
after the precision conversion, layout assignment and epilogue fusion, `npu` lowered,
`allocated` final."""

PRECISIONS = {"int8": "i8", "fp8": "f8E4M3FN", "fp16": "f16", "bf16": "bf16"}
"""Each precision and the matrix-unit input type it runs on."""

FLOAT_TOLERANCES = {"fp8": 2.0**-3, "bf16": 2.0**-7, "fp16": 2.0**-10}
"""How far the outputs of a float precision may move between stages after the precision
change, relative to the largest output: one unit in the last place of the precision at
that output's magnitude, 2^(1-p) with p significand bits (4 for fp8 e4m3, 8 for bf16,
11 for fp16). The stages round to the precision at the same places; they differ in the
order of the f32 accumulations (BLAS at the `nn` level, the tiling's chunks on the
NPU), so now and then a sum on the edge of a rounding step rounds the other way, by
one unit in the last place, and later layers carry that on. See docs/lowering.md,
"Equal at every stage"."""


def float_tolerance(precision: str) -> float:
    """The stage-to-stage tolerance of a float precision (`FLOAT_TOLERANCES`)."""
    return FLOAT_TOLERANCES[precision]


def native_precision(config: HardwareConfig) -> str:
    """The precision a config is made for: the first of its matrix unit's input types
    (presets list the type they are designed around first)."""
    by_type = {matrix_type: name for name, matrix_type in PRECISIONS.items()}
    return by_type[config.matrix.input_types[0]]


def is_prequantized(module: ModuleOp) -> bool:
    """Whether the module is already quantised (an imported pre-quantized model): it
    has quantised `nn` ops and no f32 conv2d/matmul/gemm left for `nn-quantize`."""
    ops = list(module.walk())
    float_products = (
        op
        for op in ops
        if isinstance(op, (nn.Conv2DOp, nn.MatmulOp, nn.GemmOp)) and is_f32(*op.operands)
    )
    quantized_ops = tuple(QUANT_OPS)
    return any(isinstance(op, quantized_ops) for op in ops) and not any(float_products)


def compile_pipeline(
    config: str = "",
    precision: str = "",
    calibration: str = "",
    stop_after: str = "allocated",
    prequantized: bool = False,
) -> list[ModulePass]:
    """The passes of `npu-compile` with these options, up to the end of `stop_after`.
    `config` empty means the default description, `precision` empty its native one;
    int8 on a `prequantized` module skips `nn-quantize`. Raises UserError (one line)
    for a bad option."""
    if stop_after not in STAGES:
        raise UserError(f"stop-after must be one of {', '.join(STAGES)}, got '{stop_after}'")
    hardware = resolve_config(config)
    precision = precision or native_precision(hardware)
    if precision not in PRECISIONS:
        raise UserError(
            f"precision must be one of {', '.join(PRECISIONS)}, got '{precision}'"
        )
    if not hardware.matrix.supports(PRECISIONS[precision]):
        supported = [name for name, t in PRECISIONS.items() if hardware.matrix.supports(t)]
        raise UserError(
            f"precision {precision} is not supported by the matrix unit of config "
            f"{hardware.name} (supports {', '.join(supported)})"
        )
    skip_quantize = precision == "int8" and prequantized
    if precision == "int8" and not calibration and not skip_quantize:
        raise UserError(
            "precision=int8 needs calibration=FILE.npz (sample inputs keyed by input "
            "name, with a leading sample axis)"
        )
    if calibration and precision not in ("int8", "fp8"):
        raise UserError(f"calibration only applies to precision int8 or fp8, not {precision}")
    precision_change: list[ModulePass] = []
    if not skip_quantize:
        precision_change.append(
            NNQuantizePass(calibration=calibration)
            if precision == "int8"
            else NNConvertPrecisionPass(precision=precision, calibration=calibration)
        )
    stages: list[list[ModulePass]] = [
        [CanonicalizePass()],
        # Fusion follows the precision change: the quantiser rewrites single ops (a
        # conv becomes quantize, qconv2d, requantize), and in int8 the requantize is
        # part of the epilogue.
        [*precision_change, NNAssignLayoutPass(), NNFuseEpiloguePass()],
        [ConvertNNToNPUPass(config=config)],
        [NPUAllocatePass(), NPUSchedulePass()],
    ]
    return [p for stage in stages[: STAGES.index(stop_after) + 1] for p in stage]


def pipeline_spec(passes: list[ModulePass]) -> str:
    """The passes as an `npu-opt -p` argument."""
    return ",".join(str(p.pipeline_pass_spec()) for p in passes)


@dataclass(frozen=True)
class NPUCompilePass(ModulePass):
    """Compiles the module's `nn` function for one hardware description: canonicalize
    (stage `nn`), nn-quantize or nn-convert-precision, nn-assign-layout and
    nn-fuse-epilogue (stage `quantized`), convert-nn-to-npu (stage `npu`), npu-allocate
    and npu-schedule (stage `allocated`), stopping after the stage `stop-after` names.
    `precision` defaults to the config's native one; int8 needs `calibration`, unless
    the module is already quantised (`is_prequantized`): then nn-quantize is skipped.
    An error of an inner pass names that pass."""

    name = "npu-compile"

    config: str = ""
    """A preset name or .toml path; empty: npu-opt's --config, else npu-base."""
    precision: str = ""
    """int8, fp8, fp16 or bf16; empty: the config's native precision."""
    calibration: str = ""
    """Sample inputs (.npz keyed by input name, leading sample axis): int8, optional fp8."""
    stop_after: str = "allocated"
    """nn, quantized, npu or allocated."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        passes = compile_pipeline(
            self.config, self.precision, self.calibration, self.stop_after, is_prequantized(op)
        )
        for inner in passes:
            try:
                inner.apply(ctx, op)
            except (UserError, DiagnosticException) as error:
                first = str(error).strip().splitlines()[0]
                raise UserError(f"{inner.name}: {first}") from None
