"""The nn dialect: shape inference, constructors, the model builder and constants."""

from __future__ import annotations

import itertools
import re

import ml_dtypes
import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp, f32, i8, i32
from xdsl.dialects.func import Func, FuncOp
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from npu_dialect import nn, resources
from npu_dialect.builder import ModelBuilder
from npu_dialect.nn import (
    NN,
    NN_OPS,
    broadcast_shapes,
    infer_concat_shape,
    infer_conv2d_shape,
    infer_flatten_shape,
    infer_gather_shape,
    infer_gemm_shape,
    infer_matmul_shape,
    infer_pad_shape,
    infer_pool2d_shape,
    infer_reduce_shape,
    infer_slice_shape,
    infer_split_shapes,
    infer_squeeze_shape,
    infer_transpose_shape,
    infer_unsqueeze_shape,
    normalize_slice,
)


def print_module(module: ModuleOp) -> str:
    from io import StringIO

    stream = StringIO()
    printer = Printer(stream=stream)
    printer.print_op(module)
    printer.print_metadata([Builtin])
    return stream.getvalue()


def parse_module(text: str) -> ModuleOp:
    ctx = Context()
    for dialect in (Builtin, Func, NN):
        ctx.load_dialect(dialect)
    return Parser(ctx, text).parse_module()


# Naming conventions that the interpreter and the importer rely on.


def test_op_names_follow_the_class_names() -> None:
    assert len(NN_OPS) == 46
    for op in NN_OPS:
        snake = op.name.removeprefix("nn.")
        camel = "".join(part.capitalize() for part in snake.split("_"))
        assert op.__name__.lower() == f"{camel}Op".lower(), op
        assert getattr(nn, op.__name__) is op
    all_ops = [*NN_OPS, *nn.QUANT_OPS, *nn.FUSED_OPS]
    assert {op.name for op in all_ops} == {op.name for op in NN.operations}


def test_every_op_is_pure_and_owns_its_traits() -> None:
    """Passes attach traits (e.g. canonicalization patterns) with
    `Op.traits.add_trait`, which must not leak into sibling ops."""
    assert all(op.has_trait(Pure) for op in NN_OPS)
    assert len({id(op.traits) for op in NN_OPS}) == len(NN_OPS)
    assert [op for op in NN_OPS if op.has_trait(ConstantLike)] == [nn.ConstantOp]


# Shape inference.


@pytest.mark.parametrize(
    "input, weight, strides, padding, dilations, groups, expected",
    [
        ((1, 3, 224, 224), (64, 3, 7, 7), (2, 2), (3, 3, 3, 3), (1, 1), 1, (1, 64, 112, 112)),
        ((2, 8, 32, 32), (16, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, (2, 16, 32, 32)),
        ((1, 8, 32, 32), (16, 8, 3, 3), (1, 1), (0, 0, 0, 0), (2, 2), 1, (1, 16, 28, 28)),
        ((1, 8, 31, 17), (4, 8, 3, 5), (2, 3), (1, 0, 2, 4), (1, 1), 1, (1, 4, 16, 6)),
        ((1, 8, 32, 32), (16, 4, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2, (1, 16, 32, 32)),
        ((1, 32, 56, 56), (32, 1, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 32, (1, 32, 28, 28)),
        ((1, 32, 56, 56), (64, 1, 3, 3), (1, 1), (2, 2, 2, 2), (2, 2), 32, (1, 64, 56, 56)),
    ],
)
def test_conv2d_shape(input, weight, strides, padding, dilations, groups, expected) -> None:
    assert infer_conv2d_shape(input, weight, strides, padding, dilations, groups) == expected


def test_conv2d_shape_matches_a_direct_convolution() -> None:
    """Count the output positions of a strided, dilated window by brute force."""
    for size, kernel, stride, dilation, pad in itertools.product(
        (5, 8, 9), (1, 2, 3), (1, 2, 3), (1, 2), (0, 1, 2)
    ):
        span = dilation * (kernel - 1) + 1
        positions = [
            start for start in range(-pad, size + pad, stride) if start + span <= size + pad
        ]
        if not positions:
            continue
        shape = infer_conv2d_shape(
            (1, 1, size, size), (1, 1, kernel, kernel), (stride, stride), (pad,) * 4,
            (dilation, dilation), 1,
        )
        assert shape[2:] == (len(positions), len(positions)), (size, kernel, stride, dilation, pad)


def test_conv2d_shape_errors() -> None:
    with pytest.raises(VerifyException, match="weight has 2 input channels per group, input has 8 channels and groups = 2"):
        infer_conv2d_shape((1, 8, 8, 8), (8, 2, 3, 3), (1, 1), (0,) * 4, (1, 1), 2)
    with pytest.raises(VerifyException, match="bias shape 4 must be \\[8\\]"):
        infer_conv2d_shape((1, 8, 8, 8), (8, 8, 3, 3), (1, 1), (0,) * 4, (1, 1), 1, (4,))


def _onnxruntime_max_pool_shape(size, kernel, stride, pad, dilation, ceil_mode):
    node = helper.make_node(
        "MaxPool", ["x"], ["y"], kernel_shape=[kernel] * 2, strides=[stride] * 2,
        pads=[pad] * 4, dilations=[dilation] * 2, ceil_mode=int(ceil_mode),
    )
    graph = helper.make_graph(
        [node], "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options)
    return session.run(None, {"x": np.zeros((1, 1, size, size), np.float32)})[0].shape


@pytest.mark.parametrize(
    "size, kernel, stride, pad, dilation",
    [(5, 2, 2, 1, 1), (6, 3, 2, 1, 1), (7, 3, 2, 0, 1), (8, 3, 3, 1, 2), (13, 2, 3, 1, 1),
     (112, 3, 2, 1, 1), (5, 3, 2, 0, 1)],
)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_shape_matches_onnxruntime(size, kernel, stride, pad, dilation, ceil_mode) -> None:
    expected = _onnxruntime_max_pool_shape(size, kernel, stride, pad, dilation, ceil_mode)
    ours = infer_pool2d_shape(
        (1, 1, size, size), (kernel,) * 2, (stride,) * 2, (pad,) * 4, (dilation,) * 2, ceil_mode
    )
    assert ours == tuple(expected)


def test_pool_ceil_mode_drops_a_window_that_starts_in_the_padding() -> None:
    assert infer_pool2d_shape((1, 1, 5, 5), (2, 2), (2, 2), (1,) * 4, (1, 1), False) == (1, 1, 3, 3)
    # ceil((5 + 2 - 2) / 2) + 1 = 4, but the fourth window would start at padded row 6.
    assert infer_pool2d_shape((1, 1, 5, 5), (2, 2), (2, 2), (1,) * 4, (1, 1), True) == (1, 1, 3, 3)
    assert infer_pool2d_shape((1, 1, 6, 6), (3, 3), (2, 2), (0,) * 4, (1, 1), True) == (1, 1, 3, 3)


@pytest.mark.parametrize(
    "lhs, rhs",
    [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
     ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (7, 3, 4)), ((1, 2, 3), (6, 3, 4)), ((4, 3), (2, 1, 3, 5))],
)
def test_matmul_shape_matches_numpy(lhs, rhs) -> None:
    assert infer_matmul_shape(lhs, rhs) == np.matmul(np.zeros(lhs), np.zeros(rhs)).shape


def test_matmul_shape_errors() -> None:
    with pytest.raises(VerifyException, match="different contraction sizes \\(3 and 4\\)"):
        infer_matmul_shape((2, 3), (4, 5))
    with pytest.raises(VerifyException, match="lhs shape 2 does not broadcast with rhs shape 3"):
        infer_matmul_shape((2, 1, 3), (3, 3, 4))


def test_gemm_shape() -> None:
    assert infer_gemm_shape((2, 8), (5, 8), (5,), False, True) == (2, 5)
    assert infer_gemm_shape((8, 2), (8, 5), (2, 1), True, False) == (2, 5)
    with pytest.raises(VerifyException, match="c shape 3 does not broadcast"):
        infer_gemm_shape((2, 8), (8, 5), (3,), False, False)


@pytest.mark.parametrize("lhs, rhs", [((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (5,)), ((1,), (3, 1))])
def test_broadcast_matches_numpy(lhs, rhs) -> None:
    assert broadcast_shapes(lhs, rhs) == np.broadcast_shapes(lhs, rhs)


def test_shape_ops_match_numpy() -> None:
    x = np.zeros((2, 3, 4, 5))
    assert infer_reduce_shape(x.shape, (1, 3), True) == x.sum(axis=(1, 3), keepdims=True).shape
    assert infer_reduce_shape(x.shape, (0, 2), False) == x.sum(axis=(0, 2)).shape
    assert infer_flatten_shape(x.shape, 2) == (6, 20)
    assert infer_flatten_shape(x.shape, 0) == (1, 120)
    assert infer_flatten_shape(x.shape, 4) == (120, 1)
    assert infer_squeeze_shape((1, 3, 1, 5), (0, 2)) == np.squeeze(np.zeros((1, 3, 1, 5)), (0, 2)).shape
    assert infer_unsqueeze_shape(x.shape, (0, 3, 6)) == np.expand_dims(x, (0, 3, 6)).shape
    assert infer_transpose_shape(x.shape, (3, 0, 2, 1)) == x.transpose(3, 0, 2, 1).shape
    assert infer_concat_shape([x.shape, (2, 7, 4, 5)], 1) == (2, 10, 4, 5)
    assert infer_split_shapes(x.shape, 3, (1, 4)) == [(2, 3, 4, 1), (2, 3, 4, 4)]
    assert infer_pad_shape(x.shape, (0, 1, 2, 3, 4, 5, 6, 7)) == (6, 9, 12, 15)
    indices = np.zeros((6, 7), dtype=np.int64)
    assert infer_gather_shape(x.shape, indices.shape, 2) == np.take(x, indices, axis=2).shape


@pytest.mark.parametrize(
    "starts, ends, axes, steps",
    [([1], [3], [0], None), ([-2], [100], [1], None), ([0, 5], [-1, -100], [0, 1], [1, -1]),
     ([-1], [-1000], [2], [-2]), ([4], [0], [1], [-3]), ([3], [1], [0], None),
     ([10], [2], [1], [-1]), ([0], [4], [-1], [3])],
)
def test_slice_matches_numpy(starts, ends, axes, steps) -> None:
    """ONNX-style arguments, normalised, give numpy's slice (end = -1 with a
    negative step reads as "through index 0", numpy's None)."""
    x = np.arange(4 * 6 * 5).reshape(4, 6, 5)
    full_starts, full_ends, full_steps = normalize_slice(x.shape, starts, ends, axes, steps)
    index = tuple(
        slice(start, None if (end == -1 and step < 0) else end, step)
        for start, end, step in zip(full_starts, full_ends, full_steps)
    )
    expected = x[index].shape
    assert infer_slice_shape(x.shape, full_starts, full_ends, full_steps) == expected


# Ops built from Python, and the model builder.


def _every_op_model() -> ModuleOp:
    rng = np.random.default_rng(0)
    b = ModelBuilder("every_op")
    x = b.input("image", (1, 4, 8, 8))
    m = b.input("matrix", (2, 3))
    idx = b.input("indices", (5,), i32)
    v = b.constant(rng.standard_normal(3).astype(np.float32))
    y = b.conv2d(x, rng.standard_normal((8, 2, 3, 3)).astype(np.float32), np.zeros(8, np.float32),
                 padding=(1, 1, 1, 1), groups=2)
    y = b.batch_norm(y, np.ones(8), np.zeros(8), np.zeros(8), np.ones(8))
    y = b.max_pool2d(b.relu(y), (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=True)
    y = b.avg_pool2d(y, (2, 2))
    g = b.global_avg_pool(y)
    for unary in (b.sigmoid, b.tanh, b.erf, b.exp, b.sqrt, b.neg, b.abs, b.hard_swish,
                  b.gelu, b.leaky_relu, b.elu, b.hard_sigmoid, b.relu6):
        m = unary(m)
    for binary in (b.add, b.sub, b.mul, b.div, b.pow, b.min, b.max):
        m = binary(m, v)
    m = b.prelu(m, v)
    m = b.softmax(b.layer_norm(m, v, v), axis=1)
    t = b.matmul(m, b.transpose(m, (1, 0)))
    t = b.gemm(t, m, None, alpha=0.5)
    t = b.linear(t, np.ones((4, 3), np.float32), np.zeros(4, np.float32))
    r = b.reduce_sum(b.reduce_max(b.reduce_mean(y, (2, 3)), (1,)), (0,), keepdims=False)
    f = b.flatten(g)
    s = b.squeeze(b.unsqueeze(f, (0,)), (0,))
    c = b.concat([s, b.reshape(r, (1, -1))], axis=1)
    parts = b.split(b.slice(c, [1], [-1], [1]), 1, (3, 4))
    p = b.pad(parts[1], (0, 1, 0, 1), "edge")
    gathered = b.gather(p, idx, axis=1)
    b.output("gathered", gathered)
    b.output("counts", b.cast(t, i8))
    return b.build()


def test_builder_covers_every_op_and_verifies() -> None:
    module = _every_op_model()
    used = {type(op) for op in module.walk()}
    assert set(NN_OPS) <= used, {op.name for op in set(NN_OPS) - used}


def test_builder_function_signature() -> None:
    module = _every_op_model()
    func = next(op for op in module.walk() if isinstance(op, FuncOp))
    assert func.sym_name.data == "every_op"
    assert [d.data["nn.name"].data for d in func.arg_attrs] == ["image", "matrix", "indices"]
    assert [d.data["nn.name"].data for d in func.res_attrs] == ["gathered", "counts"]
    text = print_module(module)
    assert '%image: tensor<1x4x8x8xf32> {nn.name = "image"}' in text


def test_builder_round_trips_through_text() -> None:
    module = _every_op_model()
    text = print_module(module)
    parsed = parse_module(text)
    parsed.verify()
    assert print_module(parsed) == text


def test_builder_rejects_duplicate_names() -> None:
    b = ModelBuilder("m")
    x = b.input("x", (2,))
    with pytest.raises(ValueError, match="already has an input named 'x'"):
        b.input("x", (2,))
    b.output("y", x)
    with pytest.raises(ValueError, match="already has an output named 'y'"):
        b.output("y", x)


def test_constructor_rejects_bad_operands() -> None:
    b = ModelBuilder()
    x = b.input("x", (1, 3, 8, 8))
    with pytest.raises(VerifyException, match="weight has 4 input channels per group"):
        b.conv2d(x, np.zeros((8, 4, 3, 3), np.float32))


def test_verifier_rejects_a_mistyped_result() -> None:
    b = ModelBuilder()
    x = b.input("x", (2, 3))
    op = nn.SoftmaxOp(x, axis=1)
    op.attributes["axis"] = nn.base.i64_attr(2)
    with pytest.raises(VerifyException, match="axis = 2 is out of range for rank 2"):
        op.verify()
    bad = nn.AddOp(x, x, result_type=nn.base.tensor((3, 2), f32))
    with pytest.raises(VerifyException, match=re.escape(
        "result type tensor<3x2xf32> does not match inferred tensor<2x3xf32>")):
        bad.verify()


# Constants.


@pytest.mark.parametrize(
    "array",
    [np.arange(64, dtype=np.float32).reshape(4, 16) / 7,
     np.arange(40, dtype=np.float16).reshape(5, 8),
     (np.arange(30) / 3).astype(ml_dtypes.bfloat16),
     np.arange(-50, 50, dtype=np.int8),
     np.arange(200, dtype=np.uint8),
     np.arange(20) % 3 == 0,
     np.arange(18, dtype=np.int64).reshape(2, 3, 3) - 9,
     np.array([1.5, -2.0], dtype=np.float32)],
)
def test_constant_prints_and_parses_back_with_identical_data(array: np.ndarray) -> None:
    b = ModelBuilder()
    c = b.constant(array)
    b.output("c", c)
    module = b.build()
    text = print_module(module)
    op = next(op for op in module.walk() if isinstance(op, nn.ConstantOp))
    if array.size > 16:
        assert "dense_resource<" in text and "dialect_resources" in text
        # Forget the blob, as a fresh process would, so parsing must read the text.
        key = op.value.resource_handle.data
        resources.STORAGE._blob_storage.pop(key)  # pyright: ignore[reportPrivateUsage]
        resources._decoded.pop(key)  # pyright: ignore[reportPrivateUsage]
    parsed = parse_module(text)
    parsed.verify()
    constant = next(op for op in parsed.walk() if isinstance(op, nn.ConstantOp))
    data = constant.array()
    assert data.dtype == array.dtype
    assert data.shape == array.shape
    assert data.tobytes() == array.tobytes()


def test_constant_from_array_inlines_small_values() -> None:
    small = nn.ConstantOp.from_array(np.array([1.0, 2.0], np.float32))
    assert "dense<" in str(small)
    np.testing.assert_array_equal(small.array(), [1.0, 2.0])
    large = nn.ConstantOp.from_array(np.zeros(17, np.float32))
    assert "dense_resource<" in str(large)
    typed = nn.ConstantOp.from_array(np.array([1, 2, 3]), i8)
    assert typed.result.type == nn.base.tensor((3,), i8)
