"""`nn-quantize`: post-training int8 quantisation of an `nn` function.

    npu-opt model.mlir -p 'canonicalize,nn-quantize{calibration="c.npz"}'

See docs/quantization.md for the scheme, the options and what stays in float.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.ir import Operation, SSAValue
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

from interpreter.kernels.quant import quantize_multiplier
from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.nn.base import ints
from transforms.quantization.calibration import METHODS, calibrate, entry_function, load_samples
from transforms.quantization.params import TRANSPARENT_OPS, QuantParams, quantize_weights
from transforms.quantization.quantizer import (
    Epilogue,
    Quantizer,
    bias_constant,
    channel_vector,
    constant_value,
    integer_clamp,
    is_f32,
    static_shape,
)

ACTIVATION_MODES = ("asymmetric", "symmetric")
ADD_INPUT_BITS = 20
"""Fraction bits of the i32 operands of `nn.qadd` (TFLite's `left_shift`)."""


@dataclass
class QuantizeConv2D(RewritePattern):
    """`nn.conv2d` with constant weights (and bias) to `nn.qconv2d` + requantize."""

    quantizer: Quantizer

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.Conv2DOp, rewriter: PatternRewriter) -> None:
        weight = constant_value(op.weight)
        bias = None if op.bias is None else constant_value(op.bias)
        if op in self.quantizer.keep or weight is None or (op.bias is not None and bias is None):
            return
        if not is_f32(op.input, op.weight, op.result):
            return
        q = self.quantizer
        x, x_params = q.quantized(op.input, rewriter, op)
        weight_q, weight_scales = quantize_weights(weight, axis=0)
        channels = weight.shape[0]
        epilogue = q.epilogue(op.result, (1, channels))
        if bias is not None and epilogue.bias is not None:
            bias = bias + epilogue.bias
        elif epilogue.bias is not None:
            bias = epilogue.bias
        scales = x_params.scale * weight_scales
        correction = x_params.zero_point * weight_q.reshape(channels, -1).astype(np.int64).sum(1)
        new_weight = nn.ConstantOp.from_array(weight_q)
        bias_op = bias_constant(bias, correction, scales)
        conv = nn.QConv2DOp(
            x,
            new_weight.result,
            None if bias_op is None else bias_op.result,
            ints(op.strides),
            ints(op.padding),
            ints(op.dilations),
            op.groups.value.data,
            x_params.zero_point,
        )
        for constant in (new_weight, bias_op):
            if constant is not None:
                rewriter.insert(constant, InsertPoint.before(op))
        q.finish(op, conv, scales, 1, epilogue, rewriter)


def _matmul_rewrite(
    q: Quantizer,
    op: Operation,
    lhs: SSAValue,
    weight: np.ndarray,
    bias: np.ndarray | None,
    rewriter: PatternRewriter,
) -> None:
    """x @ weight[K, N] (+ bias[N]) as `nn.qmatmul` + requantize, replacing `op`."""
    x, x_params = q.quantized(lhs, rewriter, op)
    weight_q, weight_scales = quantize_weights(weight, axis=1)
    channels = weight.shape[1]
    result = op.results[0]
    epilogue = q.epilogue(result, (len(static_shape(result)) - 1, channels))
    if epilogue.bias is not None:
        bias = epilogue.bias if bias is None else bias + epilogue.bias
    scales = x_params.scale * weight_scales
    correction = x_params.zero_point * weight_q.astype(np.int64).sum(0)
    new_weight = nn.ConstantOp.from_array(weight_q)
    bias_op = bias_constant(bias, correction, scales)
    matmul = nn.QMatmulOp(x, new_weight.result, None if bias_op is None else bias_op.result)
    for constant in (new_weight, bias_op):
        if constant is not None:
            rewriter.insert(constant, InsertPoint.before(op))
    q.finish(op, matmul, scales, len(static_shape(result)) - 1, epilogue, rewriter)


@dataclass
class QuantizeGemm(RewritePattern):
    """`nn.gemm` with constant b (and c per output column) to `nn.qmatmul`; alpha and
    beta are folded into the weights and bias."""

    quantizer: Quantizer

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.GemmOp, rewriter: PatternRewriter) -> None:
        b = constant_value(op.b)
        if op in self.quantizer.keep or b is None or op.trans_a.value.data:
            return
        if not is_f32(op.a, op.b, op.c, op.result):
            return
        weight = (b.T if op.trans_b.value.data else b).astype(np.float64) * op.alpha.value.data
        bias = None
        if op.c is not None:
            c = constant_value(op.c)
            channels = weight.shape[1]
            bias = None if c is None else channel_vector(c, 2, 1, channels)
            if bias is None:
                return
            bias = bias * op.beta.value.data
        _matmul_rewrite(self.quantizer, op, op.a, weight, bias, rewriter)


@dataclass
class QuantizeMatmul(RewritePattern):
    """`nn.matmul` to `nn.qmatmul`: with a constant 2-D rhs as a fully-connected layer,
    with two run-time operands on symmetric (zero point 0) int8 inputs."""

    quantizer: Quantizer

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MatmulOp, rewriter: PatternRewriter) -> None:
        q = self.quantizer
        if op in q.keep or constant_value(op.lhs) is not None or len(static_shape(op.lhs)) < 2:
            return
        if not is_f32(op.lhs, op.rhs, op.result):
            return
        weight = constant_value(op.rhs)
        if weight is not None:
            if weight.ndim == 2:
                _matmul_rewrite(q, op, op.lhs, weight.astype(np.float64), None, rewriter)
            return
        if len(static_shape(op.rhs)) < 2:
            return
        lhs, lhs_params = q.quantized(op.lhs, rewriter, op, symmetric=True)
        rhs, rhs_params = q.quantized(op.rhs, rewriter, op, symmetric=True)
        rank = len(static_shape(op.result))
        channels = static_shape(op.result)[-1]
        epilogue = q.epilogue(op.result, (rank - 1, channels))
        scale = lhs_params.scale * rhs_params.scale
        bias_op = None
        if epilogue.bias is not None:
            bias_op = bias_constant(epilogue.bias, np.zeros(channels, np.int64), np.full(channels, scale))
            rewriter.insert(bias_op, InsertPoint.before(op))
        matmul = nn.QMatmulOp(lhs, rhs, None if bias_op is None else bias_op.result)
        q.finish(op, matmul, np.array([scale]), rank - 1, epilogue, rewriter)


@dataclass
class QuantizeResidualAdd(RewritePattern):
    """`nn.add` of two run-time tensors (a residual connection) to `nn.qadd`, with a
    following ReLU or clamp fused into its clamp."""

    quantizer: Quantizer

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AddOp, rewriter: PatternRewriter) -> None:
        q = self.quantizer
        if op in q.keep or constant_value(op.lhs) is not None or constant_value(op.rhs) is not None:
            return
        if not is_f32(op.lhs, op.rhs, op.result):
            return
        lhs, lhs_params = q.quantized(op.lhs, rewriter, op)
        rhs, rhs_params = q.quantized(op.rhs, rewriter, op)
        epilogue = q.epilogue(op.result, None)
        output, element_type = q.output_params(epilogue.final)
        # Both inputs go to a common i32 scale with ADD_INPUT_BITS fraction bits
        # relative to twice the larger input scale (TFLite's quantised add).
        common = 2.0 * max(lhs_params.scale, rhs_params.scale)
        rescales = []
        for params in (lhs_params, rhs_params):
            multiplier, shift = quantize_multiplier(params.scale / common * 2.0**ADD_INPUT_BITS)
            rescales.append((params.zero_point, multiplier, shift))
        multiplier, shift = quantize_multiplier(common / (2.0**ADD_INPUT_BITS * output.scale))
        add = nn.QAddOp(
            lhs,
            rhs,
            rescales[0],
            rescales[1],
            (output.zero_point, multiplier, shift),
            integer_clamp(epilogue, output, element_type),
            output_scale=output.scale,
            element_type=element_type,
        )
        q.replace(op, [add], epilogue, output, rewriter)


@dataclass
class MoveThroughDequantize(RewritePattern):
    """reshape, transpose, slice, max pooling, ... of a dequantized tensor run on the
    int8 tensor instead, which keeps its parameters."""

    quantizer: Quantizer

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, TRANSPARENT_OPS) or op in self.quantizer.keep:
            return
        source = op.operands[0].owner
        if not isinstance(source, nn.DequantizeOp):
            return
        result_type = TensorType(source.input.type.element_type, static_shape(op.results[0]))  # type: ignore[union-attr]
        moved = type(op).create(
            operands=[source.input],
            result_types=[result_type],
            attributes=dict(op.attributes),
        )
        params = QuantParams(source.scale.value.data, source.zero_point.value.data)
        self.quantizer.replace(op, [moved], Epilogue(op.results[0]), params, rewriter)


@dataclass
class FoldDequantizeQuantize(RewritePattern):
    """quantize(dequantize(q)) is q with equal parameters, else one integer
    `nn.requantize` from the old parameters to the new."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        source = op.input.owner
        if not isinstance(source, nn.DequantizeOp):
            return
        if source.input.type == op.result.type and (
            source.scale.value.data == op.scale.value.data
            and source.zero_point.value.data == op.zero_point.value.data
        ):
            rewriter.replace_all_uses_with(op.result, source.input)
            rewriter.erase(op)
            return
        multiplier, shift = quantize_multiplier(source.scale.value.data / op.scale.value.data)
        rewriter.replace(
            op,
            nn.RequantizeOp(
                source.input,
                [multiplier],
                [shift],
                input_zp=source.zero_point.value.data,
                output_zp=op.zero_point.value.data,
                element_type=op.result.type.element_type,  # type: ignore[union-attr]
                output_scale=op.scale.value.data,
            ),
        )


def _symmetric_roots(func: FuncOp, keep: set[Operation]) -> set[SSAValue]:
    """The float values that feed a run-time x run-time matmul, directly or through
    `TRANSPARENT_OPS`: their int8 form must have zero point 0."""
    values: set[SSAValue] = set()
    for op in func.walk():
        if isinstance(op, nn.MatmulOp) and op not in keep and constant_value(op.rhs) is None:
            for operand in (op.lhs, op.rhs):
                value = operand
                values.add(value)
                while isinstance(value.owner, TRANSPARENT_OPS):
                    value = value.owner.operands[0]
                    values.add(value)
    return values


@dataclass(frozen=True)
class NNQuantizePass(ModulePass):
    """Quantises the float `nn` function of the module (its only function, or @main)
    to int8 from calibration samples: conv2d, gemm and matmul become `nn.qconv2d` /
    `nn.qmatmul` on int8 with per-channel symmetric weights and int32 biases,
    followed by `nn.requantize` to per-tensor int8 activations; bias adds, positive
    scalar scalings and ReLU/clamp after them fold into the requantisation; residual
    adds become `nn.qadd`; data movement and max pooling run on int8; every other op
    stays float between `nn.dequantize` and `nn.quantize`. The function keeps its
    float signature."""

    name = "nn-quantize"

    calibration: str = ""
    """A .npz of sample inputs keyed by input name, with a leading sample axis."""
    method: str = "minmax"
    """How a tensor's range is chosen: minmax, percentile or entropy."""
    percentile: int | float = 99.99
    """The percentile of the `percentile` method."""
    activations: str = "asymmetric"
    """asymmetric (zero point anywhere) or symmetric (zero point 0) int8 activations."""
    keep: tuple[str | int, ...] = ()
    """Ops to keep in float: result names (without %) or indices among the function's
    conv2d/gemm/matmul ops (0-based, negative from the end)."""
    first_last_float: bool = False
    """Keep the first and the last conv2d/gemm/matmul in float."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.method not in METHODS:
            raise UserError(f"method must be one of {', '.join(METHODS)}, got '{self.method}'")
        if self.activations not in ACTIVATION_MODES:
            raise UserError(
                f"activations must be asymmetric or symmetric, got '{self.activations}'"
            )
        if not 50 < self.percentile <= 100:
            raise UserError(f"percentile must be in (50, 100], got {self.percentile}")
        if not self.calibration:
            raise UserError("the calibration option is required (calibration=FILE.npz of sample inputs)")
        func = entry_function(op)
        keep = self._kept_ops(func)
        samples = load_samples(self.calibration, func)
        stats = calibrate(op, func, samples, keep_values=self.method != "minmax")
        quantizer = Quantizer(
            stats,
            self.method,
            float(self.percentile),
            self.activations == "symmetric",
            keep,
            _symmetric_roots(func, keep),
        )
        patterns: list[RewritePattern] = [
            QuantizeConv2D(quantizer),
            QuantizeGemm(quantizer),
            QuantizeMatmul(quantizer),
            QuantizeResidualAdd(quantizer),
            MoveThroughDequantize(quantizer),
        ]
        PatternRewriteWalker(
            GreedyRewritePatternApplier(patterns), apply_recursively=False
        ).rewrite_region(func.body)
        PatternRewriteWalker(FoldDequantizeQuantize()).rewrite_region(func.body)
        region_dce(func.body)

    def _kept_ops(self, func: FuncOp) -> set[Operation]:
        compute = [
            op for op in func.walk() if isinstance(op, (nn.Conv2DOp, nn.GemmOp, nn.MatmulOp))
        ]
        kept: set[Operation] = set()
        if self.first_last_float and compute:
            kept |= {compute[0], compute[-1]}
        by_name = {
            result.name_hint: op for op in func.walk() for result in op.results if result.name_hint
        }
        for entry in self.keep:
            if isinstance(entry, int):
                if not -len(compute) <= entry < len(compute):
                    raise UserError(
                        f"keep index {entry} is out of range "
                        f"(the function has {len(compute)} conv2d/gemm/matmul ops)"
                    )
                kept.add(compute[entry])
            elif entry in by_name:
                kept.add(by_name[entry])
            else:
                raise UserError(f"keep: no op result is named %{entry}")
        return kept
