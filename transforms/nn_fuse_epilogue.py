"""`nn-fuse-epilogue`: each conv or product and its elementwise epilogue as one `nn.fused`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import ConstantLike

from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.nn.base import ints, shape_of, tensor_of


class Stage(IntEnum):
    """The steps of an NPU epilogue, in the order the hardware applies them to the
    accumulator tile; a group's ops never go back to an earlier step."""

    BIAS = 1
    """add, sub, mul or div by a per-channel (or per-tensor) constant: bias and scale."""
    RESIDUAL = 2
    """add or sub of another tensor: a shortcut, or a constant that is not per-channel."""
    ACTIVATION = 3
    """unary activations and clamps, prelu, min/max with a per-channel constant."""
    OUTPUT = 4
    """requantize, cast and the int8 residual `nn.qadd`, which rescales both sides
    (TFLite and TOSA add int8 tensors after the conv's own requantize)."""


def channel_axis(anchor: Operation) -> int:
    """The dim of the anchor's result that per-channel values run along: channels of a
    convolution (NCHW), the last dim of a product."""
    if isinstance(anchor, (nn.Conv2DOp, nn.QConv2DOp)):
        return 1
    return len(shape_of(tensor_of(anchor.results[0]))) - 1


def _broadcast(other: SSAValue, shape: tuple[int, ...], axis: int) -> str | None:
    """How `other` broadcasts to `shape`: "per-channel" (every dim 1 but the channel
    one, right-aligned as numpy does; a per-tensor value included), else "identity"
    (the same shape), else None."""
    other_shape = shape_of(tensor_of(other))
    offset = len(shape) - len(other_shape)
    if offset >= 0 and all(
        size == 1 for dim, size in enumerate(other_shape) if dim + offset != axis
    ):
        return "per-channel"
    return "identity" if other_shape == shape else None


def _is_constant(value: SSAValue) -> bool:
    owner = value.owner
    return isinstance(owner, Operation) and owner.has_trait(ConstantLike)


def epilogue_stage(op: Operation, value: SSAValue, axis: int, residual: bool) -> Stage | None:
    """The epilogue step `op` is when applied to `value` (the group's current result,
    of the anchor's shape, with channels along `axis`), or None if it cannot be one:
    not elementwise on that shape, another operand broadcast other than identity or
    per-channel, a residual when `residual` is off. A per-channel constant is a bias or
    scale; any other added tensor (a computed one, or a whole-tensor constant) is a
    residual."""
    shape = shape_of(tensor_of(value))
    if not isinstance(op, nn.EPILOGUE_OPS) or shape_of(tensor_of(op.results[0])) != shape:
        return None
    others = [operand for operand in op.operands if operand is not value]
    kinds = {_broadcast(other, shape, axis) for other in others}
    if None in kinds:
        return None
    per_channel_constant = kinds == {"per-channel"} and _is_constant(others[0])
    if isinstance(op, nn.ELEMENTWISE_UNARY_OPS):
        return Stage.ACTIVATION
    match op:
        case nn.PreluOp() if op.input is value:
            return Stage.ACTIVATION
        case nn.CastOp():
            return Stage.OUTPUT
        case nn.RequantizeOp():
            per_tensor = len(ints(op.multiplier)) == 1
            return Stage.OUTPUT if per_tensor or op.axis.value.data == axis else None
        case nn.QAddOp():
            return Stage.OUTPUT if residual else None
        case nn.AddOp() | nn.SubOp() if not per_channel_constant:
            return Stage.RESIDUAL if residual else None
        case nn.AddOp() | nn.SubOp() | nn.MulOp() | nn.DivOp() if per_channel_constant:
            return Stage.BIAS
        case nn.MinOp() | nn.MaxOp() if per_channel_constant:
            return Stage.ACTIVATION
    return None


def argument_name(op: Operation, operand: SSAValue) -> str:
    """The name of the block argument that `operand` of `op` becomes: the anchor's own
    operand names (input, weight, bias; lhs, rhs; a, b, c), else the operand's role in
    the epilogue."""
    if isinstance(op, nn.ANCHOR_OPS):
        for name, _ in op.get_irdl_definition().operands:
            if getattr(op, name) is operand:
                return name
    match op:
        case nn.PreluOp():
            return "slope"
        case nn.MulOp() | nn.DivOp():
            return "scale"
        case nn.MinOp() | nn.MaxOp():
            return "bound"
        case nn.AddOp() | nn.SubOp() if _is_constant(operand):
            return "bias"
    return "residual"


def fuse_group(group: list[Operation]) -> nn.FusedOp:
    """Replace the ops of `group` (an anchor and its epilogue, a single-user chain in
    one block) by one `nn.fused` whose operands are the values the group reads from
    outside. The op takes the anchor's place when those values are defined before the
    anchor (constants are moved there), else it comes right after the last of them (a
    shortcut computed after the anchor). Its result keeps the name of the group's
    result."""
    anchor, last = group[0], group[-1]
    block = anchor.parent_block()
    assert block is not None
    inside = {result for op in group for result in op.results}
    inputs: list[SSAValue] = []
    names: list[str] = []
    for op in group:
        for operand in op.operands:
            if operand not in inside and operand not in inputs:
                inputs.append(operand)
                names.append(argument_name(op, operand))
    between: set[Operation] = set()
    cursor = anchor.next_op
    while cursor is not None and cursor is not last:
        between.add(cursor)
        cursor = cursor.next_op
    place = anchor
    for value in inputs:
        owner = value.owner
        if owner not in between:
            continue
        assert isinstance(owner, Operation)
        if owner.has_trait(ConstantLike):
            # A constant never decides where the group goes.
            owner.detach()
            block.insert_op_before(owner, anchor)
        elif place is anchor or place.is_before_in_block(owner):
            place = owner
    fused = nn.FusedOp(inputs, last.results[0].type, nn.FusedOp.empty_body(inputs))
    if place is anchor:
        block.insert_op_before(fused, anchor)
    else:
        block.insert_op_after(fused, place)
    result = last.results[0]
    fused.result.name_hint = result.name_hint
    result.replace_all_uses_with(fused.result)
    body = fused.body.block
    for arg, name in zip(body.args, names, strict=True):
        arg.name_hint = name
    arguments = dict(zip(inputs, body.args, strict=True))
    for op in group:
        op.detach()
        body.add_op(op)
        op.operands = [arguments.get(operand, operand) for operand in op.operands]
    body.add_op(nn.YieldOp(result))
    return fused


@dataclass(frozen=True)
class NNFuseEpiloguePass(ModulePass):
    """Groups every `nn.conv2d`, `nn.matmul`, `nn.gemm`, `nn.qconv2d` and `nn.qmatmul`
    of each function with the elementwise ops that follow it into one `nn.fused`: the
    chain of ops, each the only user of the value before it, that are elementwise on
    the anchor's result shape (other operands of that shape or per-channel) and come
    in the order an NPU epilogue runs (`Stage`: bias, residual add, activation,
    requantize/cast), at most `max_epilogue_ops` of them. `residual` = false leaves
    residual adds (`nn.add`/`nn.sub` of another tensor, `nn.qadd`) out of the groups.
    Constants stay outside as operands. An anchor with no such successor is left as
    it is. See docs/lowering.md."""

    name = "nn-fuse-epilogue"

    max_epilogue_ops: int = 4
    """The most elementwise ops fused after one anchor."""
    residual: bool = True
    """Whether residual adds join the groups."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.max_epilogue_ops < 1:
            raise UserError(f"max-epilogue-ops must be at least 1, got {self.max_epilogue_ops}")
        for func in op.ops:
            if not isinstance(func, FuncOp) or not func.body.blocks:
                continue
            anchors = [o for o in func.body.block.ops if isinstance(o, nn.ANCHOR_OPS)]
            for anchor in anchors:
                group = self.group(anchor)
                if len(group) > 1:
                    fuse_group(group)

    def group(self, anchor: Operation) -> list[Operation]:
        """The anchor and the epilogue ops that follow it."""
        axis = channel_axis(anchor)
        group = [anchor]
        value = anchor.results[0]
        stage = Stage.BIAS
        while len(group) <= self.max_epilogue_ops and value.uses.get_length() == 1:
            user = next(iter(value.uses)).operation
            next_stage = epilogue_stage(user, value, axis, self.residual)
            if next_stage is None or next_stage < stage:
                break
            group.append(user)
            stage = next_stage
            value = user.results[0]
        return group
