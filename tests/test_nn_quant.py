"""The quantised nn ops: requantisation kernel against a pure-Python TOSA RESCALE,
quantize/dequantize rounding, and the integer conv/matmul/add semantics."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float8E4M3FNType,
    Float16Type,
    IntegerType,
    Signedness,
    TensorType,
    f32,
    i8,
    i32,
)

from interpreter import kernels
from interpreter.executor import run_function
from interpreter.kernels import quant
from npu_dialect import nn
from npu_dialect.builder import ModelBuilder

UI8 = IntegerType(8, Signedness.UNSIGNED)
LOW_FLOATS = {
    np.dtype(ml_dtypes.bfloat16): BFloat16Type(),
    np.dtype(np.float16): Float16Type(),
    np.dtype(ml_dtypes.float8_e4m3fn): Float8E4M3FNType(),
}


def low_float_type(dtype: type) -> object:
    return LOW_FLOATS[np.dtype(dtype)]
DTYPES = {"i8": np.int8, "ui8": np.uint8, "i16": np.int16, "i32": np.int32}


def reference_rescale(
    value: int,
    multiplier: int,
    shift: int,
    input_zp: int,
    output_zp: int,
    double_round: bool,
    clamp: tuple[int, int],
    bounds: tuple[int, int],
) -> int:
    """TOSA RESCALE (scale32) for one element, in Python integers, as written in
    docs/npu_dialect.md (`npu.requantize`)."""
    v = value - input_zp
    rounding = 1 << (shift - 1)
    if double_round and shift > 31:
        rounding += (1 << 30) if v >= 0 else -(1 << 30)
    y = ((v * multiplier + rounding) >> shift) + output_zp
    y = min(max(y, clamp[0]), clamp[1])
    return min(max(y, bounds[0]), bounds[1])


@st.composite
def rescale_cases(draw: st.DrawFn) -> dict:
    source = draw(st.sampled_from(list(DTYPES)))
    target = draw(st.sampled_from(list(DTYPES)))
    info = np.iinfo(DTYPES[source])
    channels = draw(st.integers(1, 5))
    per_channel = draw(st.booleans())
    count = channels if per_channel else 1
    values = draw(
        st.lists(
            st.integers(int(info.min), int(info.max)), min_size=3 * channels, max_size=3 * channels
        )
    )
    multipliers = draw(st.lists(st.integers(0, 2**31 - 1), min_size=count, max_size=count))
    shifts = draw(st.lists(st.integers(2, 62), min_size=count, max_size=count))

    def zero_point(name: str) -> int:
        if name == "i8":
            return draw(st.integers(-128, 127))
        return draw(st.integers(0, 255)) if name == "ui8" else 0

    low = draw(st.integers(-(2**31), 2**31 - 1))
    high = draw(st.integers(low, 2**31 - 1))
    return {
        "source": source,
        "target": target,
        "value": np.array(values, dtype=DTYPES[source]).reshape(3, channels),
        "multiplier": multipliers,
        "shift": shifts,
        "input_zp": zero_point(source),
        "output_zp": zero_point(target),
        "double_round": draw(st.booleans()),
        "clamp": (low, high) if draw(st.booleans()) else None,
    }


@settings(max_examples=300, deadline=None)
@given(rescale_cases())
def test_tosa_rescale_is_bit_exact_against_python_integers(case: dict) -> None:
    target = np.dtype(DTYPES[case["target"]])
    got = quant.tosa_rescale(
        case["value"],
        case["multiplier"],
        case["shift"],
        input_zp=case["input_zp"],
        output_zp=case["output_zp"],
        double_round=case["double_round"],
        clamp=case["clamp"],
        dtype=target,
        axis=1,
    )
    assert got.dtype == target
    bounds = (int(np.iinfo(target).min), int(np.iinfo(target).max))
    clamp = case["clamp"] or bounds
    for (row, channel), value in np.ndenumerate(case["value"]):
        index = channel if len(case["multiplier"]) > 1 else 0
        expected = reference_rescale(
            int(value),
            case["multiplier"][index],
            case["shift"][index],
            case["input_zp"],
            case["output_zp"],
            case["double_round"],
            clamp,
            bounds,
        )
        assert int(got[row, channel]) == expected


def test_tosa_rescale_rounds_half_up_and_double_rounding_differs() -> None:
    # 3 * 2^29 >> 30 is 1.5 and -1.5: single rounding rounds half up, to 2 and -1.
    values = np.array([3, -3], dtype=np.int32)
    assert quant.tosa_rescale(values, [1 << 29], [30], dtype=np.int32).tolist() == [2, -1]
    # v * m = 2^31 - 2^29 is 0.375 after >> 32: single rounding gives 0; double
    # rounding (shift > 31) first adds 2^30 and gives 1, as TFLite's
    # SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT.
    one = np.array([1], dtype=np.int32)
    multiplier = [(1 << 31) - (1 << 29)]
    assert quant.tosa_rescale(one, multiplier, [32], dtype=np.int32).tolist() == [0]
    assert quant.tosa_rescale(one, multiplier, [32], double_round=True, dtype=np.int32).tolist() == [1]


@pytest.mark.parametrize("real", [1.0, 0.5, 0.75, 1e-3, 3.3e-5, 0.999999999, 123.25, 2.0**-40])
def test_quantize_multiplier_is_the_closest_31_bit_fraction(real: float) -> None:
    multiplier, shift = quant.quantize_multiplier(real)
    assert 2 <= shift <= 62 and 0 <= multiplier < 2**31
    if shift < 62:
        assert 2**30 <= multiplier
    assert abs(multiplier / 2.0**shift - real) <= 2.0 ** -(shift + 1) * (1 + 1e-12)


def test_quantize_multiplier_limits() -> None:
    assert quant.quantize_multiplier(0.0) == (0, 31)
    assert quant.quantize_multiplier(2.0**-70) == (0, 62)
    with pytest.raises(ValueError, match="too large"):
        quant.quantize_multiplier(2.0**30)
    with pytest.raises(ValueError, match="finite and non-negative"):
        quant.quantize_multiplier(-1.0)


def test_quantize_rounds_half_to_even_and_saturates() -> None:
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1e9, -1e9, np.nan, np.inf, 0.2], dtype=np.float32)
    got = quant.quantize(x, 1.0, 3, np.int8)
    assert got.tolist() == [3, 5, 5, 3, 1, 127, -128, 3, 127, 3]
    assert quant.quantize(x, 1.0, 3, np.uint8).tolist() == [3, 5, 5, 3, 1, 255, 0, 3, 255, 3]
    # The division happens in f32, then rint.
    scale = np.float32(0.1)
    values = (np.arange(-128, 128, dtype=np.float32) * scale).astype(np.float32)
    assert np.array_equal(
        quant.quantize(values, float(scale), 0, np.int8),
        np.rint(values / scale).astype(np.int8),
    )


def test_dequantize_then_quantize_is_the_identity() -> None:
    q = np.arange(-128, 128, dtype=np.int8)
    for scale, zp in ((0.0123456791, -7), (3.5, 100), (1e-6, 0)):
        real = quant.dequantize(q, scale, zp)
        assert real.dtype == np.float32
        assert np.array_equal(real, ((q.astype(np.int64) - zp) * np.float32(scale)).astype(np.float32))
        assert np.array_equal(quant.quantize(real, scale, zp, np.int8), q)


def _run(b: ModelBuilder, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return run_function(b.build(), inputs, entry=b.name)


@pytest.mark.parametrize(
    "groups, strides, padding", [(1, (1, 1), (1, 1, 1, 1)), (1, (2, 1), (0, 2, 1, 0)), (4, (1, 1), (1, 1, 1, 1))]
)
def test_qconv2d_pads_with_the_zero_point_and_wraps_to_i32(
    groups: int, strides: tuple[int, int], padding: tuple[int, int, int, int]
) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, size=(1, 4, 7, 6), dtype=np.int8)
    w = rng.integers(-127, 128, size=(8, 4 // groups, 3, 3), dtype=np.int8)
    bias = rng.integers(-(2**20), 2**20, size=8, dtype=np.int32)
    zp = -37
    b = ModelBuilder("conv")
    xv = b.input("x", x.shape, i8)
    acc = b._add(
        nn.QConv2DOp(xv, b.constant(w), b.constant(bias), strides, padding, (1, 1), groups, zp)
    )
    b.output("y", acc)
    got = _run(b, {"x": x})["y"]
    # The same convolution in float64 on (x - zp) padded with zeros, then the bias with
    # the zero point's correction added back.
    top, left, bottom, right = padding
    centred = np.pad(x.astype(np.int64) - zp, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out_h, out_w = got.shape[2:]
    expected = np.zeros(got.shape, np.int64)
    per_group_in, per_group_out = 4 // groups, 8 // groups
    for o in range(8):
        g = o // per_group_out
        patch_channels = centred[0, g * per_group_in : (g + 1) * per_group_in]
        for i in range(out_h):
            for j in range(out_w):
                window = patch_channels[:, i * strides[0] : i * strides[0] + 3, j * strides[1] : j * strides[1] + 3]
                expected[0, o, i, j] = int((window * w[o].astype(np.int64)).sum())
    expected += (bias.astype(np.int64) + zp * w.reshape(8, -1).astype(np.int64).sum(axis=1))[None, :, None, None]
    assert got.dtype == np.int32
    assert np.array_equal(got, expected)


def test_qmatmul_is_exact_and_wraps() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(-128, 128, size=(2, 3, 16), dtype=np.int8)
    w = rng.integers(-128, 128, size=(16, 5), dtype=np.int8)
    bias = np.array([2**31 - 1, 0, -5, 7, -(2**31)], dtype=np.int32)
    b = ModelBuilder("mm")
    av = b.input("a", a.shape, i8)
    b.output("y", b._add(nn.QMatmulOp(av, b.constant(w), b.constant(bias))))
    got = _run(b, {"a": a})["y"]
    exact = a.astype(np.int64) @ w.astype(np.int64) + bias.astype(np.int64)
    assert np.array_equal(got, exact.astype(np.int32))
    assert got.dtype == np.int32 and not np.array_equal(got.astype(np.int64), exact)


def test_requantize_and_qadd_run_as_their_kernels() -> None:
    rng = np.random.default_rng(2)
    acc = rng.integers(-(2**24), 2**24, size=(1, 3, 4), dtype=np.int32)
    other = rng.integers(-128, 128, size=(1, 1, 4), dtype=np.int8)
    b = ModelBuilder("rq")
    av = b.input("acc", acc.shape, i32)
    ov = b.input("other", other.shape, i8)
    r = b._add(
        nn.RequantizeOp(
            av, [1 << 30, 3 << 29, 1 << 30], [40, 41, 39], axis=1, output_zp=-3, clamp=(-3, 127)
        )
    )
    s = b._add(nn.QAddOp(r, ov, (-3, 1 << 30, 11), (5, 3 << 28, 11), (0, 1 << 30, 50)))
    b.output("r", r)
    b.output("s", s)
    got = _run(b, {"acc": acc, "other": other})
    expected_r = np.empty(acc.shape, np.int64)
    for index, value in np.ndenumerate(acc):
        m, sh = [(1 << 30, 40), (3 << 29, 41), (1 << 30, 39)][index[1]]
        expected_r[index] = reference_rescale(int(value), m, sh, 0, -3, False, (-3, 127), (-128, 127))
    assert np.array_equal(got["r"], expected_r)
    bounds32 = (-(2**31), 2**31 - 1)
    expected_s = np.empty(got["s"].shape, np.int64)
    for index in np.ndindex(expected_s.shape):
        lhs = reference_rescale(int(expected_r[index]), 1 << 30, 11, -3, 0, False, bounds32, bounds32)
        rhs = reference_rescale(int(other[0, 0, index[2]]), 3 << 28, 11, 5, 0, False, bounds32, bounds32)
        expected_s[index] = reference_rescale(lhs + rhs, 1 << 30, 50, 0, 0, False, (-128, 127), (-128, 127))
    assert got["s"].dtype == np.int8 and np.array_equal(got["s"], expected_s)


def test_quantize_dequantize_ops_in_a_model() -> None:
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 12)
    b = ModelBuilder("qdq")
    xv = b.input("x", x.shape, f32)
    q = b._add(nn.QuantizeOp(xv, 0.025, 10))
    u = b._add(nn.QuantizeOp(xv, 0.025, 128, UI8))
    b.output("q", q)
    b.output("d", b._add(nn.DequantizeOp(q, 0.025, 10)))
    b.output("u", u)
    got = _run(b, {"x": x})
    assert np.array_equal(got["q"], quant.quantize(x, 0.025, 10, np.int8))
    assert np.array_equal(got["u"], quant.quantize(x, 0.025, 128, np.uint8))
    assert np.array_equal(got["d"], quant.dequantize(got["q"], 0.025, 10))
    inside = np.abs(x) < 2.9
    assert np.abs(got["d"] - x)[inside].max() <= 0.0125 + 1e-7
    assert math.isclose(float(got["d"].max()), (127 - 10) * float(np.float32(0.025)), rel_tol=1e-6)


@pytest.mark.parametrize("dtype", [ml_dtypes.bfloat16, np.float16, ml_dtypes.float8_e4m3fn])
def test_low_precision_products_accumulate_in_f32(dtype: type) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32).astype(dtype)
    bias = rng.standard_normal(4).astype(np.float32)
    a = rng.standard_normal((3, 16)).astype(np.float32).astype(dtype)
    m = rng.standard_normal((16, 5)).astype(np.float32).astype(dtype)
    element = low_float_type(dtype)
    b = ModelBuilder("products")
    xv, av = b.input("x", x.shape, element), b.input("a", a.shape, element)
    conv = nn.Conv2DOp(
        xv, b.constant(w, element), b.constant(bias), padding=(1, 1, 1, 1),
        result_type=TensorType(f32, [2, 4, 5, 5]),
    )
    b.output("conv", b._add(conv))
    b.output("mm", b._add(nn.MatmulOp(av, b.constant(m, element), TensorType(f32, [3, 5]))))
    got = _run(b, {"x": x, "a": a})
    assert got["conv"].dtype == np.float32 and got["mm"].dtype == np.float32
    # The same products on the values widened to f32: no rounding to the low type.
    expected = kernels.conv2d(x.astype(np.float32), w.astype(np.float32), bias, padding=(1, 1, 1, 1))
    np.testing.assert_allclose(got["conv"], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got["mm"], a.astype(np.float32) @ m.astype(np.float32), rtol=1e-6, atol=1e-6)
