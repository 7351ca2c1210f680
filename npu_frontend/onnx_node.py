"""The view of one ONNX node that converters work with.

A converter (see `npu_frontend.onnx_ops`) reads the node's attributes and inputs
through `Node`, appends `nn` ops with `Node.emit`, and returns one `Tensor` per
ONNX output it supports: an SSA value, or a numpy array when the output is known
at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import onnx
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Operation, SSAValue

from npu_dialect.errors import UserError
from npu_dialect.nn import element_type_of

if TYPE_CHECKING:
    from npu_frontend.onnx_import import GraphImporter

Tensor = SSAValue | np.ndarray
"""What an ONNX tensor name stands for during import."""

Converter = Callable[["Node"], Sequence[Tensor]]


def onnx_type_name(data_type: int) -> str:
    return onnx.TensorProto.DataType.Name(data_type).lower()


def numpy_dtype_of(data_type: int, what: str) -> np.dtype:
    """The numpy dtype of an ONNX element type that `nn` can hold."""
    try:
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(data_type))
        element_type_of(dtype)
    except (KeyError, ValueError):
        raise UserError(
            f"{what} has element type {onnx_type_name(data_type)}, which nn does not support"
        ) from None
    return dtype


class Node:
    """One ONNX node being converted: its attributes, inputs and diagnostics."""

    def __init__(self, importer: GraphImporter, proto: onnx.NodeProto, index: int):
        self.importer = importer
        self.proto = proto
        self.op_type = proto.op_type
        self.attributes = {attr.name: attr for attr in proto.attribute}
        label = f"'{proto.name}'" if proto.name else f"#{index}"
        self.place = f"{importer.source}: node {label} ({proto.op_type})"

    def error(self, message: str) -> UserError:
        return UserError(f"{self.place}: {message}")

    def attr(self, name: str, default: object = None) -> object:
        attribute = self.attributes.get(name)
        if attribute is None:
            return default
        value = onnx.helper.get_attribute_value(attribute)
        return value.decode() if isinstance(value, bytes) else value

    def int_list(self, name: str, default: Sequence[int] | None = None) -> list[int] | None:
        value = self.attr(name)
        if value is None:
            return None if default is None else list(default)
        return [int(v) for v in value]  # type: ignore[union-attr]

    @property
    def num_inputs(self) -> int:
        return len(self.proto.input)

    def has_input(self, index: int) -> bool:
        return index < len(self.proto.input) and self.proto.input[index] != ""

    def wants_output(self, index: int) -> bool:
        """Whether optional output `index` exists and is read by anything."""
        outputs = self.proto.output
        return index < len(outputs) and outputs[index] in self.importer.consumed

    def input_name(self, index: int) -> str:
        return self.proto.input[index]

    def const(self, index: int) -> np.ndarray | None:
        """The input's value if it is known at import time, else None."""
        if not self.has_input(index):
            return None
        return self.importer.constant(self.proto.input[index])

    def require_const(self, index: int, what: str) -> np.ndarray:
        value = self.const(index)
        if value is None:
            raise self.error(
                f"{what} input '{self.proto.input[index]}' must be known at import time, "
                "but it is computed from the graph inputs"
            )
        return value

    def value(self, index: int) -> SSAValue:
        """The input as an SSA value (known arrays become `nn.constant`)."""
        name = self.proto.input[index]
        try:
            return self.importer.ssa_value(name)
        except UserError as error:
            raise self.error(f"input '{name}': {error}") from None

    def type(self, index: int) -> TensorType:
        return self.importer.tensor_type(self.proto.input[index], self)

    def shape(self, index: int) -> tuple[int, ...]:
        return tuple(self.type(index).get_shape())

    def rank(self, index: int) -> int:
        return len(self.shape(index))

    def emit(self, op: Operation) -> SSAValue:
        """Append `op` to the function and return its (first) result."""
        self.importer.block.add_op(op)
        return op.results[0]

    def axis(self, axis: int, rank: int, name: str = "axis") -> int:
        """An ONNX axis in [-rank, rank) made non-negative."""
        if not -rank <= axis < rank:
            raise self.error(f"{name} {axis} is out of range for rank {rank}")
        return axis % rank if rank else 0

    def axes(self, axes: Sequence[int], rank: int, name: str = "axes") -> list[int]:
        """ONNX axes made non-negative and sorted; repeats are an error."""
        normalised = sorted(self.axis(int(a), rank, name) for a in axes)
        if len(set(normalised)) != len(normalised):
            raise self.error(f"{name} {list(axes)} name an axis twice")
        return normalised
