"""The `nn` interpreter against onnxruntime.

Each case builds one `nn` op in a function, runs it with `run_function` (verifier,
interpreter dispatch, attribute reading and kernel together) and compares with
onnxruntime running the equivalent one-node ONNX model. Floats: rtol 1e-5,
atol 1e-6; integers: exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import Builtin, FunctionType, ModuleOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.parser import Parser

from interpreter import kernels
from interpreter.executor import argument_names, result_names, run_function
from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.nn.base import tensor
from npu_tools.diagnostics import parse_module

RNG = np.random.default_rng(1234)


def randn(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def randint(low: int, high: int, *shape: int, dtype: type = np.int32) -> np.ndarray:
    return RNG.integers(low, high, shape).astype(dtype)


def onnx_type(dtype: np.dtype | type) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def ort_run(
    op_type: str,
    inputs: Sequence[np.ndarray | None],
    attrs: dict | None = None,
    *,
    outputs: int = 1,
    out_dtype: np.dtype | type | None = None,
    opset: int = 18,
) -> list[np.ndarray]:
    """onnxruntime on a one-node model; None inputs are omitted optional inputs."""
    inputs = list(inputs)
    while inputs and inputs[-1] is None:  # trailing empty names crash some kernels
        inputs.pop()
    names = ["" if value is None else f"in{i}" for i, value in enumerate(inputs)]
    graph_inputs = [
        helper.make_tensor_value_info(name, onnx_type(value.dtype), value.shape)
        for name, value in zip(names, inputs)
        if value is not None
    ]
    dtype = np.dtype(out_dtype or next(v for v in inputs if v is not None).dtype)
    graph_outputs = [
        helper.make_tensor_value_info(f"out{i}", onnx_type(dtype), None)
        for i in range(outputs)
    ]
    node = helper.make_node(op_type, names, [o.name for o in graph_outputs], **(attrs or {}))
    graph = helper.make_graph([node], "node", graph_inputs, graph_outputs)
    # onnx writes a newer IR version by default than onnxruntime 1.31 loads.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=9)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {name: value for name, value in zip(names, inputs) if value is not None}
    return session.run(None, feeds)


def nn_run(build: Callable[..., Operation], *inputs: np.ndarray) -> list[np.ndarray]:
    """Run the op `build(*arguments)` in a function whose arguments are `inputs`."""
    arg_types = [tensor(a.shape, nn.element_type_of(a.dtype)) for a in inputs]
    block = Block(arg_types=arg_types)
    op = build(*block.args)
    block.add_op(op)
    block.add_op(func.ReturnOp(*op.results))
    function = func.FuncOp(
        "main", FunctionType.from_lists(arg_types, [r.type for r in op.results]), Region(block)
    )
    module = ModuleOp([function])
    module.verify()
    return list(run_function(module, list(inputs)).values())


def nn_run1(build: Callable[..., Operation], *inputs: np.ndarray) -> np.ndarray:
    (result,) = nn_run(build, *inputs)
    return result


def assert_matches(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    if got.dtype.kind in "iub":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# Elementwise.


def test_erf_matches_math_erf():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-300, 1, 200), [0.0, -0.0]])
    want = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(kernels.erf(x), want, rtol=2e-15, atol=2e-16)
    special = kernels.erf(np.array([np.inf, -np.inf, np.nan]))
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2])


UNARY_CASES = [
    (nn.ReluOp, "Relu", {}),
    (nn.SigmoidOp, "Sigmoid", {}),
    (nn.TanhOp, "Tanh", {}),
    (nn.ErfOp, "Erf", {}),
    (nn.ExpOp, "Exp", {}),
    (nn.NegOp, "Neg", {}),
    (nn.AbsOp, "Abs", {}),
    (nn.HardSwishOp, "HardSwish", {}),
]


@pytest.mark.parametrize("op_class, onnx_op, attrs", UNARY_CASES, ids=[c[1] for c in UNARY_CASES])
def test_unary_ops(op_class, onnx_op, attrs):
    x = randn(3, 50) * 4
    x[0, :4] = [-80.0, 80.0, 0.0, -0.0]  # sigmoid/exp must not overflow into NaN
    assert_matches(nn_run1(op_class, x), ort_run(onnx_op, [x], attrs)[0])


def test_sqrt():
    x = np.abs(randn(4, 33)) * 10
    assert_matches(nn_run1(nn.SqrtOp, x), ort_run("Sqrt", [x])[0])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    x = randn(4, 64) * 3
    got = nn_run1(lambda v: nn.GeluOp(v, approximate), x)
    assert_matches(got, ort_run("Gelu", [x], {"approximate": approximate}, opset=20)[0])


@pytest.mark.parametrize(
    "build, onnx_op, attrs",
    [
        (lambda v: nn.LeakyReluOp(v, 0.1), "LeakyRelu", {"alpha": 0.1}),
        (lambda v: nn.EluOp(v, 0.7), "Elu", {"alpha": 0.7}),
        (lambda v: nn.HardSigmoidOp(v, 0.3, 0.4), "HardSigmoid", {"alpha": 0.3, "beta": 0.4}),
    ],
    ids=["leaky_relu", "elu", "hard_sigmoid"],
)
def test_activations_with_attributes(build, onnx_op, attrs):
    x = randn(5, 40) * 3
    assert_matches(nn_run1(build, x), ort_run(onnx_op, [x], attrs)[0])


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int8])
def test_clamp(dtype):
    x = (randn(6, 20) * 8).astype(dtype)
    low, high = np.array(-2.5 if dtype == np.float32 else -2, dtype), np.array(6, dtype)
    got = nn_run1(lambda v: nn.ClampOp(v, float(low), float(high)), x)
    assert_matches(got, ort_run("Clip", [x, low, high], opset=13)[0])


@pytest.mark.parametrize(
    "low, high, want_low, want_high",
    [(1.5, 4.5, 2, 4), (-4.5, -1.5, -4, -2), (-math.inf, 3.5, -128, 3), (-200.0, 300.0, -128, 127)],
)
def test_clamp_integer_bounds_round_inward(low, high, want_low, want_high):
    x = np.arange(-128, 128, dtype=np.int8)
    got = nn_run1(lambda v: nn.ClampOp(v, low, high), x)
    np.testing.assert_array_equal(got, np.clip(x, want_low, want_high))


def test_prelu():
    x, slope = randn(2, 3, 4, 5), randn(3, 1, 1)
    assert_matches(nn_run1(nn.PreluOp, x, slope), ort_run("PRelu", [x, slope])[0])


BINARY = [
    (nn.AddOp, "Add"),
    (nn.SubOp, "Sub"),
    (nn.MulOp, "Mul"),
    (nn.DivOp, "Div"),
    (nn.MinOp, "Min"),
    (nn.MaxOp, "Max"),
    (nn.PowOp, "Pow"),
]


@pytest.mark.parametrize("op_class, onnx_op", BINARY, ids=[b[1] for b in BINARY])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float16])
def test_binary_ops_broadcast(op_class, onnx_op, dtype):
    if np.dtype(dtype).kind == "i":
        lhs, rhs = randint(-50, 50, 2, 3, 4), randint(1, 9, 3, 1)
        rhs[0, 0] = -7  # signs differ: truncating and flooring division disagree
        if onnx_op == "Pow":
            lhs, rhs = randint(-6, 6, 2, 3, 4), randint(-2, 4, 3, 1)
    else:
        lhs, rhs = randn(2, 3, 4, dtype=dtype), randn(3, 1, dtype=dtype)
        lhs[0, 0, 0] = np.nan  # propagates through every op, min and max included
        if onnx_op == "Pow":
            lhs = np.abs(lhs) + dtype(0.5)
    assert_matches(nn_run1(op_class, lhs, rhs), ort_run(onnx_op, [lhs, rhs])[0])


def test_integer_division_truncates_toward_zero():
    lhs = np.array([7, -7, 7, -7, 6, -6, 0], np.int32)
    rhs = np.array([2, 2, -2, -2, 3, 3, -5], np.int32)
    np.testing.assert_array_equal(nn_run1(nn.DivOp, lhs, rhs), [3, -3, -3, 3, 2, -2, 0])


def test_integer_division_by_zero_is_a_user_error():
    lhs, rhs = np.array([1, 2], np.int32), np.array([1, 0], np.int32)
    with pytest.raises(UserError, match="'nn.div' op integer division by zero"):
        nn_run1(nn.DivOp, lhs, rhs)


def test_integer_arithmetic_wraps():
    lhs, rhs = np.array([100, -100, 127], np.int8), np.array([100, -100, 1], np.int8)
    assert_matches(nn_run1(nn.AddOp, lhs, rhs), ort_run("Add", [lhs, rhs])[0])
    assert_matches(nn_run1(nn.MulOp, lhs, rhs), ort_run("Mul", [lhs, rhs])[0])


def test_bfloat16_rounds_once_from_float32():
    lhs = randn(64).astype(ml_dtypes.bfloat16)
    rhs = randn(64).astype(ml_dtypes.bfloat16)
    got = nn_run1(nn.DivOp, lhs, rhs)
    want = (lhs.astype(np.float32) / rhs.astype(np.float32)).astype(ml_dtypes.bfloat16)
    assert got.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))


@pytest.mark.parametrize(
    "source, target",
    [
        (np.float32, np.int32),
        (np.float32, np.int8),
        (np.float32, np.uint8),
        (np.float32, np.bool_),
        (np.float32, np.float16),
        (np.int32, np.float32),
        (np.int64, np.int8),
        (np.bool_, np.float32),
    ],
    ids=lambda t: np.dtype(t).name,
)
def test_cast(source, target):
    if source == np.bool_:
        x = RNG.integers(0, 2, (4, 8)).astype(bool)
    elif np.dtype(source).kind == "i":
        x = randint(-300, 300, 4, 8, dtype=source)
    else:
        x = randn(4, 8) * (4 if np.dtype(target).kind in "iu" else 50)
        x[0, :3] = [0.0, -0.0, 2.5]
    if target == np.uint8:
        x = np.abs(x)
    got = nn_run1(cast_to(target), x)
    want = ort_run("Cast", [x], {"to": onnx_type(target)}, out_dtype=target)
    assert_matches(got, want[0])


def cast_to(dtype: type) -> Callable[[SSAValue], Operation]:
    return lambda value: nn.CastOp(value, nn.element_type_of(np.dtype(dtype)))


def test_cast_float_to_int_truncates_and_to_bool_is_nonzero():
    x = np.array([-2.7, -0.5, 0.0, 0.5, 2.7, np.nan], np.float32)
    np.testing.assert_array_equal(nn_run1(cast_to(np.int32), x[:5]), [-2, 0, 0, 0, 2])
    np.testing.assert_array_equal(nn_run1(cast_to(bool), x), [True, True, False, True, True, True])


NARROW_CASES = [
    (
        "conv2d",
        lambda v, w: nn.Conv2DOp(v, w, None, (1, 1), (1, 1, 1, 1)),
        "Conv",
        {"pads": [1, 1, 1, 1]},
    ),
    (
        "max_pool2d",
        lambda v: nn.MaxPool2DOp(v, (3, 3), (2, 2), (1, 1, 1, 1)),
        "MaxPool",
        {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]},
    ),
    (
        "avg_pool2d",
        lambda v: nn.AvgPool2DOp(v, (2, 2), (2, 2)),
        "AveragePool",
        {"kernel_shape": [2, 2], "strides": [2, 2]},
    ),
    ("softmax", lambda v: nn.SoftmaxOp(v, 1), "Softmax", {"axis": 1}),
    ("gelu", lambda v: nn.GeluOp(v), "Gelu", {}),
    ("sigmoid", nn.SigmoidOp, "Sigmoid", {}),
]


@pytest.mark.parametrize(
    "dtype, mantissa_bits", [(np.float16, 10), (ml_dtypes.bfloat16, 7)], ids=["f16", "bf16"]
)
@pytest.mark.parametrize(
    "name, build, onnx_op, attrs", NARROW_CASES, ids=[c[0] for c in NARROW_CASES]
)
def test_narrow_floats_compute_in_f32_and_round_once(
    dtype, mantissa_bits, name, build, onnx_op, attrs
):
    inputs = [randn(1, 4, 6, 6).astype(dtype)]
    if name == "conv2d":
        inputs.append(randn(5, 4, 3, 3).astype(dtype))
    got = nn_run1(build, *inputs)
    assert got.dtype == dtype
    wide = ort_run(onnx_op, [v.astype(np.float32) for v in inputs], attrs, opset=20)[0]
    want = wide.astype(dtype).astype(np.float32)
    # f32 results that differ in their last bits may round to neighbouring values.
    ulp = 2.0**-mantissa_bits
    np.testing.assert_allclose(got.astype(np.float32), want, rtol=ulp, atol=1e-6)


# Convolution, matrix products and pooling.

CONV_CASES = [
    # (C, O, groups, kernel, strides, padding [t, l, b, r], dilations, bias)
    (3, 8, 1, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), True),
    (4, 6, 1, (3, 2), (2, 3), (0, 1, 2, 0), (1, 1), False),
    (4, 6, 2, (3, 3), (2, 2), (1, 2, 1, 0), (2, 1), True),
    (6, 6, 6, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), True),  # depthwise
    (4, 8, 4, (5, 3), (2, 1), (2, 0, 1, 1), (1, 2), False),  # depthwise, multiplier 2
    (1, 5, 1, (3, 3), (1, 1), (0, 0, 0, 0), (2, 2), True),
    (8, 16, 1, (1, 1), (2, 2), (0, 0, 0, 0), (1, 1), True),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[f"conv{i}" for i in range(len(CONV_CASES))])
def test_conv2d(case):
    c, o, groups, kernel, strides, padding, dilations, with_bias = case
    x, weight = randn(2, c, 11, 10), randn(o, c // groups, *kernel)
    bias = randn(o) if with_bias else None

    def build(*args: SSAValue) -> Operation:
        bias_value = args[2] if with_bias else None
        return nn.Conv2DOp(args[0], args[1], bias_value, strides, padding, dilations, groups)

    got = nn_run1(build, *([x, weight] + ([bias] if with_bias else [])))
    attrs = {
        "strides": list(strides),
        "pads": [padding[0], padding[1], padding[2], padding[3]],
        "dilations": list(dilations),
        "group": groups,
    }
    assert_matches(got, ort_run("Conv", [x, weight, bias], attrs)[0])


@pytest.mark.parametrize("groups", [1, 2, 8])
def test_int8_conv2d_is_exact(groups):
    x = randint(-128, 128, 1, 8, 9, 9, dtype=np.int8)
    weight = randint(-128, 128, 8, 8 // groups, 3, 3, dtype=np.int8)

    def build(a: SSAValue, b: SSAValue) -> Operation:
        return nn.Conv2DOp(a, b, None, (2, 1), (1, 0, 1, 2), (1, 1), groups)

    attrs = {"strides": [2, 1], "pads": [1, 0, 1, 2], "group": groups}
    exact = ort_run("ConvInteger", [x, weight], attrs, out_dtype=np.int32)[0]
    assert_matches(nn_run1(build, x, weight), exact.astype(np.int8))  # the exact sum, wrapped


def test_int32_conv2d_beyond_float64_exactness():
    x, weight = randint(-(2**30), 2**30, 1, 3, 4, 4), randint(-(2**30), 2**30, 2, 3, 2, 2)
    got = nn_run1(lambda a, b: nn.Conv2DOp(a, b), x, weight)
    # Python integers: exact at any size, then wrapped to i32.
    want = np.zeros((1, 2, 3, 3), dtype=object)
    for o in range(2):
        for i in range(3):
            for j in range(3):
                window = x[0, :, i : i + 2, j : j + 2].astype(object)
                want[0, o, i, j] = int((window * weight[o].astype(object)).sum())
    wrapped = np.array([(v + 2**31) % 2**32 - 2**31 for v in want.reshape(-1)], np.int64)
    np.testing.assert_array_equal(got, wrapped.reshape(want.shape).astype(np.int32))


@pytest.mark.parametrize(
    "lhs_shape, rhs_shape",
    [((5, 7), (7, 3)), ((2, 1, 4, 6), (3, 6, 2)), ((6,), (6, 4)), ((2, 5, 6), (6,)), ((6,), (6,))],
)
def test_matmul(lhs_shape, rhs_shape):
    lhs, rhs = randn(*lhs_shape), randn(*rhs_shape)
    assert_matches(nn_run1(nn.MatmulOp, lhs, rhs), ort_run("MatMul", [lhs, rhs])[0])


def test_int8_matmul_is_exact():
    lhs = randint(-128, 128, 2, 17, 300, dtype=np.int8)
    rhs = randint(-128, 128, 300, 9, dtype=np.int8)
    exact = ort_run("MatMulInteger", [lhs, rhs], out_dtype=np.int32)[0]
    assert_matches(nn_run1(nn.MatmulOp, lhs, rhs), exact.astype(np.int8))
    wide_l, wide_r = lhs.astype(np.int32), rhs.astype(np.int32)
    assert_matches(nn_run1(nn.MatmulOp, wide_l, wide_r), exact)


def test_int64_matmul_beyond_float64_exactness():
    lhs = randint(-(2**40), 2**40, 3, 4, dtype=np.int64)
    rhs = randint(-(2**20), 2**20, 4, 2, dtype=np.int64)
    want = np.matmul(lhs.astype(object), rhs.astype(object)).astype(np.int64)
    np.testing.assert_array_equal(nn_run1(nn.MatmulOp, lhs, rhs), want)


@pytest.mark.parametrize(
    "trans_a, trans_b, alpha, beta, c_shape",
    [
        (False, False, 1.0, 1.0, None),
        (False, True, 1.0, 1.0, (6,)),
        (True, False, 0.5, 2.0, (4, 6)),
        (True, True, 1.5, 0.25, (4, 1)),
        (False, True, 2.0, 1.0, (1,)),
    ],
)
def test_gemm(trans_a, trans_b, alpha, beta, c_shape):
    a = randn(5, 4) if trans_a else randn(4, 5)
    b = randn(6, 5) if trans_b else randn(5, 6)
    c = None if c_shape is None else randn(*c_shape)
    def build(*v: SSAValue) -> Operation:
        c_value = v[2] if c is not None else None
        return nn.GemmOp(v[0], v[1], c_value, alpha, beta, trans_a, trans_b)

    got = nn_run1(build, *([a, b] + ([c] if c is not None else [])))
    attrs = {"alpha": alpha, "beta": beta, "transA": int(trans_a), "transB": int(trans_b)}
    assert_matches(got, ort_run("Gemm", [a, b, c], attrs)[0])


@pytest.mark.parametrize("alpha, beta", [(1.0, 1.0), (2.0, 0.5), (-0.5, 3.0)])
def test_integer_gemm(alpha, beta):
    a, b, c = randint(-99, 99, 4, 7), randint(-99, 99, 5, 7), randint(-999, 999, 5)
    got = nn_run1(lambda *v: nn.GemmOp(*v, alpha=alpha, beta=beta, trans_b=True), a, b, c)
    exact = a.astype(object) @ b.T.astype(object)
    want = [[math.trunc(alpha * p + beta * q) for p, q in zip(row, c)] for row in exact]
    np.testing.assert_array_equal(got, np.array(want, np.int32))


POOL_CASES = [
    # (kernel, strides, padding, dilations, ceil_mode)
    ((3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False),
    ((3, 3), (2, 2), (0, 0, 0, 0), (1, 1), True),
    ((2, 3), (2, 2), (0, 1, 1, 0), (1, 1), True),  # ceil_mode drops a window (H)
    ((2, 3), (2, 2), (0, 1, 1, 0), (2, 1), True),
    ((3, 3), (3, 3), (1, 1, 1, 1), (1, 1), True),
    ((2, 2), (1, 2), (1, 0, 0, 1), (1, 2), False),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=[f"pool{i}" for i in range(len(POOL_CASES))])
def test_max_pool2d(case):
    kernel, strides, padding, dilations, ceil_mode = case
    x = randn(2, 3, 10, 9)
    got = nn_run1(lambda v: nn.MaxPool2DOp(v, kernel, strides, padding, dilations, ceil_mode), x)
    attrs = {
        "kernel_shape": list(kernel),
        "strides": list(strides),
        "pads": list(padding),
        "dilations": list(dilations),
        "ceil_mode": int(ceil_mode),
    }
    assert_matches(got, ort_run("MaxPool", [x], attrs)[0])


def test_int8_max_pool2d_padding_never_wins():
    x = randint(-128, -100, 1, 2, 5, 5, dtype=np.int8)
    got = nn_run1(lambda v: nn.MaxPool2DOp(v, (3, 3), (2, 2), (1, 1, 1, 1)), x)
    attrs = {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}
    assert_matches(got, ort_run("MaxPool", [x], attrs)[0])


@pytest.mark.parametrize("count_include_pad", [False, True])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[3] == (1, 1)])
def test_avg_pool2d(case, count_include_pad):
    kernel, strides, padding, _, ceil_mode = case
    x = randn(2, 3, 10, 9)

    def build(v: SSAValue) -> Operation:
        return nn.AvgPool2DOp(v, kernel, strides, padding, ceil_mode, count_include_pad)

    got = nn_run1(build, x)
    attrs = {
        "kernel_shape": list(kernel),
        "strides": list(strides),
        "pads": list(padding),
        "ceil_mode": int(ceil_mode),
        "count_include_pad": int(count_include_pad),
    }
    assert_matches(got, ort_run("AveragePool", [x], attrs)[0])


@pytest.mark.parametrize("count_include_pad", [False, True])
def test_avg_pool2d_kernel_with_dilations(count_include_pad):
    x = randn(1, 2, 11, 9)
    got = kernels.avg_pool2d(x, (3, 2), (2, 1), (2, 1, 1, 1), True, count_include_pad, (2, 3))
    attrs = {
        "kernel_shape": [3, 2],
        "strides": [2, 1],
        "pads": [2, 1, 1, 1],
        "ceil_mode": 1,
        "count_include_pad": int(count_include_pad),
        "dilations": [2, 3],
    }
    assert_matches(got, ort_run("AveragePool", [x], attrs, opset=19)[0])


def test_global_avg_pool():
    x = randn(2, 5, 7, 6)
    assert_matches(nn_run1(nn.GlobalAvgPoolOp, x), ort_run("GlobalAveragePool", [x])[0])


# Normalisation and reductions.


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax(axis):
    x = randn(3, 4, 5) * 5
    x[0, 0, 0] = 1e4  # no overflow in exp
    got = nn_run1(lambda v: nn.SoftmaxOp(v, axis), x)
    assert_matches(got, ort_run("Softmax", [x], {"axis": axis}, opset=13)[0])


@pytest.mark.parametrize("axis, with_bias", [(2, True), (1, False), (0, True)])
def test_layer_norm(axis, with_bias):
    x = randn(3, 4, 6) * 2 + 1
    scale = randn(*x.shape[axis:])
    bias = randn(*x.shape[axis:]) if with_bias else None
    inputs = [x, scale] + ([bias] if with_bias else [])
    got = nn_run1(
        lambda *v: nn.LayerNormOp(v[0], v[1], v[2] if with_bias else None, axis, 1e-3), *inputs
    )
    attrs = {"axis": axis, "epsilon": 1e-3}
    want = ort_run("LayerNormalization", [x, scale, bias], attrs, opset=17)
    assert_matches(got, want[0])


def test_batch_norm():
    x = randn(2, 4, 5, 3)
    scale, bias, mean = randn(4), randn(4), randn(4)
    var = np.abs(randn(4)) + np.float32(0.1)
    got = nn_run1(lambda *v: nn.BatchNormOp(*v, epsilon=1e-4), x, scale, bias, mean, var)
    want = ort_run("BatchNormalization", [x, scale, bias, mean, var], {"epsilon": 1e-4}, opset=15)
    assert_matches(got, want[0])


@pytest.mark.parametrize(
    "op_class, onnx_op, dtype",
    [
        (nn.ReduceMeanOp, "ReduceMean", np.float32),
        (nn.ReduceSumOp, "ReduceSum", np.float32),
        (nn.ReduceSumOp, "ReduceSum", np.int32),
        (nn.ReduceMaxOp, "ReduceMax", np.float32),
        (nn.ReduceMaxOp, "ReduceMax", np.int8),
    ],
)
@pytest.mark.parametrize("axes, keepdims", [((1,), True), ((0, 2), False), ((0, 1, 2), True)])
def test_reductions(op_class, onnx_op, dtype, axes, keepdims):
    x = randn(3, 4, 5) if dtype == np.float32 else randint(-100, 100, 3, 4, 5, dtype=dtype)
    got = nn_run1(lambda v: op_class(v, axes, keepdims), x)
    want = ort_run(onnx_op, [x, np.array(axes, np.int64)], {"keepdims": int(keepdims)})
    assert_matches(got, want[0])


# Data movement.


def test_reshape_flatten_squeeze_unsqueeze_transpose():
    x = randn(2, 1, 3, 4)
    np.testing.assert_array_equal(
        nn_run1(lambda v: nn.ReshapeOp(v, tensor((4, 6), nn.element_type_of(x.dtype))), x),
        ort_run("Reshape", [x, np.array([4, 6], np.int64)])[0],
    )
    np.testing.assert_array_equal(
        nn_run1(lambda v: nn.FlattenOp(v, 2), x), ort_run("Flatten", [x], {"axis": 2})[0]
    )
    np.testing.assert_array_equal(
        nn_run1(lambda v: nn.SqueezeOp(v, [1]), x),
        ort_run("Squeeze", [x, np.array([1], np.int64)])[0],
    )
    np.testing.assert_array_equal(
        nn_run1(lambda v: nn.UnsqueezeOp(v, [0, 3]), x),
        ort_run("Unsqueeze", [x, np.array([0, 3], np.int64)])[0],
    )
    np.testing.assert_array_equal(
        nn_run1(lambda v: nn.TransposeOp(v, [3, 0, 2, 1]), x),
        ort_run("Transpose", [x], {"perm": [3, 0, 2, 1]})[0],
    )


def test_concat_and_split():
    a, b, c = randn(2, 3, 4), randn(2, 1, 4), randn(2, 2, 4)
    got = nn_run1(lambda *v: nn.ConcatOp(list(v), 1), a, b, c)
    assert_matches(got, ort_run("Concat", [a, b, c], {"axis": 1})[0])
    x = randn(3, 7, 2)
    parts = nn_run(lambda v: nn.SplitOp(v, 1, [2, 4, 1]), x)
    want = ort_run("Split", [x, np.array([2, 4, 1], np.int64)], {"axis": 1}, outputs=3)
    for got_part, want_part in zip(parts, want, strict=True):
        assert_matches(got_part, want_part)


SLICE_CASES = [
    # ONNX starts, ends, axes, steps on a 6x7x5 input
    ([1, 0], [5, 7], [0, 1], [2, 3]),
    ([-1], [-100], [1], [-1]),  # reversed, through index 0
    ([4, 10], [0, -10], [0, 2], [-2, -2]),
    ([10], [-1], [2], [-1]),  # empty
    ([-3, 2], [100, 2], [1, 0], [1, 1]),  # empty on axis 0
    ([5], [1], [0], [-3]),
]


@pytest.mark.parametrize("starts, ends, axes, steps", SLICE_CASES)
def test_slice(starts, ends, axes, steps):
    x = randn(6, 7, 5)
    norm_starts, norm_ends, norm_steps = nn.normalize_slice(x.shape, starts, ends, axes, steps)
    got = nn_run1(lambda v: nn.SliceOp(v, norm_starts, norm_ends, norm_steps), x)
    inputs = [x] + [np.array(v, np.int64) for v in (starts, ends, axes, steps)]
    assert_matches(got, ort_run("Slice", inputs, opset=13)[0])


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_pad(mode, dtype):
    x = randn(2, 4, 5).astype(dtype)
    pads = [0, 2, 1, 1, 3, 2]
    got = nn_run1(lambda v: nn.PadOp(v, pads, mode, 1.5 if dtype == np.float32 else 7.0), x)
    value = np.array(1.5 if dtype == np.float32 else 7, dtype)
    inputs = [x, np.array(pads, np.int64), value if mode == "constant" else None]
    want = ort_run("Pad", inputs, {"mode": mode})
    assert_matches(got, want[0])


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_gather_with_negative_indices(axis, index_dtype):
    data = randn(5, 6, 2)
    indices = np.array([[0, -1, 3], [-5, 2, 4]], index_dtype)
    got = nn_run1(lambda d, i: nn.GatherOp(d, i, axis), data, indices)
    assert_matches(got, ort_run("Gather", [data, indices], {"axis": axis})[0])


def test_gather_out_of_range_is_a_user_error():
    data, indices = randn(5, 2), np.array([1, 5], np.int64)
    message = "^'nn.gather' op index 5 is out of range for axis 0 of size 5$"
    with pytest.raises(UserError, match=message):
        nn_run1(lambda d, i: nn.GatherOp(d, i, 0), data, indices)


# Whole functions: text modules, constants, names and input checks.

SMALL_CNN = """
func.func @main(%image: tensor<1x2x8x8xf32> {nn.name = "image"}, %w: tensor<4x2x3x3xf32>)
    -> (tensor<1x3xf32> {nn.name = "probs"}, tensor<1x4x4x4xf32>) {
  %b = nn.constant dense<[0.5, -0.25, 0.0, 1.0]> : tensor<4xf32>
  %conv = nn.conv2d %image, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %relu = nn.relu %conv : tensor<1x4x8x8xf32>
  %pool = nn.max_pool2d %relu {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %flat = nn.flatten %pool {axis = 1 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
  %fc = nn.constant dense_resource<fc_weight> : tensor<3x64xf32>
  %logits = nn.gemm %flat, %fc {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<1x64xf32>, tensor<3x64xf32>) -> tensor<1x3xf32>
  %probs = nn.softmax %logits {axis = 1 : i64} : tensor<1x3xf32>
  func.return %probs, %pool : tensor<1x3xf32>, tensor<1x4x4x4xf32>
}
"""

FC_WEIGHT = (np.arange(3 * 64, dtype=np.float32).reshape(3, 64) % 7 - 3) / 10


def parse(text: str) -> ModuleOp:
    blob = "0x04000000" + FC_WEIGHT.tobytes().hex()
    text += '{-# dialect_resources: { builtin: { fc_weight: "' + blob + '" } } #-}\n'
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(func.Func)
    ctx.load_dialect(nn.NN)
    module = Parser(ctx, text).parse_module()
    module.verify()
    return module


def small_cnn_reference(image: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
    """The same network as an ONNX graph, run by onnxruntime."""
    bias = np.array([0.5, -0.25, 0.0, 1.0], np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("MaxPool", ["relu"], ["pool"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "small_cnn",
        [
            helper.make_tensor_value_info("image", TensorProto.FLOAT, image.shape),
            helper.make_tensor_value_info("w", TensorProto.FLOAT, w.shape),
        ],
        [
            helper.make_tensor_value_info("probs", TensorProto.FLOAT, (1, 3)),
            helper.make_tensor_value_info("pool", TensorProto.FLOAT, (1, 4, 4, 4)),
        ],
        initializer=[
            onnx.numpy_helper.from_array(bias, "b"),
            onnx.numpy_helper.from_array(FC_WEIGHT, "fc"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"image": image, "w": w})


def test_run_function_end_to_end():
    module = parse(SMALL_CNN)
    image, w = randn(1, 2, 8, 8), randn(4, 2, 3, 3)
    outputs = run_function(module, {"image": image, "arg1": w})
    assert list(outputs) == ["probs", "result1"]
    probs, pool = small_cnn_reference(image, w)
    assert_matches(outputs["probs"], probs)
    assert_matches(outputs["result1"], pool)
    positional = run_function(module, [image, w])
    np.testing.assert_array_equal(positional["probs"], outputs["probs"])


def test_names():
    main = parse(SMALL_CNN).ops.first
    assert isinstance(main, func.FuncOp)
    assert argument_names(main) == ["image", "arg1"]
    assert result_names(main) == ["probs", "result1"]


def test_outputs_are_fresh_writable_arrays():
    passthrough = parse(
        """
func.func @main(%x: tensor<2x3xf32> {nn.name = "x"})
    -> (tensor<3x2xf32>, tensor<3x64xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %t = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %c = nn.constant dense_resource<fc_weight> : tensor<3x64xf32>
  %r = nn.relu %x : tensor<2x3xf32>
  func.return %t, %c, %r, %r : tensor<3x2xf32>, tensor<3x64xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
"""
    )
    x = randn(2, 3)
    outputs = run_function(passthrough, {"x": x})
    np.testing.assert_array_equal(outputs["result0"], x.T)
    np.testing.assert_array_equal(outputs["result1"], FC_WEIGHT)
    np.testing.assert_array_equal(outputs["result2"], np.maximum(x, 0))
    values = list(outputs.values())
    for index, value in enumerate(values):
        assert value.flags.writeable
        assert not any(np.shares_memory(value, other) for other in [x] + values[:index])
    x_before = x.copy()
    for value in values:
        value[...] = 7
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(run_function(passthrough, {"x": x})["result1"], FC_WEIGHT)


def test_run_time_errors_name_the_op_and_its_place():
    text = """func.func @main(%d: tensor<4xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  %g = nn.gather %d, %i {axis = 0 : i64} : (tensor<4xf32>, tensor<2xi64>) -> tensor<2xf32>
  func.return %g : tensor<2xf32>
}
"""
    ctx = Context()
    for dialect in (Builtin, func.Func, nn.NN):
        ctx.load_dialect(dialect)
    module = parse_module(ctx, text, "model.mlir")
    message = r"^model.mlir:2:3: 'nn.gather' op index 9 is out of range for axis 0 of size 4$"
    with pytest.raises(UserError, match=message):
        run_function(module, [randn(4), np.array([1, 9])])


def test_op_without_implementation_is_a_user_error():
    module = parse(
        """
func.func private @external(tensor<2xf32>) -> tensor<2xf32>
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = func.call @external(%x) : (tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}
"""
    )
    with pytest.raises(UserError, match="^cannot run @main: .*external"):
        run_function(module, [randn(2)])


@pytest.mark.parametrize(
    "inputs, message",
    [
        (
            {"arg1": randn(4, 2, 3, 3)},
            r"input 'image' of @main is missing \(expected tensor<1x2x8x8xf32>\)",
        ),
        (
            {"image": randn(1, 2, 8, 7), "arg1": randn(4, 2, 3, 3)},
            r"input 'image' of @main: expected shape 1x2x8x8 \(tensor<1x2x8x8xf32>\), got 1x2x8x7",
        ),
        (
            {"image": randn(1, 2, 8, 8), "arg1": randn(4, 2, 3, 3, dtype=np.float64)},
            r"input 'arg1' of @main: expected dtype float32 \(tensor<4x2x3x3xf32>\), got float64",
        ),
        (
            {"image": randn(1, 2, 8, 8), "arg1": randn(4, 2, 3, 3), "w": randn(1)},
            r"@main has no input named 'w' \(its inputs: image, arg1\)",
        ),
        ([randn(1, 2, 8, 8)], r"@main takes 2 inputs, got 1"),
    ],
    ids=["missing", "shape", "dtype", "unexpected", "count"],
)
def test_input_errors_name_the_input(inputs, message):
    with pytest.raises(UserError, match=f"^{message}$"):
        run_function(parse(SMALL_CNN), inputs)


def test_missing_entry_is_a_user_error():
    with pytest.raises(UserError, match=r"^the module has no function @forward \(it has @main\)$"):
        run_function(parse(SMALL_CNN), {}, entry="forward")
