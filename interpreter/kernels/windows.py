"""Sliding-window kernels over NCHW tensors: convolution and pooling."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from interpreter.kernels.elementwise import compute_dtype, is_integer, widen
from interpreter.kernels.matmul import EXACT_FLOAT64_LIMIT, max_magnitude


def window_count(
    size: int,
    kernel: int,
    stride: int,
    pad_begin: int,
    pad_end: int,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """How many windows fit along one dim (ONNX/PyTorch rule: with ceil_mode, a last
    window starting in the end padding is dropped)."""
    span = size + pad_begin + pad_end - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    count = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + pad_begin:
        count -= 1
    return count


@dataclass(frozen=True)
class Windows:
    """The windows of a 2-D convolution or pooling over an H x W input.

    `padding` is [top, left, bottom, right]. Kernels loop over the KH x KW cells of
    the window; each cell is one strided slice of the padded input covering every
    output position at once.
    """

    height: int
    width: int
    kernel: Sequence[int]
    strides: Sequence[int]
    padding: Sequence[int]
    dilations: Sequence[int]
    ceil_mode: bool = False

    @property
    def out_size(self) -> tuple[int, int]:
        return (self._count(0, self.height), self._count(1, self.width))

    def _count(self, dim: int, size: int) -> int:
        return window_count(
            size,
            self.kernel[dim],
            self.strides[dim],
            self.padding[dim],
            self.padding[dim + 2],
            self.dilations[dim],
            self.ceil_mode,
        )

    def pad(self, x: np.ndarray, fill: object) -> np.ndarray:
        """`x` padded with `fill`: the explicit padding at the start, and at the end
        exactly what the windows reach (ceil_mode may reach past the explicit
        padding, floor mode may leave some of it unused)."""
        ends = []
        for dim, size in enumerate((self.height, self.width)):
            reach = (self.out_size[dim] - 1) * self.strides[dim]
            reach += (self.kernel[dim] - 1) * self.dilations[dim] + 1
            ends.append(max(0, reach - self.padding[dim] - size))
        widths = ((0, 0), (0, 0), (self.padding[0], ends[0]), (self.padding[1], ends[1]))
        return np.pad(x, widths, mode="constant", constant_values=fill)

    def cells(self) -> Iterator[tuple[int, int, tuple[slice, ...]]]:
        """(i, j, index of the padded input that window cell (i, j) reads)."""
        (oh, ow), (sh, sw), (dh, dw) = self.out_size, self.strides, self.dilations
        for i in range(self.kernel[0]):
            for j in range(self.kernel[1]):
                rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
                cols = slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)
                yield i, j, (slice(None), slice(None), rows, cols)

    def cell_counts(self, include_padding: bool) -> np.ndarray:
        """[OH, OW]: how many cells of each window lie in the input, or with
        `include_padding` in the input or its explicit padding."""
        counts = []
        for dim, size in enumerate((self.height, self.width)):
            begin, end = self.padding[dim], self.padding[dim + 2]
            low, high = (-begin, size + end) if include_padding else (0, size)
            starts = np.arange(self.out_size[dim])[:, None] * self.strides[dim] - begin
            positions = starts + np.arange(self.kernel[dim])[None, :] * self.dilations[dim]
            counts.append(((positions >= low) & (positions < high)).sum(axis=1))
        return np.outer(counts[0], counts[1])


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    strides: Sequence[int] = (1, 1),
    padding: Sequence[int] = (0, 0, 0, 0),
    dilations: Sequence[int] = (1, 1),
    groups: int = 1,
) -> np.ndarray:
    """Grouped 2-D convolution (cross-correlation, as ONNX Conv).

    x is NCHW, weight OIHW with I = C / groups, bias [O], padding
    [top, left, bottom, right]. With one input channel per group (depthwise, any
    channel multiplier) the KH*KW shifted products accumulate elementwise; otherwise
    the windows are gathered once (im2col) and each group is one BLAS matmul.
    Integers are exact (int64 result).
    """
    n, channels, height, width = x.shape
    out_channels, group_channels, kh, kw = weight.shape
    windows = Windows(height, width, (kh, kw), strides, padding, dilations)
    oh, ow = windows.out_size
    integer = is_integer(x)
    if integer:
        depth = group_channels * kh * kw
        bound = depth * max_magnitude(x) * max_magnitude(weight)
        # Elementwise (depthwise) accumulation is exact in int64 and as fast.
        in_float = bound < EXACT_FLOAT64_LIMIT and group_channels > 1
        dtype = np.dtype(np.float64 if in_float else np.int64)
    else:
        dtype = compute_dtype(x.dtype)
    padded = windows.pad(x.astype(dtype, copy=False), 0)
    weight = weight.astype(dtype, copy=False)

    if group_channels == 1:
        multiplier = out_channels // channels
        if multiplier > 1:  # output channel o reads input channel o // multiplier
            padded = np.repeat(padded, multiplier, axis=1)
        result = np.zeros((n, out_channels, oh, ow), dtype=dtype)
        for i, j, cell in windows.cells():
            result += padded[cell] * weight[:, 0, i, j][None, :, None, None]
    else:
        span = ((kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1)
        view = np.lib.stride_tricks.sliding_window_view(padded, span, axis=(2, 3))
        sh, sw = strides
        view = view[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]
        view = view[..., :: dilations[0], :: dilations[1]]  # [N, C, OH, OW, KH, KW]
        depth = group_channels * kh * kw
        columns = (  # [groups, N*OH*OW, depth], one copy
            view.reshape(n, groups, group_channels, oh, ow, kh, kw)
            .transpose(1, 0, 3, 4, 2, 5, 6)
            .reshape(groups, n * oh * ow, depth)
        )
        filters = weight.reshape(groups, out_channels // groups, depth)
        product = np.matmul(columns, filters.transpose(0, 2, 1))  # [groups, N*OH*OW, O/g]
        result = product.reshape(groups, n, oh, ow, -1).transpose(1, 0, 4, 2, 3)
        result = result.reshape(n, out_channels, oh, ow)
    if integer:
        result = result.astype(np.int64, copy=False)
    if bias is not None:
        result = result + bias.astype(result.dtype, copy=False)[None, :, None, None]
    return result


def max_pool2d(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    padding: Sequence[int] = (0, 0, 0, 0),
    dilations: Sequence[int] = (1, 1),
    ceil_mode: bool = False,
) -> np.ndarray:
    """Max over H x W windows; padding never wins (it is -inf, or the smallest
    integer)."""
    windows = Windows(x.shape[2], x.shape[3], kernel, strides, padding, dilations, ceil_mode)
    if x.dtype.kind in "iu":
        fill: object = np.iinfo(x.dtype).min
    else:
        fill = False if x.dtype == np.bool_ else -np.inf
    padded = windows.pad(x, fill)
    result: np.ndarray | None = None
    for _, _, cell in windows.cells():
        if result is None:
            result = padded[cell].copy()
        else:
            np.maximum(result, padded[cell], out=result)
    assert result is not None
    return result


def avg_pool2d(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    padding: Sequence[int] = (0, 0, 0, 0),
    ceil_mode: bool = False,
    count_include_pad: bool = False,
    dilations: Sequence[int] = (1, 1),
) -> np.ndarray:
    """Mean over H x W windows.

    The divisor counts the window's cells inside the input, plus, with
    `count_include_pad`, those in the explicit padding; cells that only ceil_mode
    reaches never count (as onnxruntime and PyTorch).
    """
    windows = Windows(x.shape[2], x.shape[3], kernel, strides, padding, dilations, ceil_mode)
    x = widen(x)
    padded = windows.pad(x, 0)
    total = np.zeros(x.shape[:2] + windows.out_size, dtype=x.dtype)
    for _, _, cell in windows.cells():
        total += padded[cell]
    return total / windows.cell_counts(count_include_pad).astype(x.dtype)


def global_avg_pool(x: np.ndarray) -> np.ndarray:
    return widen(x).mean(axis=(2, 3), keepdims=True)
