"""`nn.constant`: a tensor given by a `dense` or `dense_resource` attribute."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import (
    BFloat16Type,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute
from xdsl.irdl import (
    AnyAttr,
    ParamAttrConstraint,
    VarConstraint,
    attr_def,
    base,
    irdl_op_definition,
    result_def,
    traits_def,
)
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from npu_dialect import resources
from npu_dialect.nn.base import NNOperation, tensor

_NUMPY_ELEMENT_TYPES: dict[np.dtype, Attribute] = {
    np.dtype(np.float32): Float32Type(),
    np.dtype(np.float16): Float16Type(),
    np.dtype(ml_dtypes.bfloat16): BFloat16Type(),
    np.dtype(np.float64): Float64Type(),
    np.dtype(np.int8): IntegerType(8),
    np.dtype(np.int16): IntegerType(16),
    np.dtype(np.int32): IntegerType(32),
    np.dtype(np.int64): IntegerType(64),
    np.dtype(np.uint8): IntegerType(8, Signedness.UNSIGNED),
    np.dtype(np.bool_): IntegerType(1),
}


def element_type_of(dtype: np.dtype) -> Attribute:
    """The `nn` element type that holds values of a numpy dtype."""
    try:
        return _NUMPY_ELEMENT_TYPES[np.dtype(dtype)]
    except KeyError:
        raise ValueError(f"numpy dtype {dtype} has no nn element type") from None


@irdl_op_definition
class ConstantOp(NNOperation):
    """The tensor `value`; large values are `dense_resource` blobs."""

    name = "nn.constant"
    T: ClassVar = VarConstraint("T", base(TensorType))
    value = attr_def(
        ParamAttrConstraint(DenseIntOrFPElementsAttr, (T, AnyAttr()))
        | ParamAttrConstraint(DenseResourceAttr, (AnyAttr(), T))
    )
    result = result_def(T)

    traits = traits_def(Pure(), ConstantLike())

    assembly_format = "$value attr-dict"

    def __init__(self, value: DenseIntOrFPElementsAttr | DenseResourceAttr):
        super().__init__(result_types=[value.type], attributes={"value": value})

    @staticmethod
    def from_array(
        array: np.ndarray, element_type: Attribute | None = None, inline_limit: int = 16
    ) -> ConstantOp:
        """A constant holding `array`: inline `dense` up to `inline_limit` elements,
        a `dense_resource` blob beyond."""
        array = np.asarray(array)
        if element_type is None:
            element_type = element_type_of(array.dtype)
        tensor_type = tensor(array.shape, element_type)
        return ConstantOp(resources.elements_attr(array, tensor_type, inline_limit))

    def array(self) -> np.ndarray:
        """The value as a numpy array (read-only for blobs and splats)."""
        return resources.elements_array(self.value)

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [self.value.type]

    def verify_(self) -> None:
        super().verify_()
        if isinstance(self.value, DenseResourceAttr):
            _verify_blob_size(self.value)


def _verify_blob_size(attr: DenseResourceAttr) -> None:
    """The blob must hold one element (a splat) or exactly the type's elements.

    Checked on the hex text's length, so that verifying never decodes weights."""
    key = attr.resource_handle.data
    blob = resources.STORAGE.lookup(key)
    if not blob:
        raise VerifyException(f"dense_resource '{key}' has no data in the file")
    tensor_type = attr.type
    assert isinstance(tensor_type, TensorType)
    itemsize = resources.numpy_dtype(tensor_type.element_type).itemsize
    data_bytes = (len(blob) - 2) // 2 - 4
    if data_bytes not in (itemsize, tensor_type.element_count() * itemsize):
        raise VerifyException(
            f"dense_resource '{key}' holds {data_bytes} bytes, its type {tensor_type} "
            f"needs {tensor_type.element_count() * itemsize}"
        )
