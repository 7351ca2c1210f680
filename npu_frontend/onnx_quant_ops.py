"""Converters for quantised ONNX operators.

- `QuantizeLinear` / `DequantizeLinear` become `nn.quantize` / `nn.dequantize` on
  run-time tensors (one scale per tensor) and are evaluated at import on constants;
  a dequantized constant remembers its integers (`GraphImporter.dequantized`), so
  that `npu_frontend.onnx_qdq_fusion` can turn `DequantizeLinear -> Conv ->
  QuantizeLinear` into integer ops after the import.
- The QOperator form maps directly onto the integer ops: `QLinearConv`,
  `QLinearMatMul`, `ConvInteger`, `MatMulInteger`, and onnxruntime's `com.microsoft`
  `QGemm`, `QLinearAdd` and average pools (`integer_average_pool`). The
  `com.microsoft` ops that have no integer `nn` op (`QLinearMul`, `QLinearSoftmax`,
  `QLinearSigmoid`, `QLinearLeakyRelu`) run in float between `nn.dequantize` and
  `nn.quantize`, as `nn-quantize` keeps such ops.

uint8 tensors become int8 (`npu_frontend.onnx_quant`); `INT8_TRANSPARENT` lists the
ops that read such a tensor as int8 and give an int8 result of the same meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import onnx
from xdsl.dialects.builtin import IntegerType, Signedness, TensorType, f32
from xdsl.ir import SSAValue

from npu_dialect import nn
from npu_frontend.onnx_node import Converter, Node, Tensor
from npu_frontend.onnx_ops import Window, ceil_mode
from npu_frontend.onnx_quant import (
    UINT8_OFFSET,
    ConvWindow,
    QuantizedConstant,
    along_axis,
    int8_zero_point,
    integer_average_pool,
    integer_product,
    qadd,
    requantize,
    requantize_scales,
)
from transforms.quantization.params import QuantParams

INT8_TYPES = (np.dtype(np.int8), np.dtype(np.uint8))
INT8_ELEMENTS = (IntegerType(8), IntegerType(8, Signedness.UNSIGNED))

INT8_TRANSPARENT = frozenset(
    {
        "MaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity",
        "Slice", "Split",
    }
)
"""Default-domain ops that move or select the elements of their first input and
preserve their order: on a uint8 tensor held as int8 they give the int8 form of their
uint8 result. Every other op that reads such a tensor gets it as uint8."""


def _onnx_dtype(data_type: int) -> np.dtype:
    return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(data_type))


def _check_not_blocked(node: Node) -> None:
    if node.attr("block_size", 0):
        raise node.error("blocked quantization (block_size) is not supported")


def scale_input(node: Node, index: int, what: str) -> np.ndarray:
    """A scale input: known at import, float32, positive and finite; 1-D."""
    scale = node.require_const(index, what)
    if scale.dtype != np.float32:
        raise node.error(f"{what} must be float32, got {scale.dtype}")
    scale = scale.reshape(-1)
    if scale.size == 0 or not np.all((scale > 0) & np.isfinite(scale)):
        raise node.error(f"{what} must be positive and finite, got {scale.tolist()}")
    return scale


def zero_point_input(node: Node, index: int, what: str, dtype: np.dtype) -> np.ndarray:
    """A zero point input known at import (zeros of `dtype` when absent), 1-D int64;
    its type must be `dtype`, the type of the tensor it belongs to."""
    if not node.has_input(index):
        return np.zeros(1, np.int64)
    zero_point = node.require_const(index, what)
    if zero_point.dtype != dtype:
        raise node.error(f"{what} has type {zero_point.dtype}, the tensor it describes {dtype}")
    return zero_point.reshape(-1).astype(np.int64)


def _per_tensor(node: Node, values: np.ndarray, what: str) -> None:
    if values.size != 1:
        raise node.error(
            f"{what} must be one value (per tensor) here, got {values.size} values"
        )


def int8_input(node: Node, index: int, what: str) -> tuple[SSAValue, np.dtype]:
    """The int8 form of quantised input `index` (int8 or uint8) and its ONNX type."""
    array = node.const(index)
    if array is None:
        try:
            return node.importer.int8_value(node.input_name(index))
        except ValueError as error:
            raise node.error(f"{what} {error}") from None
    if array.dtype not in INT8_TYPES:
        raise node.error(f"{what} must be int8 or uint8, got {array.dtype}")
    signed = array.astype(np.int16) - (UINT8_OFFSET if array.dtype == np.uint8 else 0)
    value = node.importer.ssa_array(signed.astype(np.int8), node.input_name(index))
    return value, array.dtype


def quantized_input(
    node: Node, indices: tuple[int, int, int], what: str
) -> tuple[SSAValue, QuantParams, np.dtype]:
    """A per-tensor quantised input (data, scale, zero point indices): its int8 form,
    its parameters in the int8 representation and its ONNX type."""
    data, scale_index, zero_point_index = indices
    value, dtype = int8_input(node, data, what)
    scale = scale_input(node, scale_index, f"{what}_scale")
    zero_point = zero_point_input(node, zero_point_index, f"{what}_zero_point", dtype)
    _per_tensor(node, scale, f"{what}_scale")
    _per_tensor(node, zero_point, f"{what}_zero_point")
    return value, QuantParams(float(scale[0]), int8_zero_point(zero_point[0], dtype)), dtype


def output_params(
    node: Node, scale_index: int, zero_point_index: int, dtype: np.dtype, what: str = "y"
) -> QuantParams:
    """The per-tensor parameters of a quantised result of type `dtype`."""
    scale = scale_input(node, scale_index, f"{what}_scale")
    zero_point = zero_point_input(node, zero_point_index, f"{what}_zero_point", dtype)
    _per_tensor(node, scale, f"{what}_scale")
    _per_tensor(node, zero_point, f"{what}_zero_point")
    return QuantParams(float(scale[0]), int8_zero_point(zero_point[0], dtype))


def _result_dtype(node: Node, zero_point_index: int, default: np.dtype) -> np.dtype:
    """The type of a quantised result: its zero point's, else `default`."""
    zero_point = node.const(zero_point_index) if node.has_input(zero_point_index) else None
    return default if zero_point is None else zero_point.dtype


def int8_result(node: Node, value: SSAValue, dtype: np.dtype) -> SSAValue:
    """Output 0 holds `value`, the int8 form of a tensor of ONNX type `dtype`."""
    if dtype == np.uint8:
        node.importer.shifted.add(node.proto.output[0])
    return value


def quantized_weights(
    node: Node, indices: tuple[int, int, int], axis: int, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Constant weights (data, scale, zero point indices) quantised per tensor or per
    index of `axis`: (weights minus zero points as int8, one f32 scale per index)."""
    data, scale_index, zero_point_index = indices
    weights = node.require_const(data, what)
    if weights.dtype not in INT8_TYPES:
        raise node.error(f"{what} must be int8 or uint8, got {weights.dtype}")
    scale = scale_input(node, scale_index, f"{what}_scale")
    zero_point = zero_point_input(node, zero_point_index, f"{what}_zero_point", weights.dtype)
    return _weights_per_channel(node, weights, scale, zero_point, axis, what)


def _weights_per_channel(
    node: Node, weights: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, axis: int,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    channels = weights.shape[axis]
    for values, name in ((scale, "scale"), (zero_point, "zero point")):
        if values.size not in (1, channels):
            raise node.error(
                f"{what} {name} has {values.size} values, expected 1 or {channels} "
                f"(one per output channel)"
            )
    constant = QuantizedConstant(weights.astype(np.int64), scale, zero_point, axis)
    per_channel = constant.per_channel(axis)
    if per_channel is None:
        raise node.error(
            f"{what} minus its zero point does not fit int8 (the NPU's weight type)"
        )
    return per_channel


def bias_input(node: Node, index: int, channels: int) -> np.ndarray | None:
    """An int32 bias input known at import: one value per channel (or one for all)."""
    if not node.has_input(index):
        return None
    bias = node.require_const(index, "bias")
    if bias.dtype != np.int32:
        raise node.error(f"bias must be int32, got {bias.dtype}")
    if bias.size not in (1, channels) or (bias.ndim == 2 and bias.shape[0] != 1) or bias.ndim > 2:
        raise node.error(
            f"bias of shape {list(bias.shape)} is not one value per output channel ({channels})"
        )
    return np.broadcast_to(bias.reshape(-1), (channels,)).astype(np.int64)


def _emit_product(
    node: Node,
    x: SSAValue,
    zero_point: int,
    weights: np.ndarray,
    bias: np.ndarray | None,
    window: ConvWindow | None,
) -> SSAValue:
    try:
        ops = integer_product(x, zero_point, weights, bias, window)
    except ValueError as error:
        raise node.error(str(error)) from None
    for op in ops:
        node.emit(op)
    return ops[-1].results[0]


def _quantized_axis(node: Node, shape: Sequence[int], parameters: Sequence[np.ndarray]) -> int:
    """The `axis` of per-axis parameters, checked against the data's `shape`; 0 when
    every parameter is one value (ONNX ignores the axis then)."""
    if all(values.size == 1 for values in parameters):
        return 0
    axis = node.axis(int(node.attr("axis", 1)), len(shape))
    for values in parameters:
        if values.size not in (1, shape[axis]):
            raise node.error(
                f"{values.size} scales or zero points for axis {axis} of shape {list(shape)}"
            )
    return axis


def convert_quantize_linear(node: Node) -> list[Tensor]:
    _check_not_blocked(node)
    scale = scale_input(node, 1, "y_scale")
    output_dtype = int(node.attr("output_dtype", 0))
    default = _onnx_dtype(output_dtype) if output_dtype else np.dtype(np.uint8)
    dtype = _result_dtype(node, 2, default)
    if dtype not in INT8_TYPES:
        raise node.error(f"quantizing to {dtype} is not supported (int8 and uint8 are)")
    zero_point = zero_point_input(node, 2, "y_zero_point", dtype)
    data = node.const(0)
    if data is not None:
        axis = _quantized_axis(node, data.shape, (scale, zero_point))
        shaped = [along_axis(values, data.ndim, axis) for values in (scale, zero_point)]
        levels = np.rint(data.astype(np.float32) / shaped[0]) + shaped[1]
        info = np.iinfo(dtype)
        return [np.clip(levels, info.min, info.max).astype(dtype)]
    _per_tensor(node, scale, "y_scale")
    _per_tensor(node, zero_point, "y_zero_point")
    if node.type(0).element_type != f32:
        element_type = node.type(0).element_type
        raise node.error(f"input element type {element_type} is not supported (f32 is)")
    node.importer.quantized = True
    params = QuantParams(float(scale[0]), int8_zero_point(zero_point[0], dtype))
    op = nn.QuantizeOp(node.value(0), params.scale, params.zero_point)
    return [int8_result(node, node.emit(op), dtype)]


def convert_dequantize_linear(node: Node) -> list[Tensor]:
    _check_not_blocked(node)
    scale = scale_input(node, 1, "x_scale")
    data = node.const(0)
    if data is not None:
        if data.dtype.kind not in "iu":
            raise node.error(f"dequantizing {data.dtype} is not supported (integers are)")
        zero_point = zero_point_input(node, 2, "x_zero_point", data.dtype)
        axis = _quantized_axis(node, data.shape, (scale, zero_point))
        constant = QuantizedConstant(data.astype(np.int64), scale, zero_point, axis)
        node.importer.dequantized[node.proto.output[0]] = constant
        centred = data.astype(np.int64) - along_axis(zero_point, data.ndim, axis)
        return [centred.astype(np.float32) * along_axis(scale, data.ndim, axis)]
    node.importer.quantized = True
    if node.input_name(0) in node.importer.shifted or node.type(0).element_type in INT8_ELEMENTS:
        value, dtype = int8_input(node, 0, "x")
    else:
        value = node.value(0)
        dtype = node.importer.dtype_of(value)
        if dtype not in (np.int16, np.int32):
            raise node.error(
                f"dequantizing {dtype} is not supported (8, 16 and 32-bit integers are)"
            )
    zero_point = zero_point_input(node, 2, "x_zero_point", dtype)
    shape = node.shape(0)
    axis = _quantized_axis(node, shape, (scale, zero_point))
    zero_point = zero_point - (UINT8_OFFSET if dtype == np.uint8 else 0)
    if scale.size == 1 and zero_point.size == 1 and (dtype.itemsize == 1 or zero_point[0] == 0):
        return [node.emit(nn.DequantizeOp(value, float(scale[0]), int(zero_point[0])))]
    if dtype == np.int32:
        raise node.error("an int32 tensor must have one scale and zero point 0")
    # Per-axis parameters, or a 16-bit zero point: (x - zero_point) * scale in f32,
    # as ONNX defines it (x - zero_point is exact in f32 for 8- and 16-bit x).
    parameters = [
        node.importer.ssa_array(along_axis(values, len(shape), axis).astype(np.float32), name)
        for values, name in ((zero_point, "x_zero_point"), (scale, "x_scale"))
    ]
    centred = node.emit(nn.SubOp(node.emit(nn.CastOp(value, f32)), parameters[0]))
    return [node.emit(nn.MulOp(centred, parameters[1]))]


def _conv_window(
    node: Node, weights: np.ndarray, x: SSAValue
) -> tuple[Window, SSAValue, np.ndarray, ConvWindow]:
    """The window of a quantised Conv node; a 1-D convolution runs as 2-D with H = 1."""
    window = Window(node, weights.shape[2:], "convolutions")
    if window.one_d:
        x = node.emit(nn.UnsqueezeOp(x, [2]))
        weights = np.expand_dims(weights, 2)
    attributes = ConvWindow(
        window.strides, window.padding, window.dilations, int(node.attr("group", 1))
    )
    return window, x, weights, attributes


def convert_qlinear_conv(node: Node) -> list[Tensor]:
    x, x_params, x_dtype = quantized_input(node, (0, 1, 2), "x")
    weights, weight_scales = quantized_weights(node, (3, 4, 5), 0, "w")
    dtype = _result_dtype(node, 7, x_dtype)
    output = output_params(node, 6, 7, dtype)
    bias = bias_input(node, 8, weights.shape[0])
    window, x, weights, attributes = _conv_window(node, weights, x)
    accumulator = _emit_product(node, x, x_params.zero_point, weights, bias, attributes)
    reals = requantize_scales(x_params.scale, weight_scales, output.scale)
    result = window.result(node.emit(requantize(accumulator, reals, 1, output)))
    return [int8_result(node, result, dtype)]


def convert_conv_integer(node: Node) -> list[Tensor]:
    x, x_dtype = int8_input(node, 0, "x")
    x_zero_point = zero_point_input(node, 2, "x_zero_point", x_dtype)
    _per_tensor(node, x_zero_point, "x_zero_point")
    weights = node.require_const(1, "w")
    if weights.dtype not in INT8_TYPES:
        raise node.error(f"w must be int8 or uint8, got {weights.dtype}")
    w_zero_point = zero_point_input(node, 3, "w_zero_point", weights.dtype)
    ones = np.ones(1, np.float32)
    weights, _ = _weights_per_channel(node, weights, ones, w_zero_point, 0, "w")
    window, x, weights, attributes = _conv_window(node, weights, x)
    zero_point = int8_zero_point(x_zero_point[0], x_dtype)
    return [window.result(_emit_product(node, x, zero_point, weights, None, attributes))]


def _matmul_weights(
    node: Node, indices: tuple[int, int, int], what: str
) -> tuple[np.ndarray, np.ndarray]:
    weights = node.require_const(indices[0], what)
    if weights.ndim != 2:
        raise node.error(
            f"{what} must be a 2-D constant (a weight matrix), got shape {list(weights.shape)}"
        )
    return quantized_weights(node, indices, 1, what)


def convert_qlinear_matmul(node: Node) -> list[Tensor]:
    a, a_params, a_dtype = quantized_input(node, (0, 1, 2), "a")
    dtype = _result_dtype(node, 7, a_dtype)
    output = output_params(node, 6, 7, dtype)
    if node.const(3) is not None:
        weights, weight_scales = _matmul_weights(node, (3, 4, 5), "b")
        accumulator = _emit_product(node, a, a_params.zero_point, weights, None, None)
        reals = requantize_scales(a_params.scale, weight_scales, output.scale)
    else:
        b, b_params, _ = quantized_input(node, (3, 4, 5), "b")
        if a_params.zero_point or b_params.zero_point:
            # No integer form without zero-point corrections that depend on both
            # operands: the product runs in float, as ONNX defines it.
            floats = [
                node.emit(nn.DequantizeOp(value, params.scale, params.zero_point))
                for value, params in ((a, a_params), (b, b_params))
            ]
            product = node.emit(nn.MatmulOp(*floats))
            quantize = nn.QuantizeOp(product, output.scale, output.zero_point)
            return [int8_result(node, node.emit(quantize), dtype)]
        accumulator = node.emit(nn.QMatmulOp(a, b))
        reals = requantize_scales(a_params.scale, np.asarray([b_params.scale]), output.scale)
    assert isinstance(accumulator.type, TensorType)
    last = accumulator.type.get_num_dims() - 1
    result = node.emit(requantize(accumulator, reals, last, output))
    return [int8_result(node, result, dtype)]


def _runtime_product(
    node: Node, a: SSAValue, a_zero_point: int, b: SSAValue, b_zero_point: int
) -> SSAValue:
    if a_zero_point or b_zero_point:
        raise node.error(
            "a product of two run-time tensors needs zero points that are 0 in int8 "
            f"(0 for int8, 128 for uint8); got {a_zero_point} and {b_zero_point} in int8"
        )
    return node.emit(nn.QMatmulOp(a, b))


def convert_matmul_integer(node: Node) -> list[Tensor]:
    a, a_dtype = int8_input(node, 0, "A")
    a_zero_point = zero_point_input(node, 2, "a_zero_point", a_dtype)
    _per_tensor(node, a_zero_point, "a_zero_point")
    zero_point = int8_zero_point(a_zero_point[0], a_dtype)
    b_array = node.const(1)
    if b_array is None:
        b, b_dtype = int8_input(node, 1, "B")
        b_zero_point = zero_point_input(node, 3, "b_zero_point", b_dtype)
        _per_tensor(node, b_zero_point, "b_zero_point")
        return [_runtime_product(node, a, zero_point, b, int8_zero_point(b_zero_point[0], b_dtype))]
    if b_array.ndim != 2:
        raise node.error(
            f"B must be a 2-D constant (a weight matrix), got shape {list(b_array.shape)}"
        )
    if b_array.dtype not in INT8_TYPES:
        raise node.error(f"B must be int8 or uint8, got {b_array.dtype}")
    b_zero_point = zero_point_input(node, 3, "b_zero_point", b_array.dtype)
    ones = np.ones(1, np.float32)
    weights, _ = _weights_per_channel(node, b_array, ones, b_zero_point, 1, "B")
    return [_emit_product(node, a, zero_point, weights, None, None)]


def convert_qgemm(node: Node) -> list[Tensor]:
    if node.attr("transA", 0):
        raise node.error("transA = 1 is not supported")
    if not node.has_input(7):
        raise node.error("a float result (no y_scale) is not supported")
    a, a_params, a_dtype = quantized_input(node, (0, 1, 2), "a")
    if len(node.shape(0)) != 2:
        raise node.error(f"A must be 2-D, got shape {list(node.shape(0))}")
    b = node.require_const(3, "B")
    axis = 0 if node.attr("transB", 0) else 1
    if b.ndim != 2:
        raise node.error(f"B must be a 2-D constant, got shape {list(b.shape)}")
    weights, weight_scales = quantized_weights(node, (3, 4, 5), axis, "b")
    if axis == 0:
        weights = np.ascontiguousarray(weights.T)
    dtype = _result_dtype(node, 8, a_dtype)
    output = output_params(node, 7, 8, dtype)
    bias = bias_input(node, 6, weights.shape[1])
    accumulator = _emit_product(node, a, a_params.zero_point, weights, bias, None)
    reals = requantize_scales(
        a_params.scale, weight_scales, output.scale, float(node.attr("alpha", 1.0))
    )
    return [int8_result(node, node.emit(requantize(accumulator, reals, 1, output)), dtype)]


def convert_qlinear_add(node: Node) -> list[Tensor]:
    a, a_params, a_dtype = quantized_input(node, (0, 1, 2), "A")
    b, b_params, b_dtype = quantized_input(node, (3, 4, 5), "B")
    if a_dtype != b_dtype:
        raise node.error(f"A and B have types {a_dtype} and {b_dtype}")
    output = output_params(node, 6, 7, a_dtype, "C")
    return [int8_result(node, node.emit(qadd(a, b, a_params, b_params, output)), a_dtype)]


def float_island(
    inputs: Sequence[tuple[int, int, int]],
    build: Callable[[Node, list[SSAValue]], SSAValue],
) -> Converter:
    """A quantised op with no integer `nn` op: its inputs (data, scale, zero point
    indices) dequantized, the float op(s) `build` emits, the result quantized with
    the parameters of the two inputs after the last of `inputs`."""

    def convert(node: Node) -> list[Tensor]:
        floats = []
        dtypes = []
        for indices in inputs:
            value, params, dtype = quantized_input(node, indices, "X")
            floats.append(node.emit(nn.DequantizeOp(value, params.scale, params.zero_point)))
            dtypes.append(dtype)
        scale_index = inputs[-1][2] + 1
        dtype = _result_dtype(node, scale_index + 1, dtypes[0])
        output = output_params(node, scale_index, scale_index + 1, dtype)
        result = build(node, floats)
        quantize = nn.QuantizeOp(result, output.scale, output.zero_point)
        return [int8_result(node, node.emit(quantize), dtype)]

    return convert


def _pool_window(node: Node) -> Window:
    if node.attr("channels_last", 0):
        raise node.error("channels_last = 1 is not supported")
    window = Window(node, None, "average pools")
    if any(d != 1 for d in window.dilations):
        raise node.error(f"dilations {node.int_list('dilations')} are not supported")
    return window


def _float_average_pool(node: Node, inputs: list[SSAValue]) -> SSAValue:
    window = _pool_window(node)
    x = node.emit(nn.UnsqueezeOp(inputs[0], [2])) if window.one_d else inputs[0]
    op = nn.AvgPool2DOp(
        x, window.kernel, window.strides, window.padding, ceil_mode(node),
        bool(node.attr("count_include_pad", 0)),
    )
    return window.result(node.emit(op))


def convert_qlinear_average_pool(node: Node) -> list[Tensor]:
    """In integers when every window counts the whole kernel (no padding, or
    count_include_pad, and no partial windows of ceil_mode), else in float."""
    window = _pool_window(node)
    uniform = not any(window.padding) or bool(node.attr("count_include_pad", 0))
    if not uniform or ceil_mode(node):
        return float_island([(0, 1, 2)], _float_average_pool)(node)
    x, x_params, dtype = quantized_input(node, (0, 1, 2), "X")
    output = output_params(node, 3, 4, _result_dtype(node, 4, dtype))
    if window.one_d:
        x = node.emit(nn.UnsqueezeOp(x, [2]))
    ops = integer_average_pool(
        x, x_params, output, window.kernel, window.strides, window.padding
    )
    for op in ops:
        node.emit(op)
    return [int8_result(node, window.result(ops[-1].results[0]), dtype)]


def convert_qlinear_global_average_pool(node: Node) -> list[Tensor]:
    if node.attr("channels_last", 0):
        raise node.error("channels_last = 1 is not supported")
    shape = node.shape(0)
    if len(shape) != 4:
        raise node.error(f"only rank-4 NCHW input is supported, the input has rank {len(shape)}")
    x, x_params, dtype = quantized_input(node, (0, 1, 2), "X")
    output = output_params(node, 3, 4, _result_dtype(node, 4, dtype))
    ops = integer_average_pool(x, x_params, output, shape[2:], (1, 1), (0, 0, 0, 0))
    for op in ops:
        node.emit(op)
    return [int8_result(node, ops[-1].results[0], dtype)]


def _softmax(node: Node, inputs: list[SSAValue]) -> SSAValue:
    rank = node.rank(0)
    axis = node.axis(int(node.attr("axis", -1)), rank)
    if int(node.attr("opset", 13)) < 13 and axis != rank - 1:
        raise node.error(
            f"opset {node.attr('opset')} softmax over the flattened dims from axis {axis} "
            "is not supported"
        )
    return node.emit(nn.SoftmaxOp(inputs[0], axis))


QUANT_CONVERTERS: dict[str, Converter] = {
    "QuantizeLinear": convert_quantize_linear,
    "DequantizeLinear": convert_dequantize_linear,
    "QLinearConv": convert_qlinear_conv,
    "QLinearMatMul": convert_qlinear_matmul,
    "ConvInteger": convert_conv_integer,
    "MatMulInteger": convert_matmul_integer,
}
"""Quantised operators of the default domain."""

MICROSOFT_CONVERTERS: dict[str, Converter] = {
    "QGemm": convert_qgemm,
    "QLinearAdd": convert_qlinear_add,
    "QLinearMul": float_island(
        [(0, 1, 2), (3, 4, 5)], lambda node, xs: node.emit(nn.MulOp(xs[0], xs[1]))
    ),
    "QLinearAveragePool": convert_qlinear_average_pool,
    "QLinearGlobalAveragePool": convert_qlinear_global_average_pool,
    "QLinearSoftmax": float_island([(0, 1, 2)], _softmax),
    "QLinearSigmoid": float_island([(0, 1, 2)], lambda node, xs: node.emit(nn.SigmoidOp(xs[0]))),
    "QLinearLeakyRelu": float_island(
        [(0, 1, 2)],
        lambda node, xs: node.emit(nn.LeakyReluOp(xs[0], float(node.attr("alpha", 0.01)))),
    ),
}
"""onnxruntime's quantised operators (domain `com.microsoft`), as its quantizer
writes them in QOperator form."""

INT8_READERS = frozenset(QUANT_CONVERTERS) | INT8_TRANSPARENT
"""Default-domain ops that read uint8 tensors in their int8 form."""
