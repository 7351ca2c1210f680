"""Tiny ONNX models for the npu-import lit tests.

    python onnx_graphs.py NAME OUT.onnx

writes the model `NAME` (a key of `GRAPHS`) to OUT.onnx. Weights are seeded.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)
F = TensorProto.FLOAT


def tensor(name: str, elem: int, shape: Sequence[int | str] | None) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def weight(name: str, *shape: int) -> onnx.TensorProto:
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def ints(name: str, values: Sequence[int]) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    initializers: Sequence[onnx.TensorProto] = (),
    opset: int = 17,
) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def conv_pads() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["explicit"], pads=[1, 2, 3, 4], strides=[2, 1]),
        helper.make_node(
            "Conv", ["x", "dw"], ["same_lower"], group=3, auto_pad="SAME_LOWER", strides=[2, 2]
        ),
        helper.make_node(
            "Conv", ["x", "dw"], ["same_upper"], group=3, auto_pad="SAME_UPPER", strides=[2, 2]
        ),
        helper.make_node("Conv", ["x", "w"], ["valid"], auto_pad="VALID", dilations=[2, 2]),
    ]
    return model(
        nodes,
        [tensor("x", F, [1, 3, 7, 7])],
        [tensor(n, F, None) for n in ("explicit", "same_lower", "same_upper", "valid")],
        [weight("w", 4, 3, 3, 3), weight("b", 4), weight("dw", 3, 1, 4, 4)],
    )


def conv_1d() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["conv"], pads=[1, 2]),
        helper.make_node("MaxPool", ["conv"], ["y"], kernel_shape=[2], strides=[2]),
    ]
    return model(nodes, [tensor("x", F, [1, 2, 10])], [tensor("y", F, None)], [weight("w", 3, 2, 3)])


def gemm() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Gemm", ["a", "w", "b"], ["fc"], transB=1, alpha=0.5),
        helper.make_node("MatMul", ["fc", "m"], ["y"]),
    ]
    return model(
        nodes,
        [tensor("a", F, [2, 4])],
        [tensor("y", F, None)],
        [weight("w", 3, 4), weight("b", 3), weight("m", 3, 5)],
    )


def shape_folding() -> onnx.ModelProto:
    """The shape subgraph torch.onnx.export emits for `x.view(x.size(0), -1)`."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Constant", [], ["zero"], value=ints("zero", [0])),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Constant", [], ["minus_one"], value=ints("minus_one", [-1])),
        helper.make_node("Concat", ["batch", "minus_one"], ["new_shape"], axis=0),
        helper.make_node("Reshape", ["x", "new_shape"], ["flat"]),
        helper.make_node("Shape", ["flat"], ["flat_shape"], start=-1),
        helper.make_node("Cast", ["flat_shape"], ["flat_shape_f"], to=F),
        helper.make_node("Div", ["flat_shape_f", "two"], ["half_f"]),
        helper.make_node("Cast", ["half_f"], ["half"], to=TensorProto.INT64),
        helper.make_node("Concat", ["batch", "half", "two_i"], ["split_shape"], axis=0),
        helper.make_node("Reshape", ["flat", "split_shape"], ["y"]),
        helper.make_node("ConstantOfShape", ["two_i"], ["ones"], value=helper.make_tensor("v", F, [1], [1.0])),
        helper.make_node("Range", ["r0", "r1", "r2"], ["range"]),
        helper.make_node("Equal", ["range", "r0"], ["is_first"]),
        helper.make_node("Where", ["is_first", "ones", "ones"], ["mask"]),
        helper.make_node("Expand", ["mask", "mask_shape"], ["z"]),
    ]
    return model(
        nodes,
        [tensor("x", F, [2, 3, 4, 5])],
        [tensor("y", F, None), tensor("z", F, None)],
        [
            numpy_helper.from_array(np.array([2.0], np.float32), "two"),
            ints("two_i", [2]),
            numpy_helper.from_array(np.array(0, np.int64), "r0"),
            numpy_helper.from_array(np.array(2, np.int64), "r1"),
            numpy_helper.from_array(np.array(1, np.int64), "r2"),
            ints("mask_shape", [3, 2]),
        ],
    )


def negative_axes() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Softmax", ["x"], ["soft"], axis=-1),
        helper.make_node("Concat", ["soft", "x"], ["cat"], axis=-2),
        helper.make_node("Unsqueeze", ["cat", "unsqueeze_axes"], ["unsq"]),
        helper.make_node("Squeeze", ["unsq", "squeeze_axes"], ["sq"]),
        helper.make_node("ReduceMean", ["sq"], ["mean"], axes=[-1], keepdims=0),
        helper.make_node("Transpose", ["mean"], ["y"]),
        helper.make_node("Gather", ["x", "index"], ["g"], axis=-1),
        helper.make_node("Flatten", ["x"], ["f"], axis=-1),
        helper.make_node("Slice", ["x", "starts", "ends", "slice_axes", "steps"], ["s"]),
    ]
    return model(
        nodes,
        [tensor("x", F, [2, 3, 4])],
        [tensor(n, F, None) for n in ("y", "g", "f", "s")],
        [
            ints("unsqueeze_axes", [-1, 0]),
            ints("squeeze_axes", [-1]),
            numpy_helper.from_array(np.array(-1, np.int64), "index"),
            ints("starts", [-1, 0]),
            ints("ends", [-100, 100]),
            ints("slice_axes", [-1, 1]),
            ints("steps", [-2, 2]),
        ],
        opset=13,
    )


def names() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Add", ["input.1", "bias"], ["sum"]),
        helper.make_node("Mul", ["sum", "mask:0"], ["logits"]),
        helper.make_node("Identity", ["sum"], ["copy"]),
    ]
    bias = weight("bias", 4)
    return model(
        nodes,
        [tensor("input.1", F, [1, 4]), tensor("bias", F, [4]), tensor("mask:0", F, [1, 4])],
        [tensor("logits", F, None), tensor("copy", F, None)],
        [bias],
    )


def activations() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Clip", ["x", "zero", "six"], ["relu6"]),
        helper.make_node("Clip", ["relu6", "", "six"], ["upper"]),
        helper.make_node("Max", ["upper", "x", "x2"], ["max3"]),
        helper.make_node("Min", ["max3"], ["min1"]),
        helper.make_node("HardSwish", ["min1"], ["hs"]),
        helper.make_node("Gelu", ["hs"], ["y"], approximate="tanh"),
        helper.make_node("Dropout", ["y"], ["z"]),
    ]
    return model(
        nodes,
        [tensor("x", F, [2, 3]), tensor("x2", F, [3])],
        [tensor("z", F, None)],
        [
            numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
            numpy_helper.from_array(np.array(6.0, np.float32), "six"),
        ],
        opset=20,
    )


def dtypes() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Cast", ["q"], ["qf"], to=TensorProto.BFLOAT16),
        helper.make_node("Cast", ["h"], ["hb"], to=TensorProto.BFLOAT16),
        helper.make_node("Add", ["qf", "hb"], ["sum"]),
        helper.make_node("Cast", ["sum"], ["y"], to=TensorProto.UINT8),
        helper.make_node("Gather", ["table", "ids"], ["emb"]),
    ]
    return model(
        nodes,
        [
            tensor("q", TensorProto.INT8, [4]),
            tensor("h", TensorProto.FLOAT16, [4]),
            tensor("ids", TensorProto.INT32, [2, 2]),
        ],
        [tensor("y", TensorProto.UINT8, None), tensor("emb", F, None)],
        [weight("table", 10, 3)],
    )


def dynamic_batch() -> onnx.ModelProto:
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    return model(nodes, [tensor("x", F, ["batch", 3, 8])], [tensor("y", F, None)])


def lstm() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu_0"),
        helper.make_node("LSTM", ["r", "w", "rw"], ["y"], name="lstm_1", hidden_size=2),
    ]
    return model(
        nodes,
        [tensor("x", F, [1, 1, 2])],
        [tensor("y", F, None)],
        [weight("w", 1, 8, 2), weight("rw", 1, 8, 2)],
    )


def conv_3d() -> onnx.ModelProto:
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv3d")]
    return model(
        nodes, [tensor("x", F, [1, 1, 4, 4, 4])], [tensor("y", F, None)], [weight("w", 1, 1, 2, 2, 2)]
    )


def runtime_shape() -> onnx.ModelProto:
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")]
    return model(
        nodes,
        [tensor("x", F, [2, 3]), tensor("shape", TensorProto.INT64, [2])],
        [tensor("y", F, None)],
    )


def old_opset() -> onnx.ModelProto:
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    return model(nodes, [tensor("x", F, [2])], [tensor("y", F, None)], opset=11)


GRAPHS: dict[str, Callable[[], onnx.ModelProto]] = {
    "conv_pads": conv_pads,
    "conv_1d": conv_1d,
    "gemm": gemm,
    "shape_folding": shape_folding,
    "negative_axes": negative_axes,
    "names": names,
    "activations": activations,
    "dtypes": dtypes,
    "dynamic_batch": dynamic_batch,
    "lstm": lstm,
    "conv_3d": conv_3d,
    "runtime_shape": runtime_shape,
    "old_opset": old_opset,
}

if __name__ == "__main__":
    name, path = sys.argv[1:]
    onnx.save(GRAPHS[name](), path)
