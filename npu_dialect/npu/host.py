"""Host fallback: `nn` ops the NPU cannot run, executed by the host between instructions.

`npu.host` reads whole DRAM tensors, runs the `nn` ops of its region on them and writes
whole DRAM tensors; it synchronises with the NPU's engines through tokens like any
instruction. Nothing is dropped silently: every op a lowering cannot express with NPU
instructions ends up here, the simulator executes it with the `nn` reference
interpreter, and the report lists it with its host time.

```mlir
%t = npu.host [@indices, @table] -> [@rows] after %a {
^bb0(%i: tensor<8xi32>, %w: tensor<100x16xf32>):
  %r = nn.gather %w, %i {axis = 0 : i64} : (tensor<100x16xf32>, tensor<8xi32>) -> tensor<8x16xf32>
  npu.host_yield %r : tensor<8x16xf32>
} {origin = "embed"}
```

Each block argument is the matching input tensor read as a dense row-major array and
reshaped to the argument's type (same element type and element count); each yielded
value is written, reshaped, to the matching output tensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import ClassVar

from xdsl.dialects.builtin import ArrayAttr, StringAttr, SymbolRefAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator
from xdsl.utils.exceptions import VerifyException

from npu_dialect.npu.attributes import DramKind, TileAttr, TokenType
from npu_dialect.npu.program import DramOp, NpuInstruction, Target


def _symbols(names: Sequence[str]) -> ArrayAttr[SymbolRefAttr]:
    return ArrayAttr(SymbolRefAttr(name) for name in names)


@irdl_op_definition
class HostOp(NpuInstruction):
    """Runs the `nn` ops of its region on the host, from and to whole DRAM tensors."""

    name = "npu.host"
    ENGINE: ClassVar[str] = "host"

    inputs = prop_def(ArrayAttr[SymbolRefAttr])
    outputs = prop_def(ArrayAttr[SymbolRefAttr])
    body = region_def("single_block")

    traits = traits_def(IsolatedFromAbove())

    assembly_format = "$inputs `->` $outputs (`after` $waits^)? $body attr-dict"

    def __init__(
        self,
        inputs: Sequence[str],
        outputs: Sequence[str],
        body: Region,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        # NpuInstruction's constructor builds region-less instructions.
        IRDLOperation.__init__(
            self,
            operands=[waits],
            result_types=[TokenType()],
            properties={"inputs": _symbols(inputs), "outputs": _symbols(outputs)},
            attributes={"origin": StringAttr(origin)} if origin is not None else {},
            regions=[body],
        )

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(ref.root_reference.data for ref in self.inputs.data)

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(ref.root_reference.data for ref in self.outputs.data)

    def reads(self) -> tuple[TileAttr, ...]:
        return ()

    def writes(self) -> tuple[TileAttr, ...]:
        return ()

    @property
    def host_elements(self) -> int:
        """Elements the host reads and writes: what its cost is charged by."""
        block = self.body.block
        read = sum(prod(_shape(arg.type)) for arg in block.args)
        terminator = block.last_op
        written = sum(prod(_shape(v.type)) for v in terminator.operands) if terminator else 0
        return read + written

    def verify_on(self, target: Target) -> None:
        block = self.body.block
        if len(block.args) != len(self.inputs.data):
            raise VerifyException(
                f"region has {len(block.args)} arguments for {len(self.inputs.data)} inputs"
            )
        for arg, ref in zip(block.args, self.inputs.data):
            _check_match(target.dram(ref), arg.type, "input")
        terminator = block.last_op
        if not isinstance(terminator, HostYieldOp):
            raise VerifyException("region must end with npu.host_yield")
        if len(terminator.values) != len(self.outputs.data):
            raise VerifyException(
                f"npu.host_yield gives {len(terminator.values)} values for "
                f"{len(self.outputs.data)} outputs"
            )
        for value, ref in zip(terminator.values, self.outputs.data):
            tensor = target.dram(ref)
            if tensor.kind_enum in (DramKind.INPUT, DramKind.WEIGHT):
                raise VerifyException(
                    f"cannot write {tensor.kind_enum.value} tensor @{tensor.sym_name.data}"
                )
            _check_match(tensor, value.type, "output")


def _shape(value_type: Attribute) -> tuple[int, ...]:
    assert isinstance(value_type, TensorType)
    return tuple(value_type.get_shape())


def _check_match(tensor: DramOp, value_type: Attribute, role: str) -> None:
    name = f"@{tensor.sym_name.data}"
    if not isinstance(value_type, TensorType):
        raise VerifyException(f"{role} {name} is bound to a non-tensor value of type {value_type}")
    if value_type.element_type != tensor.element_type:
        raise VerifyException(
            f"{role} {name} holds {tensor.element_type}, the region uses {value_type}"
        )
    if prod(_shape(value_type)) != tensor.num_elements:
        raise VerifyException(
            f"{role} {name} has {tensor.num_elements} elements, the region uses {value_type}"
        )


@irdl_op_definition
class HostYieldOp(IRDLOperation):
    """The values an `npu.host` region writes to its output tensors, in order."""

    name = "npu.host_yield"

    values = var_operand_def(TensorType)

    traits = traits_def(HasParent(HostOp), IsTerminator())

    assembly_format = "($values^ `:` type($values))? attr-dict"

    def __init__(self, values: Sequence[SSAValue | Operation]):
        super().__init__(operands=[values])


def host_block(input_types: Sequence[Attribute]) -> Block:
    """An empty region body whose arguments have `input_types`."""
    return Block(arg_types=input_types)
