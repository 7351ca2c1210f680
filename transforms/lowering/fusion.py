"""Which `nn` ops fuse into a chain, and the epilogue steps that compute them.

A chain is a head op (a convolution, a product or an elementwise op) and the
elementwise ops after it, each the single user of the value before: their values stay
in SRAM. `make_step` decides whether an op can be a step on the tile of one of its
operands, and builds the steps (`epilogue`) that compute it exactly as `nn` defines it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil, floor

import numpy as np
from xdsl.dialects.builtin import Float32Type, f32
from xdsl.ir import Attribute, Operation, SSAValue

from npu_dialect import nn
from npu_dialect.nn.base import ints
from npu_dialect.nn.quant import DequantizeOp, QAddOp, QuantizeOp
from npu_dialect.nn.quant import RequantizeOp as NNRequantizeOp
from npu_dialect.npu import FLOAT_TYPE_NAMES, BinaryKind, UnaryKind, type_name
from transforms.canonicalization.constants import constant_array
from transforms.lowering.epilogue import (
    BinaryStep,
    ConvertStep,
    DequantizeStep,
    Lowering,
    PreluStep,
    QAddStep,
    QuantizeStep,
    RequantizeStep,
    Step,
    UnaryStep,
)
from transforms.lowering.layout import DramView, element_type, is_vector_type, shape

_UNARY_KINDS: dict[type[Operation], UnaryKind] = {
    nn.ReluOp: UnaryKind.RELU,
    nn.SigmoidOp: UnaryKind.SIGMOID,
    nn.TanhOp: UnaryKind.TANH,
    nn.ErfOp: UnaryKind.ERF,
    nn.ExpOp: UnaryKind.EXP,
    nn.SqrtOp: UnaryKind.SQRT,
    nn.NegOp: UnaryKind.NEG,
    nn.AbsOp: UnaryKind.ABS,
    nn.HardSwishOp: UnaryKind.HARD_SWISH,
}
_BINARY_KINDS: dict[type[Operation], BinaryKind] = {
    nn.AddOp: BinaryKind.ADD,
    nn.SubOp: BinaryKind.SUB,
    nn.MulOp: BinaryKind.MUL,
    nn.DivOp: BinaryKind.DIV,
    nn.PowOp: BinaryKind.POW,
    nn.MinOp: BinaryKind.MIN,
    nn.MaxOp: BinaryKind.MAX,
}
_INTEGER_RANGES = {
    "i8": (-128, 127),
    "ui8": (0, 255),
    "i16": (-32768, 32767),
    "i32": (-(2**31), 2**31 - 1),
}


def _is_float(element: Attribute) -> bool:
    return type_name(element) in FLOAT_TYPE_NAMES


def _integer_clamp(low: float, high: float, name: str) -> tuple[float, float]:
    """nn.clamp on integers: the integers inside [low, high], within the type."""
    lo, hi = _INTEGER_RANGES[name]
    return float(max(lo, min(ceil(low), hi))), float(min(hi, max(floor(high), lo)))


def _unary(op: Operation) -> tuple[UnaryKind, tuple[float, ...]] | None:
    kind = _UNARY_KINDS.get(type(op))
    if kind is not None:
        return kind, ()
    match op:
        case nn.GeluOp():
            return (UnaryKind.GELU_TANH if op.approximate.data == "tanh" else UnaryKind.GELU), ()
        case nn.LeakyReluOp():
            return UnaryKind.LEAKY_RELU, (op.alpha.value.data,)
        case nn.EluOp():
            return UnaryKind.ELU, (op.alpha.value.data,)
        case nn.HardSigmoidOp():
            return UnaryKind.HARD_SIGMOID, (op.alpha.value.data, op.beta.value.data)
        case nn.ClampOp():
            return UnaryKind.CLAMP, (op.min.value.data, op.max.value.data)
    return None


def _cast_ok(source: Attribute, target: Attribute) -> bool:
    """Whether `npu.convert` computes `nn.cast` exactly: any pair of tile types (fp8
    included: a storage type the vector unit converts) except integer narrowing
    (nn.cast wraps where npu.convert saturates)."""
    if not (type_name(source) and type_name(target)):
        return False
    if _is_float(source) or _is_float(target):
        return True
    low, high = _INTEGER_RANGES[type_name(source)]
    target_low, target_high = _INTEGER_RANGES[type_name(target)]
    return target_low <= low and high <= target_high


def make_step(
    lowering: Lowering,
    op: Operation,
    chain: SSAValue,
    channel_axis: int | None,
    head: bool = False,
) -> list[Step] | None:
    """The steps computing `op` from the tile of its operand `chain`, or None if `op`
    is not an elementwise op the vector unit computes exactly as `nn` defines it.

    `channel_axis` is the logical dim the tile's last dim is (per-channel parameters
    must lie along it), or None if unknown. With `head`, the tile holds `chain`
    broadcast to the result's shape; otherwise `chain` must have that shape."""
    result = op.results[0] if len(op.results) == 1 else None
    if result is None or (not head and shape(result) != shape(chain)):
        return None
    in_type, out_type = element_type(chain), element_type(result)
    if isinstance(op, nn.CastOp):
        if not _cast_ok(in_type, out_type):
            return None
        truncate = _is_float(in_type) and not _is_float(out_type)
        return [ConvertStep(out_type, op, truncate)]
    if not (is_vector_type(in_type) and is_vector_type(out_type)):
        return None
    unary = _unary(op)
    if unary is not None:
        kind, params = unary
        if not _is_float(in_type):
            if kind not in (UnaryKind.RELU, UnaryKind.NEG, UnaryKind.ABS, UnaryKind.CLAMP):
                return None
            if kind == UnaryKind.CLAMP:
                params = _integer_clamp(params[0], params[1], type_name(in_type))
        return [UnaryStep(kind, params, op)]
    binary = _BINARY_KINDS.get(type(op))
    if binary is not None:
        if binary in (BinaryKind.DIV, BinaryKind.POW) and not _is_float(in_type):
            return None
        index = 0 if op.operands[0] is chain else 1
        return [BinaryStep(binary, lowering.view(op.operands[1 - index]), index, op)]
    match op:
        case nn.PreluOp() if op.input is chain:
            return [PreluStep(lowering.view(op.slope), op)]
        case nn.BatchNormOp():
            return _batch_norm_steps(lowering, op)
        case NNRequantizeOp():
            axis = op.axis.value.data
            multiplier, shift = ints(op.multiplier), ints(op.shift)
            if len(multiplier) > 1 and axis != channel_axis:
                return None
            clamp = tuple(ints(op.clamp))
            return [
                RequantizeStep(
                    out_type,
                    multiplier,
                    shift,
                    axis,
                    op.input_zp.value.data,
                    op.output_zp.value.data,
                    bool(op.double_round.value.data),
                    (clamp[0], clamp[1]),
                    op,
                )
            ]
        case QAddOp():
            index = 0 if op.lhs is chain else 1
            rescales = (_rescale(op, "lhs"), _rescale(op, "rhs"), _rescale(op, "output"))
            low, high = ints(op.clamp)
            other = lowering.view(op.operands[1 - index])
            return [QAddStep(other, index, rescales, (low, high), out_type, op)]
        case QuantizeOp():
            scale = _scale(lowering, op, len(shape(chain)))
            return [QuantizeStep(scale, op.zero_point.value.data, out_type, op)]
        case DequantizeOp():
            scale = _scale(lowering, op, len(shape(chain)))
            return [DequantizeStep(scale, op.zero_point.value.data, op)]
    return None


def _rescale(op: QAddOp, side: str) -> tuple[int, int, int]:
    """(zero point, multiplier, shift) of one side of an `nn.qadd`."""
    return (
        getattr(op, f"{side}_zp").value.data,
        getattr(op, f"{side}_multiplier").value.data,
        getattr(op, f"{side}_shift").value.data,
    )


def _scale(lowering: Lowering, op: QuantizeOp | DequantizeOp, rank: int) -> DramView:
    """The op's f32 scale, broadcast to every element of a rank-`rank` value."""
    value = np.full((1,), op.scale.value.data, np.float32)
    view = lowering.weight(f"{op.name.removeprefix('nn.')}_scale", value, f32)
    return DramView(view.symbol, 0, (1,) * rank, (0,) * rank, f32)


def _batch_norm_steps(lowering: Lowering, op: nn.BatchNormOp) -> list[Step] | None:
    """x * factor + shift per channel (dim 1), as the reference folds it, in f32."""
    params = [constant_array(v) for v in (op.scale, op.bias, op.mean, op.var)]
    if any(p is None for p in params):
        return None
    scale, bias, mean, var = (np.asarray(p, dtype=np.float32) for p in params)
    factor = scale / np.sqrt(var + np.float32(op.epsilon.value.data))
    shift_values = bias - mean * factor
    rank = len(shape(op.input))
    channels = factor.size
    view_shape = (1, channels) + (1,) * (rank - 2)
    view_strides = (0, 1) + (0,) * (rank - 2)
    source = element_type(op.input)
    steps: list[Step] = []
    if not isinstance(source, Float32Type):
        steps.append(ConvertStep(f32, op))
    for kind, values in ((BinaryKind.MUL, factor), (BinaryKind.ADD, shift_values)):
        weight = lowering.weight(f"{kind.value}_bn", values.astype(np.float32), f32)
        view = DramView(weight.symbol, 0, view_shape, view_strides, f32)
        steps.append(BinaryStep(kind, view, 0, op))
    if not isinstance(source, Float32Type):
        steps.append(ConvertStep(source, op))
    return steps


@dataclass
class Chain:
    """A head op and the elementwise ops fused after it, with their steps."""

    head: Operation
    ops: list[Operation] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def last(self) -> Operation:
        return self.ops[-1] if self.ops else self.head

    @property
    def result(self) -> SSAValue:
        return self.last.results[0]
