"""Elementwise `nn` ops: binary arithmetic, activations and casts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Self

from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from npu_dialect.nn.base import (
    F32Attr,
    NNOperation,
    Operand,
    f32_attr,
    require_float,
    same_element_type,
    shape_of,
    str_attr,
    tensor,
    tensor_of,
)
from npu_dialect.nn.shapes import broadcast_shapes, check_unidirectional_broadcast


def binary_result_type(lhs: TensorType, rhs: TensorType) -> TensorType:
    same_element_type("rhs", rhs, "lhs", lhs)
    return tensor(broadcast_shapes(shape_of(lhs), shape_of(rhs)), lhs.element_type)


class BinaryOperation(NNOperation):
    """Elementwise op on two tensors with numpy broadcasting."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(self, lhs: Operand, rhs: Operand, result_type: Attribute | None = None):
        if result_type is None:
            result_type = binary_result_type(tensor_of(lhs), tensor_of(rhs))
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [binary_result_type(tensor_of(self.lhs), tensor_of(self.rhs))]


@irdl_op_definition
class AddOp(BinaryOperation):
    name = "nn.add"
    traits = traits_def(Pure())


@irdl_op_definition
class SubOp(BinaryOperation):
    name = "nn.sub"
    traits = traits_def(Pure())


@irdl_op_definition
class MulOp(BinaryOperation):
    name = "nn.mul"
    traits = traits_def(Pure())


@irdl_op_definition
class DivOp(BinaryOperation):
    """Integer division truncates toward zero, as in ONNX."""

    name = "nn.div"
    traits = traits_def(Pure())


@irdl_op_definition
class PowOp(BinaryOperation):
    name = "nn.pow"
    traits = traits_def(Pure())


@irdl_op_definition
class MinOp(BinaryOperation):
    name = "nn.min"
    traits = traits_def(Pure())


@irdl_op_definition
class MaxOp(BinaryOperation):
    name = "nn.max"
    traits = traits_def(Pure())


class UnaryOperation(NNOperation):
    """Elementwise op whose result has the input's type.

    Syntax `nn.relu %x {attrs} : tensor<...>`. It is written by hand rather than
    with `assembly_format`, which could only infer the result type through a type
    variable shared with the input; a mismatch in the generic form would then fail
    with xDSL's constraint error instead of this dialect's "result type ... does
    not match inferred ..." message.
    """

    input = operand_def(TensorType)
    result = result_def(TensorType)

    FLOAT_ONLY: ClassVar[bool] = False
    """Whether the op is only defined on floating-point tensors."""

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        input = parser.parse_unresolved_operand()
        attributes = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        input_type = parser.parse_type()
        operand = parser.resolve_operand(input, input_type)
        return cls.create(operands=[operand], result_types=[input_type], attributes=attributes)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.input)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.input.type)

    def __init__(self, input: Operand, attributes: dict[str, Attribute] | None = None):
        super().__init__(
            operands=[input], result_types=[tensor_of(input)], attributes=attributes or {}
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        if self.FLOAT_ONLY:
            require_float("input", input_type)
        return [input_type]


@irdl_op_definition
class ReluOp(UnaryOperation):
    name = "nn.relu"
    traits = traits_def(Pure())


@irdl_op_definition
class SigmoidOp(UnaryOperation):
    name = "nn.sigmoid"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


@irdl_op_definition
class TanhOp(UnaryOperation):
    name = "nn.tanh"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


@irdl_op_definition
class ErfOp(UnaryOperation):
    name = "nn.erf"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


@irdl_op_definition
class ExpOp(UnaryOperation):
    name = "nn.exp"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


@irdl_op_definition
class SqrtOp(UnaryOperation):
    name = "nn.sqrt"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


@irdl_op_definition
class NegOp(UnaryOperation):
    name = "nn.neg"
    traits = traits_def(Pure())


@irdl_op_definition
class AbsOp(UnaryOperation):
    name = "nn.abs"
    traits = traits_def(Pure())


@irdl_op_definition
class HardSwishOp(UnaryOperation):
    """x * max(0, min(1, x / 6 + 1 / 2))."""

    name = "nn.hard_swish"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


GELU_APPROXIMATIONS = ("none", "tanh")


@irdl_op_definition
class GeluOp(UnaryOperation):
    """Exact (`erf`) GELU, or its `tanh` approximation."""

    name = "nn.gelu"
    FLOAT_ONLY: ClassVar[bool] = True
    approximate = attr_def(StringAttr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, approximate: str = "none"):
        super().__init__(input, {"approximate": str_attr(approximate)})

    def inferred_result_types(self) -> Sequence[Attribute]:
        if self.approximate.data not in GELU_APPROXIMATIONS:
            raise VerifyException(
                f'approximate must be "none" or "tanh", got "{self.approximate.data}"'
            )
        return super().inferred_result_types()


@irdl_op_definition
class LeakyReluOp(UnaryOperation):
    """x if x >= 0 else alpha * x."""

    name = "nn.leaky_relu"
    FLOAT_ONLY: ClassVar[bool] = True
    alpha = attr_def(F32Attr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, alpha: float = 0.01):
        super().__init__(input, {"alpha": f32_attr(alpha)})


@irdl_op_definition
class EluOp(UnaryOperation):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    name = "nn.elu"
    FLOAT_ONLY: ClassVar[bool] = True
    alpha = attr_def(F32Attr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, alpha: float = 1.0):
        super().__init__(input, {"alpha": f32_attr(alpha)})


@irdl_op_definition
class HardSigmoidOp(UnaryOperation):
    """max(0, min(1, alpha * x + beta))."""

    name = "nn.hard_sigmoid"
    FLOAT_ONLY: ClassVar[bool] = True
    alpha = attr_def(F32Attr)
    beta = attr_def(F32Attr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, alpha: float = 0.2, beta: float = 0.5):
        super().__init__(input, {"alpha": f32_attr(alpha), "beta": f32_attr(beta)})


@irdl_op_definition
class ClampOp(UnaryOperation):
    """min(max(x, min), max)."""

    name = "nn.clamp"
    min = attr_def(F32Attr)
    max = attr_def(F32Attr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, min: float, max: float):
        super().__init__(input, {"min": f32_attr(min), "max": f32_attr(max)})

    def inferred_result_types(self) -> Sequence[Attribute]:
        low, high = self.min.value.data, self.max.value.data
        if low > high:
            raise VerifyException(f"min = {low} is greater than max = {high}")
        return super().inferred_result_types()


@irdl_op_definition
class PreluOp(NNOperation):
    """x if x >= 0 else slope * x; slope broadcasts to the input (unidirectional)."""

    name = "nn.prelu"
    input = operand_def(TensorType)
    slope = operand_def(TensorType)
    result = result_def(TensorType)

    traits = traits_def(Pure())

    assembly_format = "$input `,` $slope attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: Operand, slope: Operand):
        super().__init__(operands=[input, slope], result_types=[tensor_of(input)])

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type, slope_type = tensor_of(self.input), tensor_of(self.slope)
        same_element_type("slope", slope_type, "input", input_type)
        check_unidirectional_broadcast("slope", shape_of(slope_type), shape_of(input_type), "input")
        return [input_type]


@irdl_op_definition
class CastOp(NNOperation):
    """Converts the element type; float to integer truncates toward zero."""

    name = "nn.cast"
    input = operand_def(TensorType)
    result = result_def(TensorType)

    traits = traits_def(Pure())

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: Operand, result_type: Attribute):
        if not isinstance(result_type, TensorType):
            result_type = tensor(shape_of(tensor_of(input)), result_type)
        super().__init__(operands=[input], result_types=[result_type])

    def inferred_result_types(self) -> Sequence[Attribute]:
        result_type = tensor_of(self.result)
        return [tensor(shape_of(tensor_of(self.input)), result_type.element_type)]

