"""Converters from ONNX compute operators to `nn` ops.

`CONVERTERS` maps an ONNX op type to its converter; it includes the data-movement
and shape operators of `npu_frontend.onnx_shape_ops`. Elementwise arithmetic on
inputs that are all known at import time is evaluated with numpy instead of
emitted, since exporters compute shapes that way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects.builtin import f32
from xdsl.ir import SSAValue

from npu_dialect import nn
from npu_frontend.onnx_node import Converter, Node, Tensor
from npu_frontend.onnx_shape_ops import SHAPE_CONVERTERS


def truncating_divide(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """ONNX `Div`: integers divide toward zero, floats as usual."""
    if not np.issubdtype(lhs.dtype, np.integer):
        return np.asarray(lhs / rhs, dtype=lhs.dtype)
    quotient = np.floor_divide(lhs, rhs)
    inexact = (np.remainder(lhs, rhs) != 0) & ((lhs < 0) != (rhs < 0))
    return np.asarray(quotient + inexact, dtype=lhs.dtype)


def unary(op_class: type[nn.UnaryOperation]) -> Converter:
    return lambda node: [node.emit(op_class(node.value(0)))]


def binary(
    op_class: type[nn.BinaryOperation],
    fold: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Converter:
    def convert(node: Node) -> list[Tensor]:
        lhs, rhs = node.const(0), node.const(1)
        if fold is not None and lhs is not None and rhs is not None:
            return [np.asarray(fold(lhs, rhs), dtype=lhs.dtype)]
        return [node.emit(op_class(node.value(0), node.value(1)))]

    return convert


def variadic(op_class: type[nn.BinaryOperation], fold: np.ufunc) -> Converter:
    """Min, Max and Sum of any number of inputs, as a chain of binary ops."""

    def convert(node: Node) -> list[Tensor]:
        indices = [i for i in range(node.num_inputs) if node.has_input(i)]
        if not indices:
            raise node.error("needs at least one input")
        arrays = [node.const(i) for i in indices]
        if all(a is not None for a in arrays):
            result = arrays[0]
            for array in arrays[1:]:
                result = fold(result, array)
            return [np.asarray(result)]
        result = node.value(indices[0])
        for index in indices[1:]:
            result = node.emit(op_class(result, node.value(index)))
        return [result]

    return convert


def convert_pow(node: Node) -> list[Tensor]:
    base = node.value(0)
    base_type = node.type(0)
    exponent = node.const(1)
    if exponent is not None:
        dtype = node.importer.dtype_of(base)
        power = node.importer.ssa_array(exponent.astype(dtype), node.input_name(1))
    elif node.type(1).element_type != base_type.element_type:
        power = node.emit(nn.CastOp(node.value(1), base_type.element_type))
    else:
        power = node.value(1)
    return [node.emit(nn.PowOp(base, power))]


def scalar(node: Node, index: int, what: str, default: float) -> float:
    if not node.has_input(index):
        return default
    value = node.require_const(index, what)
    if value.size != 1:
        raise node.error(f"{what} must be a scalar, got shape {list(value.shape)}")
    return float(value.reshape(()))


def convert_clip(node: Node) -> list[Tensor]:
    if any(node.has_input(i) and node.const(i) is None for i in (1, 2)):
        # Bounds computed at run time: max(x, min), then min(., max), as ONNX defines Clip.
        result = node.value(0)
        if node.has_input(1):
            result = node.emit(nn.MaxOp(result, node.value(1)))
        if node.has_input(2):
            result = node.emit(nn.MinOp(result, node.value(2)))
        return [result]
    low = scalar(node, 1, "min", -math.inf)
    high = scalar(node, 2, "max", math.inf)
    # ONNX gives `max` everywhere when min > max; so does a clamp to [max, max].
    return [node.emit(nn.ClampOp(node.value(0), min(low, high), high))]


def convert_gelu(node: Node) -> list[Tensor]:
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise node.error(f"approximate '{approximate}' is not one of 'none', 'tanh'")
    return [node.emit(nn.GeluOp(node.value(0), str(approximate)))]


def window_padding(
    node: Node, spatial: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
    dilations: Sequence[int],
) -> list[int]:
    """ONNX `pads` (all begins, then all ends), or the ones `auto_pad` implies."""
    rank = len(spatial)
    auto_pad = node.attr("auto_pad", "NOTSET")
    if auto_pad == "NOTSET":
        pads = node.int_list("pads", [0] * 2 * rank)
        if len(pads) != 2 * rank:
            raise node.error(f"pads {pads} must have {2 * rank} entries")
        if any(p < 0 for p in pads):
            raise node.error(f"negative pads {pads} are not supported")
        return pads
    if auto_pad == "VALID":
        return [0] * 2 * rank
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise node.error(f"auto_pad '{auto_pad}' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
    begins, ends = [], []
    for size, k, stride, dilation in zip(spatial, kernel, strides, dilations):
        out = -(-size // stride)
        total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
        small = total // 2
        begin = small if auto_pad == "SAME_UPPER" else total - small
        begins.append(begin)
        ends.append(total - begin)
    return begins + ends


class Window:
    """Kernel, strides, padding and dilations of a Conv or pool node, as the 2-D
    `nn` ops take them. A 1-D op (NCW input) runs as 2-D with H = 1."""

    def __init__(self, node: Node, kernel: Sequence[int] | None, what: str):
        shape = node.shape(0)
        if len(shape) not in (3, 4):
            raise node.error(
                f"only 1-D and 2-D {what} are supported, the input has rank {len(shape)}"
            )
        spatial = shape[2:]
        rank = len(spatial)
        declared = node.int_list("kernel_shape")
        if kernel is None:
            if declared is None:
                raise node.error("kernel_shape is required")
            kernel = declared
        elif declared is not None and list(declared) != list(kernel):
            raise node.error(f"kernel_shape {declared} does not match the weight's {list(kernel)}")
        strides = node.int_list("strides", [1] * rank)
        dilations = node.int_list("dilations", [1] * rank)
        named = (("kernel_shape", kernel), ("strides", strides), ("dilations", dilations))
        for name, values in named:
            if len(values) != rank:
                raise node.error(f"{name} {list(values)} must have {rank} entries")
        pads = window_padding(node, spatial, kernel, strides, dilations)
        self.node = node
        self.one_d = rank == 1
        if self.one_d:
            kernel, strides, dilations = [1, *kernel], [1, *strides], [1, *dilations]
            pads = [0, pads[0], 0, pads[1]]
        self.kernel, self.strides, self.padding, self.dilations = (
            list(kernel), list(strides), list(pads), list(dilations)
        )

    def operand(self, index: int) -> SSAValue:
        """Input `index` (the data, or a Conv weight) with H = 1 inserted if 1-D."""
        if not self.one_d:
            return self.node.value(index)
        array = self.node.const(index)
        if array is not None:
            return self.node.importer.ssa_array(
                np.expand_dims(array, 2), self.node.input_name(index)
            )
        return self.node.emit(nn.UnsqueezeOp(self.node.value(index), [2]))

    def result(self, value: SSAValue) -> SSAValue:
        return self.node.emit(nn.SqueezeOp(value, [2])) if self.one_d else value


def convert_conv(node: Node) -> list[Tensor]:
    window = Window(node, node.shape(1)[2:], "convolutions")
    bias = node.value(2) if node.has_input(2) else None
    op = nn.Conv2DOp(
        window.operand(0), window.operand(1), bias, strides=window.strides,
        padding=window.padding, dilations=window.dilations, groups=int(node.attr("group", 1)),
    )
    return [window.result(node.emit(op))]


def ceil_mode(node: Node) -> bool:
    # With auto_pad SAME, ONNX defines the output size as ceil(size / stride).
    explicit = node.attr("auto_pad", "NOTSET") in ("NOTSET", "VALID")
    return bool(node.attr("ceil_mode", 0)) and explicit


def convert_max_pool(node: Node) -> list[Tensor]:
    window = Window(node, None, "max pools")
    op = nn.MaxPool2DOp(
        window.operand(0), window.kernel, window.strides, window.padding, window.dilations,
        ceil_mode(node),
    )
    return [window.result(node.emit(op))]


def convert_average_pool(node: Node) -> list[Tensor]:
    window = Window(node, None, "average pools")
    if any(d != 1 for d in window.dilations):
        dilations = node.int_list("dilations")
        raise node.error(f"dilations {dilations} are not supported for AveragePool")
    count_include_pad = bool(node.attr("count_include_pad", 0))
    op = nn.AvgPool2DOp(
        window.operand(0), window.kernel, window.strides, window.padding, ceil_mode(node),
        count_include_pad,
    )
    return [window.result(node.emit(op))]


def convert_global_average_pool(node: Node) -> list[Tensor]:
    rank = node.rank(0)
    if rank != 4:
        raise node.error(
            f"only 2-D global pooling (rank-4 NCHW input) is supported, the input has rank {rank}"
        )
    return [node.emit(nn.GlobalAvgPoolOp(node.value(0)))]


def convert_gemm(node: Node) -> list[Tensor]:
    c = node.value(2) if node.has_input(2) else None
    op = nn.GemmOp(
        node.value(0), node.value(1), c,
        alpha=float(node.attr("alpha", 1.0)), beta=float(node.attr("beta", 1.0)),
        trans_a=bool(node.attr("transA", 0)), trans_b=bool(node.attr("transB", 0)),
    )
    return [node.emit(op)]


def convert_softmax(node: Node) -> list[Tensor]:
    axis = node.axis(int(node.attr("axis", -1)), node.rank(0))
    return [node.emit(nn.SoftmaxOp(node.value(0), axis))]


def norm_param(node: Node, index: int, what: str, shape: Sequence[int]) -> SSAValue:
    """A LayerNormalization scale/bias: known arrays broadcast to the normalised dims."""
    array = node.const(index)
    if array is not None and tuple(array.shape) != tuple(shape):
        try:
            array = np.broadcast_to(array, shape)
        except ValueError:
            raise node.error(
                f"{what} shape {list(array.shape)} does not broadcast to the normalised dims "
                f"{list(shape)}"
            ) from None
        return node.importer.ssa_array(np.ascontiguousarray(array), node.input_name(index))
    return node.value(index)


def convert_layer_norm(node: Node) -> list[Tensor]:
    shape = node.shape(0)
    axis = node.axis(int(node.attr("axis", -1)), len(shape))
    scale = norm_param(node, 1, "scale", shape[axis:])
    bias = norm_param(node, 2, "bias", shape[axis:]) if node.has_input(2) else None
    epsilon = float(node.attr("epsilon", 1e-5))
    outputs: list[Tensor] = [node.emit(nn.LayerNormOp(node.value(0), scale, bias, axis, epsilon))]
    if node.wants_output(1) or node.wants_output(2):
        outputs += layer_norm_statistics(node, axis, epsilon)
    return outputs


def layer_norm_statistics(node: Node, axis: int, epsilon: float) -> list[Tensor]:
    """LayerNormalization's optional Mean and InvStdDev outputs, computed in f32
    (stash_type 1) with keepdims, as ONNX defines them."""
    if node.attr("stash_type", 1) != 1:
        raise node.error(f"stash_type {node.attr('stash_type')} is not supported (1 is)")
    x = node.value(0)
    if node.type(0).element_type != f32:
        x = node.emit(nn.CastOp(x, f32))
    axes = list(range(axis, node.rank(0)))
    mean = node.emit(nn.ReduceMeanOp(x, axes, True))
    centred = node.emit(nn.SubOp(x, mean))
    variance = node.emit(nn.ReduceMeanOp(node.emit(nn.MulOp(centred, centred)), axes, True))
    epsilon_value = node.importer.ssa_array(np.asarray(epsilon, np.float32), "epsilon")
    shifted = node.emit(nn.AddOp(variance, epsilon_value))
    one = node.importer.ssa_array(np.asarray(1.0, np.float32), "one")
    return [mean, node.emit(nn.DivOp(one, node.emit(nn.SqrtOp(shifted))))]


def convert_batch_norm(node: Node) -> list[Tensor]:
    if node.attr("training_mode", 0):
        raise node.error("training_mode = 1 is not supported (inference only)")
    params = [node.value(i) for i in range(1, 5)]
    epsilon = float(node.attr("epsilon", 1e-5))
    return [node.emit(nn.BatchNormOp(node.value(0), *params, epsilon=epsilon))]


def representable(value: float, dtype: np.dtype) -> float | int | bool:
    """`value`, or the nearest value of an integer/bool dtype (-inf: its minimum)."""
    if dtype.kind == "b":
        return False
    if dtype.kind in "iu":
        return int(np.iinfo(dtype).min) if value == -math.inf else 0
    return value


def reduce(op_class: type[nn.ReduceOperation], empty_value: float) -> Converter:
    """ReduceX with axes from the input (opset 13/18+) or the attribute (older);
    `empty_value` is ONNX's result for an empty set of elements."""

    def convert(node: Node) -> list[Tensor]:
        rank = node.rank(0)
        if node.has_input(1):
            axes = [int(a) for a in node.require_const(1, "axes").reshape(-1)]
        else:
            axes = list(node.int_list("axes", []))
        if not axes:
            if node.attr("noop_with_empty_axes", 0):
                return [node.value(0)]
            axes = list(range(rank))
        keepdims = bool(node.attr("keepdims", 1))
        axes = node.axes(axes, rank)
        shape = node.shape(0)
        if any(shape[a] == 0 for a in axes):
            # A reduction over no elements does not depend on the data.
            result_shape = nn.infer_reduce_shape(shape, axes, keepdims)
            dtype = node.importer.dtype_of(node.value(0))
            return [np.full(result_shape, representable(empty_value, dtype), dtype=dtype)]
        return [node.emit(op_class(node.value(0), axes, keepdims))]

    return convert


def convert_dropout(node: Node) -> list[Tensor]:
    if node.has_input(2):
        training = node.require_const(2, "training_mode")
        if bool(training.reshape(-1)[0]):
            raise node.error("training_mode = true is not supported (inference only)")
    # At inference Dropout passes its input through and keeps every element.
    return [node.value(0), np.ones(node.shape(0), dtype=np.bool_)]


CONVERTERS: dict[str, Converter] = {
    **SHAPE_CONVERTERS,
    "Add": binary(nn.AddOp, np.add),
    "Sub": binary(nn.SubOp, np.subtract),
    "Mul": binary(nn.MulOp, np.multiply),
    "Div": binary(nn.DivOp, truncating_divide),
    "Pow": convert_pow,
    "Min": variadic(nn.MinOp, np.minimum),
    "Max": variadic(nn.MaxOp, np.maximum),
    "Sum": variadic(nn.AddOp, np.add),
    "Relu": unary(nn.ReluOp),
    "Sigmoid": unary(nn.SigmoidOp),
    "Tanh": unary(nn.TanhOp),
    "Erf": unary(nn.ErfOp),
    "Exp": unary(nn.ExpOp),
    "Sqrt": unary(nn.SqrtOp),
    "Neg": unary(nn.NegOp),
    "Abs": unary(nn.AbsOp),
    "HardSwish": unary(nn.HardSwishOp),
    "Gelu": convert_gelu,
    "LeakyRelu": lambda node: [
        node.emit(nn.LeakyReluOp(node.value(0), float(node.attr("alpha", 0.01))))
    ],
    "Elu": lambda node: [node.emit(nn.EluOp(node.value(0), float(node.attr("alpha", 1.0))))],
    "HardSigmoid": lambda node: [
        node.emit(
            nn.HardSigmoidOp(
                node.value(0), float(node.attr("alpha", 0.2)), float(node.attr("beta", 0.5))
            )
        )
    ],
    "Clip": convert_clip,
    "PRelu": lambda node: [node.emit(nn.PreluOp(node.value(0), node.value(1)))],
    "Conv": convert_conv,
    "MatMul": lambda node: [node.emit(nn.MatmulOp(node.value(0), node.value(1)))],
    "Gemm": convert_gemm,
    "Softmax": convert_softmax,
    "LayerNormalization": convert_layer_norm,
    "BatchNormalization": convert_batch_norm,
    "MaxPool": convert_max_pool,
    "AveragePool": convert_average_pool,
    "GlobalAveragePool": convert_global_average_pool,
    "ReduceMean": reduce(nn.ReduceMeanOp, math.nan),
    "ReduceSum": reduce(nn.ReduceSumOp, 0),
    "ReduceMax": reduce(nn.ReduceMaxOp, -math.inf),
    "Dropout": convert_dropout,
}
"""ONNX op type -> converter, for the default domain."""
