"""Ops the NPU cannot compute as `nn` defines them run on the host (`npu.host`).

The op is copied into the region of an `npu.host` instruction. Its constant operands
are copied in too; every other operand is read from a whole DRAM tensor in row-major
order (a value that lives in another arrangement is first copied to one), and each
result is written to a row-major tensor of its own (or the program output it is).
Which ops land here: `gather`; integer `div`, `pow` and narrowing `cast` (the vector
unit divides only floats and saturates where `nn.cast` wraps); integer `conv2d`,
`matmul` and `gemm` (their results wrap to the operand type); products with a run-time
bias; `pad` in reflect or edge mode; slices with negative steps; dilated max pooling;
ops whose element types are not NPU vector types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xdsl.ir import Block, Operation, Region, SSAValue

from npu_dialect.npu import HostOp, HostYieldOp
from transforms.lowering import movement

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering


def _whole_tensor(lowering: FunctionLowering, value: SSAValue) -> str:
    """The symbol of a DRAM tensor holding exactly `value`, row-major."""
    view = lowering.view(value)
    tensor = lowering.builder.tensors[view.symbol]
    if view.offset == 0 and view.is_row_major() and tensor.num_elements == view.num_elements:
        return view.symbol
    hint = f"{value.name_hint or 'host_in'}_rm"
    dense = lowering.scratch(hint, view.shape, view.element_type)
    producer = value.owner if isinstance(value.owner, Operation) else None
    movement.copy(lowering, view, dense, producer)
    return dense.symbol


def lower_host(lowering: FunctionLowering, op: Operation) -> None:
    arguments: list[SSAValue] = []
    for operand in op.operands:
        if lowering.constant(operand) is None and operand not in arguments:
            arguments.append(operand)
    inputs = [_whole_tensor(lowering, value) for value in arguments]
    block = Block(arg_types=[value.type for value in arguments])
    mapping: dict[SSAValue, SSAValue] = {}
    for arg, value in zip(block.args, arguments, strict=True):
        arg.name_hint = value.name_hint
        mapping[value] = arg
    for operand in op.operands:
        if operand not in mapping:
            constant = operand.owner
            assert isinstance(constant, Operation)
            clone = constant.clone()
            block.add_op(clone)
            mapping[operand] = clone.results[0]
    inner = op.clone(value_mapper=mapping)
    block.add_op(inner)
    block.add_op(HostYieldOp(list(inner.results)))
    outputs = [lowering.result_home(result, row_major=True).symbol for result in op.results]
    lowering.emit(HostOp(inputs, outputs, Region(block)), op)
