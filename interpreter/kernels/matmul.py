"""Matrix products: numpy `matmul` and ONNX `Gemm`, exact for integers."""

from __future__ import annotations

import numpy as np

from interpreter.kernels.elementwise import is_integer, widen

EXACT_FLOAT64_LIMIT = 2**53
"""Integers below this magnitude, and sums of them that stay below it, are exact in
float64."""


def max_magnitude(array: np.ndarray) -> int:
    if array.size == 0:
        return 0
    return max(abs(int(array.min())), abs(int(array.max())))


def integer_matmul(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Exact int64 `np.matmul` of integer arrays.

    numpy has no integer BLAS; float64 BLAS is exact while every partial sum stays an
    integer below 2**53, which holds whenever K * max|lhs| * max|rhs| does (int8 data
    is exact up to K = 2**39). Beyond that bound, int64 matmul (slow, exact).
    """
    depth = lhs.shape[-1]
    bound = depth * max_magnitude(lhs) * max_magnitude(rhs)
    if bound < EXACT_FLOAT64_LIMIT:
        product = np.matmul(lhs.astype(np.float64), rhs.astype(np.float64))
        return product.astype(np.int64)
    return np.matmul(lhs.astype(np.int64), rhs.astype(np.int64))


def matmul(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """numpy `matmul` semantics; exact for integers, f32 for f16/bf16."""
    if is_integer(lhs):
        return integer_matmul(lhs, rhs)
    return np.matmul(widen(lhs), widen(rhs))


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    trans_a: bool = False,
    trans_b: bool = False,
) -> np.ndarray:
    """alpha * op(a) @ op(b) + beta * c (ONNX Gemm); c broadcasts to [M, N].

    Integer gemm is exact when alpha and beta are 1; otherwise the scaling happens
    in float64 and the result truncates toward zero.
    """
    a = a.T if trans_a else a
    b = b.T if trans_b else b
    product = matmul(a, b)
    if is_integer(product):
        if alpha == 1 and beta == 1:
            return product if c is None else product + c.astype(np.int64)
        scaled = alpha * product.astype(np.float64)
        if c is not None:
            scaled = scaled + beta * c.astype(np.float64)
        return np.trunc(scaled).astype(np.int64)
    dtype = product.dtype.type
    if alpha != 1:
        product = dtype(alpha) * product
    if c is None:
        return product
    c = widen(c)
    return product + (c if beta == 1 else dtype(beta) * c)
