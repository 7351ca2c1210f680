"""`nn.fused` groups put back into the function, before it is lowered.

`convert-nn-to-npu` builds its own chains (`function`, `fusion`): a conv or product
and the elementwise ops after it that it can compute on the accumulator tile. So a
group of `nn-fuse-epilogue` is lowered by moving its ops back into the function where
the group was, in their order. The group still decides which ops belong together: a
chain does not take an op of another group. Without that, a shortcut conv that the
inlining puts before the group's anchor (the group sat after the shortcut it reads)
would take the group's residual add, which in the unfused function went to the
anchor, so the program would differ from the one the unfused function gives.
"""

from __future__ import annotations

from xdsl.ir import Block, Operation

from npu_dialect import nn


def inline_fused(block: Block) -> dict[Operation, int]:
    """Replace every `nn.fused` of `block` by the ops of its region, in place of it;
    the group index of each op that was inside one. The group's result keeps its
    name (DRAM tensors and instruction origins are named after values)."""
    groups: dict[Operation, int] = {}
    fused_ops = [op for op in block.ops if isinstance(op, nn.FusedOp)]
    for index, fused in enumerate(fused_ops):
        body = fused.body.block
        terminator = body.last_op
        assert isinstance(terminator, nn.YieldOp)
        result = terminator.value
        terminator.detach()
        terminator.erase()
        for arg, operand in zip(body.args, fused.inputs, strict=True):
            # Not `replace_all_uses_with`, which would give an unnamed operand the
            # argument's name (and so rename its DRAM tensor).
            for use in tuple(arg.uses):
                use.operation.operands[use.index] = operand
        for op in list(body.ops):
            op.detach()
            block.insert_op_before(op, fused)
            groups[op] = index
        result.name_hint = fused.result.name_hint
        fused.result.replace_all_uses_with(result)
        fused.detach()
        fused.erase()
    return groups
