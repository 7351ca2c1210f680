"""The NPU simulator: exact numerics of every instruction against independent
references, the timeline of whole programs, the report, and user errors."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence

import ml_dtypes
import numpy as np
import pytest
from xdsl.dialects.builtin import (
    Float8E4M3FNType,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    Signedness,
    TensorType,
    bf16,
    f16,
    f32,
    i8,
    i16,
    i32,
)
from xdsl.ir import Attribute

from interpreter import kernels
from interpreter.simulator import (
    program_inputs,
    simulate_numerics,
    simulate_program,
    simulate_timing,
)
from npu_dialect.errors import UserError
from npu_dialect.npu import (
    BinaryKind,
    BinaryOp,
    Conv2dOp,
    ConvertOp,
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    DramOp,
    MatmulOp,
    NpuInstruction,
    PoolKind,
    PoolOp,
    ProgramOp,
    ReduceKind,
    ReduceOp,
    RequantizeOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
)
from npu_dialect.resources import elements_attr
from npu_tools.diagnostics import parse_module, verify_module
from npu_tools.npu_run import build_context

ui8 = IntegerType(8, Signedness.UNSIGNED)
f8 = Float8E4M3FNType()
RNG = np.random.default_rng(1234)


# Building programs.


def serial(
    config: str,
    tensors: Sequence[DramOp],
    instructions: Sequence[NpuInstruction],
    name: str = "main",
) -> ProgramOp:
    """A verified program whose instructions each wait on the one before."""
    for before, after in zip(instructions, instructions[1:]):
        after.operands = [before.results[0]]
    program = ProgramOp(name, config, [*tensors, *instructions])
    ModuleOp([program]).verify()
    return program


def tensor(
    name: str,
    kind: DramKind,
    offset: int,
    shape: Sequence[int],
    element: Attribute,
    value: np.ndarray | None = None,
) -> DramOp:
    tensor_type = TensorType(element, list(shape))
    attr = elements_attr(value, tensor_type) if value is not None else None
    return DramOp(name, kind, offset, tensor_type, value=attr)


def dense(shape: Sequence[int]) -> list[int]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return strides[::-1]


def load(
    name: str,
    tile: TileAttr,
    offset: int = 0,
    strides: Sequence[int] | None = None,
    **kwargs: object,
) -> DmaLoadOp:
    strides = strides or dense(tile.dims)
    return DmaLoadOp(name, offset, strides, tile, **kwargs)  # type: ignore[arg-type]


def store(
    tile: TileAttr, name: str, offset: int = 0, strides: Sequence[int] | None = None
) -> DmaStoreOp:
    return DmaStoreOp(tile, name, offset, strides or dense(tile.dims))


Make = Callable[[TileAttr, TileAttr], NpuInstruction]


def run_one(
    make: Make,
    x: np.ndarray,
    element: Attribute,
    out_shape: Sequence[int] | None = None,
    out_element: Attribute | None = None,
) -> np.ndarray:
    """Load `x` to act, run `make(source tile, dest tile)` on npu-base, store and return
    the result (by default of x's shape and type)."""
    out_shape = list(x.shape if out_shape is None else out_shape)
    out_element = out_element or element
    source = TileAttr("act", 0, x.shape, element)
    dest = TileAttr("act", 0x10000, out_shape, out_element)
    program = serial(
        "npu-base",
        [
            tensor("x", DramKind.INPUT, 0, x.shape, element),
            tensor("y", DramKind.OUTPUT, 1 << 20, out_shape, out_element),
        ],
        [load("x", source), make(source, dest), store(dest, "y")],
    )
    return simulate_numerics(program, {"x": x})["y"]


def to_float(value: np.ndarray, dtype: object) -> np.ndarray:
    """The doc's `to_float`, written out independently."""
    rounded = np.asarray(value, dtype=np.float64).astype(np.float32)
    if np.dtype(dtype) == np.dtype(ml_dtypes.float8_e4m3fn):
        rounded = np.where(np.isnan(rounded), rounded, np.clip(rounded, -448, 448))
    return rounded.astype(dtype)


# Matrix unit.


def test_int8_matmul_is_exact_and_wraps_for_long_k() -> None:
    m, k, n = 16, 2500, 16  # K beyond one float32 chunk of 1024
    a = RNG.integers(-128, 128, (m, k), dtype=np.int8)
    w = RNG.integers(-128, 128, (k, n), dtype=np.int8)
    # Entry [0, 0] sums to 127 * 127 * 2499 + 127 = 40306498: beyond 2^24 and not a
    # float32 (a multiple of 2 but not of 4), so one float32 dot product would round.
    a[0] = 127
    w[:, 0] = 127
    w[0, 0] = 1
    bias = RNG.integers(-(2**31), 2**31, (n,), dtype=np.int64).astype(np.int32)
    bias[0] = 2**31 - 1000  # overflows: the accumulator wraps
    lhs = TileAttr("act", 0, [m, k], i8)
    rhs = TileAttr("weight", 0, [k, n], i8)
    acc = TileAttr("acc", 0, [m, n], i32)
    program = serial(
        "npu-base",
        [
            tensor("a", DramKind.INPUT, 0, [m, k], i8),
            tensor("w", DramKind.WEIGHT, 65536, [k, n], i8, w),
            tensor("b", DramKind.WEIGHT, 131072, [n], i32, bias),
            tensor("y", DramKind.OUTPUT, 196608, [m, n], i32),
        ],
        [
            load("a", lhs),
            load("w", rhs),
            load("b", acc, strides=[0, 1]),  # the bias row broadcast to every row
            MatmulOp(lhs, rhs, acc, accumulate=True),
            store(acc, "y"),
        ],
    )
    result = simulate_numerics(program, {"a": a})["y"]
    exact = a.astype(np.int64) @ w.astype(np.int64) + bias.astype(np.int64)
    assert exact[0, 0] > 2**31 - 1
    np.testing.assert_array_equal(result, exact.astype(np.int32))


@pytest.mark.parametrize("element", [bf16, f16, f8])
def test_float_matmul_accumulates_in_float64(element: Attribute) -> None:
    dtype = TileAttr("act", 0, [1], element).dtype
    m, k, n = 8, 24, 8
    a = RNG.standard_normal((m, k)).astype(np.float32).astype(dtype)
    w = RNG.standard_normal((k, n)).astype(np.float32).astype(dtype)
    old = RNG.standard_normal((m, n)).astype(np.float32)
    lhs, rhs = TileAttr("act", 0, [m, k], element), TileAttr("weight", 0, [k, n], element)
    acc = TileAttr("acc", 0, [m, n], f32)
    program = serial(
        "npu-base",
        [
            tensor("a", DramKind.INPUT, 0, [m, k], element),
            tensor("old", DramKind.INPUT, 4096, [m, n], f32),
            tensor("w", DramKind.WEIGHT, 8192, [k, n], element, w),
            tensor("y", DramKind.OUTPUT, 16384, [m, n], f32),
        ],
        [load("a", lhs), load("w", rhs), load("old", acc), MatmulOp(lhs, rhs, acc, accumulate=True),
         store(acc, "y")],
    )
    result = simulate_numerics(program, {"a": a, "old": old})["y"]
    products = a.astype(np.float64)[:, :, None] * w.astype(np.float64)[None, :, :]
    expected = (old.astype(np.float64) + products.sum(axis=1)).astype(np.float32)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize(
    ("height", "channels", "outputs", "kernel", "stride", "dilation", "groups"),
    [
        (10, 16, 8, 3, 1, 1, 1),
        (11, 8, 12, 3, 2, 1, 1),
        (12, 8, 8, 3, 1, 2, 1),
        (9, 16, 16, 3, 2, 1, 16),  # depthwise
        (9, 8, 16, 3, 1, 1, 8),  # depthwise, channel multiplier 2
        (9, 8, 12, 1, 1, 1, 4),  # grouped pointwise
    ],
)
def test_conv2d_matches_the_nn_kernel(
    height: int, channels: int, outputs: int, kernel: int, stride: int, dilation: int, groups: int
) -> None:
    x = RNG.integers(-128, 128, (height, height, channels), dtype=np.int8)
    w = RNG.integers(-128, 128, (kernel, kernel, channels // groups, outputs), dtype=np.int8)
    ho = (height - dilation * (kernel - 1) - 1) // stride + 1
    window = TileAttr("act", 0, x.shape, i8)
    weight = TileAttr("weight", 0, w.shape, i8)
    acc = TileAttr("acc", 0, [ho, ho, outputs], i32)
    program = serial(
        "npu-base",
        [
            tensor("x", DramKind.INPUT, 0, x.shape, i8),
            tensor("w", DramKind.WEIGHT, 8192, w.shape, i8, w),
            tensor("y", DramKind.OUTPUT, 16384, [ho, ho, outputs], i32),
        ],
        [
            load("x", window),
            load("w", weight),
            Conv2dOp(window, weight, acc, [stride, stride], [dilation, dilation], groups),
            # Accumulating the same product again doubles it.
            Conv2dOp(window, weight, acc, [stride, stride], [dilation, dilation], groups,
                     accumulate=True),
            store(acc, "y"),
        ],
    )
    result = simulate_numerics(program, {"x": x})["y"]
    reference = kernels.conv2d(
        x.transpose(2, 0, 1)[None],
        w.transpose(3, 2, 0, 1),
        strides=(stride, stride),
        dilations=(dilation, dilation),
        groups=groups,
    )[0].transpose(1, 2, 0)
    np.testing.assert_array_equal(result, 2 * reference)


def test_conv2d_window_loaded_from_nchw_with_padding() -> None:
    """The lowering's pattern: a padded HWC window read straight from an NCHW tensor."""
    c, h, w_ = 8, 6, 7
    x = RNG.integers(-128, 128, (1, c, h, w_), dtype=np.int8)
    w = RNG.integers(-128, 128, (3, 3, c, 4), dtype=np.int8)
    window = TileAttr("act", 0, [h + 2, w_ + 2, c], i8)
    weight = TileAttr("weight", 0, w.shape, i8)
    acc = TileAttr("acc", 0, [h, w_, 4], i32)
    program = serial(
        "npu-base",
        [
            tensor("x", DramKind.INPUT, 0, x.shape, i8),
            tensor("w", DramKind.WEIGHT, 4096, w.shape, i8, w),
            tensor("y", DramKind.OUTPUT, 8192, [h, w_, 4], i32),
        ],
        [
            load("x", window, strides=[w_, 1, h * w_], pad=[1, 1, 0, 1, 1, 0],
                 pad_value=IntegerAttr(-5, i8)),
            load("w", weight),
            Conv2dOp(window, weight, acc),
            store(acc, "y"),
        ],
    )
    result = simulate_numerics(program, {"x": x})["y"]
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-5)
    reference = kernels.conv2d(padded, w.transpose(3, 2, 0, 1))[0].transpose(1, 2, 0)
    np.testing.assert_array_equal(result, reference)


# Requantize: TOSA RESCALE, against a literal scalar transcription of the doc.


def rescale_reference(
    value: int,
    multiplier: int,
    shift: int,
    zero_points: tuple[int, int],
    double_round: bool,
    clamp: tuple[int, int] | None,
    dtype: np.dtype,
) -> int:
    v = value - zero_points[0]
    r = 1 << (shift - 1)
    if double_round and shift > 31:
        r += (1 << 30) if v >= 0 else -(1 << 30)
    y = ((v * multiplier + r) >> shift) + zero_points[1]
    if clamp is not None:
        y = min(max(y, clamp[0]), clamp[1])
    info = np.iinfo(dtype)
    return min(max(y, int(info.min)), int(info.max))


@pytest.mark.parametrize("double_round", [False, True])
@pytest.mark.parametrize(
    ("source", "dest", "zero_points", "clamp", "per_channel"),
    [
        (i32, i8, (0, -3), (-3, 127), False),
        (i32, i8, (0, 5), None, True),
        (i32, ui8, (0, 128), None, True),
        (i8, i8, (-7, 9), None, False),
        (ui8, i16, (100, 0), (-1000, 1000), True),
        (i16, i32, (0, 0), None, False),
    ],
)
def test_requantize_is_tosa_rescale(
    source: Attribute,
    dest: Attribute,
    zero_points: tuple[int, int],
    clamp: tuple[int, int] | None,
    per_channel: bool,
    double_round: bool,
) -> None:
    in_dtype = TileAttr("act", 0, [1], source).dtype
    out_dtype = TileAttr("act", 0, [1], dest).dtype
    info = np.iinfo(in_dtype)
    rows, channels = 24, 8
    x = RNG.integers(info.min, int(info.max) + 1, (rows, channels)).astype(in_dtype)
    x[0], x[1] = info.min, info.max
    count = channels if per_channel else 1
    multiplier = RNG.integers(0, 2**31, count).tolist()
    shift = RNG.integers(2, 63, count).tolist()
    if per_channel:
        multiplier[:3] = [2**31 - 1, 0, 1 << 30]
        shift[:3] = [62, 2, 32]

    def make(a: TileAttr, b: TileAttr) -> NpuInstruction:
        return RequantizeOp(a, b, multiplier, shift, *zero_points, double_round, clamp)

    result = run_one(make, x, source, out_element=dest)
    expected = [
        [
            rescale_reference(
                int(x[r, c]), multiplier[c % count], shift[c % count], zero_points,
                double_round, clamp, out_dtype,
            )
            for c in range(channels)
        ]
        for r in range(rows)
    ]
    np.testing.assert_array_equal(result, np.array(expected).astype(out_dtype))


def test_double_rounding_differs_from_single() -> None:
    # multiplier 2^30, shift 33: y = floor(v / 8 + 1/2); double rounding adds
    # +-2^30 / 2^33 = +-1/8 first (TOSA), moving v = 3 up and v = -4 down.
    x = np.array([[3, -3, 4, -4]], dtype=np.int32)
    results = [
        run_one(
            lambda a, b: RequantizeOp(a, b, [1 << 30], [33], double_round=rounding), x, i32
        )[0].tolist()
        for rounding in (False, True)
    ]
    assert results == [[0, 0, 1, 0], [1, 0, 1, -1]]


# Vector unit.


def binary_program(
    kind: BinaryKind, element: Attribute, shapes: Sequence[Sequence[int]]
) -> ProgramOp:
    """y = a <kind> b, with a, b and y of `shapes`."""
    itemsize = TileAttr("act", 0, [1], element).itemsize
    offsets = [0, 0x1000, 0x2000]
    names = ["a", "b", "y"]
    tiles = [TileAttr("act", o, shape, element) for o, shape in zip(offsets, shapes)]
    kinds = [DramKind.INPUT, DramKind.INPUT, DramKind.OUTPUT]
    tensors = [
        tensor(name, k, o, shape, element)
        for name, k, o, shape in zip(names, kinds, offsets, shapes)
    ]
    assert all(math.prod(shape) * itemsize <= 0x1000 for shape in shapes)
    return serial(
        "npu-base",
        tensors,
        [load("a", tiles[0]), load("b", tiles[1]), BinaryOp(kind, *tiles), store(tiles[2], "y")],
    )


def test_integer_binary_wraps_and_broadcasts() -> None:
    a = RNG.integers(-128, 128, (4, 8), dtype=np.int8)
    b = RNG.integers(-128, 128, (1, 8), dtype=np.int8)
    wide = a.astype(np.int64)
    for kind, expected in [
        (BinaryKind.ADD, (wide + b).astype(np.int8)),
        (BinaryKind.SUB, (wide - b).astype(np.int8)),
        (BinaryKind.MUL, (wide * b).astype(np.int8)),
        (BinaryKind.MAX, np.maximum(a, b)),
        (BinaryKind.MIN, np.minimum(a, b)),
    ]:
        program = binary_program(kind, i8, [[4, 8], [1, 8], [4, 8]])
        result = simulate_numerics(program, {"a": a, "b": b})["y"]
        np.testing.assert_array_equal(result, expected, err_msg=kind.value)


@pytest.mark.parametrize("element", [bf16, f16, f32])
@pytest.mark.parametrize("kind", list(BinaryKind))
def test_float_binary_rounds_once_from_float64(element: Attribute, kind: BinaryKind) -> None:
    dtype = TileAttr("act", 0, [1], element).dtype
    a = (RNG.standard_normal((4, 8)) * 3).astype(np.float32).astype(dtype)
    b = (RNG.standard_normal((4, 8)) * 3).astype(np.float32).astype(dtype)
    a[0, 0], b[0, 0] = 1.0, 0.0  # x / 0 = inf
    program = binary_program(kind, element, [[4, 8]] * 3)
    with np.errstate(all="ignore"):
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        exact = {
            BinaryKind.ADD: a64 + b64,
            BinaryKind.SUB: a64 - b64,
            BinaryKind.MUL: a64 * b64,
            BinaryKind.DIV: a64 / b64,
            BinaryKind.POW: np.power(a64, b64),
            BinaryKind.MAX: np.maximum(a64, b64),
            BinaryKind.MIN: np.minimum(a64, b64),
        }[kind]
    result = simulate_numerics(program, {"a": a, "b": b})["y"]
    # Compared as float32 (exact for every type), where NaN equals NaN.
    np.testing.assert_array_equal(
        result.astype(np.float32), to_float(exact, dtype).astype(np.float32)
    )


def test_float_unary_kinds() -> None:
    x = np.concatenate([RNG.standard_normal(60) * 4, [0.0, -0.0, 30.0, -30.0]])
    x = x.astype(np.float32).reshape(8, 8)
    x64 = x.astype(np.float64)
    erf = np.vectorize(math.erf)
    cases: list[tuple[UnaryKind, tuple[float, ...], np.ndarray]] = [
        (UnaryKind.RELU, (), np.maximum(x64, 0)),
        (UnaryKind.CLAMP, (-1.5, 2.0), np.clip(x64, -1.5, 2.0)),
        (UnaryKind.LEAKY_RELU, (0.1,), np.where(x64 >= 0, x64, 0.1 * x64)),
        (UnaryKind.HARD_SIGMOID, (0.2, 0.5), np.clip(0.2 * x64 + 0.5, 0, 1)),
        (UnaryKind.SIGMOID, (), 1 / (1 + np.exp(-x64))),
        (UnaryKind.TANH, (), np.tanh(x64)),
        (UnaryKind.ERF, (), erf(x64)),
        (UnaryKind.GELU, (), 0.5 * x64 * (1 + erf(x64 / math.sqrt(2)))),
        (UnaryKind.ELU, (1.5,), np.where(x64 > 0, x64, 1.5 * (np.exp(x64) - 1))),
        (UnaryKind.SQRT, (), np.sqrt(np.abs(x64))),
    ]
    for kind, params, expected in cases:
        source = np.abs(x) if kind == UnaryKind.SQRT else x
        result = run_one(lambda a, b: UnaryOp(kind, a, b, params), source, f32)
        np.testing.assert_array_equal(result, to_float(expected, np.float32), err_msg=kind.value)


def test_integer_unary_kinds() -> None:
    x = np.array([[-128, -5, 0, 7, 127, -1, 100, -100]], dtype=np.int8)
    for kind, params, expected in [
        (UnaryKind.RELU, (), np.maximum(x, 0)),
        (UnaryKind.NEG, (), (-x.astype(np.int64)).astype(np.int8)),  # -(-128) wraps
        (UnaryKind.ABS, (), np.abs(x.astype(np.int64)).astype(np.int8)),
        (UnaryKind.CLAMP, (-10.0, 50.0), np.clip(x, -10, 50)),
    ]:
        result = run_one(lambda a, b: UnaryOp(kind, a, b, params), x, i8)
        np.testing.assert_array_equal(result, expected, err_msg=kind.value)
    assert run_one(lambda a, b: UnaryOp(UnaryKind.ABS, a, b), x, i8)[0, 0] == -128


def test_pooling() -> None:
    def pool(kind: PoolKind) -> Make:
        return lambda a, b: PoolOp(kind, a, b, [2, 2], [2, 2])

    def windows(x: np.ndarray) -> np.ndarray:
        return np.stack([x[i : i + 5 : 2, j : j + 5 : 2] for i in range(2) for j in range(2)])

    x = RNG.integers(-128, 128, (6, 6, 4), dtype=np.int8)
    maximum = run_one(pool(PoolKind.MAX), x, i8, [3, 3, 4])
    np.testing.assert_array_equal(maximum, windows(x).max(axis=0))
    total = run_one(pool(PoolKind.SUM), x, i8, [3, 3, 4], i32)
    np.testing.assert_array_equal(total, windows(x).astype(np.int64).sum(axis=0))
    floats = x.astype(np.float32).astype(ml_dtypes.bfloat16) / 3
    average = run_one(pool(PoolKind.AVG), floats, bf16, [3, 3, 4])
    exact = windows(floats).astype(np.float64).sum(axis=0) / 4
    np.testing.assert_array_equal(average, to_float(exact, ml_dtypes.bfloat16))


def test_max_pool_of_a_minus_infinity_padded_window() -> None:
    x = RNG.standard_normal((4, 4, 2)).astype(np.float32)
    src = TileAttr("act", 0, [6, 6, 2], f32)
    dst = TileAttr("act", 0x1000, [2, 2, 2], f32)
    program = serial(
        "npu-base",
        [
            tensor("x", DramKind.INPUT, 0, [4, 4, 2], f32),
            tensor("y", DramKind.OUTPUT, 4096, [2, 2, 2], f32),
        ],
        [
            load("x", src, strides=[8, 2, 1], pad=[1, 1, 0, 1, 1, 0],
                 pad_value=FloatAttr(float("-inf"), f32)),
            PoolOp(PoolKind.MAX, src, dst, [3, 3], [3, 3]),
            store(dst, "y"),
        ],
    )
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    expected = np.stack([[padded[3 * i : 3 * i + 3, 3 * j : 3 * j + 3].max(axis=(0, 1))
                          for j in range(2)] for i in range(2)])
    np.testing.assert_array_equal(simulate_numerics(program, {"x": x})["y"], expected)


def test_reductions() -> None:
    x = RNG.integers(-128, 128, (4, 64), dtype=np.int8)
    total = run_one(lambda a, b: ReduceOp(ReduceKind.SUM, a, b, 1), x, i8, [4, 1], i32)
    np.testing.assert_array_equal(total, x.astype(np.int64).sum(axis=1, keepdims=True))
    smallest = run_one(lambda a, b: ReduceOp(ReduceKind.MIN, a, b, 0), x, i8, [1, 64])
    np.testing.assert_array_equal(smallest, x.min(axis=0, keepdims=True))
    floats = RNG.standard_normal((4, 64)).astype(np.float16)
    result = run_one(lambda a, b: ReduceOp(ReduceKind.SUM, a, b, 1), floats, f16, [4, 1])
    exact = floats.astype(np.float64).sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(result, to_float(exact, np.float16))


def test_conversions() -> None:
    def convert(truncate: bool = False) -> Make:
        return lambda a, b: ConvertOp(a, b, truncate=truncate)

    x = np.array([[1.5, 2.5, -2.5, -0.5, np.nan, 1e10, -1e10, 127.7]], dtype=np.float32)
    assert run_one(convert(), x, f32, out_element=i8).tolist() == [[2, 2, -2, 0, 0, 127, -128, 127]]
    truncated = run_one(convert(truncate=True), x, f32, out_element=i8)
    assert truncated.tolist() == [[1, 2, -2, 0, 0, 127, -128, 127]]
    big = np.array([[500.0, -1e6, np.inf, np.nan, 0.3]], dtype=np.float32)
    fp8 = run_one(convert(), big, f32, out_element=f8).astype(np.float32)
    assert fp8[0, :3].tolist() == [448.0, -448.0, 448.0]
    assert np.isnan(fp8[0, 3])
    assert fp8[0, 4] == np.float32(0.3).astype(ml_dtypes.float8_e4m3fn).astype(np.float32)
    ints = np.array([[300, -300, 5, 2**31 - 1]], dtype=np.int32)
    assert run_one(convert(), ints, i32, out_element=ui8).tolist() == [[255, 0, 5, 255]]
    as_bf16 = run_one(convert(), ints, i32, out_element=bf16)
    np.testing.assert_array_equal(as_bf16, to_float(ints.astype(np.float64), ml_dtypes.bfloat16))


def test_in_place_and_overlapping_tiles() -> None:
    """Sources are read whole before the destination is written."""
    x = np.arange(40, dtype=np.int32).reshape(1, 40)
    whole = TileAttr("act", 0, [1, 40], i32)
    source = TileAttr("act", 0x40, [1, 24], i32)  # elements 16..39
    dest = TileAttr("act", 0, [1, 24], i32)  # elements 0..23, overlapping 16..23
    program = serial(
        "npu-base",
        [
            tensor("x", DramKind.INPUT, 0, [1, 40], i32),
            tensor("y", DramKind.OUTPUT, 256, [1, 40], i32),
        ],
        [load("x", whole), BinaryOp(BinaryKind.ADD, source, source, dest), store(whole, "y")],
    )
    expected = x.copy()
    expected[0, :24] = 2 * x[0, 16:40]
    np.testing.assert_array_equal(simulate_numerics(program, {"x": x})["y"], expected)


def test_dma_store_with_transposing_strides() -> None:
    x = np.arange(12, dtype=np.int8).reshape(3, 4)
    tile = TileAttr("act", 0, [3, 4], i8)
    program = serial(
        "npu-base",
        [tensor("x", DramKind.INPUT, 0, [3, 4], i8), tensor("y", DramKind.OUTPUT, 64, [4, 3], i8)],
        [load("x", tile), store(tile, "y", strides=[1, 3])],
    )
    np.testing.assert_array_equal(simulate_numerics(program, {"x": x})["y"], x.T)


# Whole programs: timing.


def tiled_gemm(double_buffered: bool) -> ProgramOp:
    """y[128, 32] = requantize(x[128, 64] @ w[64, 32]) in four 32-row tiles on npu-base.

    Serialised: every instruction waits on the one before, one SRAM slot each.
    Double-buffered: tiles alternate between two act, acc and output slots, and
    tokens only guard real hazards, so tile t+1 loads while tile t computes.
    """
    w = np.arange(64 * 32, dtype=np.int64).reshape(64, 32) % 251 - 125
    ops: list[object] = [
        tensor("x", DramKind.INPUT, 0, [128, 64], i8),
        tensor("w", DramKind.WEIGHT, 8192, [64, 32], i8, w.astype(np.int8)),
        tensor("y", DramKind.OUTPUT, 16384, [128, 32], i8),
    ]
    weight = TileAttr("weight", 0, [64, 32], i8)
    w_load = load("w", weight)
    instructions: list[NpuInstruction] = [w_load]
    history: list[dict[str, NpuInstruction]] = []
    for t in range(4):
        slot = t % 2 if double_buffered else 0
        x_tile = TileAttr("act", 0x800 * slot, [32, 64], i8)
        acc = TileAttr("acc", 0x1000 * slot, [32, 32], i32)
        out = TileAttr("act", 0x1000 + 0x400 * slot, [32, 32], i8)
        before = history[t - 2] if double_buffered and t >= 2 else None
        step = {
            "x": load("x", x_tile, offset=t * 32 * 64, strides=[64, 1],
                      waits=[before["mm"]] if before else []),
        }
        step["mm"] = MatmulOp(x_tile, weight, acc,
                              waits=[step["x"], w_load] + ([before["rq"]] if before else []))
        step["rq"] = RequantizeOp(acc, out, [1 << 30], [38],
                                  waits=[step["mm"]] + ([before["st"]] if before else []))
        step["st"] = store(out, "y", offset=t * 32 * 32, strides=[32, 1])
        step["st"].operands = [step["rq"].results[0]]
        history.append(step)
        instructions += [step["x"], step["mm"], step["rq"], step["st"]]
    if not double_buffered:
        for before, after in zip(instructions, instructions[1:]):
            after.operands = [before.results[0]]
    program = ProgramOp("main", "npu-base", [*ops, *instructions])  # type: ignore[list-item]
    ModuleOp([program]).verify()
    return program


def test_double_buffering_overlaps_and_keeps_the_numbers() -> None:
    x = RNG.integers(-128, 128, (128, 64), dtype=np.int8)
    serial_out, serial_report = simulate_program(tiled_gemm(False), {"x": x})
    overlap_out, overlap_report = simulate_program(tiled_gemm(True), {"x": x})
    w = np.arange(64 * 32, dtype=np.int64).reshape(64, 32) % 251 - 125
    product = x.astype(np.int64) @ w
    expected = np.clip((product * (1 << 30) + (1 << 37)) >> 38, -128, 127).astype(np.int8)
    np.testing.assert_array_equal(serial_out["y"], expected)
    np.testing.assert_array_equal(overlap_out["y"], expected)
    # npu-base: a 2048-byte load is 10 + 200 + 64 cycles (64 on the DRAM bus), the
    # 32x64x32 matmul 2 folds with weight double-buffering, 32 (fill) + max(32, 32)
    # (stream of fold 1 while fold 2 fills) + 32 (stream) + 62 (drain) = 158,
    # requantizing 1024 elements 32, a 1024-byte store 10 + 200 + 32.
    load_x, matmul, requantize, store_y = 274, 32 + 32 + 32 + 62, 32, 242
    assert serial_report.cycles == 274 + 4 * (load_x + matmul + requantize + store_y)
    # Double-buffered (docs/cost_model.md, "Worked example: double buffering"): the
    # load engine is the bottleneck, the x loads run back to back from 274 and the
    # last ends at 274 + 4 * 274 = 1370, then its matmul, requantize and store.
    assert overlap_report.cycles == 1370 + matmul + requantize + store_y == 1802
    assert overlap_report.cycles < serial_report.cycles
    busy = serial_report.totals.busy_cycles
    assert busy == {
        "dma_load": 5 * 274,
        "matrix": 4 * 158,
        "vector": 4 * 32,
        "dma_store": 4 * 242,
        "host": 0,
    }
    # Every transfer finds the DRAM bus free when it is ready (the table in the doc),
    # so no engine is busy longer than in the serial run.
    assert overlap_report.totals.busy_cycles == busy


def test_timing_alone_equals_timing_with_numerics() -> None:
    program = tiled_gemm(True)
    x = RNG.integers(-128, 128, (128, 64), dtype=np.int8)
    _, both = simulate_program(program, {"x": x})
    assert simulate_timing(program).to_dict() == both.to_dict()


def test_resident_weights_do_not_cross_dram() -> None:
    own = simulate_timing(tiled_gemm(True)).to_dict()
    resident = simulate_timing(tiled_gemm(True), config="sram-only").to_dict()
    assert own["dram_read_bytes"] == 128 * 64 + 64 * 32
    assert resident["dram_read_bytes"] == 128 * 64  # the weight is read on chip
    # SRAM reads on sram-only's 64x64 array: each matmul reads its 2048-byte x tile and
    # the weight once (one fold), requantize 4096 B, store 1024 B per tile, plus the
    # resident weight read by its load.
    assert resident["sram_read_bytes"] == 4 * (2048 + 2048 + 4096 + 1024) + 2048


def test_more_load_engines_overlap_loads_but_share_the_bus(tmp_path: object) -> None:
    program = tiled_gemm(True)
    path = f"{tmp_path}/two-loaders.toml"
    with open(path, "w") as stream:
        stream.write('base = "npu-base"\nname = "two-loaders"\n[dma]\nload_engines = 2\n')
    one = simulate_timing(program)
    two = simulate_timing(program, config=path)
    assert two.cycles < one.cycles
    assert two.to_dict()["engines"]["dma_load"]["count"] == 2
    assert two.cycles >= two.roofline_cycles


# The report.


def test_report_json_and_trace() -> None:
    program = tiled_gemm(True)
    x = RNG.integers(-128, 128, (128, 64), dtype=np.int8)
    _, report = simulate_program(program, {"x": x}, trace=True)
    data = json.loads(report.to_json())
    for key in ("cycles", "roofline_cycles", "macs", "dram_read_bytes", "dram_write_bytes",
                "energy_pj", "engines", "ops", "time_us", "sram_read_bytes", "sram_write_bytes",
                "host_cycles"):
        assert key in data, key
    assert data["cycles"] == 1802
    assert data["macs"] == 128 * 64 * 32
    assert data["dram_read_bytes"] == 128 * 64 + 64 * 32
    assert data["dram_write_bytes"] == 128 * 32
    # roofline: max(ceil(262144 / 1024), ceil(14336 / 32)) = 448, DRAM-bound.
    assert data["roofline_cycles"] == 448
    assert data["engines"]["matrix"]["busy_cycles"] == 4 * 158
    assert data["engines"]["matrix"]["utilization"] == pytest.approx(4 * 158 / 1802)
    energy = data["energy_breakdown_pj"]
    assert data["energy_pj"] == pytest.approx(sum(energy.values()))
    assert energy["mac"] == pytest.approx(128 * 64 * 32 * 0.3)
    assert energy["dram"] == pytest.approx((128 * 64 + 64 * 32 + 128 * 32) * 162.5)
    assert data["ops"] == {}  # no instruction has an origin
    trace = json.loads(report.trace_json())
    events = trace["traceEvents"]
    tracks = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert sorted(tracks.values()) == ["dma_load", "dma_store", "host", "matrix", "vector"]
    spans = [e for e in events if e["ph"] == "X"]
    assert len(spans) == 17
    assert max(e["ts"] + e["dur"] for e in spans) == pytest.approx(1802 / 1000)
    with pytest.raises(ValueError):
        simulate_timing(program).trace_json()


def test_report_groups_by_origin() -> None:
    text = """
npu.program @main config "npu-base" {
  npu.dram @x input at 0 : tensor<32x32xi8>
  npu.dram @y output at 1024 : tensor<32x32xi8>
  %a = npu.dma_load @x[0] strides [32, 1] -> <act[0x0], 32x32xi8> {origin = "first"}
  %b = npu.unary relu <act[0x0], 32x32xi8> -> <act[0x400], 32x32xi8> after %a {origin = "first"}
  %c = npu.unary neg <act[0x400], 32x32xi8> -> <act[0x800], 32x32xi8> after %b {origin = "second"}
  %d = npu.dma_store <act[0x800], 32x32xi8> -> @y[0] strides [32, 1] after %c
}
"""
    module = parse_module(build_context(), text, "origin.mlir")
    verify_module(module, "origin.mlir")
    program = next(op for op in module.walk() if isinstance(op, ProgramOp))
    report = simulate_timing(program)
    ops = report.to_dict()["ops"]
    assert list(ops) == ["first", "second"]
    # load 10 + 200 + 32 cycles, then relu 1024 / 32 = 32 cycles.
    first = ops["first"]
    assert (first["instructions"], first["start_cycle"], first["cycles"]) == (2, 0, 274)
    assert ops["first"]["dram_read_bytes"] == 1024
    assert (ops["second"]["start_cycle"], ops["second"]["cycles"]) == (274, 32)
    assert "first" in report.to_text() and "second" in report.to_text()


HOSTED = """
npu.program @main config "npu-base" {
  npu.dram @ids input at 0 : tensor<6xi32>
  npu.dram @table weight at 64 : tensor<4x2xf32> = dense<[[1.0, -2.0], [3.0, -4.0], [5.0, -6.0], [7.0, -8.0]]> : tensor<4x2xf32>
  npu.dram @rows scratch at 128 : tensor<12xf32>
  npu.dram @y output at 192 : tensor<12xf32>
  npu.dram @x input at 256 : tensor<32xi8>
  npu.dram @z output at 320 : tensor<32xi8>
  %g = npu.host [@ids, @table] -> [@rows] {
  ^bb0(%i: tensor<2x3xi32>, %t: tensor<4x2xf32>):
    %r = nn.gather %t, %i {axis = 0 : i64} : (tensor<4x2xf32>, tensor<2x3xi32>) -> tensor<2x3x2xf32>
    npu.host_yield %r : tensor<2x3x2xf32>
  } {origin = "embed"}
  %lx = npu.dma_load @x[0] strides [1] -> <act[0x80], 32xi8> {origin = "neg"}
  %n = npu.unary neg <act[0x80], 32xi8> -> <act[0xc0], 32xi8> after %lx {origin = "neg"}
  %sz = npu.dma_store <act[0xc0], 32xi8> -> @z[0] strides [1] after %n {origin = "neg"}
  %lr = npu.dma_load @rows[0] strides [1] -> <act[0x0], 12xf32> after %g {origin = "relu"}
  %r = npu.unary relu <act[0x0], 12xf32> -> <act[0x40], 12xf32> after %lr {origin = "relu"}
  %sy = npu.dma_store <act[0x40], 12xf32> -> @y[0] strides [1] after %r {origin = "relu"}
}
"""


def test_host_instruction_runs_and_is_costed_as_host_time() -> None:
    module = parse_module(build_context(), HOSTED, "hosted.mlir")
    verify_module(module, "hosted.mlir")
    program = next(op for op in module.walk() if isinstance(op, ProgramOp))
    ids = np.array([3, 0, 1, 2, 2, 0], np.int32)
    x = np.arange(-16, 16, dtype=np.int8)
    outputs, report = simulate_program(program, {"ids": ids, "x": x}, trace=True)
    table = np.array([[1, -2], [3, -4], [5, -6], [7, -8]], np.float32)
    np.testing.assert_array_equal(outputs["y"], np.maximum(table[ids], 0).reshape(12))
    np.testing.assert_array_equal(outputs["z"], -x)
    data = report.to_dict()
    # Host: 2000 + ceil(26 / 2) = 2013 cycles from 0, while the NPU negates x (load 211,
    # neg 1, store 211); the rows are loaded after it: 2013 + 212 + 1 + 212 = 2438.
    assert data["host_cycles"] == data["engines"]["host"]["busy_cycles"] == 2013
    assert data["cycles"] == 2438
    assert data["engines"]["dma_load"]["busy_cycles"] == 211 + 212
    embed = data["ops"]["embed"]
    assert (embed["host"], embed["instructions"], embed["start_cycle"], embed["cycles"]) == (
        True,
        1,
        0,
        2013,
    )
    assert embed["busy_cycles"]["host"] == 2013 and embed["dram_read_bytes"] == 0
    assert not data["ops"]["neg"]["host"] and not data["ops"]["relu"]["host"]
    text = report.to_text()
    assert "embed (host)" in text and "neg (host)" not in text
    host_row = next(line for line in text.splitlines() if line.startswith("host "))
    assert host_row.split() == ["host", "1", "2013", "82.6%"]
    trace = json.loads(report.trace_json())
    tracks = {
        e["args"]["name"]: e["tid"]
        for e in trace["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_name"
    }
    [hosted] = [e for e in trace["traceEvents"] if e["ph"] == "X" and e["cat"] == "host"]
    assert (hosted["name"], hosted["tid"], hosted["dur"]) == ("host", tracks["host"], 2.013)
    # Timing alone gives the same numbers, and another config its own host.
    assert simulate_timing(program).cycles == 2438
    assert simulate_timing(program, config="gemmini").to_dict()["host_cycles"] == 500 + 52


# User errors.


def test_input_errors_are_one_line() -> None:
    program = tiled_gemm(False)
    assert [name for name, _ in program_inputs(program)] == ["x"]
    good = np.zeros((128, 64), np.int8)
    cases = [
        ({}, "input 'x' of @main is missing (expected tensor<128x64xi8>)"),
        ({"x": good, "z": good}, "@main has no input named 'z' (its inputs: x)"),
        ({"x": np.zeros((64, 128), np.int8)}, "input 'x' of @main: expected shape 128x64"),
        ({"x": good.astype(np.int16)}, "input 'x' of @main: expected dtype int8"),
    ]
    for inputs, message in cases:
        with pytest.raises(UserError) as error:
            simulate_program(program, inputs)
        assert message in str(error.value)
        assert "\n" not in str(error.value)


def test_config_override_reverifies() -> None:
    program = tiled_gemm(True)
    x = RNG.integers(-128, 128, (128, 64), dtype=np.int8)
    own, own_report = simulate_program(program, {"x": x})
    # gemmini fits (16x16 array, 16 bytes/cycle): same numbers, different cycles.
    other, other_report = simulate_program(program, {"x": x}, config="gemmini")
    np.testing.assert_array_equal(own["y"], other["y"])
    assert other_report.config.name == "gemmini" and other_report.cycles != own_report.cycles
    assert program.config.data == "npu-base"
    # npu-edge's matrix unit takes only i8: a bf16 matmul does not fit it.
    text = """
npu.program @main config "npu-base" {
  npu.dram @y output at 0 : tensor<4x4xf32>
  %m = npu.matmul <act[0x0], 4x4xbf16>, <weight[0x0], 4x4xbf16> -> <acc[0x0], 4x4xf32>
  %s = npu.dma_store <acc[0x0], 4x4xf32> -> @y[0] strides [4, 1] after %m
}
"""
    module = parse_module(build_context(), text, "bf16.mlir")
    verify_module(module, "bf16.mlir")
    bf16_program = next(op for op in module.walk() if isinstance(op, ProgramOp))
    with pytest.raises(UserError) as error:
        simulate_timing(bf16_program, config="npu-edge")
    assert str(error.value) == (
        "bf16.mlir:4:3: program @main (made for config npu-base) does not fit config "
        "npu-edge: 'npu.matmul' op matmul input type bf16 not supported by matrix unit "
        "of config npu-edge (supports i8)"
    )
    assert bf16_program.config.data == "npu-base"
    with pytest.raises(UserError) as error:
        simulate_timing(program, config="npu-bse")
    assert str(error.value).startswith("unknown preset 'npu-bse'")


def test_invalid_config_file(tmp_path: object) -> None:
    path = f"{tmp_path}/bad.toml"
    with open(path, "w") as stream:
        stream.write('base = "npu-base"\n[matrix]\nrows = -4\n')
    with pytest.raises(UserError) as error:
        simulate_timing(tiled_gemm(False), config=path)
    assert "field matrix.rows: expected a positive integer, got -4" in str(error.value)
