"""Fused groups: a convolution or product and the elementwise epilogue that follows it.

`nn.fused` is what an NPU runs as one layer: the *anchor* (`nn.conv2d`, `nn.matmul`,
`nn.gemm`, `nn.qconv2d`, `nn.qmatmul`) and the elementwise ops applied to its result
before it leaves the accumulator (bias, residual add, activation, requantisation,
casts). Its region has one block: the anchor first, then the epilogue ops, then
`nn.yield` of the group's result, which is the op's result.

```mlir
%r = nn.fused (%a = %x, %b = %w, %c = %bias, %d = %shortcut) : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %y = nn.conv2d %a, %b, %c {...} : (...) -> tensor<1x8x8x8xf32>
  %s = nn.add %y, %d : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %t = nn.relu %s : tensor<1x8x8x8xf32>
  nn.yield %t : tensor<1x8x8x8xf32>
}
```

The region is isolated from above: each block argument is bound to one operand
(`%a = %x`), the group's external values (input, weights, bias, the residual). Weights
stay outside as `nn.constant`s, so passes that look at or re-lay out constants see
them where they were. `transforms/nn_fuse_epilogue.py` builds these groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure, RecursiveMemoryEffect
from xdsl.utils.exceptions import VerifyException

from npu_dialect.nn.base import Operand, shape_of, tensor_of, verify_layout
from npu_dialect.nn.conv_pool import Conv2DOp
from npu_dialect.nn.elementwise import (
    AbsOp,
    BinaryOperation,
    CastOp,
    ClampOp,
    EluOp,
    ErfOp,
    ExpOp,
    GeluOp,
    HardSigmoidOp,
    HardSwishOp,
    LeakyReluOp,
    NegOp,
    PreluOp,
    ReluOp,
    SigmoidOp,
    SqrtOp,
    TanhOp,
)
from npu_dialect.nn.matmul import GemmOp, MatmulOp
from npu_dialect.nn.quant import QAddOp, QConv2DOp, QMatmulOp, RequantizeOp

ANCHOR_OPS: tuple[type[Operation], ...] = (Conv2DOp, MatmulOp, GemmOp, QConv2DOp, QMatmulOp)
"""The ops a fused group is built around: they run on the matrix unit."""
ELEMENTWISE_UNARY_OPS: tuple[type[Operation], ...] = (
    ReluOp,
    SigmoidOp,
    TanhOp,
    ErfOp,
    ExpOp,
    SqrtOp,
    NegOp,
    AbsOp,
    HardSwishOp,
    GeluOp,
    LeakyReluOp,
    EluOp,
    HardSigmoidOp,
    ClampOp,
)
"""Activations and elementwise math on one tensor (`nn.softmax` shares their syntax
but is not elementwise)."""
EPILOGUE_OPS: tuple[type[Operation], ...] = (
    *ELEMENTWISE_UNARY_OPS,
    BinaryOperation,
    PreluOp,
    CastOp,
    RequantizeOp,
    QAddOp,
)
"""The elementwise ops that may follow the anchor in a group."""


def _names(ops: Sequence[type[Operation]]) -> str:
    return ", ".join(op.name for op in ops)


@irdl_op_definition
class FusedOp(IRDLOperation):
    """An anchor op and its elementwise epilogue, computed as one layer."""

    name = "nn.fused"

    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    body = region_def("single_block")

    traits = traits_def(IsolatedFromAbove(), RecursiveMemoryEffect())

    def __init__(self, inputs: Sequence[Operand], result_type: Attribute, body: Region):
        super().__init__(operands=[inputs], result_types=[result_type], regions=[body])

    @staticmethod
    def empty_body(inputs: Sequence[Operand]) -> Region:
        """A region of one empty block whose arguments have the types of `inputs`."""
        return Region(Block(arg_types=[SSAValue.get(v).type for v in inputs]))

    @property
    def anchor(self) -> Operation:
        first = self.body.block.first_op
        assert first is not None
        return first

    @property
    def epilogue(self) -> list[Operation]:
        """The ops after the anchor, without the terminator."""
        return list(self.body.block.ops)[1:-1]

    def print(self, printer: Printer) -> None:
        printer.print_string(" (")
        printer.print_list(
            zip(self.body.block.args, self.inputs, strict=True),
            lambda pair: self._print_binding(printer, *pair),
        )
        printer.print_string(") : (")
        printer.print_list((v.type for v in self.inputs), printer.print_attribute)
        printer.print_string(") -> ")
        printer.print_attribute(self.result.type)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)
        printer.print_op_attributes(self.attributes)

    @staticmethod
    def _print_binding(printer: Printer, arg: SSAValue, operand: SSAValue) -> None:
        printer.print_ssa_value(arg)
        printer.print_string(" = ")
        printer.print_ssa_value(operand)

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        def binding() -> tuple[Parser.UnresolvedArgument, UnresolvedOperand]:
            arg = parser.parse_argument(expect_type=False)
            parser.parse_punctuation("=")
            return arg, parser.parse_unresolved_operand()

        position = parser.pos
        bindings = parser.parse_comma_separated_list(Parser.Delimiter.PAREN, binding)
        parser.parse_punctuation(":")
        types = parser.parse_comma_separated_list(Parser.Delimiter.PAREN, parser.parse_type)
        if len(types) != len(bindings):
            parser.raise_error(
                f"nn.fused binds {len(bindings)} operands but lists {len(types)} types",
                position,
                parser.pos,
            )
        parser.parse_punctuation("->")
        result_type = parser.parse_type()
        operands = parser.resolve_operands([o for _, o in bindings], types, position)
        args = [arg.resolve(t) for (arg, _), t in zip(bindings, types, strict=True)]
        body = parser.parse_region(args)
        op = cls(operands, result_type, body)
        op.attributes |= parser.parse_optional_attr_dict()
        return op

    def verify_(self) -> None:
        verify_layout(self)
        block = self.body.block
        args, inputs = block.args, self.inputs
        if len(args) != len(inputs):
            raise VerifyException(f"region has {len(args)} arguments for {len(inputs)} operands")
        for index, (arg, operand) in enumerate(zip(args, inputs)):
            if arg.type != operand.type:
                raise VerifyException(
                    f"region argument {index} has type {arg.type}, operand {index} {operand.type}"
                )
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            raise VerifyException("region must end with nn.yield")
        ops = list(block.ops)[:-1]
        if not ops or not isinstance(ops[0], ANCHOR_OPS):
            got = ops[0].name if ops else "nothing"
            raise VerifyException(
                f"region must start with its anchor ({_names(ANCHOR_OPS)}), got {got}"
            )
        anchor_type = tensor_of(ops[0].results[0])
        for index, op in enumerate(ops[1:], start=1):
            if isinstance(op, ANCHOR_OPS):
                raise VerifyException(f"op {index} of the region, {op.name}, is a second anchor")
            if not isinstance(op, EPILOGUE_OPS):
                raise VerifyException(
                    f"op {index} of the region, {op.name}, is not an elementwise epilogue op"
                )
            if len(op.results) != 1 or shape_of(tensor_of(op.results[0])) != shape_of(anchor_type):
                raise VerifyException(
                    f"op {index} of the region, {op.name}, has result type "
                    f"{op.results[0].type}, not the shape of the anchor's {anchor_type}"
                )
        if terminator.value is not ops[-1].results[0]:
            raise VerifyException("nn.yield must yield the result of the last op of the region")
        if terminator.value.type != self.result.type:
            raise VerifyException(
                f"nn.yield gives {terminator.value.type}, the result is {self.result.type}"
            )


@irdl_op_definition
class YieldOp(IRDLOperation):
    """The result of an `nn.fused` group."""

    name = "nn.yield"

    value = operand_def(TensorType)

    traits = traits_def(HasParent(FusedOp), IsTerminator(), Pure())

    assembly_format = "$value attr-dict `:` type($value)"

    def __init__(self, value: Operand):
        super().__init__(operands=[value])


FUSED_OPS: list[type[IRDLOperation]] = [FusedOp, YieldOp]
"""The ops of fused groups (not model ops: neither in `NN_OPS` nor in `QUANT_OPS`)."""
