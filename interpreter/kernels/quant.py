"""Integer quantisation kernels: TOSA RESCALE, quantize/dequantize and the int8 add.

`tosa_rescale` is the one implementation of requantisation in the project: the `nn`
interpreter (`nn.requantize`, `nn.qadd`) and the NPU simulator (`npu.requantize`) both
call it, so the two levels agree bit for bit by construction. The semantics are those
of `npu.requantize` in docs/npu_dialect.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SHIFT_MIN, SHIFT_MAX = 2, 62
"""The shifts TOSA RESCALE (scale32) and `npu.requantize` accept."""


def _integer_bounds(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _per_channel(values: Sequence[int], ndim: int, axis: int) -> np.ndarray:
    """`values` as int64, shaped to broadcast along `axis` of an ndim-d array."""
    array = np.asarray(values, dtype=np.int64)
    if array.size == 1 or ndim == 0:
        return array.reshape(())
    shape = [1] * ndim
    shape[axis] = array.size
    return array.reshape(shape)


def tosa_rescale(
    value: np.ndarray,
    multiplier: Sequence[int],
    shift: Sequence[int],
    *,
    input_zp: int = 0,
    output_zp: int = 0,
    double_round: bool = False,
    clamp: Sequence[int] | None = None,
    dtype: np.dtype | type = np.int8,
    axis: int = -1,
) -> np.ndarray:
    """TOSA RESCALE with scale32, per tensor (one multiplier) or per channel of `axis`:

        v = value - input_zp
        r = 1 << (shift - 1), plus +-(1 << 30) with double_round and shift > 31
        y = ((v * multiplier + r) >> shift) + output_zp
        result = saturate(min(max(y, clamp[0]), clamp[1]), dtype)

    Exact in int64: |v| <= 2**32, multiplier < 2**31, so every intermediate stays
    below 2**63. `value` is any integer array; the result has `dtype`.
    """
    dtype = np.dtype(dtype)
    axis = axis % value.ndim if value.ndim else 0
    v = value.astype(np.int64) - np.int64(input_zp)
    m = _per_channel(multiplier, value.ndim, axis)
    s = _per_channel(shift, value.ndim, axis)
    rounding = np.left_shift(np.int64(1), s - 1)
    if double_round:
        correction = np.where(v >= 0, np.int64(1 << 30), np.int64(-(1 << 30)))
        rounding = rounding + np.where(s > 31, correction, np.int64(0))
    y = np.right_shift(v * m + rounding, s) + np.int64(output_zp)
    if clamp is not None:
        y = np.clip(y, int(clamp[0]), int(clamp[1]))
    return np.clip(y, *_integer_bounds(dtype)).astype(dtype)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(multiplier, shift) with multiplier * 2**-shift closest to `real` (TFLite's
    QuantizeMultiplier: a 31-bit multiplier in [2**30, 2**31)), shift in [2, 62].

    A `real` too small for shift 62 keeps shift 62 and loses multiplier bits (down to
    0); one of 2**29 or more has no representation and raises ValueError.
    """
    if not real >= 0 or math.isinf(real):
        raise ValueError(f"requantisation scale {real} must be finite and non-negative")
    if real == 0:
        return 0, 31
    fraction, exponent = math.frexp(real)
    multiplier = math.floor(fraction * (1 << 31) + 0.5)
    if multiplier == 1 << 31:
        multiplier //= 2
        exponent += 1
    shift = 31 - exponent
    if shift < SHIFT_MIN:
        raise ValueError(f"requantisation scale {real} is too large (at most 2^29)")
    if shift > SHIFT_MAX:
        shift = SHIFT_MAX
        multiplier = math.floor(real * 2.0**SHIFT_MAX + 0.5)
    return multiplier, shift


def quantize(x: np.ndarray, scale: float, zero_point: int, dtype: np.dtype | type) -> np.ndarray:
    """saturate(rint(x / scale) + zero_point): the division in f32, rint to nearest
    even, NaN to the zero point."""
    dtype = np.dtype(dtype)
    low, high = _integer_bounds(dtype)
    scaled = np.rint(x.astype(np.float32) / np.float32(scale))
    scaled = np.where(np.isnan(scaled), np.float32(0), scaled)
    clipped = np.clip(scaled, low - zero_point, high - zero_point)
    return (clipped.astype(np.int64) + zero_point).astype(dtype)


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """(q - zero_point) converted to f32 (exact for 8- and 16-bit values, to nearest
    even beyond 2**24), times scale rounded once to f32."""
    difference = q.astype(np.int64) - np.int64(zero_point)
    return difference.astype(np.float64).astype(np.float32) * np.float32(scale)


def qadd(
    lhs: np.ndarray,
    rhs: np.ndarray,
    lhs_rescale: tuple[int, int, int],
    rhs_rescale: tuple[int, int, int],
    output_rescale: tuple[int, int, int],
    clamp: Sequence[int],
    dtype: np.dtype | type,
) -> np.ndarray:
    """`nn.qadd`: each rescale is (zero point, multiplier, shift); the inputs rescale
    to i32, add with i32 wrap-around and rescale to `dtype`."""
    terms = [
        tosa_rescale(value, [multiplier], [shift], input_zp=zp, dtype=np.int32)
        for value, (zp, multiplier, shift) in ((lhs, lhs_rescale), (rhs, rhs_rescale))
    ]
    total = (terms[0].astype(np.int64) + terms[1]).astype(np.int32)
    zp, multiplier, shift = output_rescale
    return tosa_rescale(total, [multiplier], [shift], output_zp=zp, clamp=clamp, dtype=dtype)
