"""What the patterns ask of their operands: constant values, splats, element types."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import SSAValue

from npu_dialect import nn
from npu_dialect.nn.base import FLOAT_TYPES

SPLAT_SCAN_LIMIT = 4096
"""Constants up to this many elements are scanned to find out whether they are splats;
larger ones count as splats only when they are stored as one element."""


def constant_array(value: SSAValue | None) -> np.ndarray | None:
    """The value of an `nn.constant` result (read-only), else None."""
    if value is None or not isinstance(value.owner, nn.ConstantOp):
        return None
    return value.owner.array()


def splat_value(value: SSAValue) -> float | None:
    """The one value held by every element of a constant, else None."""
    array = constant_array(value)
    if array is None or array.size == 0:
        return None
    stored_once = all(stride == 0 for stride in array.strides)
    if not stored_once and array.size > SPLAT_SCAN_LIMIT:
        return None
    first = array.reshape(-1)[0]
    if not stored_once and not np.all(array == first):
        return None
    return float(first)


def tensor_type(value: SSAValue) -> TensorType:
    value_type = value.type
    assert isinstance(value_type, TensorType), "nn values are tensors"
    return value_type


def is_float(value: SSAValue) -> bool:
    return tensor_type(value).element_type in FLOAT_TYPES


def new_constant(array: np.ndarray, like: SSAValue, name_hint: str | None) -> nn.ConstantOp:
    """An `nn.constant` of `array` in the element type of `like` (blobs get
    content-hashed keys), its result named `name_hint`."""
    op = nn.ConstantOp.from_array(array, tensor_type(like).element_type)
    op.result.name_hint = name_hint
    return op
