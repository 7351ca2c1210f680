"""A compact ONNX graph builder for the example models.

`GraphBuilder` wraps `onnx.helper` with one method per layer. Each method appends
the nodes and initializers of one layer, tracks the static shape of every value it
creates (so layers can ask for their input's channel count), and returns the name
of the result. Weights come from one `np.random.default_rng(seed)` stream in
construction order, so a model is the same bytes on every run.

Names follow the PyTorch exporter: parameters are `layer1.0.conv1.weight`, nodes are
`/layer1/0/conv1/Conv` and their results `/layer1/0/conv1/Conv_output_0`, which
keeps importer diagnostics readable.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

Shape = tuple[int, ...]
Pair = tuple[int, int]
Pads = tuple[int, int, int, int]
"""ONNX 2-D pads: (top, left, bottom, right)."""
Padding = int | Pads | str
"""Symmetric pads, explicit pads, or `"same"` (TensorFlow's rule)."""


def pair(value: int | Sequence[int]) -> Pair:
    if isinstance(value, int):
        return value, value
    first, second = value
    return first, second


def same_pads(size: Pair, kernel: Pair, stride: Pair) -> Pads:
    """Keras/TensorFlow `padding='same'`: the output is ceil(size / stride) and
    the odd pixel of padding goes at the bottom/right, as tf2onnx exports it."""
    totals = []
    for length, k, s in zip(size, kernel, stride):
        out = -(-length // s)
        totals.append(max((out - 1) * s + k - length, 0))
    (total_h, total_w) = totals
    return (total_h // 2, total_w // 2, total_h - total_h // 2, total_w - total_w // 2)


def _pads(padding: Padding, size: Pair, kernel: Pair, stride: Pair) -> Pads:
    if padding == "same":
        return same_pads(size, kernel, stride)
    if isinstance(padding, int):
        return (padding,) * 4
    assert not isinstance(padding, str), f"unknown padding {padding!r}"
    return padding


def _window_output(size: Pair, kernel: Pair, stride: Pair, pads: Pads) -> Pair:
    top, left, bottom, right = pads
    return (
        (size[0] + top + bottom - kernel[0]) // stride[0] + 1,
        (size[1] + left + right - kernel[1]) // stride[1] + 1,
    )


class GraphBuilder:
    """Builds one ONNX graph layer by layer; `build()` returns the checked model."""

    def __init__(self, name: str, *, seed: int, opset: int = 17, doc: str = "") -> None:
        self.name = name
        self.opset = opset
        self.doc = doc
        self.rng = np.random.default_rng(seed)
        self.shapes: dict[str, Shape] = {}
        self._nodes: list[onnx.NodeProto] = []
        self._initializers: list[TensorProto] = []
        self._inputs: list[onnx.ValueInfoProto] = []
        self._outputs: list[onnx.ValueInfoProto] = []
        self._scope: list[str] = []
        self._used: set[str] = set()
        self._layer_paths: set[str] = set()

    # Naming.

    @contextlib.contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Prefix the names of everything created inside with `name`."""
        self._scope.append(name)
        try:
            yield
        finally:
            self._scope.pop()

    @staticmethod
    def _claim(base: str, taken: set[str]) -> str:
        name, index = base, 0
        while name in taken:
            index += 1
            name = f"{base}_{index}"
        taken.add(name)
        return name

    def _unique(self, base: str) -> str:
        """A tensor or node name not used before in the graph."""
        return self._claim(base, self._used)

    def layer_path(self, name: str | None, default: str) -> str:
        """The dotted path of a layer (`layer1.0.conv1`), unique among layers."""
        return self._claim(".".join([*self._scope, name or default]), self._layer_paths)

    # Graph inputs, outputs, initializers and nodes.

    def input(self, name: str, shape: Shape) -> str:
        self._inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        self._used.add(name)
        self.shapes[name] = tuple(shape)
        return name

    def output(self, value: str, name: str) -> str:
        """Make `value` a graph output called `name` (renaming it in place)."""
        for node in self._nodes:
            node.output[:] = [name if out == value else out for out in node.output]
            node.input[:] = [name if inp == value else inp for inp in node.input]
        self.shapes[name] = self.shapes.pop(value)
        self._outputs.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, self.shapes[name])
        )
        return name

    def constant(self, name: str, array: np.ndarray) -> str:
        """An initializer; `name` is final apart from a uniqueness suffix."""
        name = self._unique(name)
        self._initializers.append(numpy_helper.from_array(array, name))
        self.shapes[name] = tuple(array.shape)
        return name

    def node(
        self,
        op_type: str,
        inputs: Sequence[str],
        out_shape: Shape,
        *,
        layer: str | None = None,
        **attrs: object,
    ) -> str:
        """Append one single-result node and return its result."""
        path = layer if layer is not None else ".".join(self._scope)
        node_name = self._unique("/" + "/".join(filter(None, [*path.split("."), op_type])))
        result = f"{node_name}_output_0"
        self._used.add(result)
        self._nodes.append(
            helper.make_node(op_type, list(inputs), [result], name=node_name, **attrs)
        )
        self.shapes[result] = tuple(out_shape)
        return result

    # Weight initialisation.

    def he_normal(self, shape: Shape, fan_in: int) -> np.ndarray:
        """He (Kaiming) normal init: keeps activations O(1) through ReLU layers."""
        return (self.rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(np.float32)

    def uniform(self, shape: Shape, low: float, high: float) -> np.ndarray:
        return self.rng.uniform(low, high, size=shape).astype(np.float32)

    # Layers.

    def conv(
        self,
        x: str,
        out_channels: int,
        kernel: int | Pair,
        *,
        stride: int | Pair = 1,
        padding: Padding = 0,
        groups: int = 1,
        bias: bool = False,
        name: str | None = None,
    ) -> str:
        """Conv2d on NCHW with an OIHW He-normal weight and an optional bias."""
        n, c, h, w = self.shapes[x]
        kh, kw = pair(kernel)
        strides = pair(stride)
        pads = _pads(padding, (h, w), (kh, kw), strides)
        oh, ow = _window_output((h, w), (kh, kw), strides, pads)
        layer = self.layer_path(name, "conv")
        fan_in = c // groups * kh * kw
        weight = self.he_normal((out_channels, c // groups, kh, kw), fan_in)
        inputs = [x, self.constant(f"{layer}.weight", weight)]
        if bias:
            inputs.append(self.constant(f"{layer}.bias", self.uniform((out_channels,), -0.1, 0.1)))
        return self.node(
            "Conv",
            inputs,
            (n, out_channels, oh, ow),
            layer=layer,
            kernel_shape=[kh, kw],
            strides=list(strides),
            pads=list(pads),
            dilations=[1, 1],
            group=groups,
        )

    def depthwise(
        self,
        x: str,
        kernel: int,
        *,
        stride: int = 1,
        padding: Padding = 0,
        bias: bool = False,
        name: str | None = None,
    ) -> str:
        channels = self.shapes[x][1]
        return self.conv(
            x,
            channels,
            kernel,
            stride=stride,
            padding=padding,
            groups=channels,
            bias=bias,
            name=name,
        )

    def batch_norm(
        self,
        x: str,
        *,
        epsilon: float = 1e-5,
        gamma: tuple[float, float] = (0.5, 1.5),
        name: str | None = None,
    ) -> str:
        """Inference BatchNormalization with non-trivial statistics and affine
        parameters, so a wrong channel axis or a dropped term changes the result."""
        channels = self.shapes[x][1]
        layer = self.layer_path(name, "bn")
        params = [
            self.constant(f"{layer}.weight", self.uniform((channels,), *gamma)),
            self.constant(f"{layer}.bias", self.uniform((channels,), -0.2, 0.2)),
            self.constant(f"{layer}.running_mean", self.uniform((channels,), -0.2, 0.2)),
            self.constant(f"{layer}.running_var", self.uniform((channels,), 0.5, 2.0)),
        ]
        return self.node(
            "BatchNormalization", [x, *params], self.shapes[x], layer=layer, epsilon=epsilon
        )

    def unary(self, op_type: str, x: str, **attrs: object) -> str:
        layer = self.layer_path(None, op_type.lower())
        return self.node(op_type, [x], self.shapes[x], layer=layer, **attrs)

    def relu(self, x: str) -> str:
        return self.unary("Relu", x)

    def relu6(self, x: str) -> str:
        """ReLU6 as PyTorch exports it: Clip with scalar min/max inputs."""
        layer = self.layer_path(None, "clip")
        low = self.constant(f"{layer}.min", np.array(0.0, np.float32))
        high = self.constant(f"{layer}.max", np.array(6.0, np.float32))
        return self.node("Clip", [x, low, high], self.shapes[x], layer=layer)

    def binary(self, op_type: str, a: str, b: str) -> str:
        shape = np.broadcast_shapes(self.shapes[a], self.shapes[b])
        return self.node(op_type, [a, b], shape, layer=self.layer_path(None, op_type.lower()))

    def add(self, a: str, b: str) -> str:
        return self.binary("Add", a, b)

    def mul(self, a: str, b: str) -> str:
        return self.binary("Mul", a, b)

    def scalar(self, name: str, value: float) -> str:
        """A 0-d float constant, as exporters emit for Python numbers."""
        return self.constant(self.layer_path(name, name), np.array(value, np.float32))

    def max_pool(self, x: str, kernel: int, *, stride: int, padding: Padding = 0) -> str:
        return self._pool("MaxPool", x, kernel, stride, padding)

    def avg_pool(
        self, x: str, kernel: int | Pair, *, stride: int | Pair, padding: Padding = 0
    ) -> str:
        """AveragePool, padded cells excluded from the count (ONNX's default)."""
        return self._pool("AveragePool", x, kernel, stride, padding)

    def _pool(
        self, op_type: str, x: str, kernel: int | Pair, stride: int | Pair, padding: Padding
    ) -> str:
        n, c, h, w = self.shapes[x]
        kernel_hw, strides = pair(kernel), pair(stride)
        pads = _pads(padding, (h, w), kernel_hw, strides)
        oh, ow = _window_output((h, w), kernel_hw, strides, pads)
        return self.node(
            op_type,
            [x],
            (n, c, oh, ow),
            layer=self.layer_path(None, op_type.lower()),
            kernel_shape=list(kernel_hw),
            strides=list(strides),
            pads=list(pads),
        )

    def global_avg_pool(self, x: str) -> str:
        n, c, _, _ = self.shapes[x]
        layer = self.layer_path(None, "gap")
        return self.node("GlobalAveragePool", [x], (n, c, 1, 1), layer=layer)

    def flatten(self, x: str, axis: int = 1) -> str:
        shape = self.shapes[x]
        out = (math.prod(shape[:axis]), math.prod(shape[axis:]))
        return self.node("Flatten", [x], out, layer=self.layer_path(None, "flatten"), axis=axis)

    def linear(self, x: str, out_features: int, *, name: str | None = None) -> str:
        """A PyTorch `nn.Linear` on a 2-D input as exported: Gemm with transB=1."""
        batch, in_features = self.shapes[x]
        layer = self.layer_path(name, "fc")
        kernel = self.he_normal((out_features, in_features), in_features)
        weight = self.constant(f"{layer}.weight", kernel)
        bias = self.constant(f"{layer}.bias", self.uniform((out_features,), -0.1, 0.1))
        return self.node("Gemm", [x, weight, bias], (batch, out_features), layer=layer, transB=1)

    def dense(
        self, x: str, out_features: int, *, std: float | None = None, name: str | None = None
    ) -> str:
        """A Keras `Dense` (or a PyTorch Linear on >2-D input) as exported:
        MatMul with a [in, out] weight, then Add of the bias. The weight is
        He-normal, or normal with standard deviation `std` before a non-ReLU."""
        shape = self.shapes[x]
        in_features = shape[-1]
        layer = self.layer_path(name, "dense")
        if std is None:
            kernel = self.he_normal((in_features, out_features), in_features)
        else:
            kernel = self.rng.standard_normal((in_features, out_features)) * std
            kernel = kernel.astype(np.float32)
        weight = self.constant(f"{layer}.kernel", kernel)
        bias = self.constant(f"{layer}.bias", self.uniform((out_features,), -0.1, 0.1))
        out_shape = (*shape[:-1], out_features)
        product = self.node("MatMul", [x, weight], out_shape, layer=f"{layer}.matmul")
        return self.node("Add", [product, bias], out_shape, layer=f"{layer}.add")

    def matmul(self, a: str, b: str) -> str:
        shape_a, shape_b = self.shapes[a], self.shapes[b]
        batch = np.broadcast_shapes(shape_a[:-2], shape_b[:-2])
        out = (*batch, shape_a[-2], shape_b[-1])
        return self.node("MatMul", [a, b], out, layer=self.layer_path(None, "matmul"))

    def softmax(self, x: str, axis: int = -1) -> str:
        return self.unary("Softmax", x, axis=axis)

    def layer_norm(self, x: str, *, epsilon: float = 1e-5, name: str | None = None) -> str:
        """LayerNormalization (opset 17) over the last axis."""
        width = self.shapes[x][-1]
        layer = self.layer_path(name, "norm")
        scale = self.constant(f"{layer}.weight", self.uniform((width,), 0.5, 1.5))
        bias = self.constant(f"{layer}.bias", self.uniform((width,), -0.2, 0.2))
        return self.node(
            "LayerNormalization",
            [x, scale, bias],
            self.shapes[x],
            layer=layer,
            axis=-1,
            epsilon=epsilon,
        )

    def transpose(self, x: str, perm: Sequence[int]) -> str:
        out = tuple(self.shapes[x][p] for p in perm)
        layer = self.layer_path(None, "transpose")
        return self.node("Transpose", [x], out, layer=layer, perm=list(perm))

    def reshape(self, x: str, shape: str | Sequence[int], out_shape: Shape) -> str:
        """Reshape to `shape`: a constant (may hold -1) or a computed shape tensor."""
        if not isinstance(shape, str):
            shape = self.constant(self.layer_path(None, "shape"), np.array(shape, np.int64))
        layer = self.layer_path(None, "reshape")
        return self.node("Reshape", [x, shape], out_shape, layer=layer)

    # The model.

    def build(self) -> onnx.ModelProto:
        """The model at the minimum IR version of its opset, checked with full
        shape inference (which also confirms the shapes tracked here)."""
        graph = helper.make_graph(
            self._nodes,
            self.name,
            self._inputs,
            self._outputs,
            self._initializers,
            doc_string=self.doc,
        )
        opsets = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(
            graph,
            opset_imports=opsets,
            producer_name="npu-compiler examples",
            ir_version=helper.find_min_ir_version_for(opsets),
        )
        onnx.checker.check_model(model, full_check=True)
        return model
