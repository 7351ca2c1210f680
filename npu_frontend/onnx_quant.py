"""Quantisation parameters of ONNX tensors and the integer `nn` ops they become.

Shared by the QOperator converters (`npu_frontend.onnx_quant_ops`) and the QDQ
fusion (`npu_frontend.onnx_qdq_fusion`), so that `QLinearConv` and
`DequantizeLinear -> Conv -> QuantizeLinear` give the same ops:

- Activations are int8. A uint8 tensor becomes int8 `q - 128` with its zero point
  minus 128, which represents the same real values exactly.
- Weights are int8 with their zero point subtracted at import (`nn.qconv2d` and
  `nn.qmatmul` take none); the input zero point's term `-x_zp * sum(w)` goes into the
  int32 bias, as `nn-quantize` does (docs/quantization.md).
- The requantisation multipliers come from the real scale as onnxruntime computes
  it, `alpha * x_scale * w_scale / y_scale` with every operation rounded to f32,
  turned into a 31-bit multiplier and a shift by `quantize_multiplier`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import IntegerType, Signedness, TensorType
from xdsl.ir import Operation, SSAValue

from npu_dialect import nn
from transforms.nn_quantize import ADD_INPUT_BITS
from transforms.quantization.params import QMAX, QMIN, QuantParams, multipliers
from interpreter.kernels.quant import quantize_multiplier

UINT8_OFFSET = 128
"""uint8 value - UINT8_OFFSET = the int8 value that stands for it."""


def int8_zero_point(zero_point: int, dtype: np.dtype) -> int:
    """A zero point of an int8 or uint8 tensor, in the int8 representation."""
    return int(zero_point) - UINT8_OFFSET if dtype == np.uint8 else int(zero_point)


def offset_rescale(value: SSAValue, to_unsigned: bool) -> nn.RequantizeOp:
    """The uint8 tensor of an int8 form (to_unsigned) or the int8 form of a uint8
    tensor: an exact `nn.requantize` adding or subtracting UINT8_OFFSET."""
    offset = UINT8_OFFSET if to_unsigned else 0
    return nn.RequantizeOp(
        value,
        [1 << 30],
        [30],
        input_zp=0 if to_unsigned else UINT8_OFFSET,
        output_zp=offset,
        element_type=IntegerType(8, Signedness.UNSIGNED) if to_unsigned else IntegerType(8),
    )


def along_axis(values: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """A 1-D parameter array shaped to broadcast along `axis` of an ndim-d array (a
    single value broadcasts everywhere)."""
    values = np.asarray(values).reshape(-1)
    if values.size == 1 or ndim == 0:
        return values.reshape(())
    shape = [1] * ndim
    shape[axis] = values.size
    return values.reshape(shape)


@dataclass(frozen=True)
class QuantizedConstant:
    """A constant read through DequantizeLinear: real = scale * (integers - zero_point),
    with one scale and zero point per tensor or per index of `axis`."""

    integers: np.ndarray
    """The stored integers, as int64."""
    scale: np.ndarray
    """float32, 1-D: one entry, or one per index of `axis`."""
    zero_point: np.ndarray
    """int64, the shape of `scale`."""
    axis: int

    def per_channel(self, axis: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(integers - zero_point as int8, one f32 scale per index of `axis`) when the
        parameters are per tensor or along `axis` and the differences fit int8; else
        None."""
        ndim, channels = self.integers.ndim, self.integers.shape[axis]
        if self.scale.size != 1 and (self.axis != axis or self.scale.size != channels):
            return None
        centred = self.integers - along_axis(self.zero_point, ndim, axis)
        if centred.size and (centred.min() < QMIN or centred.max() > QMAX):
            return None
        scales = np.broadcast_to(self.scale.astype(np.float32), (channels,))
        return centred.astype(np.int8), np.ascontiguousarray(scales)


def requantize_scales(
    input_scale: float, weight_scales: np.ndarray, output_scale: float, alpha: float = 1.0
) -> np.ndarray:
    """onnxruntime's requantisation scales: alpha * input_scale * weight_scale /
    output_scale, each operation rounded to f32 (QLinearConv, QLinearMatMul, QGemm)."""
    product = np.float32(alpha) * np.float32(input_scale) * weight_scales.astype(np.float32)
    return (product / np.float32(output_scale)).astype(np.float32)


def accumulator_bias(
    bias: np.ndarray | None, input_zero_point: int, weights: np.ndarray, channel_axis: int
) -> np.ndarray | None:
    """The int32 bias of an int8 product: `bias` (at the accumulator's scale) minus
    input_zero_point * the sum of each channel's weights; None when there is neither.
    Raises ValueError when a value does not fit int32."""
    sums = np.moveaxis(weights.astype(np.int64), channel_axis, 0).reshape(
        weights.shape[channel_axis], -1
    ).sum(axis=1)
    if bias is None and (input_zero_point == 0 or not sums.any()):
        return None
    total = -input_zero_point * sums
    if bias is not None:
        total = total + bias.astype(np.int64)
    info = np.iinfo(np.int32)
    if total.min() < info.min or total.max() > info.max:
        raise ValueError("the int32 bias (with the input zero point's correction) overflows int32")
    return total.astype(np.int32)


def bias_at_scale(
    values: np.ndarray, scales: np.ndarray | None, accumulator_scales: np.ndarray
) -> np.ndarray:
    """A bias as int64 at the accumulator's scales (input scale x weight scale):
    integers already at those scales (as onnxruntime's quantizer writes them: its
    bias scale is the same f32 product) are kept, other integers and float biases are
    rescaled and rounded to nearest. `scales` is the integers' scale, None for a float
    bias."""
    if scales is not None and np.array_equal(
        np.broadcast_to(scales, accumulator_scales.shape), accumulator_scales
    ):
        return values.astype(np.int64)
    real = values.astype(np.float64) * (1.0 if scales is None else scales.astype(np.float64))
    return np.rint(real / accumulator_scales.astype(np.float64)).astype(np.int64)


@dataclass(frozen=True)
class ConvWindow:
    """The window attributes of `nn.qconv2d`."""

    strides: Sequence[int]
    padding: Sequence[int]
    dilations: Sequence[int]
    groups: int


def integer_product(
    x: SSAValue,
    input_zero_point: int,
    weights: np.ndarray,
    bias: np.ndarray | None,
    window: ConvWindow | None,
) -> list[Operation]:
    """The int32 product of int8 `x` and int8 `weights` (OIHW for a convolution, when
    `window` is given, else [K, N]) plus `bias` (int64 at the accumulator scale, or
    None), with the input zero point folded into the bias: the constants, then the
    `nn.qconv2d` / `nn.qmatmul` (last). Raises ValueError when the bias overflows."""
    channel_axis = 0 if window is not None else 1
    bias32 = accumulator_bias(bias, input_zero_point, weights, channel_axis)
    weight_op = nn.ConstantOp.from_array(weights)
    ops: list[Operation] = [weight_op]
    bias_value = None
    if bias32 is not None:
        bias_op = nn.ConstantOp.from_array(bias32)
        ops.append(bias_op)
        bias_value = bias_op.result
    if window is None:
        ops.append(nn.QMatmulOp(x, weight_op.result, bias_value))
    else:
        ops.append(
            nn.QConv2DOp(
                x,
                weight_op.result,
                bias_value,
                window.strides,
                window.padding,
                window.dilations,
                window.groups,
                input_zero_point,
            )
        )
    return ops


def requantize(
    accumulator: SSAValue,
    reals: np.ndarray,
    axis: int,
    output: QuantParams,
    clamp: tuple[int, int] | None = None,
) -> nn.RequantizeOp:
    """`nn.requantize` of an i32 accumulator by real scales (one, or one per index of
    `axis`) to int8 with the output's parameters, clamped to `clamp`."""
    multiplier, shift = multipliers(reals)
    return nn.RequantizeOp(
        accumulator,
        multiplier,
        shift,
        axis=axis,
        output_zp=output.zero_point,
        clamp=clamp,
        output_scale=output.scale,
    )


def integer_average_pool(
    x: SSAValue,
    x_params: QuantParams,
    output: QuantParams,
    kernel: Sequence[int],
    strides: Sequence[int],
    padding: Sequence[int],
) -> list[Operation]:
    """The mean over the windows of int8 NCHW `x`, when every window counts the whole
    kernel (no padding, or padding that counts): a depthwise `nn.qconv2d` with all-one
    weights sums each window (padding cells hold the zero point, so they add 0 after
    the zero point's correction), and one `nn.requantize` by x_scale / (count *
    y_scale) rounds the sums, as onnxruntime's QLinearAveragePool does. Exact integer
    arithmetic, so the NPU gives the same integers (a float pool between dequantize
    and quantize can round a tie either way)."""
    assert isinstance(x.type, TensorType)
    channels = x.type.get_shape()[1]
    weights = np.ones((channels, 1, *kernel), np.int8)
    window = ConvWindow(strides, padding, (1, 1), channels)
    ops = integer_product(x, x_params.zero_point, weights, None, window)
    real = x_params.scale / (math.prod(kernel) * output.scale)
    return [*ops, requantize(ops[-1].results[0], np.asarray([real]), 1, output)]


def integer_bounds(low: float, high: float, output: QuantParams) -> tuple[int, int]:
    """The int8 bounds that clamp(v, low, high) becomes on the quantised result:
    quantising is monotonic, so Q(clamp(v, low, high)) = clamp(Q(v), Q(low), Q(high))."""
    return output.quantize_real(low), output.quantize_real(high)


def qadd(
    lhs: SSAValue,
    rhs: SSAValue,
    lhs_params: QuantParams,
    rhs_params: QuantParams,
    output: QuantParams,
    clamp: tuple[int, int] | None = None,
) -> nn.QAddOp:
    """`nn.qadd` with `nn-quantize`'s scheme: both inputs to i32 with ADD_INPUT_BITS
    fraction bits relative to twice the larger input scale, one output rescale."""
    common = 2.0 * max(lhs_params.scale, rhs_params.scale)
    rescales = []
    for params in (lhs_params, rhs_params):
        multiplier, shift = quantize_multiplier(params.scale / common * 2.0**ADD_INPUT_BITS)
        rescales.append((params.zero_point, multiplier, shift))
    multiplier, shift = quantize_multiplier(common / (2.0**ADD_INPUT_BITS * output.scale))
    return nn.QAddOp(
        lhs,
        rhs,
        rescales[0],
        rescales[1],
        (output.zero_point, multiplier, shift),
        clamp,
        output_scale=output.scale,
    )
