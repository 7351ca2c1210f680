"""Converters for ONNX data-movement and shape-computation operators.

Each converter evaluates its node with numpy when the data input is known at
import time (a weight, or a shape computed from static shapes) and emits the `nn`
op otherwise. `Shape` and `Size` are always known, because every shape is static
once the graph inputs are. Operators that exporters use only to compute shapes
(Range, ConstantOfShape, Equal, Where, ...) have no `nn` op: they must fold.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import onnx
from onnx import numpy_helper

from npu_dialect import nn
from npu_frontend.onnx_node import Converter, Node, Tensor, numpy_dtype_of


def convert_identity(node: Node) -> list[Tensor]:
    array = node.const(0)
    return [array if array is not None else node.value(0)]


def convert_constant(node: Node) -> list[Tensor]:
    for name in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        value = node.attr(name)
        if value is None:
            continue
        if isinstance(value, onnx.TensorProto):
            numpy_dtype_of(value.data_type, f"{node.place}: value")
            return [numpy_helper.to_array(value)]
        dtype = np.float32 if name.startswith("value_float") else np.int64
        return [np.asarray(value, dtype=dtype)]
    present = ", ".join(node.attributes) or "none"
    raise node.error(f"only tensor, float and int constants are supported (attributes: {present})")


def convert_shape(node: Node) -> list[Tensor]:
    shape = node.shape(0)
    end = node.attr("end")
    # Python slicing clamps negative and out-of-range bounds as ONNX Shape-15 does.
    selected = shape[int(node.attr("start", 0)) : None if end is None else int(end)]
    return [np.asarray(selected, dtype=np.int64)]


def reshape_target(node: Node, shape: tuple[int, ...], requested: np.ndarray) -> list[int]:
    """ONNX Reshape's output shape: 0 copies the input dim (unless allowzero), -1 infers."""
    allowzero = bool(node.attr("allowzero", 0))
    target = [int(d) for d in requested.reshape(-1)]
    for index, dim in enumerate(target):
        if dim == 0 and not allowzero:
            if index >= len(shape):
                raise node.error(
                    f"shape {target} copies dim {index}, the input has rank {len(shape)}"
                )
            target[index] = shape[index]
    if target.count(-1) > 1 or any(d < -1 for d in target):
        raise node.error(f"shape {target} is not a valid Reshape shape")
    total = math.prod(shape)
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        if known == 0 or total % known:
            raise node.error(f"cannot reshape {list(shape)} to {target}")
        target[target.index(-1)] = total // known
    if math.prod(target) != total:
        raise node.error(f"cannot reshape {list(shape)} ({total} elements) to {target}")
    return target


def convert_reshape(node: Node) -> list[Tensor]:
    target = reshape_target(node, node.shape(0), node.require_const(1, "shape"))
    data = node.const(0)
    if data is not None:
        return [data.reshape(target)]
    return [node.emit(nn.ReshapeOp(node.value(0), target))]


def convert_flatten(node: Node) -> list[Tensor]:
    shape = node.shape(0)
    axis = int(node.attr("axis", 1))
    if not -len(shape) <= axis <= len(shape):
        raise node.error(f"axis {axis} is out of range for rank {len(shape)}")
    axis += len(shape) if axis < 0 else 0
    data = node.const(0)
    if data is not None:
        return [data.reshape(math.prod(shape[:axis]), math.prod(shape[axis:]))]
    return [node.emit(nn.FlattenOp(node.value(0), axis))]


def axes_operand(node: Node) -> list[int] | None:
    """Axes from the second input (opset 13+) or the `axes` attribute (older)."""
    if node.has_input(1):
        return [int(a) for a in node.require_const(1, "axes").reshape(-1)]
    return node.int_list("axes")


def convert_squeeze(node: Node) -> list[Tensor]:
    shape = node.shape(0)
    requested = axes_operand(node)
    if requested is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = node.axes(requested, len(shape))
    for axis in axes:
        if shape[axis] != 1:
            raise node.error(f"cannot squeeze axis {axis} of size {shape[axis]}")
    data = node.const(0)
    if data is not None:
        return [np.squeeze(data, tuple(axes))]
    return [node.emit(nn.SqueezeOp(node.value(0), axes))]


def convert_unsqueeze(node: Node) -> list[Tensor]:
    requested = axes_operand(node)
    if requested is None:
        raise node.error("axes are required")
    axes = node.axes(requested, node.rank(0) + len(requested))
    data = node.const(0)
    if data is not None:
        return [np.expand_dims(data, tuple(axes))]
    return [node.emit(nn.UnsqueezeOp(node.value(0), axes))]


def convert_transpose(node: Node) -> list[Tensor]:
    rank = node.rank(0)
    perm = node.int_list("perm", list(reversed(range(rank))))
    if sorted(perm) != list(range(rank)):
        raise node.error(f"perm {perm} is not a permutation of the {rank} axes")
    data = node.const(0)
    if data is not None:
        return [np.ascontiguousarray(np.transpose(data, perm))]
    return [node.emit(nn.TransposeOp(node.value(0), perm))]


def convert_concat(node: Node) -> list[Tensor]:
    indices = [i for i in range(node.num_inputs) if node.has_input(i)]
    axis = node.axis(int(node.attr("axis", 0)), node.rank(indices[0]))
    arrays = [node.const(i) for i in indices]
    if all(a is not None for a in arrays):
        return [np.concatenate(arrays, axis=axis)]
    return [node.emit(nn.ConcatOp([node.value(i) for i in indices], axis))]


def slice_bounds(node: Node, shape: tuple[int, ...]) -> tuple[list[int], list[int], list[int]]:
    """Per-dim (start, end, step), clamped as ONNX Slice does; for a negative step
    an end of -1 means "through index 0"."""
    starts = [int(v) for v in node.require_const(1, "starts").reshape(-1)]
    ends = [int(v) for v in node.require_const(2, "ends").reshape(-1)]
    rank = len(shape)
    axes = list(range(len(starts)))
    if node.has_input(3):
        axes = [node.axis(int(a), rank) for a in node.require_const(3, "axes").reshape(-1)]
    steps = [1] * len(starts)
    if node.has_input(4):
        steps = [int(s) for s in node.require_const(4, "steps").reshape(-1)]
    if not len(starts) == len(ends) == len(axes) == len(steps) or len(set(axes)) != len(axes):
        raise node.error("starts, ends, axes and steps must have one entry per distinct axis")
    full_starts, full_ends, full_steps = [0] * rank, list(shape), [1] * rank
    for axis, start, end, step in zip(axes, starts, ends, steps):
        dim = shape[axis]
        if step == 0:
            raise node.error(f"step for axis {axis} is 0")
        start += dim if start < 0 else 0
        end += dim if end < 0 else 0
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
        full_starts[axis], full_ends[axis], full_steps[axis] = start, end, step
    return full_starts, full_ends, full_steps


def convert_slice(node: Node) -> list[Tensor]:
    starts, ends, steps = slice_bounds(node, node.shape(0))
    data = node.const(0)
    if data is not None:
        index = tuple(
            slice(start, None if end < 0 else end, step)
            for start, end, step in zip(starts, ends, steps)
        )
        return [np.ascontiguousarray(data[index])]
    return [node.emit(nn.SliceOp(node.value(0), starts, ends, steps))]


def split_sizes(node: Node, dim: int) -> list[int]:
    count = len(node.proto.output)
    if node.has_input(1):
        sizes = [int(s) for s in node.require_const(1, "split").reshape(-1)]
    elif node.attr("split") is not None:
        sizes = list(node.int_list("split") or [])
    else:
        parts = int(node.attr("num_outputs", count))
        chunk = -(-dim // parts)
        sizes = [min(chunk, max(dim - i * chunk, 0)) for i in range(parts)]
    if len(sizes) != count or sum(sizes) != dim or any(s < 0 for s in sizes):
        raise node.error(f"split sizes {sizes} do not divide a dim of {dim} into {count} outputs")
    return sizes


def convert_split(node: Node) -> list[Tensor]:
    shape = node.shape(0)
    axis = node.axis(int(node.attr("axis", 0)), len(shape))
    sizes = split_sizes(node, shape[axis])
    data = node.const(0)
    if data is not None:
        return list(np.split(data, np.cumsum(sizes)[:-1], axis=axis))
    op = nn.SplitOp(node.value(0), axis, sizes)
    node.emit(op)
    return list(op.results)


def convert_pad(node: Node) -> list[Tensor]:
    mode = node.attr("mode", "constant")
    if mode not in ("constant", "reflect", "edge"):
        raise node.error(f"mode '{mode}' is not supported (constant, reflect and edge are)")
    rank = node.rank(0)
    given = [int(p) for p in node.require_const(1, "pads").reshape(-1)]
    axes = list(range(rank))
    if node.has_input(3):
        axes = [node.axis(int(a), rank) for a in node.require_const(3, "axes").reshape(-1)]
    if len(given) != 2 * len(axes):
        raise node.error(f"pads {given} must have two entries per padded axis")
    pads = [0] * (2 * rank)
    for i, axis in enumerate(axes):
        pads[axis], pads[rank + axis] = given[i], given[len(axes) + i]
    if any(p < 0 for p in pads):
        raise node.error(f"negative pads {given} (cropping) are not supported")
    value = 0.0
    if node.has_input(2):
        value_array = node.require_const(2, "constant_value")
        value = float(value_array.reshape(-1)[0]) if value_array.size else 0.0
    data = node.const(0)
    if data is not None:
        widths = list(zip(pads[:rank], pads[rank:]))
        if mode == "constant":
            return [np.pad(data, widths, mode="constant", constant_values=value)]
        return [np.pad(data, widths, mode=str(mode))]
    return [node.emit(nn.PadOp(node.value(0), pads, str(mode), value))]


def convert_gather(node: Node) -> list[Tensor]:
    axis = node.axis(int(node.attr("axis", 0)), node.rank(0))
    data, indices = node.const(0), node.const(1)
    if data is not None and indices is not None:
        try:
            return [np.take(data, indices, axis=axis)]
        except IndexError as error:
            raise node.error(str(error)) from None
    return [node.emit(nn.GatherOp(node.value(0), node.value(1), axis))]


def convert_cast(node: Node) -> list[Tensor]:
    dtype = numpy_dtype_of(int(node.attr("to", 0)), f"{node.place}: target type")
    data = node.const(0)
    if data is not None:
        return [data.astype(dtype)]
    element_type = nn.element_type_of(dtype)
    if node.type(0).element_type == element_type:
        return [node.value(0)]
    return [node.emit(nn.CastOp(node.value(0), element_type))]


def convert_expand(node: Node) -> list[Tensor]:
    shape = node.shape(0)
    requested = tuple(int(d) for d in node.require_const(1, "shape").reshape(-1))
    try:
        target = np.broadcast_shapes(shape, requested)
    except ValueError:
        raise node.error(
            f"shape {list(requested)} does not broadcast with input {list(shape)}"
        ) from None
    data = node.const(0)
    if data is not None:
        return [np.broadcast_to(data, target)]
    if target == shape:
        return [node.value(0)]
    # No nn op broadcasts on its own; multiplying by ones of the target shape does,
    # exactly, for every element type.
    dtype = node.importer.dtype_of(node.value(0))
    ones = node.importer.ssa_array(np.broadcast_to(np.ones((), dtype), target), "ones")
    return [node.emit(nn.MulOp(node.value(0), ones))]


def folding_only(evaluate: Callable[..., np.ndarray], arity: int) -> Converter:
    """A converter for an operator `nn` lacks: it must be evaluated at import."""

    def convert(node: Node) -> list[Tensor]:
        arrays = []
        for index in range(arity):
            array = node.const(index)
            if array is None and node.has_input(index):
                raise node.error(
                    f"ONNX operator {node.op_type} is supported only on inputs known at import "
                    f"time, and input '{node.input_name(index)}' is computed from the graph inputs"
                )
            arrays.append(array)
        return [np.asarray(evaluate(node, *arrays))]

    return convert


def constant_of_shape(node: Node, shape: np.ndarray) -> np.ndarray:
    value = node.attr("value")
    fill = numpy_helper.to_array(value) if value is not None else np.zeros(1, np.float32)
    # A read-only broadcast view: large fills cost no memory and become splats.
    return np.broadcast_to(fill.reshape(-1)[0], [int(d) for d in shape.reshape(-1)])


def evaluate_range(
    node: Node, start: np.ndarray, limit: np.ndarray, delta: np.ndarray
) -> np.ndarray:
    if delta == 0:
        raise node.error("delta is 0")
    return np.arange(start, limit, delta, dtype=start.dtype)


def compare(ufunc: np.ufunc) -> Converter:
    return folding_only(lambda node, lhs, rhs: ufunc(lhs, rhs), 2)


SHAPE_CONVERTERS: dict[str, Converter] = {
    "Identity": convert_identity,
    "Constant": convert_constant,
    "Shape": convert_shape,
    "Size": lambda node: [np.asarray(math.prod(node.shape(0)), dtype=np.int64)],
    "Reshape": convert_reshape,
    "Flatten": convert_flatten,
    "Squeeze": convert_squeeze,
    "Unsqueeze": convert_unsqueeze,
    "Transpose": convert_transpose,
    "Concat": convert_concat,
    "Slice": convert_slice,
    "Split": convert_split,
    "Pad": convert_pad,
    "Gather": convert_gather,
    "Cast": convert_cast,
    "Expand": convert_expand,
    "Range": folding_only(evaluate_range, 3),
    "ConstantOfShape": folding_only(constant_of_shape, 1),
    "Equal": compare(np.equal),
    "Less": compare(np.less),
    "Greater": compare(np.greater),
    "And": compare(np.logical_and),
    "Or": compare(np.logical_or),
    "Not": folding_only(lambda node, x: np.logical_not(x), 1),
    "Where": folding_only(lambda node, cond, x, y: np.where(cond, x, y), 3),
    "Floor": folding_only(lambda node, x: np.floor(x), 1),
    "Ceil": folding_only(lambda node, x: np.ceil(x), 1),
}
