"""Shared pieces of the `nn` dialect: attribute helpers, element types and the base op.

Shape inference lives in `npu_dialect.nn.shapes` as plain functions on Python
tuples, so that the importer and rewrites can compute shapes without building ops;
the ops' verifiers and constructors call the same functions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TypeAlias

from xdsl.dialects.builtin import (
    I64,
    BFloat16Type,
    BoolAttr,
    DenseArrayBase,
    Float8E4M3FNType,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    f32,
    i1,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.utils.exceptions import VerifyException

IntArrayAttr = DenseArrayBase.constr(i64)
"""Integer-list attributes are `array<i64: ...>`."""
I64Attr: TypeAlias = IntegerAttr[I64]
F32Attr: TypeAlias = FloatAttr[Float32Type]
Shape: TypeAlias = tuple[int, ...]
Operand: TypeAlias = SSAValue | Operation

FLOAT_TYPES: tuple[Attribute, ...] = (Float32Type(), Float16Type(), BFloat16Type(), Float64Type())
INTEGER_TYPES: tuple[Attribute, ...] = (
    IntegerType(8),
    IntegerType(16),
    IntegerType(32),
    IntegerType(64),
    IntegerType(8, Signedness.UNSIGNED),
    i1,
)
ELEMENT_TYPES: tuple[Attribute, ...] = FLOAT_TYPES + INTEGER_TYPES + (Float8E4M3FNType(),)
"""Element types that `nn` tensors may have. `f8E4M3FN` is not a float type for the
float-only ops: it is meant for storage (`nn.constant`, `nn.cast`) and the products
below, as on the NPU, whose vector unit has no fp8 arithmetic."""
LOW_PRECISION_FLOATS: tuple[Attribute, ...] = (BFloat16Type(), Float16Type(), Float8E4M3FNType())
"""Operand types whose `conv2d`, `matmul` and `gemm` may accumulate into an `f32`
result (the matrix unit's fp32 accumulation)."""


def product_element_type(operand: TensorType, result: Attribute | None) -> Attribute:
    """The element type of a product of `operand`s whose result asks for `result`:
    `f32` for low-precision float operands when asked, else the operands' own."""
    if result == f32 and operand.element_type in LOW_PRECISION_FLOATS:
        return f32
    return operand.element_type


def require_addend_type(name: str, addend: TensorType | None, element: Attribute) -> None:
    """An optional addend of a product (a bias) has the result's element type."""
    if addend is not None and addend.element_type != element:
        raise VerifyException(
            f"{name} element type {addend.element_type} does not match result element type {element}"
        )


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def i64_attr(value: int) -> IntegerAttr:
    return IntegerAttr(int(value), i64)


def f32_attr(value: float) -> FloatAttr:
    return FloatAttr(float(value), f32)


def bool_attr(value: bool) -> BoolAttr:
    return IntegerAttr(int(bool(value)), i1)


def str_attr(value: str) -> StringAttr:
    return StringAttr(value)


def ints(attr: DenseArrayBase) -> tuple[int, ...]:
    """The values of an `array<i64: ...>` attribute."""
    return tuple(int(v) for v in attr.get_values())


def tensor(shape: Sequence[int], element_type: Attribute) -> TensorType:
    return TensorType(element_type, [int(d) for d in shape])


def tensor_of(value: Operand) -> TensorType:
    """The tensor type of an SSA value (or of an op's single result)."""
    value_type = SSAValue.get(value).type
    if not isinstance(value_type, TensorType):
        raise VerifyException(f"expected a tensor value, got {value_type}")
    return value_type  # pyright: ignore[reportUnknownVariableType]


def optional_tensor_of(value: Operand | None) -> TensorType | None:
    """The tensor type of an optional operand, `None` when it is absent."""
    return None if value is None else tensor_of(value)


def shape_of(tensor_type: TensorType) -> Shape:
    return tuple(tensor_type.get_shape())


def same_element_type(name: str, value: TensorType, reference_name: str, reference: TensorType) -> None:
    if value.element_type != reference.element_type:
        raise VerifyException(
            f"{name} element type {value.element_type} does not match "
            f"{reference_name} element type {reference.element_type}"
        )


def require_float(name: str, value: TensorType) -> None:
    if value.element_type not in FLOAT_TYPES:
        raise VerifyException(
            f"{name} element type {value.element_type} is not a float type"
        )


def require_rank(name: str, value: TensorType, rank: int) -> None:
    if value.get_num_dims() != rank:
        raise VerifyException(f"{name} must have rank {rank}, got {value}")


LAYOUT_ATTR = "nn.layout"
"""The discardable attribute `nn-assign-layout` sets on an op: the physical order of
its result's logical dims in memory, outermost first (`array<i64: 0, 2, 3, 1>` is
NHWC for an NCHW tensor). No attribute: row-major in the logical shape. It never
changes what the op computes, only where the lowering stores the result."""


def layout_of(op: Operation) -> tuple[int, ...] | None:
    """The `nn.layout` of an op (verified to be a permutation of its result's dims),
    or None: row-major."""
    attr = op.attributes.get(LAYOUT_ATTR)
    return ints(attr) if isinstance(attr, DenseArrayBase) else None


def set_layout(op: Operation, order: Sequence[int] | None) -> None:
    """Set (or, for None or the identity, remove) an op's `nn.layout`."""
    if order is None or tuple(order) == tuple(range(len(order))):
        op.attributes.pop(LAYOUT_ATTR, None)
    else:
        op.attributes[LAYOUT_ATTR] = i64_array(order)


def verify_layout(op: Operation) -> None:
    """`nn.layout`, if present, is an i64 array permuting the dims of the op's one
    result."""
    attr = op.attributes.get(LAYOUT_ATTR)
    if attr is None:
        return
    if len(op.results) != 1:
        raise VerifyException(f"{LAYOUT_ATTR} needs an op with one result, not {len(op.results)}")
    if not (isinstance(attr, DenseArrayBase) and attr.elt_type == i64):
        raise VerifyException(f"{LAYOUT_ATTR} must be an array<i64: ...>, got {attr}")
    order = ints(attr)
    result_type = op.results[0].type
    rank = len(result_type.get_shape()) if isinstance(result_type, TensorType) else 0
    if sorted(order) != list(range(rank)):
        raise VerifyException(
            f"{LAYOUT_ATTR} {list(order)} is not a permutation of the {rank} dims of the result"
        )


class NNOperation(IRDLOperation, ABC):
    """Base of every `nn` op: static tensors of supported element types, and a
    result type that the verifier recomputes from the operands and attributes."""

    @abstractmethod
    def inferred_result_types(self) -> Sequence[Attribute]:
        """The result types implied by the operands and attributes.

        Raises `VerifyException` naming the operand or attribute that is invalid.
        """

    def verify_(self) -> None:
        verify_layout(self)
        op_def = self.get_irdl_definition()
        for name, _ in (*op_def.operands, *op_def.results):
            for value in _values(getattr(self, name)):
                _check_tensor(name, value.type)
        inferred = self.inferred_result_types()
        actual = self.result_types
        if len(inferred) != len(actual):
            raise VerifyException(
                f"has {len(actual)} results, its operands and attributes imply {len(inferred)}"
            )
        several = len(actual) > 1
        for index, (got, want) in enumerate(zip(actual, inferred)):
            if got != want:
                name = f"result {index}" if several else "result"
                raise VerifyException(f"{name} type {got} does not match inferred {want}")


def _values(field: SSAValue | Sequence[SSAValue] | None) -> Sequence[SSAValue]:
    """The values of an operand or result field, whether single, optional or variadic."""
    if field is None:
        return ()
    if isinstance(field, SSAValue):
        return (field,)
    return tuple(field)


def _check_tensor(name: str, value_type: Attribute) -> None:
    assert isinstance(value_type, TensorType), "nn ops constrain all values to tensors"
    if any(d < 0 for d in value_type.get_shape()):
        raise VerifyException(f"{name} must have a static shape, got {value_type}")
    if value_type.element_type not in ELEMENT_TYPES:
        raise VerifyException(
            f"{name} element type {value_type.element_type} is not supported by nn"
        )
