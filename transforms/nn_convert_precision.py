"""`nn-convert-precision`: float conv2d/matmul/gemm in bf16, fp16 or fp8 (e4m3).

    npu-opt model.mlir -p 'nn-convert-precision{precision=bf16}'
    npu-opt model.mlir -p 'nn-convert-precision{precision=fp8 calibration="c.npz"}'

See docs/quantization.md (float low precision).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float8E4M3FNType,
    Float16Type,
    ModuleOp,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.transforms.dead_code_elimination import region_dce

from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.nn.base import ints
from npu_dialect.resources import numpy_dtype
from transforms.quantization.calibration import (
    TensorStats,
    calibrate,
    entry_function,
    load_samples,
)
from transforms.quantization.quantizer import (
    channel_vector,
    constant_value,
    is_f32,
    static_shape,
)

PRECISIONS: dict[str, Attribute] = {
    "bf16": BFloat16Type(),
    "fp16": Float16Type(),
    "fp8": Float8E4M3FNType(),
}
FP8_MAX = 448.0
"""The largest finite f8E4M3FN value."""


def power_of_two_scale(magnitude: np.ndarray) -> np.ndarray:
    """The smallest powers of two s with magnitude / s <= FP8_MAX (1 for 0): dividing
    by them is exact, so scaling adds no rounding of its own."""
    magnitude = np.asarray(magnitude, dtype=np.float64)
    exponents = np.ceil(np.log2(np.where(magnitude > 0, magnitude, FP8_MAX) / FP8_MAX))
    return np.exp2(exponents)


@dataclass
class LowPrecision:
    """The state the patterns share: the target type, fp8 activation ranges and the
    low-precision form of each converted value."""

    element_type: Attribute
    stats: dict[SSAValue, TensorStats]
    converted: dict[SSAValue, tuple[SSAValue, float]] = field(default_factory=dict)

    @property
    def scaled(self) -> bool:
        return self.element_type == PRECISIONS["fp8"]

    def constant(self, array: np.ndarray) -> nn.ConstantOp:
        """`array` rounded to the low type (to nearest even, via ml_dtypes)."""
        dtype = numpy_dtype(self.element_type)
        return nn.ConstantOp.from_array(array.astype(np.float32).astype(dtype), self.element_type)

    def activation(
        self, value: SSAValue, rewriter: PatternRewriter, before: Operation
    ) -> tuple[SSAValue, float]:
        """`value` cast to the low type before `before`, and the scale it was divided
        by (fp8: a power of two from the calibrated range, then a clamp to +-448)."""
        if value in self.converted:
            return self.converted[value]
        scale = 1.0
        ops: list[Operation] = []
        current = value
        if self.scaled:
            stats = self.stats.get(value)
            if stats is not None and stats.minimum <= stats.maximum:
                magnitude = max(-stats.minimum, stats.maximum)
                scale = float(power_of_two_scale(np.array(magnitude)))
            if scale != 1.0:
                factor = nn.ConstantOp.from_array(np.array(1.0 / scale, np.float32))
                ops += [factor, nn.MulOp(current, factor.result)]
                current = ops[-1].results[0]
            ops.append(nn.ClampOp(current, -FP8_MAX, FP8_MAX))
            current = ops[-1].results[0]
        ops.append(nn.CastOp(current, self.element_type))
        for op in ops:
            rewriter.insert(op, InsertPoint.before(before))
        self.converted[value] = (ops[-1].results[0], scale)
        return self.converted[value]

    def weight(
        self, array: np.ndarray, channel_axis: int | None
    ) -> tuple[nn.ConstantOp, np.ndarray]:
        """A constant converted to the low type, and its scales (fp8: per channel of
        `channel_axis`, or per tensor, powers of two; else ones)."""
        array = array.astype(np.float64)
        if not self.scaled:
            return self.constant(array), np.ones(1)
        if channel_axis is None:
            scales = power_of_two_scale(np.abs(array).max(initial=0.0)).reshape(1)
            scaled = array / scales[0]
        else:
            others = tuple(d for d in range(array.ndim) if d != channel_axis)
            scales = power_of_two_scale(np.abs(array).max(axis=others, initial=0.0))
            shape = [1] * array.ndim
            shape[channel_axis] = -1
            scaled = array / scales.reshape(shape)
        return self.constant(np.clip(scaled, -FP8_MAX, FP8_MAX)), scales

    def operand(
        self, value: SSAValue, channel_axis: int | None, rewriter: PatternRewriter, before: Operation
    ) -> tuple[SSAValue, np.ndarray]:
        """The low-precision form of a product operand and its scales."""
        array = constant_value(value)
        if array is None:
            converted, scale = self.activation(value, rewriter, before)
            return converted, np.array([scale])
        constant, scales = self.weight(array, channel_axis)
        rewriter.insert(constant, InsertPoint.before(before))
        return constant.result, scales

    def unscale(
        self,
        op: Operation,
        product: Operation,
        scales: np.ndarray,
        channel_axis: int,
        bias: np.ndarray | None,
        rewriter: PatternRewriter,
    ) -> None:
        """Replace `op` by `product`, multiplied back by `scales` (per channel of
        `channel_axis`) and plus `bias` (per channel) when fp8 scaled its operands."""
        new_ops: list[Operation] = [product]
        result = op.results[0]
        rank = len(static_shape(result))
        for values in (scales, bias):
            if values is None or (values is scales and np.all(values == 1.0)):
                continue
            shape = [1] * rank
            shape[channel_axis] = values.size
            constant = nn.ConstantOp.from_array(values.astype(np.float32).reshape(shape))
            combine = nn.MulOp if values is scales else nn.AddOp
            new_ops += [constant, combine(new_ops[-1].results[0], constant.result)]
        for new_op in new_ops:
            new_op.location = op.location
            rewriter.insert(new_op, InsertPoint.before(op))
        new_ops[-1].results[0].name_hint = result.name_hint
        rewriter.replace_all_uses_with(result, new_ops[-1].results[0])
        rewriter.erase(op)


def _f32_result(op: Operation) -> TensorType:
    return TensorType(f32, static_shape(op.results[0]))


@dataclass
class ConvertConv2D(RewritePattern):
    """An f32 `nn.conv2d` on low-precision input and weights, accumulating in f32."""

    low: LowPrecision

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.Conv2DOp, rewriter: PatternRewriter) -> None:
        if not is_f32(op.input, op.weight, op.bias, op.result):
            return
        x, x_scale = self.low.operand(op.input, None, rewriter, op)
        w, w_scales = self.low.operand(op.weight, 0, rewriter, op)
        bias, bias_value = op.bias, None
        if self.low.scaled and bias is not None:
            bias_value = constant_value(bias)
            if bias_value is None:
                return
            bias = None
        conv = nn.Conv2DOp(
            x,
            w,
            bias,
            ints(op.strides),
            ints(op.padding),
            ints(op.dilations),
            op.groups.value.data,
            result_type=_f32_result(op),
        )
        self.low.unscale(op, conv, x_scale * w_scales, 1, bias_value, rewriter)


@dataclass
class ConvertMatmul(RewritePattern):
    """An f32 `nn.matmul` on low-precision operands, accumulating in f32."""

    low: LowPrecision

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MatmulOp, rewriter: PatternRewriter) -> None:
        if not is_f32(op.lhs, op.rhs, op.result) or not static_shape(op.result):
            return
        channel_axis = len(static_shape(op.rhs)) - 1 if len(static_shape(op.rhs)) >= 2 else None
        lhs, lhs_scale = self.low.operand(op.lhs, None, rewriter, op)
        rhs, rhs_scales = self.low.operand(op.rhs, channel_axis, rewriter, op)
        matmul = nn.MatmulOp(lhs, rhs, result_type=_f32_result(op))
        result_axis = len(static_shape(op.result)) - 1
        self.low.unscale(op, matmul, lhs_scale * rhs_scales, result_axis, None, rewriter)


@dataclass
class ConvertGemm(RewritePattern):
    """An f32 `nn.gemm` on low-precision a and b, accumulating in f32 with c in f32."""

    low: LowPrecision

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.GemmOp, rewriter: PatternRewriter) -> None:
        if not is_f32(op.a, op.b, op.c, op.result):
            return
        c, c_value = op.c, None
        if self.low.scaled and c is not None:
            c_array = constant_value(c)
            channels = static_shape(op.result)[1]
            c_value = None if c_array is None else channel_vector(c_array, 2, 1, channels)
            if c_value is None:
                return
            c_value = c_value * op.beta.value.data
            c = None
        trans_b = bool(op.trans_b.value.data)
        a, a_scale = self.low.operand(op.a, None, rewriter, op)
        b, b_scales = self.low.operand(op.b, 0 if trans_b else 1, rewriter, op)
        gemm = nn.GemmOp(
            a,
            b,
            c,
            op.alpha.value.data,
            op.beta.value.data,
            bool(op.trans_a.value.data),
            trans_b,
            result_type=_f32_result(op),
        )
        self.low.unscale(op, gemm, a_scale * b_scales, 1, c_value, rewriter)


@dataclass(frozen=True)
class NNConvertPrecisionPass(ModulePass):
    """Runs the f32 conv2d, matmul and gemm ops of the module's function on bf16, fp16
    or fp8 (e4m3) operands with an f32 result (the matrix unit's fp32 accumulation):
    constant weights are converted at compile time (ml_dtypes rounding to nearest
    even), run-time operands get an `nn.cast` before the op; all other ops stay f32.
    fp8 scales every operand into its range by a power of two (weights per output
    channel, activations per tensor from the calibration samples, else 1), clamps to
    +-448 before the cast and multiplies the f32 result back."""

    name = "nn-convert-precision"

    precision: str = "bf16"
    """bf16, fp16 or fp8."""
    calibration: str = ""
    """fp8 only, optional: sample inputs (.npz, as nn-quantize's) for activation scales."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.precision not in PRECISIONS:
            raise UserError(
                f"precision must be one of {', '.join(PRECISIONS)}, got '{self.precision}'"
            )
        if self.calibration and self.precision != "fp8":
            raise UserError(f"calibration only applies to precision=fp8, not {self.precision}")
        func = entry_function(op)
        stats: dict[SSAValue, TensorStats] = {}
        if self.calibration:
            stats = calibrate(op, func, load_samples(self.calibration, func), keep_values=False)
        low = LowPrecision(PRECISIONS[self.precision], stats)
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [ConvertConv2D(low), ConvertMatmul(low), ConvertGemm(low)]
            ),
            apply_recursively=False,
        ).rewrite_region(func.body)
        region_dce(func.body)
