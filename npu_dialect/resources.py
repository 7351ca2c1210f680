"""Tensor data in the IR: builtin `dense<...>` attributes and `dense_resource` blobs.

Large weights are stored the way MLIR stores them: the op carries
`dense_resource<key> : tensor<...>` and the bytes live once, hex-encoded, in the
`{-# dialect_resources: { builtin: { key: "0x..." } } #-}` section at the end of the
file. The first four bytes of a blob are its alignment (little-endian u32), as in
MLIR, so files written here are readable by `mlir-opt` and vice versa.

xDSL keeps blob storage in the (process-global) builtin dialect object. Its stock
interface renames a key that is already known when a second module is parsed in the
same process, then stores the blob under the old name, which silently pairs the
renamed handle with no data. `BlobStorage` below keeps keys as written instead, and
keys created here are content hashes, so equal keys always mean equal bytes.
"""

from __future__ import annotations

import hashlib

import ml_dtypes
import numpy as np
from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
from xdsl.dialects.builtin import (
    BFloat16Type,
    Builtin,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    Float8E4M3FNType,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute


class BlobStorage(OpAsmDialectInterface):
    """Builtin resource storage whose keys are never renamed while parsing."""

    def declare_resource(self, key: str) -> str:
        self._blob_storage.setdefault(key, "")
        return key

    def parse_resource(self, key: str, val: str) -> None:
        if not val.startswith("0x"):
            raise ValueError(f"blob '{key}' must be a hex string starting with 0x")
        self._blob_storage[key] = val
        _decoded.pop(key, None)


def _install_storage() -> BlobStorage:
    interfaces = Builtin._interfaces  # pyright: ignore[reportPrivateUsage]
    for index, interface in enumerate(interfaces):
        if isinstance(interface, BlobStorage):
            return interface
        if isinstance(interface, OpAsmDialectInterface):
            storage = BlobStorage()
            storage._blob_storage = interface._blob_storage  # pyright: ignore[reportPrivateUsage]
            interfaces[index] = storage
            return storage
    storage = BlobStorage()
    interfaces.append(storage)
    return storage


STORAGE = _install_storage()
_decoded: dict[str, np.ndarray] = {}


def numpy_dtype(element_type: Attribute) -> np.dtype:
    """The numpy dtype that holds values of an MLIR element type."""
    match element_type:
        case Float32Type():
            return np.dtype(np.float32)
        case Float16Type():
            return np.dtype(np.float16)
        case BFloat16Type():
            return np.dtype(ml_dtypes.bfloat16)
        case Float8E4M3FNType():
            return np.dtype(ml_dtypes.float8_e4m3fn)
        case Float64Type():
            return np.dtype(np.float64)
        case IntegerType():
            width = element_type.width.data
            if width == 1:
                return np.dtype(np.bool_)
            unsigned = element_type.signedness.data == Signedness.UNSIGNED
            if width not in (8, 16, 32, 64):
                raise ValueError(f"unsupported integer width {width}")
            return np.dtype(f"{'u' if unsigned else ''}int{width}")
    raise ValueError(f"unsupported element type {element_type}")


def register_blob(array: np.ndarray, prefix: str = "blob") -> str:
    """Store `array` as a blob and return its (content-derived) key."""
    data = np.ascontiguousarray(array).tobytes()
    digest = hashlib.sha1(data + str(array.dtype).encode()).hexdigest()[:16]
    key = f"{prefix}_{digest}"
    if not STORAGE.lookup(key):
        alignment = max(array.dtype.itemsize, 1).to_bytes(4, "little")
        STORAGE._blob_storage[key] = "0x" + (alignment + data).hex()  # pyright: ignore[reportPrivateUsage]
    _decoded[key] = np.ascontiguousarray(array)
    return key


def resource_attr(
    array: np.ndarray, tensor_type: TensorType, prefix: str = "blob"
) -> DenseResourceAttr:
    return DenseResourceAttr.from_params(register_blob(array, prefix), tensor_type)


def resource_array(attr: DenseResourceAttr) -> np.ndarray:
    """The numpy array a `dense_resource` attribute refers to (read-only view)."""
    key = attr.resource_handle.data
    tensor_type = attr.type
    assert isinstance(tensor_type, TensorType)
    dtype = numpy_dtype(tensor_type.element_type)
    shape = tuple(tensor_type.get_shape())
    cached = _decoded.get(key)
    if cached is None:
        blob = STORAGE.lookup(key)
        if not blob:
            raise ValueError(f"dense_resource '{key}' has no data in the file")
        raw = bytes.fromhex(blob[2:])[4:]
        cached = np.frombuffer(raw, dtype=dtype)
        _decoded[key] = cached
    flat = cached.view(dtype).reshape(-1) if cached.dtype != dtype else cached.reshape(-1)
    count = int(np.prod(shape, dtype=np.int64))
    if flat.size == 1 and count != 1:
        return np.broadcast_to(flat, shape)
    if flat.size != count:
        raise ValueError(
            f"dense_resource '{key}' holds {flat.size} elements, "
            f"its type {tensor_type} needs {count}"
        )
    return flat.reshape(shape)


def dense_array(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The numpy array held by a `dense<...>` attribute (splats broadcast)."""
    tensor_type = attr.type
    dtype = numpy_dtype(tensor_type.element_type)
    shape = tuple(tensor_type.get_shape())
    values = np.asarray(attr.get_values(), dtype=dtype)
    if values.size == 1 and int(np.prod(shape, dtype=np.int64)) != 1:
        return np.broadcast_to(values.reshape(()), shape)
    return values.reshape(shape)


def elements_array(attr: Attribute) -> np.ndarray:
    """The numpy value of a constant's `dense` or `dense_resource` attribute."""
    if isinstance(attr, DenseResourceAttr):
        return resource_array(attr)
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return dense_array(attr)
    raise ValueError(f"expected dense or dense_resource elements, got {attr}")


def elements_attr(
    array: np.ndarray, tensor_type: TensorType, inline_limit: int = 16
) -> DenseIntOrFPElementsAttr | DenseResourceAttr:
    """Small arrays inline as `dense<...>`, everything else as a blob."""
    dtype = numpy_dtype(tensor_type.element_type)
    array = np.asarray(array, dtype=dtype)
    inlinable = dtype in (np.float32, np.float64, np.int8, np.int32, np.int64)
    if array.size <= inline_limit and inlinable:
        return DenseIntOrFPElementsAttr.from_list(tensor_type, array.reshape(-1).tolist())
    return resource_attr(array, tensor_type)
