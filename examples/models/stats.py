"""Size and cost figures of an ONNX model, for the README table and the tests."""

from __future__ import annotations

import math
from dataclasses import dataclass

import onnx

_BATCH_NORM_STATISTICS = (3, 4)
"""Inputs of BatchNormalization that are running statistics, not parameters."""


@dataclass(frozen=True)
class ModelStats:
    parameters: int
    """Learned values, counted as PyTorch's `sum(p.numel() for p in m.parameters())`:
    weights, biases and normalisation scales/shifts, not BatchNormalization
    running statistics nor scalar or integer constants."""
    macs: int
    """Multiply-accumulates of Conv, Gemm and MatMul."""


def parameter_count(model: onnx.ModelProto) -> int:
    graph = model.graph
    statistics = {
        node.input[index]
        for node in graph.node
        if node.op_type == "BatchNormalization"
        for index in _BATCH_NORM_STATISTICS
    }
    total = 0
    for tensor in graph.initializer:
        if tensor.name in statistics or len(tensor.dims) == 0:
            continue
        if tensor.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16):
            total += math.prod(tensor.dims)
    return total


def mac_count(model: onnx.ModelProto) -> int:
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    shapes: dict[str, tuple[int, ...]] = {}
    for info in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        shapes[info.name] = tuple(d.dim_value for d in info.type.tensor_type.shape.dim)
    for tensor in inferred.graph.initializer:
        shapes[tensor.name] = tuple(tensor.dims)
    total = 0
    for node in inferred.graph.node:
        out = shapes[node.output[0]]
        if node.op_type == "Conv":
            weight = shapes[node.input[1]]
            total += math.prod(out) * math.prod(weight[1:])
        elif node.op_type == "Gemm":
            transposed_a = any(a.name == "transA" and a.i for a in node.attribute)
            a = shapes[node.input[0]]
            total += math.prod(out) * (a[0] if transposed_a else a[1])
        elif node.op_type == "MatMul":
            total += math.prod(out) * shapes[node.input[0]][-1]
    return total


def model_stats(model: onnx.ModelProto) -> ModelStats:
    return ModelStats(parameter_count(model), mac_count(model))
