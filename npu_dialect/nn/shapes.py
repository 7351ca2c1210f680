"""Shape inference for the `nn` ops, as plain functions on tuples of ints.

Each function checks its arguments and returns the result shape, or raises
`VerifyException` with a sentence that names the offending operand or attribute.
The ops' verifiers and constructors, the ONNX importer and rewrites share them.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.utils.exceptions import VerifyException

Shape = tuple[int, ...]


def _fmt(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def check_length(name: str, values: Sequence[int], length: int) -> None:
    if len(values) != length:
        raise VerifyException(f"{name} must have {length} entries, got {len(values)}")


def check_positive(name: str, values: Sequence[int]) -> None:
    if any(v <= 0 for v in values):
        raise VerifyException(f"{name} must be positive, got {list(values)}")


def check_non_negative(name: str, values: Sequence[int]) -> None:
    if any(v < 0 for v in values):
        raise VerifyException(f"{name} must be non-negative, got {list(values)}")


def check_axis(name: str, axis: int, rank: int) -> None:
    if not 0 <= axis < rank:
        raise VerifyException(f"{name} = {axis} is out of range for rank {rank}")


def check_axes(name: str, axes: Sequence[int], rank: int) -> None:
    """Axes must be sorted, distinct and in [0, rank)."""
    for axis in axes:
        check_axis(name, axis, rank)
    if any(a >= b for a, b in zip(axes, axes[1:])):
        raise VerifyException(f"{name} must be sorted and distinct, got {list(axes)}")


def broadcast_shapes(lhs: Sequence[int], rhs: Sequence[int], names: tuple[str, str] = ("lhs", "rhs")) -> Shape:
    """Numpy (multidirectional) broadcasting of two shapes."""
    rank = max(len(lhs), len(rhs))
    left = (1,) * (rank - len(lhs)) + tuple(lhs)
    right = (1,) * (rank - len(rhs)) + tuple(rhs)
    result: list[int] = []
    for a, b in zip(left, right):
        if a != b and a != 1 and b != 1:
            raise VerifyException(
                f"{names[0]} shape {_fmt(lhs)} does not broadcast with {names[1]} shape {_fmt(rhs)}"
            )
        result.append(b if a == 1 else a)
    return tuple(result)


def check_unidirectional_broadcast(name: str, shape: Sequence[int], target: Sequence[int], target_name: str) -> None:
    """`shape` must broadcast to `target` without changing `target` (ONNX unidirectional)."""
    if len(shape) > len(target) or broadcast_shapes(shape, target, (name, target_name)) != tuple(target):
        raise VerifyException(
            f"{name} shape {_fmt(shape)} does not broadcast to {target_name} shape {_fmt(target)}"
        )


def _window_out(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int, dilation: int, ceil_mode: bool) -> int:
    span = size + pad_begin + pad_end - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    # As PyTorch and ONNX: with ceil_mode, a last window that starts in the end
    # padding is dropped.
    if ceil_mode and (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


def infer_conv2d_shape(
    input: Sequence[int],
    weight: Sequence[int],
    strides: Sequence[int],
    padding: Sequence[int],
    dilations: Sequence[int],
    groups: int,
    bias: Sequence[int] | None = None,
) -> Shape:
    """NCHW input, OIHW weight (I = C / groups), optional bias [O]."""
    if len(input) != 4:
        raise VerifyException(f"input must have rank 4 (NCHW), got shape {_fmt(input)}")
    if len(weight) != 4:
        raise VerifyException(f"weight must have rank 4 (OIHW), got shape {_fmt(weight)}")
    check_length("strides", strides, 2)
    check_length("padding", padding, 4)
    check_length("dilations", dilations, 2)
    check_positive("strides", strides)
    check_non_negative("padding", padding)
    check_positive("dilations", dilations)
    if groups <= 0:
        raise VerifyException(f"groups must be positive, got {groups}")
    n, c, h, w = input
    o, i, kh, kw = weight
    if c % groups != 0 or i * groups != c:
        raise VerifyException(
            f"weight has {i} input channels per group, input has {c} channels and groups = {groups}"
        )
    if o % groups != 0:
        raise VerifyException(f"weight has {o} output channels, not divisible by groups = {groups}")
    if bias is not None and tuple(bias) != (o,):
        raise VerifyException(f"bias shape {_fmt(bias)} must be [{o}] (the weight's output channels)")
    oh = _window_out(h, kh, strides[0], padding[0], padding[2], dilations[0], False)
    ow = _window_out(w, kw, strides[1], padding[1], padding[3], dilations[1], False)
    if oh <= 0 or ow <= 0:
        raise VerifyException(
            f"kernel {kh}x{kw} with dilations {list(dilations)} does not fit in the padded input {h}x{w}"
        )
    return (n, o, oh, ow)


def infer_pool2d_shape(
    input: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    padding: Sequence[int],
    dilations: Sequence[int] = (1, 1),
    ceil_mode: bool = False,
) -> Shape:
    if len(input) != 4:
        raise VerifyException(f"input must have rank 4 (NCHW), got shape {_fmt(input)}")
    check_length("kernel", kernel, 2)
    check_length("strides", strides, 2)
    check_length("padding", padding, 4)
    check_length("dilations", dilations, 2)
    check_positive("kernel", kernel)
    check_positive("strides", strides)
    check_non_negative("padding", padding)
    check_positive("dilations", dilations)
    n, c, h, w = input
    oh = _window_out(h, kernel[0], strides[0], padding[0], padding[2], dilations[0], ceil_mode)
    ow = _window_out(w, kernel[1], strides[1], padding[1], padding[3], dilations[1], ceil_mode)
    if oh <= 0 or ow <= 0:
        raise VerifyException(
            f"kernel {kernel[0]}x{kernel[1]} does not fit in the padded input {h}x{w}"
        )
    return (n, c, oh, ow)


def infer_matmul_shape(lhs: Sequence[int], rhs: Sequence[int]) -> Shape:
    """Numpy `matmul`: batched, batch dims broadcast, 1-D operands promoted."""
    if not lhs or not rhs:
        raise VerifyException("matmul operands must have rank >= 1")
    left = (1, lhs[0]) if len(lhs) == 1 else tuple(lhs)
    right = (rhs[0], 1) if len(rhs) == 1 else tuple(rhs)
    if left[-1] != right[-2]:
        raise VerifyException(
            f"lhs shape {_fmt(lhs)} and rhs shape {_fmt(rhs)} have different contraction sizes "
            f"({left[-1]} and {right[-2]})"
        )
    batch = broadcast_shapes(left[:-2], right[:-2])
    result = batch + (left[-2], right[-1])
    if len(lhs) == 1:
        result = result[:-2] + result[-1:]
    if len(rhs) == 1:
        result = result[:-1]
    return result


def infer_gemm_shape(
    a: Sequence[int], b: Sequence[int], c: Sequence[int] | None, trans_a: bool, trans_b: bool
) -> Shape:
    if len(a) != 2:
        raise VerifyException(f"a must have rank 2, got shape {_fmt(a)}")
    if len(b) != 2:
        raise VerifyException(f"b must have rank 2, got shape {_fmt(b)}")
    m, k = (a[1], a[0]) if trans_a else (a[0], a[1])
    kb, n = (b[1], b[0]) if trans_b else (b[0], b[1])
    if k != kb:
        raise VerifyException(
            f"a shape {_fmt(a)} (trans_a = {str(trans_a).lower()}) and b shape {_fmt(b)} "
            f"(trans_b = {str(trans_b).lower()}) have different contraction sizes ({k} and {kb})"
        )
    if c is not None:
        check_unidirectional_broadcast("c", c, (m, n), "result")
    return (m, n)


def infer_reduce_shape(input: Sequence[int], axes: Sequence[int], keepdims: bool) -> Shape:
    if not axes:
        raise VerifyException("axes must not be empty")
    check_axes("axes", axes, len(input))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(input))
    return tuple(d for i, d in enumerate(input) if i not in axes)


def infer_flatten_shape(input: Sequence[int], axis: int) -> Shape:
    if not 0 <= axis <= len(input):
        raise VerifyException(f"axis = {axis} is out of range [0, {len(input)}]")
    outer = 1
    for d in input[:axis]:
        outer *= d
    inner = 1
    for d in input[axis:]:
        inner *= d
    return (outer, inner)


def infer_squeeze_shape(input: Sequence[int], axes: Sequence[int]) -> Shape:
    check_axes("axes", axes, len(input))
    for axis in axes:
        if input[axis] != 1:
            raise VerifyException(f"cannot squeeze axis {axis} of size {input[axis]}")
    return tuple(d for i, d in enumerate(input) if i not in axes)


def infer_unsqueeze_shape(input: Sequence[int], axes: Sequence[int]) -> Shape:
    rank = len(input) + len(axes)
    check_axes("axes", axes, rank)
    dims = iter(input)
    return tuple(1 if i in axes else next(dims) for i in range(rank))


def infer_transpose_shape(input: Sequence[int], perm: Sequence[int]) -> Shape:
    if sorted(perm) != list(range(len(input))):
        raise VerifyException(
            f"perm {list(perm)} is not a permutation of the {len(input)} input dims"
        )
    return tuple(input[p] for p in perm)


def infer_concat_shape(inputs: Sequence[Sequence[int]], axis: int) -> Shape:
    if not inputs:
        raise VerifyException("concat needs at least one input")
    first = tuple(inputs[0])
    check_axis("axis", axis, len(first))
    total = 0
    for index, shape in enumerate(inputs):
        if len(shape) != len(first) or any(
            d != f for i, (d, f) in enumerate(zip(shape, first)) if i != axis
        ):
            raise VerifyException(
                f"input {index} shape {_fmt(shape)} does not match input 0 shape "
                f"{_fmt(first)} outside axis {axis}"
            )
        total += shape[axis]
    return first[:axis] + (total,) + first[axis + 1 :]


def infer_slice_shape(
    input: Sequence[int], starts: Sequence[int], ends: Sequence[int], steps: Sequence[int]
) -> Shape:
    """Normalised slice: for step > 0, 0 <= start, end <= dim; for step < 0,
    0 <= start <= dim - 1 and -1 <= end <= dim - 1 (end = -1 runs through index 0)."""
    rank = len(input)
    for name, values in (("starts", starts), ("ends", ends), ("steps", steps)):
        check_length(name, values, rank)
    result: list[int] = []
    for axis, (dim, start, end, step) in enumerate(zip(input, starts, ends, steps)):
        if step == 0:
            raise VerifyException(f"steps[{axis}] must not be 0")
        low, high = (0, dim) if step > 0 else (0, dim - 1)
        if not low <= start <= max(high, 0):
            raise VerifyException(
                f"starts[{axis}] = {start} is out of range [{low}, {max(high, 0)}] for dim {dim} and step {step}"
            )
        end_low = 0 if step > 0 else -1
        if not end_low <= end <= high:
            raise VerifyException(
                f"ends[{axis}] = {end} is out of range [{end_low}, {high}] for dim {dim} and step {step}"
            )
        result.append(max(0, -((start - end) // step)))
    return tuple(result)


def normalize_slice(
    input: Sequence[int],
    starts: Sequence[int],
    ends: Sequence[int],
    axes: Sequence[int] | None = None,
    steps: Sequence[int] | None = None,
) -> tuple[list[int], list[int], list[int]]:
    """ONNX `Slice` arguments (negative indices count from the end, out-of-range
    values clamp, unlisted axes are whole) as `nn.slice`'s starts, ends and steps."""
    rank = len(input)
    axes = list(range(len(starts))) if axes is None else [a + rank if a < 0 else a for a in axes]
    steps = [1] * len(axes) if steps is None else list(steps)
    for name, values in (("ends", ends), ("steps", steps)):
        check_length(name, values, len(axes))
    full_starts, full_ends, full_steps = [0] * rank, list(input), [1] * rank
    for axis, start, end, step in zip(axes, starts, ends, steps):
        check_axis("axes", axis, rank)
        if step == 0:
            raise VerifyException(f"step for axis {axis} must not be 0")
        dim = input[axis]
        start = start + dim if start < 0 else start
        end = end + dim if end < 0 else end
        if step > 0:
            full_starts[axis] = min(max(start, 0), dim)
            full_ends[axis] = min(max(end, 0), dim)
        else:
            full_starts[axis] = min(max(start, 0), max(dim - 1, 0))
            full_ends[axis] = min(max(end, -1), dim - 1)
        full_steps[axis] = step
    return full_starts, full_ends, full_steps


def infer_split_shapes(input: Sequence[int], axis: int, sizes: Sequence[int]) -> list[Shape]:
    check_axis("axis", axis, len(input))
    if not sizes:
        raise VerifyException("sizes must not be empty")
    check_non_negative("sizes", sizes)
    if sum(sizes) != input[axis]:
        raise VerifyException(
            f"sizes {list(sizes)} sum to {sum(sizes)}, not to the size {input[axis]} of axis {axis}"
        )
    return [tuple(input[:axis]) + (size,) + tuple(input[axis + 1 :]) for size in sizes]


def infer_pad_shape(input: Sequence[int], pads: Sequence[int]) -> Shape:
    rank = len(input)
    check_length("pads", pads, 2 * rank)
    check_non_negative("pads", pads)
    return tuple(d + pads[i] + pads[rank + i] for i, d in enumerate(input))


def infer_gather_shape(data: Sequence[int], indices: Sequence[int], axis: int) -> Shape:
    check_axis("axis", axis, len(data))
    return tuple(data[:axis]) + tuple(indices) + tuple(data[axis + 1 :])


def infer_layer_norm_shape(
    input: Sequence[int], scale: Sequence[int], bias: Sequence[int] | None, axis: int
) -> Shape:
    check_axis("axis", axis, len(input))
    normalized = tuple(input[axis:])
    for name, shape in (("scale", scale), ("bias", bias)):
        if shape is not None and tuple(shape) != normalized:
            raise VerifyException(
                f"{name} shape {_fmt(shape)} must be the normalized shape {_fmt(normalized)}"
            )
    return tuple(input)


def infer_batch_norm_shape(input: Sequence[int], params: dict[str, Sequence[int]]) -> Shape:
    if len(input) < 2:
        raise VerifyException(f"input must have rank >= 2, got shape {_fmt(input)}")
    for name, shape in params.items():
        if tuple(shape) != (input[1],):
            raise VerifyException(
                f"{name} shape {_fmt(shape)} must be [{input[1]}] (the input's channels)"
            )
    return tuple(input)
