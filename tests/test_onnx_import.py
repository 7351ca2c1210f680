"""The ONNX importer: exporter-style graphs computed as onnxruntime computes them,
import-time folding, opset variants, data types, the `npu-import` command and its
one-line errors."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func

from interpreter.executor import run_function
from npu_dialect.errors import UserError
from npu_dialect.nn import NN
from npu_frontend.onnx_import import import_onnx
from npu_frontend.onnx_ops import truncating_divide
from npu_tools import npu_import
from npu_tools.diagnostics import parse_module

ort = pytest.importorskip("onnxruntime")

F = TensorProto.FLOAT
RNG = np.random.default_rng(0)


def info(name: str, elem: int = F, shape: Sequence[int | str] | None = None) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def const(name: str, value: object, dtype: object = np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def make_model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: Sequence[str],
    initializers: Sequence[onnx.TensorProto] = (),
    opset: int = 18,
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "graph", inputs, [helper.make_empty_tensor_value_info(n) for n in outputs],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def random_inputs(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    initializers = {i.name for i in model.graph.initializer}
    inputs = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
        dtype = helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type)
        inputs[value.name] = RNG.standard_normal(shape).astype(dtype)
    return inputs


def assert_matches_onnxruntime(
    model: onnx.ModelProto, inputs: dict[str, np.ndarray] | None = None
) -> ModuleOp:
    inputs = random_inputs(model) if inputs is None else inputs
    module = import_onnx(model)
    got = run_function(module, inputs)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in model.graph.output]
    for name, want in zip(names, session.run(names, inputs), strict=True):
        assert got[name].dtype == want.dtype, name
        assert got[name].shape == want.shape, name
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(got[name], want, err_msg=name)
        else:
            np.testing.assert_allclose(got[name], want, rtol=1e-4, atol=1e-5, err_msg=name)
    return module


def op_counts(module: ModuleOp) -> Counter[str]:
    return Counter(op.name for op in module.walk() if op.name.startswith("nn."))


# --- exporter-style graphs -------------------------------------------------------


def test_shape_subgraph_folds_to_static_reshapes() -> None:
    """What exporters emit for `x.reshape(b, t, heads, -1).transpose(1, 2)` with
    b, t read from the input's shape, plus an attention mask built from Range."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["b"], axis=0),
        helper.make_node("Gather", ["shape", "one"], ["t"], axis=0),
        helper.make_node("Unsqueeze", ["b", "axis0"], ["b1"]),
        helper.make_node("Unsqueeze", ["t", "axis0"], ["t1"]),
        helper.make_node("Concat", ["b1", "t1", "heads", "minus_one"], ["split_shape"], axis=0),
        helper.make_node("Reshape", ["x", "split_shape"], ["split"]),
        helper.make_node("Transpose", ["split"], ["heads_first"], perm=[0, 2, 1, 3]),
        helper.make_node("Range", ["zero", "t", "one"], ["positions"]),
        helper.make_node("Unsqueeze", ["positions", "axis1"], ["column"]),
        helper.make_node("Less", ["positions", "column"], ["future"]),
        helper.make_node("Where", ["future", "neg_inf", "zero_f"], ["mask"]),
        helper.make_node("MatMul", ["heads_first", "heads_last"], ["scores"]),
        helper.make_node("Add", ["scores", "mask"], ["masked"]),
        helper.make_node("Softmax", ["masked"], ["y"], axis=-1),
    ]
    model = make_model(
        nodes,
        [info("x", F, [2, 5, 8]), info("heads_last", F, [2, 2, 4, 5])],
        ["y"],
        [
            const("zero", 0, np.int64),
            const("one", 1, np.int64),
            const("axis0", [0], np.int64),
            const("axis1", [1], np.int64),
            const("heads", [2], np.int64),
            const("minus_one", [-1], np.int64),
            const("neg_inf", -1e9),
            const("zero_f", 0.0),
        ],
    )
    module = assert_matches_onnxruntime(model)
    assert op_counts(module) == Counter(
        {
            "nn.reshape": 1, "nn.transpose": 1, "nn.matmul": 1, "nn.constant": 1, "nn.add": 1,
            "nn.softmax": 1,
        }
    )


def test_opset_13_and_18_forms_agree_with_onnxruntime() -> None:
    """Axes as attributes (ReduceMean-13) and as inputs (ReduceSum-13, -18 ops),
    Split sizes as input (13) and num_outputs (18, uneven), Pad axes (18)."""
    opset13 = make_model(
        [
            helper.make_node("ReduceMean", ["x"], ["mean"], axes=[-1], keepdims=1),
            helper.make_node("ReduceSum", ["x", "axes"], ["sum"], keepdims=0),
            helper.make_node("Split", ["x", "sizes"], ["s0", "s1"], axis=1),
            helper.make_node("Squeeze", ["mean", "last"], ["squeezed"]),
            helper.make_node("Clip", ["x", "low", "high"], ["clipped"]),
        ],
        [info("x", F, [2, 5, 3])],
        ["mean", "sum", "s0", "s1", "squeezed", "clipped"],
        [
            const("axes", [0, -1], np.int64),
            const("sizes", [2, 3], np.int64),
            const("last", [-1], np.int64),
            const("low", -0.5),
            const("high", 0.5),
        ],
        opset=13,
    )
    assert_matches_onnxruntime(opset13)
    opset18 = make_model(
        [
            helper.make_node("ReduceMax", ["x", "axes"], ["max"], keepdims=0),
            helper.make_node("Split", ["x"], ["s0", "s1", "s2"], axis=1, num_outputs=3),
            helper.make_node("Pad", ["x", "pads", "", "pad_axes"], ["reflect"], mode="reflect"),
            helper.make_node("Pad", ["x", "pads", "value", "pad_axes"], ["constant"]),
            helper.make_node("Pad", ["x", "pads", "", "pad_axes"], ["edge"], mode="edge"),
        ],
        [info("x", F, [2, 5, 3])],
        ["max", "s0", "s1", "s2", "reflect", "constant", "edge"],
        [
            const("axes", [1], np.int64),
            const("pads", [1, 2, 2, 1], np.int64),
            const("pad_axes", [-2, 2], np.int64),
            const("value", 1.5),
        ],
    )
    module = assert_matches_onnxruntime(opset18)
    split = next(op for op in module.walk() if op.name == "nn.split")
    assert [tuple(r.type.get_shape()) for r in split.results] == [(2, 2, 3), (2, 2, 3), (2, 1, 3)]


def test_windows_and_normalisations_agree_with_onnxruntime() -> None:
    rng = np.random.default_rng(1)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["conv"], auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("BatchNormalization", ["conv", "scale", "bias", "mean", "var"], ["bn"]),
        helper.make_node("PRelu", ["bn", "slope"], ["act"]),
        helper.make_node(
            "AveragePool", ["act"], ["avg"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
            ceil_mode=1, count_include_pad=1,
        ),
        helper.make_node("MaxPool", ["act"], ["max"], kernel_shape=[2, 2], auto_pad="SAME_LOWER"),
        helper.make_node("GlobalAveragePool", ["max"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc", "fc_b"], ["logits"], transB=1, beta=0.5),
        helper.make_node("HardSigmoid", ["logits"], ["hs"], alpha=0.3),
        helper.make_node("Elu", ["avg"], ["elu"], alpha=0.7),
        helper.make_node("LeakyRelu", ["elu"], ["leaky"], alpha=0.2),
        helper.make_node(
            "LayerNormalization", ["leaky", "ln_scale"], ["ln", "ln_mean", "ln_inv"], axis=-2
        ),
    ]
    model = make_model(
        nodes,
        [info("x", F, [1, 3, 9, 9])],
        ["hs", "ln", "ln_mean", "ln_inv"],
        [
            const("w", rng.standard_normal((4, 3, 3, 3))),
            const("b", rng.standard_normal(4)),
            const("scale", rng.uniform(0.5, 1.5, 4)),
            const("bias", rng.standard_normal(4)),
            const("mean", rng.standard_normal(4)),
            const("var", rng.uniform(0.5, 1.5, 4)),
            const("slope", rng.uniform(0, 0.5, (4, 1, 1))),
            const("fc", rng.standard_normal((6, 4))),
            const("fc_b", rng.standard_normal(6)),
            const("ln_scale", rng.standard_normal((3, 3))),
        ],
    )
    assert_matches_onnxruntime(model)


def test_runtime_values_where_exporters_usually_give_constants() -> None:
    """Clip bounds, Expand's input and Gather indices computed at run time."""
    nodes = [
        helper.make_node("Clip", ["x", "low", "high"], ["clipped"]),
        helper.make_node("Expand", ["row", "shape"], ["expanded"]),
        helper.make_node("Mul", ["clipped", "expanded"], ["product"]),
        helper.make_node("Gather", ["product", "ids"], ["picked"], axis=1),
        helper.make_node("Pow", ["picked", "two"], ["squared"]),
        helper.make_node("Div", ["ints", "divisor"], ["quotient"]),
        helper.make_node("Cast", ["squared"], ["as_int"], to=TensorProto.INT32),
    ]
    model = make_model(
        nodes,
        [
            info("x", F, [3, 4]),
            info("low", F, []),
            info("high", F, []),
            info("row", F, [1, 4]),
            info("ids", TensorProto.INT64, [2]),
            info("ints", TensorProto.INT32, [6]),
        ],
        ["quotient", "as_int", "squared"],
        [
            const("shape", [3, 1], np.int64),
            const("two", 2, np.int32),
            const("divisor", [4, -4, 3, -3, 5, 7], np.int32),
        ],
    )
    inputs = random_inputs(model)
    inputs["ids"] = np.array([-1, 2], np.int64)
    inputs["ints"] = np.array([-7, 7, -9, 9, 3, -20], np.int32)
    inputs["low"], inputs["high"] = np.array(-0.3, np.float32), np.array(0.4, np.float32)
    assert_matches_onnxruntime(model, inputs)


def test_float16_model_agrees_with_onnxruntime() -> None:
    rng = np.random.default_rng(2)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["sum"]),
        helper.make_node("Relu", ["sum"], ["y"]),
    ]
    model = make_model(
        nodes,
        [info("x", TensorProto.FLOAT16, [2, 8])],
        ["y"],
        [
            const("w", rng.standard_normal((8, 4)), np.float16),
            const("b", rng.standard_normal(4), np.float16),
        ],
    )
    inputs = {"x": rng.standard_normal((2, 8)).astype(np.float16)}
    module = import_onnx(model)
    got = run_function(module, inputs)["y"]
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = session.run(["y"], inputs)
    assert got.dtype == np.float16
    np.testing.assert_allclose(
        got.astype(np.float32), want.astype(np.float32), rtol=1e-2, atol=1e-2
    )


def test_bfloat16_and_int8_weights_keep_their_types() -> None:
    weights = np.arange(6, dtype=np.float32).reshape(2, 3).astype(ml_dtypes.bfloat16)
    nodes = [
        helper.make_node("Add", ["x", "w"], ["sum"]),
        helper.make_node("Cast", ["q"], ["qf"], to=TensorProto.BFLOAT16),
        helper.make_node("Mul", ["sum", "qf"], ["y"]),
    ]
    model = make_model(
        nodes,
        [info("x", TensorProto.BFLOAT16, [2, 3])],
        ["y"],
        [numpy_helper.from_array(weights, "w"), const("q", [[1, -2, 3]], np.int8)],
    )
    module = import_onnx(model)
    x = np.ones((2, 3), ml_dtypes.bfloat16)
    y = run_function(module, {"x": x})["y"]
    assert y.dtype == ml_dtypes.bfloat16
    scale = np.array([[1, -2, 3]], np.float32)
    expected = (x.astype(np.float32) + weights.astype(np.float32)) * scale
    np.testing.assert_array_equal(y.astype(np.float32), expected)


def test_large_uniform_constants_are_stored_once() -> None:
    """ConstantOfShape and Expand of a scalar make broadcast constants: one element
    in the blob however large the tensor."""
    nodes = [
        helper.make_node(
            "ConstantOfShape", ["shape"], ["fill"], value=helper.make_tensor("v", F, [1], [0.5])
        ),
        helper.make_node("Expand", ["two", "shape"], ["twos"]),
        helper.make_node("Mul", ["x", "fill"], ["half"]),
        helper.make_node("Add", ["half", "twos"], ["y"]),
    ]
    model = make_model(
        nodes,
        [info("x", F, [64, 512])],
        ["y"],
        [const("shape", [64, 512], np.int64), const("two", 2.0)],
    )
    module = assert_matches_onnxruntime(model)
    assert len(npu_import.module_text(module)) < 2000


def test_truncating_divide_rounds_toward_zero() -> None:
    lhs = np.array([7, -7, 7, -7, 6, -6, 0], np.int64)
    rhs = np.array([2, 2, -2, -2, 3, 3, 5], np.int64)
    np.testing.assert_array_equal(truncating_divide(lhs, rhs), [3, -3, -3, 3, 2, -2, 0])


# --- graph boundaries --------------------------------------------------------------


def test_names_initializer_inputs_and_passthrough_outputs() -> None:
    nodes = [helper.make_node("Add", ["input:0", "bias"], ["sum"])]
    graph = helper.make_graph(
        nodes,
        "g",
        [info("input:0", F, [2]), info("bias", F, [2])],
        [info("sum"), info("input:0"), info("bias")],
        [const("bias", [1.0, 2.0])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    module = import_onnx(model)
    (function,) = module.ops
    assert [a.data["nn.name"].data for a in function.arg_attrs.data] == ["input:0"]
    assert [a.data["nn.name"].data for a in function.res_attrs.data] == ["sum", "input:0", "bias"]
    outputs = run_function(module, {"input:0": np.array([1.0, 1.0], np.float32)})
    np.testing.assert_array_equal(outputs["sum"], [2.0, 3.0])
    np.testing.assert_array_equal(outputs["input:0"], [1.0, 1.0])
    np.testing.assert_array_equal(outputs["bias"], [1.0, 2.0])


def test_input_shapes_fix_dynamic_dims_and_path_equals_proto(tmp_path: Path) -> None:
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    model = make_model(nodes, [info("x", F, ["batch", 3])], ["y"])
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    from_path = import_onnx(path, {"x": (5, 3)})
    from_proto = import_onnx(model, {"x": (5, 3)})
    assert str(from_path) == str(from_proto)
    assert "tensor<5x3xf32>" in str(from_path)
    dynamic = r"model.onnx: graph input 'x' has dynamic shape \[batch, 3\]"
    with pytest.raises(UserError, match=dynamic):
        import_onnx(path)


def test_printed_module_parses_back_with_its_weights() -> None:
    rng = np.random.default_rng(3)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    weight = const("w", rng.standard_normal((64, 32)))
    model = make_model(nodes, [info("x", F, [2, 64])], ["y"], [weight])
    module = import_onnx(model)
    text = npu_import.module_text(module)
    assert "dialect_resources" in text
    ctx = Context()
    for dialect in (Builtin, Func, NN):
        ctx.load_dialect(dialect)
    parsed = parse_module(ctx, text, "printed.mlir")
    assert npu_import.module_text(parsed) == text
    x = rng.standard_normal((2, 64)).astype(np.float32)
    np.testing.assert_array_equal(
        run_function(parsed, {"x": x})["y"], run_function(module, {"x": x})["y"]
    )


# --- errors --------------------------------------------------------------------------


def rejection(model: onnx.ModelProto, **kwargs: object) -> str:
    with pytest.raises(UserError) as error:
        import_onnx(model, **kwargs)  # type: ignore[arg-type]
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("nodes", "initializers", "expected"),
    [
        (
            [helper.make_node("FusedConv", ["x"], ["y"], domain="com.microsoft", name="fused")],
            [],
            "graph: node 'fused' (FusedConv): unsupported ONNX operator com.microsoft.FusedConv",
        ),
        (
            [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Celu", ["r"], ["y"])],
            [],
            "graph: node #1 (Celu): unsupported ONNX operator Celu",
        ),
        (
            [helper.make_node("Relu", ["later"], ["y"], name="early")],
            [],
            "node 'early' (Relu): input 'later': not defined by any earlier node, initializer "
            "or graph input",
        ),
        (
            [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
            [const("w", np.ones((3, 2)))],
            "node 'mm' (MatMul): lhs shape 2x4 and rhs shape 3x2 have different contraction sizes",
        ),
        (
            [helper.make_node("Reshape", ["x", "shape"], ["y"], name="r")],
            [const("shape", [5, -1], np.int64)],
            "node 'r' (Reshape): cannot reshape [2, 4] to [5, -1]",
        ),
        (
            [helper.make_node("Squeeze", ["x", "axes"], ["y"], name="sq")],
            [const("axes", [1], np.int64)],
            "node 'sq' (Squeeze): cannot squeeze axis 1 of size 4",
        ),
        (
            [helper.make_node("Softmax", ["x"], ["y"], axis=2, name="sm")],
            [],
            "node 'sm' (Softmax): axis 2 is out of range for rank 2",
        ),
        (
            [helper.make_node("MaxPool", ["x4"], ["pooled", "y"], kernel_shape=[1, 1], name="mp")],
            [const("x4", np.ones((1, 1, 2, 4)))],
            "node 'mp' (MaxPool): output 1 ('y') is not supported",
        ),
        (
            [helper.make_node("Add", ["x", "s"], ["y"], name="strings")],
            [numpy_helper.from_array(np.array(["a"], dtype=object), "s")],
            "initializer 's' holds strings",
        ),
        (
            [helper.make_node("Split", ["x", "sizes"], ["a", "y"], axis=1, name="split")],
            [const("sizes", [1, 2], np.int64)],
            "node 'split' (Split): split sizes [1, 2] do not divide a dim of 4 into 2 outputs",
        ),
        (
            [
                helper.make_node(
                    "BatchNormalization", ["x", "p", "p", "p", "p"], ["y"], training_mode=1, name="bn"
                )
            ],
            [const("p", np.ones(4))],
            "node 'bn' (BatchNormalization): training_mode = 1 is not supported (inference only)",
        ),
    ],
    ids=[
        "custom-domain", "unnamed-node", "undefined-input", "shape-mismatch", "bad-reshape",
        "squeeze-non-unit", "axis-range", "maxpool-indices", "string-initializer", "split-sizes",
        "training-batch-norm",
    ],
)
def test_rejections_are_one_line_naming_the_node(
    nodes: list[onnx.NodeProto], initializers: list[onnx.TensorProto], expected: str
) -> None:
    model = make_model(nodes, [info("x", F, [2, 4])], ["y"], initializers)
    assert expected in rejection(model)


def test_rejections_of_graph_boundaries() -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["r"])], [info("x", F, [2])], ["y"])
    assert rejection(model) == (
        "graph: graph output 'y': not defined by any earlier node, initializer or graph input"
    )
    seq = make_model(
        [],
        [helper.make_tensor_sequence_value_info("x", F, [2])],
        ["x"],
    )
    assert rejection(seq) == "graph: graph input 'x' is not a tensor (sequence_type)"
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    u16 = make_model(relu, [info("x", TensorProto.UINT16, [2])], ["y"])
    assert rejection(u16) == (
        "graph: graph input 'x' has element type uint16, which nn does not support"
    )
    with_initializer = make_model(relu, [info("x", F, [2])], ["y"], [const("c", 1.0)])
    message = rejection(with_initializer, input_shapes={"c": (1,)})
    assert "'c', which is not a graph input (inputs: x)" in message


def test_unused_outputs_of_unsupported_kinds_are_ignored() -> None:
    nodes = [helper.make_node("MaxPool", ["x"], ["y", ""], kernel_shape=[2, 2])]
    model = make_model(nodes, [info("x", F, [1, 1, 4, 4])], ["y"])
    assert op_counts(import_onnx(model))["nn.max_pool2d"] == 1


# --- the command -----------------------------------------------------------------


def run_command(args: list[str]) -> int:
    try:
        npu_import.main(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_command_writes_output_and_keeps_it_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.onnx", tmp_path / "bad.onnx"
    relu = helper.make_node("Relu", ["x"], ["y"])
    celu = helper.make_node("Celu", ["x"], ["y"], name="c")
    onnx.save(make_model([relu], [info("x", F, [2])], ["y"]), good)
    onnx.save(make_model([celu], [info("x", F, [2])], ["y"]), bad)
    out = tmp_path / "out.mlir"

    assert run_command([str(good), "-o", str(out)]) == 0
    written = out.read_text()
    assert 'nn.name = "y"' in written

    assert run_command([str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"npu-import: error: {bad}: node 'c' (Celu): unsupported ONNX operator Celu\n"
    assert out.read_text() == written
    assert sorted(os.listdir(tmp_path)) == ["bad.onnx", "good.onnx", "out.mlir"]

    assert run_command([str(good)]) == 0
    assert capsys.readouterr().out == written
