"""Elementwise kernels: arithmetic with numpy broadcasting, activations, casts."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np

_NARROW_FLOATS = (
    np.dtype(np.float16),
    np.dtype(ml_dtypes.bfloat16),
    np.dtype(ml_dtypes.float8_e4m3fn),
)


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a kernel computes in for values of `dtype` (f16/bf16 widen to f32)."""
    return np.dtype(np.float32) if np.dtype(dtype) in _NARROW_FLOATS else np.dtype(dtype)


def widen(array: np.ndarray) -> np.ndarray:
    """`array` in its compute dtype (a no-op except for f16/bf16)."""
    return array.astype(compute_dtype(array.dtype), copy=False)


def is_integer(array: np.ndarray) -> bool:
    return array.dtype.kind in "iub"


# Binary elementwise ops (numpy broadcasting).


def div(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Float division, or integer division truncating toward zero.

    Raises ZeroDivisionError for an integer division by zero, which onnxruntime
    leaves undefined.
    """
    if not is_integer(lhs):
        return widen(lhs) / widen(rhs)
    if np.any(rhs == 0):
        raise ZeroDivisionError("integer division by zero")
    quotient = lhs // rhs
    # Floor division rounds toward -inf; truncation differs when the signs differ
    # and the division is inexact.
    adjust = (quotient < 0) & (quotient * rhs != lhs)
    return np.where(adjust, quotient + 1, quotient).astype(lhs.dtype, copy=False)


def power(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """`lhs ** rhs`; integers go through float64 and truncate, like `std::pow`."""
    if is_integer(lhs):
        with np.errstate(all="ignore"):
            return np.power(lhs.astype(np.float64), rhs.astype(np.float64)).astype(lhs.dtype)
    return np.power(widen(lhs), widen(rhs))


def binary(op: str, lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """`add`, `sub`, `mul`, `min`, `max`, `div` or `pow` with numpy broadcasting."""
    match op:
        case "div":
            return div(lhs, rhs)
        case "pow":
            return power(lhs, rhs)
    lhs, rhs = widen(lhs), widen(rhs)
    match op:
        case "add":
            return lhs + rhs
        case "sub":
            return lhs - rhs
        case "mul":
            return lhs * rhs
        case "min":
            return np.minimum(lhs, rhs)
        case "max":
            return np.maximum(lhs, rhs)
    raise ValueError(f"unknown binary op '{op}'")


# Unary elementwise ops and activations.

_ERF_SERIES_TERMS = 40
_ERFC_FRACTION_TERMS = 40
_ERF_SPLIT = 2.5


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, accurate to about 1e-15 (float64 result).

    |x| < 2.5: erf(x) = 2/sqrt(pi) * x * exp(-x^2) * sum_n (2x^2)^n / (1*3*...*(2n+1)),
    a series of positive terms (no cancellation); otherwise erf = 1 - erfc with erfc
    from its continued fraction. Checked against `math.erf` in the tests.
    """
    x = np.asarray(x, dtype=np.float64)
    magnitude = np.abs(x)
    result = np.empty_like(magnitude)
    small = magnitude < _ERF_SPLIT
    a = magnitude[small]
    twice_square = 2 * a * a
    series = np.ones_like(a)
    for n in range(_ERF_SERIES_TERMS, 0, -1):
        series = 1 + series * twice_square / (2 * n + 1)
    result[small] = (2 / math.sqrt(math.pi)) * a * np.exp(-a * a) * series
    a = magnitude[~small]
    fraction = a.copy()
    for k in range(_ERFC_FRACTION_TERMS, 0, -1):
        fraction = a + (k / 2) / fraction
    result[~small] = 1 - np.exp(-a * a) / (math.sqrt(math.pi) * fraction)
    return np.copysign(result, x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) without overflow: exp only ever sees -|x|."""
    x = widen(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def hard_swish(x: np.ndarray) -> np.ndarray:
    x = widen(x)
    # onnxruntime computes x * clip(alpha * x + beta) with alpha = 1/6 in the
    # input's type, not x / 6.
    alpha = x.dtype.type(1 / 6)
    return x * np.clip(alpha * x + x.dtype.type(0.5), 0, 1)


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """0.5 x (1 + erf(x / sqrt 2)), or the tanh form when `approximate == "tanh"`."""
    x = widen(x)
    if approximate == "tanh":
        inner = x.dtype.type(math.sqrt(2 / math.pi)) * (x + x.dtype.type(0.044715) * x * x * x)
        return x.dtype.type(0.5) * x * (1 + np.tanh(inner))
    if approximate != "none":
        raise ValueError(f"unknown gelu approximation '{approximate}'")
    # erf is computed in float64; rounding it to x's type before the products keeps
    # the arithmetic in x's type, as onnxruntime does.
    e = erf(x / x.dtype.type(math.sqrt(2))).astype(x.dtype)
    return x.dtype.type(0.5) * x * (1 + e)


def leaky_relu(x: np.ndarray, alpha: float) -> np.ndarray:
    x = widen(x)
    return np.where(x >= 0, x, x.dtype.type(alpha) * x)


def elu(x: np.ndarray, alpha: float) -> np.ndarray:
    x = widen(x)
    return np.where(x > 0, x, x.dtype.type(alpha) * np.expm1(np.minimum(x, 0)))


def hard_sigmoid(x: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    x = widen(x)
    return np.clip(x.dtype.type(alpha) * x + x.dtype.type(beta), 0, 1)


def clamp(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """min(max(x, low), high); integer tensors clamp to the integers in [low, high]."""
    if is_integer(x) and x.dtype != np.bool_:
        info = np.iinfo(x.dtype)
        low_int = info.min if low <= info.min else min(math.ceil(low), info.max)
        high_int = info.max if high >= info.max else max(math.floor(high), info.min)
        return np.clip(x, x.dtype.type(low_int), x.dtype.type(high_int))
    x = widen(x)
    return np.clip(x, x.dtype.type(low), x.dtype.type(high))


def prelu(x: np.ndarray, slope: np.ndarray) -> np.ndarray:
    x, slope = widen(x), widen(slope)
    return np.where(x >= 0, x, slope * x)


def unary(op: str, x: np.ndarray) -> np.ndarray:
    """The attribute-free unary ops: relu, sigmoid, tanh, erf, exp, sqrt, neg, abs,
    hard_swish."""
    match op:
        case "relu":
            x = widen(x)
            return np.maximum(x, x.dtype.type(0))
        case "sigmoid":
            return sigmoid(x)
        case "tanh":
            return np.tanh(widen(x))
        case "erf":
            return erf(x)
        case "exp":
            return np.exp(widen(x))
        case "sqrt":
            return np.sqrt(widen(x))
        case "neg":
            return np.negative(widen(x))
        case "abs":
            return np.abs(widen(x))
        case "hard_swish":
            return hard_swish(x)
    raise ValueError(f"unknown unary op '{op}'")


def cast(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Element type conversion: float to integer truncates toward zero, to bool is
    `!= 0`; out-of-range conversions are undefined (as in ONNX) and do not warn."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return x != 0
    with np.errstate(invalid="ignore", over="ignore"):
        if dtype.kind in "iu" and x.dtype in _NARROW_FLOATS:
            x = x.astype(np.float32)
        return x.astype(dtype)
