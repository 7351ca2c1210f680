"""Tiny quantised ONNX models (QDQ and QOperator form) for the npu-import lit tests.

    python onnx_quant_graphs.py NAME OUT.onnx

writes the model `NAME` (a key of `GRAPHS`) to OUT.onnx. The parameters are chosen so
that the expected IR can be worked out by hand: weight scales are powers of two,
every weight of output channel o is o + 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
WEIGHT_SCALES = np.asarray([0.25, 0.125, 0.0625], np.float32)
"""With x_scale 0.5 and y_scale 1: requantisation scales 1/8, 1/16, 1/32."""


def array(name: str, values: object, dtype: type) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: Sequence[str],
    initializers: Sequence[onnx.TensorProto],
    microsoft: bool = False,
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "test",
        inputs,
        [helper.make_tensor_value_info(name, TensorProto.UNDEFINED, None) for name in outputs],
        list(initializers),
    )
    opsets = [helper.make_opsetid("", 17)]
    if microsoft:
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    return helper.make_model(graph, opset_imports=opsets)


def x_input() -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info("x", F, [1, 2, 4, 4])


def conv_weights(dtype: type = np.int8, offset: int = 0) -> np.ndarray:
    """3x2x3x3 weights, channel o all o + 1 (plus `offset`)."""
    return (np.arange(1, 4).reshape(3, 1, 1, 1) * np.ones((3, 2, 3, 3)) + offset).astype(dtype)


def qdq_conv() -> onnx.ModelProto:
    """DequantizeLinear -> Conv -> Relu -> QuantizeLinear, int8, per-channel weights
    and an int32 bias at scale x_scale * w_scale, as onnxruntime's quantizer writes."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["x_q"]),
        helper.make_node("DequantizeLinear", ["x_q", "x_scale", "x_zp"], ["x_dq"]),
        helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zp"], ["w"], axis=0),
        helper.make_node("DequantizeLinear", ["b_q", "b_scale", "b_zp"], ["b"], axis=0),
        helper.make_node("Conv", ["x_dq", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("QuantizeLinear", ["relu", "y_scale", "y_zp"], ["y_q"]),
        helper.make_node("DequantizeLinear", ["y_q", "y_scale", "y_zp"], ["y"]),
    ]
    initializers = [
        array("x_scale", 0.5, np.float32),
        array("x_zp", 3, np.int8),
        numpy_helper.from_array(conv_weights(), "w_q"),
        numpy_helper.from_array(WEIGHT_SCALES, "w_scale"),
        array("w_zp", [0, 0, 0], np.int8),
        array("b_q", [10, -20, 30], np.int32),
        numpy_helper.from_array(np.float32(0.5) * WEIGHT_SCALES, "b_scale"),
        array("b_zp", [0, 0, 0], np.int32),
        array("y_scale", 1.0, np.float32),
        array("y_zp", -2, np.int8),
    ]
    return model(nodes, [x_input()], ["y"], initializers)


def qlinear_conv() -> onnx.ModelProto:
    """QuantizeLinear -> QLinearConv -> DequantizeLinear with uint8 activations (zero
    points 128 and 130); the uint8 result is a second output."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["x_q"]),
        helper.make_node(
            "QLinearConv",
            ["x_q", "x_scale", "x_zp", "w_q", "w_scale", "w_zp", "y_scale", "y_zp", "b_q"],
            ["y_q"],
            pads=[1, 1, 1, 1],
            strides=[2, 2],
            name="conv",
        ),
        helper.make_node("DequantizeLinear", ["y_q", "y_scale", "y_zp"], ["y"]),
    ]
    initializers = [
        array("x_scale", 0.5, np.float32),
        array("x_zp", 128, np.uint8),
        numpy_helper.from_array(conv_weights(), "w_q"),
        numpy_helper.from_array(WEIGHT_SCALES, "w_scale"),
        array("w_zp", [0, 0, 0], np.int8),
        array("y_scale", 1.0, np.float32),
        array("y_zp", 130, np.uint8),
        array("b_q", [10, -20, 30], np.int32),
    ]
    return model(nodes, [x_input()], ["y", "y_q"], initializers)


def qlinear_conv_wide_weights() -> onnx.ModelProto:
    """uint8 weights up to 254 with zero point 0: no int8 form."""
    graph = qlinear_conv()
    weights = next(t for t in graph.graph.initializer if t.name == "w_q")
    weights.CopyFrom(numpy_helper.from_array(conv_weights(np.uint8, 250), "w_q"))
    zero_point = next(t for t in graph.graph.initializer if t.name == "w_zp")
    zero_point.CopyFrom(array("w_zp", [0, 0, 0], np.uint8))
    return graph


def qlinear_conv_runtime_weights() -> onnx.ModelProto:
    """QLinearConv whose weights are a graph input."""
    graph = qlinear_conv()
    kept = [t for t in graph.graph.initializer if t.name != "w_q"]
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(kept)
    graph.graph.input.append(helper.make_tensor_value_info("w_q", TensorProto.INT8, [3, 2, 3, 3]))
    return graph


def quantize_per_axis() -> onnx.ModelProto:
    """QuantizeLinear of a run-time tensor with one scale per channel."""
    nodes = [helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["y"], axis=1, name="q")]
    initializers = [array("scale", [0.5, 0.25], np.float32), array("zp", [0, 0], np.int8)]
    return model(nodes, [x_input()], ["y"], initializers)


def unknown_microsoft_op() -> onnx.ModelProto:
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["x_q"]),
        helper.make_node(
            "QLinearConcat",
            ["scale", "zp", "x_q", "scale", "zp", "x_q", "scale", "zp"],
            ["y"],
            axis=1,
            domain="com.microsoft",
            name="concat",
        ),
    ]
    initializers = [array("scale", 0.5, np.float32), array("zp", 0, np.int8)]
    return model(nodes, [x_input()], ["y"], initializers, microsoft=True)


GRAPHS: dict[str, Callable[[], onnx.ModelProto]] = {
    "qdq_conv": qdq_conv,
    "qlinear_conv": qlinear_conv,
    "qlinear_conv_wide_weights": qlinear_conv_wide_weights,
    "qlinear_conv_runtime_weights": qlinear_conv_runtime_weights,
    "quantize_per_axis": quantize_per_axis,
    "unknown_microsoft_op": unknown_microsoft_op,
}

if __name__ == "__main__":
    name, path = sys.argv[1:]
    onnx.save(GRAPHS[name](), path)
