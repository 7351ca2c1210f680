"""Pre-quantized ONNX models (QDQ and QOperator form) imported as quantised `nn` ops.

- The example models, quantised by onnxruntime's `quantize_static` (after its
  `quant_pre_process`; per-channel int8 weights, MinMax, int8 or uint8 activations)
  in QDQ and QOperator form, agree with onnxruntime's execution of the quantised
  model within MAX_LSB steps of the output's quantisation scale, with onnxruntime's
  graph optimisations (its integer kernels) and without them (the QDQ graph as
  written). The code is benchmarks/prequantized_agreement.py's, which records the
  numbers in docs/quantization.md.
- They compile with `npu-compile{config=npu-base precision=int8}` and no calibration
  file, and the simulated NPU program gives the `nn` level's outputs bit for bit.
- Tiny graphs check single operators against onnxruntime: uint8 graph inputs and
  outputs, uint8 tensors read by other ops, weight zero points, ConvInteger,
  MatMulInteger, QLinearMatMul on two run-time tensors, QGemm's options, QLinearAdd
  broadcasting a constant, ReLU/Clip folded into the requantisation.
- The ONNX backend node tests of the quantised operators pass or are refused with
  the reason in NODE_REJECTED.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp
from xdsl.transforms.canonicalize import CanonicalizePass

from benchmarks import prequantized_agreement as agreement_benchmark
from interpreter.driver import execute
from interpreter.executor import run_function
from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.npu import ProgramOp
from npu_frontend.onnx_import import DEFAULT_DOMAIN, import_onnx
from npu_frontend.onnx_quant_ops import QUANT_CONVERTERS
from npu_tools.npu_bisect import available_passes, parse_pipeline
from npu_tools.npu_run import build_context
from transforms.nn_assign_layout import NNAssignLayoutPass
from transforms.nn_fuse_epilogue import NNFuseEpiloguePass
from transforms.npu_compile import NPUCompilePass, compile_pipeline, is_prequantized

MODELS = ("mlp", "lenet5", "resnet8", "resnet", "mobilenet")
CASES = [
    (name, quant_format, activations)
    for name in MODELS
    for quant_format in ("qdq", "qoperator")
    for activations in ("int8", "uint8")
]
EVALUATION_SAMPLES = 8
MAX_LSB = 3
"""Largest output difference from onnxruntime, in steps of the output scale. Each
requantisation may round differently from onnxruntime's f32 arithmetic (a product
within f32 precision of a rounding boundary, ties to even): at most 1 step per layer,
on a few elements in 10^4 or fewer; the integer average pool rounds its frequent
ties half up. onnxruntime's lookup-table softmax (QLinearSoftmax) differs from the
float softmax by 1 step. Measured over 32 samples: at most 3 steps against optimised
onnxruntime (ResNet-8, QDQ: up to 4 on intermediate int8 tensors, 1 after the average
pool, 3 after the dense layer and the softmax), 2 against unoptimised."""
MAX_DIFFERING = 0.2
"""Largest share of output values that may differ at all (measured: at most 13.4%,
ResNet-8 QDQ, mostly the 1-step differences of onnxruntime's integer softmax on the
ten classifier outputs)."""


_PREPARED: dict[str, tuple[onnx.ModelProto, list[dict[str, np.ndarray]]]] = {}
_QUANTIZED: dict[tuple[str, str, str], onnx.ModelProto] = {}


def quantized_model(name: str, quant_format: str, activations: str) -> onnx.ModelProto:
    """Example model `name` quantised by onnxruntime (cached for the session)."""
    bench = agreement_benchmark
    if name not in _PREPARED:
        model = bench.preprocessed(bench.MODELS[name]())
        _PREPARED[name] = model, bench.samples_for(model, 8, bench.CALIBRATION_SEED)
    key = (name, quant_format, activations)
    if key not in _QUANTIZED:
        model, calibration = _PREPARED[name]
        _QUANTIZED[key] = bench.quantized(model, calibration, quant_format, activations)
    return _QUANTIZED[key]


@pytest.mark.parametrize(("name", "quant_format", "activations"), CASES)
def test_agrees_with_onnxruntime(name: str, quant_format: str, activations: str) -> None:
    bench = agreement_benchmark
    model = quantized_model(name, quant_format, activations)
    samples = bench.samples_for(model, EVALUATION_SAMPLES, bench.EVALUATION_SEED)
    optimised, unoptimised = bench.agreement(model, samples)
    print(f"{name} {quant_format} {activations}: {optimised} / {unoptimised}")
    for result in (optimised, unoptimised):
        assert result.max_lsb <= MAX_LSB
        assert result.differing <= MAX_DIFFERING


@pytest.mark.parametrize(("name", "quant_format", "activations"), CASES)
def test_compiles_without_calibration(name: str, quant_format: str, activations: str) -> None:
    """npu-compile{config=npu-base precision=int8} with no calibration file; the
    simulated program equals the `nn` run bit for bit."""
    model = quantized_model(name, quant_format, activations)
    module = import_onnx(model)
    assert is_prequantized(module)
    products = [op for op in module.walk() if isinstance(op, (nn.QConv2DOp, nn.QMatmulOp))]
    assert products and not any(
        isinstance(op, (nn.Conv2DOp, nn.GemmOp, nn.MatmulOp)) for op in module.walk()
    )
    bench = agreement_benchmark
    samples = bench.samples_for(model, 2, bench.EVALUATION_SEED)
    expected = [run_function(module, sample) for sample in samples]
    NPUCompilePass(config="npu-base", precision="int8").apply(build_context(), module)
    module.verify()
    assert any(isinstance(op, ProgramOp) for op in module.ops)
    for sample, want in zip(samples, expected):
        got = execute(module, inputs=sample).outputs
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("activations", ["int8", "uint8"])
def test_batch_norm_kept_in_float(activations: str) -> None:
    """Without onnxruntime's pre-processing, BatchNormalization stays between
    DequantizeLinear and QuantizeLinear (with int8-quantised parameters): it runs in
    float, and MatMul + Add with an int8-quantised constant bias becomes qmatmul +
    qadd. Same bounds as the pre-processed models; it compiles without calibration."""
    bench = agreement_benchmark
    model = bench.MODELS["resnet8"]()
    calibration = bench.samples_for(model, 8, bench.CALIBRATION_SEED)
    quantized = bench.quantized(model, calibration, "qdq", activations)
    samples = bench.samples_for(model, EVALUATION_SAMPLES, bench.EVALUATION_SEED)
    for result in bench.agreement(quantized, samples):
        assert result.max_lsb <= MAX_LSB
    module = import_onnx(quantized)
    names = [op.name for op in module.walk()]
    assert names.count("nn.batch_norm") == 7 and names.count("nn.qadd") == 4
    expected = run_function(module, samples[0])
    NPUCompilePass(config="npu-base", precision="int8").apply(build_context(), module)
    got = execute(module, inputs=samples[0]).outputs
    for key, want in expected.items():
        np.testing.assert_array_equal(got[key], want, err_msg=key)


def test_pipeline_skips_nn_quantize_only_when_quantized() -> None:
    """A float module still needs a calibration file for int8; a quantised one
    compiles without nn-quantize (stage `quantized` is canonicalize,
    nn-assign-layout and nn-fuse-epilogue alone), in npu-compile and in npu-bisect's
    expansion of it."""
    model = quantized_model("lenet5", "qdq", "int8")
    quantized = import_onnx(model)
    passes = [p.name for p in compile_pipeline("npu-base", "int8", "", prequantized=True)]
    assert "nn-quantize" not in passes and passes[0] == "canonicalize"
    float_module = import_onnx(agreement_benchmark.MODELS["lenet5"]())
    assert not is_prequantized(float_module) and is_prequantized(quantized)
    with pytest.raises(UserError, match="precision=int8 needs calibration"):
        NPUCompilePass(config="npu-base", precision="int8").apply(build_context(), float_module)
    bisected = parse_pipeline("npu-compile{precision=int8}", available_passes(), quantized)
    assert [p.name for p in bisected] == passes
    canonical = quantized.clone()
    CanonicalizePass().apply(build_context(), canonical)
    NNAssignLayoutPass().apply(build_context(), canonical)
    NNFuseEpiloguePass().apply(build_context(), canonical)
    NPUCompilePass(config="npu-base", precision="int8", stop_after="quantized").apply(
        build_context(), quantized
    )
    assert quantized.is_structurally_equivalent(canonical)


# Tiny graphs against onnxruntime --------------------------------------------------

RNG = np.random.default_rng(5)


def _const(name: str, values: object, dtype: type) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def _graph(
    nodes: list[onnx.NodeProto],
    inputs: Sequence[tuple[str, int, Sequence[int]]],
    outputs: Sequence[tuple[str, int]],
    initializers: Sequence[onnx.TensorProto],
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs],
        list(initializers),
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)


def _onnxruntime(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in model.graph.output]
    return dict(zip(names, session.run(None, inputs)))


def _compare(model: onnx.ModelProto, inputs: dict[str, np.ndarray], max_steps: int = 1) -> ModuleOp:
    """Our import against onnxruntime: integer outputs within `max_steps`, float
    outputs within 1e-5 relative."""
    module = import_onnx(model)
    got = run_function(module, inputs)
    for name, want in _onnxruntime(model, inputs).items():
        value = got[name]
        assert value.dtype == want.dtype and value.shape == want.shape, name
        if want.dtype.kind in "iu":
            difference = np.abs(value.astype(np.int64) - want.astype(np.int64))
            assert difference.max() <= max_steps, name
        else:
            np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-6, err_msg=name)
    return module


def _op_names(module: ModuleOp) -> list[str]:
    return [op.name for op in module.walk()]


def test_qlinear_conv_uint8_input_and_output() -> None:
    """A uint8 graph input (to int8 by subtracting 128), per-channel int8 weights,
    a grouped strided convolution, a uint8 result (back to uint8 as a graph output)."""
    nodes = [
        helper.make_node(
            "QLinearConv",
            ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
            ["y"],
            pads=[1, 0, 2, 1],
            strides=[2, 1],
            group=2,
        )
    ]
    initializers = [
        _const("xs", 0.02, np.float32),
        _const("xz", 120, np.uint8),
        _const("w", RNG.integers(-127, 128, (4, 2, 3, 3)), np.int8),
        _const("ws", [0.01, 0.02, 0.005, 0.03], np.float32),
        _const("wz", [0, 0, 0, 0], np.int8),
        _const("ys", 0.05, np.float32),
        _const("yz", 100, np.uint8),
        _const("b", RNG.integers(-2000, 2000, 4), np.int32),
    ]
    inputs = [("x", TensorProto.UINT8, [1, 4, 7, 6])]
    model = _graph(nodes, inputs, [("y", TensorProto.UINT8)], initializers)
    x = RNG.integers(0, 256, (1, 4, 7, 6)).astype(np.uint8)
    module = _compare(model, {"x": x})
    assert _op_names(module).count("nn.requantize") == 3  # to int8, the conv, to uint8


def test_weight_zero_points_are_subtracted() -> None:
    """uint8 weights with zero point 128 (onnxruntime's QUInt8 weights) and uint8
    activations; QLinearMatMul with a constant b."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearMatMul", ["xq", "xs", "xz", "b", "bs", "bz", "ys", "yz"], ["y"]),
    ]
    initializers = [
        _const("xs", 0.03, np.float32),
        _const("xz", 128, np.uint8),
        _const("b", RNG.integers(20, 236, (6, 5)), np.uint8),
        _const("bs", 0.01, np.float32),
        _const("bz", 128, np.uint8),
        _const("ys", 0.1, np.float32),
        _const("yz", 90, np.uint8),
    ]
    inputs = [("x", TensorProto.FLOAT, [2, 3, 6])]
    model = _graph(nodes, inputs, [("y", TensorProto.UINT8)], initializers)
    _compare(model, {"x": RNG.standard_normal((2, 3, 6)).astype(np.float32)})


def test_conv_and_matmul_integer() -> None:
    """ConvInteger and MatMulInteger: int32 results with both zero points, the input's
    folded into the bias, per-column weight zero points subtracted."""
    nodes = [
        helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["m"]),
    ]
    initializers = [
        _const("w", RNG.integers(0, 200, (3, 2, 3, 3)), np.uint8),
        _const("xz", 7, np.uint8),
        _const("wz", 100, np.uint8),
        _const("b", RNG.integers(-100, 100, (5, 4)), np.int8),
        _const("az", 130, np.uint8),
        _const("bz", [3, -2, 0, 5], np.int8),
    ]
    inputs = [("x", TensorProto.UINT8, [1, 2, 5, 5]), ("a", TensorProto.UINT8, [3, 5])]
    outputs = [("c", TensorProto.INT32), ("m", TensorProto.INT32)]
    model = _graph(nodes, inputs, outputs, initializers)
    values = {
        "x": RNG.integers(0, 256, (1, 2, 5, 5)).astype(np.uint8),
        "a": RNG.integers(0, 256, (3, 5)).astype(np.uint8),
    }
    _compare(model, values, max_steps=0)


def test_qlinear_matmul_of_two_activations() -> None:
    """Zero points that are 0 in int8 (0 for int8, 128 for uint8): nn.qmatmul;
    others: the product in float, as ONNX defines it."""
    for zero_point, integer in ((128, True), (131, False)):
        nodes = [
            helper.make_node("QuantizeLinear", ["a", "s", "z"], ["aq"]),
            helper.make_node("QuantizeLinear", ["b", "s", "z"], ["bq"]),
            helper.make_node("QLinearMatMul", ["aq", "s", "z", "bq", "s", "z", "ys", "yz"], ["y"]),
        ]
        initializers = [
            _const("s", 0.05, np.float32),
            _const("z", zero_point, np.uint8),
            _const("ys", 0.2, np.float32),
            _const("yz", 128, np.uint8),
        ]
        inputs = [("a", TensorProto.FLOAT, [2, 3, 4]), ("b", TensorProto.FLOAT, [2, 4, 5])]
        model = _graph(nodes, inputs, [("y", TensorProto.UINT8)], initializers)
        values = {n: RNG.standard_normal(s).astype(np.float32) for n, _, s in inputs}
        module = _compare(model, values)
        assert ("nn.qmatmul" in _op_names(module)) == integer
        assert ("nn.matmul" in _op_names(module)) != integer


def test_qgemm_options() -> None:
    """com.microsoft QGemm with transB = 0, alpha and an int32 C of shape [1, N]."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node(
            "QGemm",
            ["xq", "xs", "xz", "b", "bs", "bz", "c", "ys", "yz"],
            ["y"],
            domain="com.microsoft",
            alpha=0.5,
        ),
    ]
    initializers = [
        _const("xs", 0.02, np.float32),
        _const("xz", -5, np.int8),
        _const("b", RNG.integers(-127, 128, (8, 6)), np.int8),
        _const("bs", np.linspace(0.005, 0.02, 6), np.float32),
        _const("bz", np.zeros(6), np.int8),
        _const("c", RNG.integers(-500, 500, (1, 6)), np.int32),
        _const("ys", 0.04, np.float32),
        _const("yz", 3, np.int8),
    ]
    inputs = [("x", TensorProto.FLOAT, [3, 8])]
    model = _graph(nodes, inputs, [("y", TensorProto.INT8)], initializers)
    _compare(model, {"x": RNG.standard_normal((3, 8)).astype(np.float32)})


def test_qlinear_add_with_a_constant() -> None:
    """com.microsoft QLinearAdd broadcasting an int8 constant over the channels."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node(
            "QLinearAdd",
            ["xq", "xs", "xz", "c", "cs", "cz", "ys", "yz"],
            ["y"],
            domain="com.microsoft",
        ),
    ]
    initializers = [
        _const("xs", 0.02, np.float32),
        _const("xz", 10, np.int8),
        _const("c", RNG.integers(-128, 128, (3, 1, 1)), np.int8),
        _const("cs", 0.01, np.float32),
        _const("cz", -3, np.int8),
        _const("ys", 0.03, np.float32),
        _const("yz", 0, np.int8),
    ]
    inputs = [("x", TensorProto.FLOAT, [1, 3, 4, 4])]
    model = _graph(nodes, inputs, [("y", TensorProto.INT8)], initializers)
    module = _compare(model, {"x": RNG.standard_normal((1, 3, 4, 4)).astype(np.float32)})
    assert "nn.qadd" in _op_names(module)


def test_average_pools() -> None:
    """QLinearAveragePool and QLinearGlobalAveragePool in integers (window sums by a
    depthwise qconv2d, one requantize); padding that does not count needs the float
    pool."""
    for pads, integer in (([0, 0, 0, 0], True), ([1, 1, 1, 1], False)):
        nodes = [
            helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
            helper.make_node(
                "QLinearAveragePool",
                ["xq", "s", "z", "ps", "pz"],
                ["p"],
                domain="com.microsoft",
                kernel_shape=[3, 3],
                strides=[2, 2],
                pads=pads,
            ),
            helper.make_node(
                "QLinearGlobalAveragePool", ["xq", "s", "z", "ps", "pz"], ["g"],
                domain="com.microsoft",
            ),
        ]
        initializers = [
            _const("s", 0.05, np.float32),
            _const("z", 7, np.int8),
            _const("ps", 0.02, np.float32),
            _const("pz", -3, np.int8),
        ]
        inputs = [("x", TensorProto.FLOAT, [1, 3, 7, 7])]
        outputs = [("p", TensorProto.INT8), ("g", TensorProto.INT8)]
        model = _graph(nodes, inputs, outputs, initializers)
        module = _compare(model, {"x": RNG.standard_normal((1, 3, 7, 7)).astype(np.float32)})
        names = _op_names(module)
        assert names.count("nn.qconv2d") == (2 if integer else 1)
        assert ("nn.avg_pool2d" in names) != integer


def test_uint8_tensor_read_by_other_ops() -> None:
    """A uint8 tensor held as int8 is read in int8 form by MaxPool (order-preserving)
    and as uint8 by Cast, which needs its values."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
        helper.make_node("MaxPool", ["xq"], ["p"], kernel_shape=[2, 2], pads=[1, 1, 0, 0]),
        helper.make_node("Cast", ["p"], ["c"], to=TensorProto.FLOAT),
        helper.make_node("DequantizeLinear", ["p", "s", "z"], ["d"]),
    ]
    initializers = [_const("s", 0.05, np.float32), _const("z", 140, np.uint8)]
    outputs = [("c", TensorProto.FLOAT), ("d", TensorProto.FLOAT), ("p", TensorProto.UINT8)]
    model = _graph(nodes, [("x", TensorProto.FLOAT, [1, 2, 5, 5])], outputs, initializers)
    module = _compare(model, {"x": RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)}, 0)
    max_pool = next(op for op in module.walk() if isinstance(op, nn.MaxPool2DOp))
    assert max_pool.input.type.element_type.width.data == 8  # type: ignore[union-attr]


def test_qdq_activations_fold_into_the_clamp() -> None:
    """Conv -> Clip(0, 6) and Gemm -> Relu before QuantizeLinear: no float op is left,
    the bounds are the requantisation's clamp."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("DequantizeLinear", ["wq", "ws"], ["w"], axis=0),
        helper.make_node("Conv", ["xd", "w"], ["c"]),
        helper.make_node("Clip", ["c", "lo", "hi"], ["r"]),
        helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["yq"]),
        helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["yd"]),
        helper.make_node("Flatten", ["yd"], ["f"]),
        helper.make_node("QuantizeLinear", ["f", "ys", "yz"], ["fq"]),
        helper.make_node("DequantizeLinear", ["fq", "ys", "yz"], ["fd"]),
        helper.make_node("DequantizeLinear", ["gq", "gs"], ["g"], axis=0),
        helper.make_node("Gemm", ["fd", "g"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("QuantizeLinear", ["hr", "hs", "hz"], ["hq"]),
    ]
    initializers = [
        _const("xs", 0.03, np.float32),
        _const("xz", 4, np.int8),
        _const("wq", RNG.integers(-127, 128, (4, 2, 3, 3)), np.int8),
        _const("ws", [0.01, 0.02, 0.015, 0.005], np.float32),
        _const("lo", 0.0, np.float32),
        _const("hi", 6.0, np.float32),
        _const("ys", 0.05, np.float32),
        _const("yz", -100, np.int8),
        _const("gq", RNG.integers(-127, 128, (5, 36)), np.int8),
        _const("gs", np.linspace(0.002, 0.01, 5), np.float32),
        _const("hs", 0.1, np.float32),
        _const("hz", -20, np.int8),
    ]
    inputs = [("x", TensorProto.FLOAT, [1, 2, 5, 5])]
    model = _graph(nodes, inputs, [("hq", TensorProto.INT8)], initializers)
    module = _compare(model, {"x": 3 * RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)})
    names = _op_names(module)
    assert not {"nn.conv2d", "nn.gemm", "nn.clamp", "nn.relu", "nn.dequantize"} & set(names)
    requantizes = [op for op in module.walk() if isinstance(op, nn.RequantizeOp)]
    clamps = [list(op.clamp.get_values()) for op in requantizes]
    assert [-100, -100 + 120] in clamps and [-20, 127] in clamps


# The ONNX backend node tests of the quantised operators -----------------------------

NODE_PARAMETERS: dict[str, tuple[int, ...]] = {
    "QuantizeLinear": (1, 2),
    "DequantizeLinear": (1, 2),
    "QLinearConv": (1, 2, 3, 4, 5, 6, 7, 8),
    "QLinearMatMul": (1, 2, 4, 5, 6, 7),
    "ConvInteger": (1, 2, 3),
    "MatMulInteger": (1, 2, 3),
}
"""Inputs made initializers: scales and zero points (and the weights of Conv and
MatMulInteger) must be known at import; QLinearMatMul's b stays a run-time input."""

NODE_REJECTED: dict[str, tuple[str, ...]] = {
    "is not supported (int8 and uint8 are)": (
        "test_quantizelinear_e4m3fn",
        "test_quantizelinear_e5m2",
        "test_quantizelinear_float4e2m1",
        "test_quantizelinear_int16",
        "test_quantizelinear_int2",
        "test_quantizelinear_int4",
        "test_quantizelinear_uint16",
        "test_quantizelinear_uint2",
        "test_quantizelinear_uint4",
    ),
    "which nn does not support": (
        "test_dequantizelinear_e4m3fn",
        "test_dequantizelinear_e4m3fn_float16",
        "test_dequantizelinear_e4m3fn_zero_point",
        "test_dequantizelinear_e5m2",
        "test_dequantizelinear_float4e2m1",
        "test_dequantizelinear_int2",
        "test_dequantizelinear_int4",
        "test_dequantizelinear_uint16",
        "test_dequantizelinear_uint2",
        "test_dequantizelinear_uint4",
    ),
    "blocked quantization (block_size) is not supported": (
        "test_dequantizelinear_blocked",
        "test_quantizelinear_blocked_asymmetric",
        "test_quantizelinear_blocked_symmetric",
    ),
    "y_scale must be one value (per tensor) here, got 3 values": ("test_quantizelinear_axis",),
    "a_scale must be float32, got float16": (
        "test_qlinearmatmul_2D_int8_float16",
        "test_qlinearmatmul_2D_uint8_float16",
        "test_qlinearmatmul_3D_int8_float16",
        "test_qlinearmatmul_3D_uint8_float16",
    ),
    "w minus its zero point does not fit int8": ("test_qlinearconv",),
}
"""Error text -> the node tests whose import must fail with it: element types other
than int8/uint8 (and int16/int32 for DequantizeLinear), blocked quantisation,
per-axis QuantizeLinear of a run-time tensor (nn.quantize has one scale), float16
scales, uint8 weights that do not fit int8 after their zero point."""


def _node_cases() -> dict[str, object]:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    return {
        case.name: case  # type: ignore[attr-defined]
        for case in cases
        if all(
            node.domain in ("", "ai.onnx") and node.op_type in DEFAULT_DOMAIN
            for node in case.model.graph.node  # type: ignore[attr-defined]
        )
        and any(
            node.op_type in QUANT_CONVERTERS
            for node in case.model.graph.node  # type: ignore[attr-defined]
        )
    }


NODE_CASES = _node_cases()
NODE_ERRORS = {name: text for text, names in NODE_REJECTED.items() for name in names}


def _as_array(value: object) -> np.ndarray:
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    return np.asarray(value)


@pytest.mark.parametrize("name", sorted(NODE_CASES))
def test_node_case(name: str) -> None:
    """The case with its parameters made initializers, and opsets before 13 (those
    of QLinearConv, ConvInteger and MatMulInteger, unchanged since) raised to 13."""
    case = NODE_CASES[name]
    model = onnx.ModelProto()
    model.CopyFrom(case.model)  # type: ignore[attr-defined]
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = max(opset.version, 13)
    graph = model.graph
    node = graph.node[0]
    frozen_names = {node.input[i] for i in NODE_PARAMETERS[node.op_type] if i < len(node.input)}
    inputs, outputs = case.data_sets[0]  # type: ignore[attr-defined]
    values = dict(zip([i.name for i in graph.input], (_as_array(v) for v in inputs)))
    kept = [i for i in graph.input if i.name not in frozen_names]
    del graph.input[:]
    graph.input.extend(kept)
    graph.initializer.extend(
        numpy_helper.from_array(values.pop(n), n) for n in frozen_names if n in values
    )
    if name in NODE_ERRORS:
        with pytest.raises(UserError) as error:
            import_onnx(model)
        assert NODE_ERRORS[name] in str(error.value) and "\n" not in str(error.value)
        return
    got = run_function(import_onnx(model), values)
    for output, want in zip(graph.output, outputs):
        want = _as_array(want)
        assert got[output.name].dtype == want.dtype
        np.testing.assert_allclose(
            got[output.name].astype(np.float64), want.astype(np.float64), rtol=1e-6, atol=1e-6
        )


def test_node_rejections_name_selected_cases() -> None:
    unknown = sorted(set(NODE_ERRORS) - set(NODE_CASES))
    assert not unknown, f"NODE_REJECTED names cases that are not selected: {unknown}"
