"""Numpy kernels for the `nn` ops, as plain functions on arrays.

The `nn` interpreter calls them, and the NPU simulator reuses them for the work its
instructions do. Every kernel is whole-array numpy: Python loops run at most over the
cells of a convolution or pooling window, never over tensor elements.

Numerics follow onnxruntime's CPU kernels:

- floats compute in their own type; `f16` and `bf16` compute in `f32` and the caller
  rounds the result once (numpy has no native `bf16` arithmetic and no `f16` BLAS;
  for `+ - * /` one rounding of the `f32` result equals native arithmetic);
- integers wrap on overflow; `div` truncates toward zero (C division, as
  onnxruntime), `pow` is `std::pow` in double converted back (as onnxruntime);
- integer products (`matmul`, `gemm`, `conv2d`) are exact: they accumulate in
  float64 BLAS when every partial sum is an integer below 2**53, else in int64.

A kernel returns an array of the natural result dtype of its computation; callers that
know the IR result type cast to it (`value.astype(result_dtype)`).
"""

from interpreter.kernels.elementwise import (
    binary,
    cast,
    clamp,
    compute_dtype,
    div,
    elu,
    erf,
    gelu,
    hard_sigmoid,
    hard_swish,
    is_integer,
    leaky_relu,
    power,
    prelu,
    sigmoid,
    unary,
    widen,
)
from interpreter.kernels.matmul import (
    EXACT_FLOAT64_LIMIT,
    gemm,
    integer_matmul,
    matmul,
    max_magnitude,
)
from interpreter.kernels.tensor_ops import (
    PAD_MODES,
    batch_norm,
    gather,
    layer_norm,
    pad,
    reduce,
    slice_tensor,
    softmax,
    split,
)
from interpreter.kernels.windows import (
    avg_pool2d,
    conv2d,
    global_avg_pool,
    max_pool2d,
    window_count,
)

__all__ = [
    "EXACT_FLOAT64_LIMIT",
    "PAD_MODES",
    "avg_pool2d",
    "batch_norm",
    "binary",
    "cast",
    "clamp",
    "compute_dtype",
    "conv2d",
    "div",
    "elu",
    "erf",
    "gather",
    "gemm",
    "gelu",
    "global_avg_pool",
    "hard_sigmoid",
    "hard_swish",
    "integer_matmul",
    "is_integer",
    "layer_norm",
    "leaky_relu",
    "matmul",
    "max_magnitude",
    "max_pool2d",
    "pad",
    "power",
    "prelu",
    "reduce",
    "sigmoid",
    "slice_tensor",
    "softmax",
    "split",
    "unary",
    "widen",
    "window_count",
]
