"""The state the `nn-quantize` patterns share: calibrated parameters, the int8 form
of float values, and the epilogues (bias, scaling, activation) that a requantisation
absorbs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import TensorType, f32, i8, i32
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint

from npu_dialect import nn
from npu_dialect.nn.quant import integer_range
from transforms.quantization.calibration import TensorStats
from transforms.quantization.params import TRANSPARENT_OPS, QuantParams, multipliers, quantize_bias


def constant_value(value: SSAValue) -> np.ndarray | None:
    """The value of an `nn.constant` result, else None."""
    owner = value.owner
    return owner.array() if isinstance(owner, nn.ConstantOp) else None


def is_f32(*values: SSAValue | None) -> bool:
    """Whether every given value is an f32 tensor (the ops the passes convert)."""
    return all(
        isinstance(v.type, TensorType) and v.type.element_type == f32
        for v in values
        if v is not None
    )


def static_shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, TensorType)
    return tuple(value.type.get_shape())


def channel_vector(array: np.ndarray, rank: int, axis: int, channels: int) -> np.ndarray | None:
    """`array` as one value per channel when it broadcasts along `axis` of a rank-`rank`
    tensor and is constant along every other dim; else None."""
    if array.ndim > rank:
        return None
    shape = (1,) * (rank - array.ndim) + array.shape
    if any(size != 1 for dim, size in enumerate(shape) if dim != axis):
        return None
    if shape[axis] not in (1, channels):
        return None
    return np.broadcast_to(array.reshape(-1).astype(np.float64), (channels,))


@dataclass
class Epilogue:
    """The float ops after a linear op that its requantisation absorbs: a bias add, a
    positive scalar scaling, then ReLU or a clamp."""

    final: SSAValue
    ops: list[Operation] = field(default_factory=list)
    bias: np.ndarray | None = None
    factor: float = 1.0
    clamp: tuple[float, float] | None = None


@dataclass
class Quantizer:
    """The state one run of the pass shares between its patterns."""

    stats: dict[SSAValue, TensorStats]
    method: str
    percentile: float
    symmetric: bool
    keep: set[Operation]
    symmetric_values: set[SSAValue]
    quantized_values: dict[tuple[SSAValue, QuantParams], SSAValue] = field(default_factory=dict)

    def params(self, value: SSAValue, symmetric: bool = False) -> QuantParams:
        symmetric = symmetric or self.symmetric or value in self.symmetric_values
        low, high = self.stats[value].range(self.method, self.percentile, symmetric)
        return QuantParams.from_range(low, high, symmetric)

    def quantized(
        self, value: SSAValue, rewriter: PatternRewriter, before: Operation, symmetric: bool = False
    ) -> tuple[SSAValue, QuantParams]:
        """The int8 form of float `value`: the input of the `nn.dequantize` that made
        it, or a new (shared) `nn.quantize` before `before`."""
        owner = value.owner
        if isinstance(owner, nn.DequantizeOp):
            params = QuantParams(owner.scale.value.data, owner.zero_point.value.data)
            if not symmetric or params.zero_point == 0:
                return owner.input, params
        params = self.params(value, symmetric)
        key = (value, params)
        if key not in self.quantized_values:
            quantize = nn.QuantizeOp(value, params.scale, params.zero_point)
            rewriter.insert(quantize, InsertPoint.before(before))
            self.quantized_values[key] = quantize.result
        return self.quantized_values[key], params

    def output_params(self, value: SSAValue) -> tuple[QuantParams, Attribute]:
        """The parameters and element type of the integer result that replaces
        `value`: int8, or i32 at finer steps when no user would read int8 (the value
        leaves the integer domain: a model output, or the input of float ops)."""
        params = self.params(value)
        if any(self._reads_int8(use.operation, value) for use in value.uses):
            return params, i8
        return params.widened(), i32

    def _reads_int8(self, user: Operation, value: SSAValue) -> bool:
        """Whether a pattern would quantise `user` and read `value` as int8."""
        if user in self.keep:
            return False
        if isinstance(user, (nn.Conv2DOp, nn.GemmOp)):
            return user.operands[0] is value and constant_value(user.operands[1]) is not None
        if isinstance(user, nn.AddOp):
            return constant_value(user.lhs) is None and constant_value(user.rhs) is None
        return isinstance(user, (nn.MatmulOp, *TRANSPARENT_OPS))

    def epilogue(self, value: SSAValue, channels: tuple[int, int] | None) -> Epilogue:
        """The epilogue after `value`; `channels` (axis, count) allows a bias add of
        one constant per channel first."""
        epilogue = Epilogue(value)
        while (user := epilogue.final.get_user_of_unique_use()) is not None:
            if user in self.keep or [r.type for r in user.results] != [epilogue.final.type]:
                break
            if isinstance(user, nn.AddOp) and channels is not None and not epilogue.ops:
                other = user.rhs if user.lhs is epilogue.final else user.lhs
                constant = constant_value(other)
                axis, count = channels
                rank = len(static_shape(value))
                bias = None if constant is None else channel_vector(constant, rank, axis, count)
                if bias is None:
                    break
                epilogue.bias = bias
            elif isinstance(user, (nn.MulOp, nn.DivOp)) and epilogue.clamp is None:
                if isinstance(user, nn.DivOp) and user.lhs is not epilogue.final:
                    break
                other = user.rhs if user.lhs is epilogue.final else user.lhs
                constant = constant_value(other)
                if constant is None or constant.size != 1:
                    break
                scalar = float(constant.reshape(()))
                if not 0 < scalar < np.inf:
                    break
                epilogue.factor *= scalar if isinstance(user, nn.MulOp) else 1.0 / scalar
            elif isinstance(user, nn.ReluOp) and epilogue.clamp is None:
                epilogue.clamp = (0.0, np.inf)
            elif isinstance(user, nn.ClampOp) and epilogue.clamp is None:
                epilogue.clamp = (user.min.value.data, user.max.value.data)
            else:
                break
            epilogue.ops.append(user)
            epilogue.final = user.results[0]
        return epilogue

    def finish(
        self,
        op: Operation,
        accumulator: Operation,
        reals: np.ndarray,
        axis: int,
        epilogue: Epilogue,
        rewriter: PatternRewriter,
    ) -> None:
        """Requantise the i32 `accumulator` (inserted before `op`) with real scales
        `reals` (per channel of `axis`, before the epilogue's factor) to the
        parameters of the epilogue's result, which a dequantize then replaces. The
        accumulator keeps `op`'s result name, so the lowered layer's matrix work is
        reported under the model op's name."""
        accumulator.results[0].name_hint = op.results[0].name_hint
        output, element_type = self.output_params(epilogue.final)
        multiplier, shift = multipliers(reals * epilogue.factor / output.scale)
        requantize = nn.RequantizeOp(
            accumulator.results[0],
            multiplier,
            shift,
            axis=axis,
            output_zp=output.zero_point,
            clamp=integer_clamp(epilogue, output, element_type),
            element_type=element_type,
            output_scale=output.scale,
        )
        self.replace(op, [accumulator, requantize], epilogue, output, rewriter)

    def replace(
        self,
        op: Operation,
        new_ops: list[Operation],
        epilogue: Epilogue,
        output: QuantParams,
        rewriter: PatternRewriter,
    ) -> None:
        """Insert `new_ops` before `op`, dequantize the last one's int8 result in place
        of the epilogue's result and erase `op` and the epilogue.

        Names, from the epilogue's result `name`: the integer result is `name_q`, the
        dequantized one `name`, or `name_dq` when an earlier new op (an accumulator)
        already took `name`."""
        dequantize = nn.DequantizeOp(new_ops[-1].results[0], output.scale, output.zero_point)
        for new_op in (*new_ops, dequantize):
            new_op.location = op.location
            rewriter.insert(new_op, InsertPoint.before(op))
        final = epilogue.final
        if final.name_hint is not None:
            new_ops[-1].results[0].name_hint = f"{final.name_hint}_q"
            taken = {result.name_hint for new_op in new_ops[:-1] for result in new_op.results}
            suffix = "_dq" if final.name_hint in taken else ""
            dequantize.result.name_hint = f"{final.name_hint}{suffix}"
        self.stats[dequantize.result] = self.stats[final]
        rewriter.replace_all_uses_with(final, dequantize.result)
        for dead in (*reversed(epilogue.ops), op):
            rewriter.erase(dead)


def integer_clamp(
    epilogue: Epilogue, output: QuantParams, element_type: Attribute
) -> tuple[int, int] | None:
    """The epilogue's activation bounds on the integer result."""
    if epilogue.clamp is None:
        return None
    bounds = integer_range(element_type)
    low, high = epilogue.clamp
    return output.quantize_real(low, bounds), output.quantize_real(high, bounds)


def bias_constant(
    bias: np.ndarray | None, correction: np.ndarray, scales: np.ndarray
) -> nn.ConstantOp | None:
    """The int32 bias constant: the float bias at the accumulator scales minus the
    input zero point's correction; None when both are zero."""
    values = np.zeros_like(scales) if bias is None else quantize_bias(bias, scales)
    values = values - correction
    if bias is None and not correction.any():
        return None
    info = np.iinfo(np.int32)
    return nn.ConstantOp.from_array(np.clip(values, info.min, info.max).astype(np.int32))
