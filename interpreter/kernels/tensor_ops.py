"""Normalisation, reductions and data movement."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interpreter.kernels.elementwise import cast, widen


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """exp(x - max) / sum(exp(x - max)) along `axis` (no overflow)."""
    x = widen(x)
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def layer_norm(
    x: np.ndarray, scale: np.ndarray, bias: np.ndarray | None, axis: int, epsilon: float
) -> np.ndarray:
    """(x - mean) / sqrt(var + epsilon) * scale + bias over dims axis..rank-1."""
    x = widen(x)
    axes = tuple(range(axis, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    variance = (centred * centred).mean(axis=axes, keepdims=True)
    result = centred / np.sqrt(variance + x.dtype.type(epsilon)) * widen(scale)
    return result if bias is None else result + widen(bias)


def batch_norm(
    x: np.ndarray,
    scale: np.ndarray,
    bias: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    epsilon: float,
) -> np.ndarray:
    """Inference batch norm over channel dim 1, folded into one scale and shift per
    channel as onnxruntime does."""
    x = widen(x)
    dtype = x.dtype.type
    channel = (-1,) + (1,) * (x.ndim - 2)
    factor = widen(scale) / np.sqrt(widen(var) + dtype(epsilon))
    shift = widen(bias) - widen(mean) * factor
    return x * factor.reshape(channel) + shift.reshape(channel)


def reduce(op: str, x: np.ndarray, axes: Sequence[int], keepdims: bool) -> np.ndarray:
    """`mean`, `sum` or `max` over `axes` (integer sums wrap in the caller's cast)."""
    axes = tuple(axes)
    match op:
        case "mean":
            return widen(x).mean(axis=axes, keepdims=keepdims)
        case "sum":
            return widen(x).sum(axis=axes, keepdims=keepdims)
        case "max":
            return x.max(axis=axes, keepdims=keepdims)
    raise ValueError(f"unknown reduction '{op}'")


def slice_tensor(
    x: np.ndarray, starts: Sequence[int], ends: Sequence[int], steps: Sequence[int]
) -> np.ndarray:
    """Normalised slice (the `nn.slice` form): for a negative step, end = -1 means
    "through index 0"."""
    index = tuple(
        slice(start, end if end >= 0 else None, step)
        for start, end, step in zip(starts, ends, steps, strict=True)
    )
    return x[index]


def split(x: np.ndarray, axis: int, sizes: Sequence[int]) -> list[np.ndarray]:
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


PAD_MODES = ("constant", "reflect", "edge")


def pad(
    x: np.ndarray, pads: Sequence[int], mode: str = "constant", value: float = 0.0
) -> np.ndarray:
    """ONNX Pad: `pads` is all begins then all ends; reflect mirrors without
    repeating the edge (numpy's "reflect")."""
    if mode not in PAD_MODES:
        raise ValueError(f"unknown pad mode '{mode}'")
    rank = x.ndim
    widths = [(pads[axis], pads[rank + axis]) for axis in range(rank)]
    if mode == "constant":
        fill = cast(np.array(value, dtype=np.float64), x.dtype)
        return np.pad(x, widths, mode="constant", constant_values=fill)
    return np.pad(x, widths, mode=mode)


def gather(data: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """numpy `take` along `axis`; negative indices count from the end.

    Raises IndexError naming the first index that is out of range.
    """
    size = data.shape[axis]
    bad = (indices < -size) | (indices >= size)
    if np.any(bad):
        first = int(indices[bad].reshape(-1)[0])
        raise IndexError(f"index {first} is out of range for axis {axis} of size {size}")
    return np.take(data, indices.astype(np.intp, copy=False), axis=axis)
