"""Interpreter implementations of the quantised `nn` ops (`npu_dialect.nn.quant`).

The integer arithmetic lives in `interpreter.kernels.quant` (requantisation, shared with
the NPU simulator) and `interpreter.kernels` (exact integer convolution and matmul);
results wrap to i32 exactly as the NPU's accumulators do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.ir import SSAValue

from interpreter import kernels
from interpreter.kernels import quant
from interpreter.nn import as_type
from npu_dialect.nn import quant as ops
from npu_dialect.nn.base import ints
from npu_dialect.resources import numpy_dtype

Args = tuple[Any, ...]
Results = tuple[np.ndarray, ...]


def _dtype(value: SSAValue) -> np.dtype:
    assert isinstance(value.type, TensorType)
    return numpy_dtype(value.type.element_type)


def _wrap_i32(value: np.ndarray, result: SSAValue) -> Results:
    return (as_type(value.astype(np.int64).astype(np.int32), result),)


@register_impls
class NNQuantFunctions(InterpreterFunctions):
    @impl(ops.QuantizeOp)
    def run_quantize(self, interpreter: Interpreter, op: ops.QuantizeOp, args: Args) -> Results:
        value = quant.quantize(
            args[0], op.scale.value.data, op.zero_point.value.data, _dtype(op.result)
        )
        return (as_type(value, op.result),)

    @impl(ops.DequantizeOp)
    def run_dequantize(
        self, interpreter: Interpreter, op: ops.DequantizeOp, args: Args
    ) -> Results:
        value = quant.dequantize(args[0], op.scale.value.data, op.zero_point.value.data)
        return (as_type(value, op.result),)

    @impl(ops.QConv2DOp)
    def run_qconv2d(self, interpreter: Interpreter, op: ops.QConv2DOp, args: Args) -> Results:
        x, weight, *bias = args
        padding = ints(op.padding)
        input_zp = op.input_zp.value.data
        if input_zp != 0 and any(padding):
            top, left, bottom, right = padding
            x = np.pad(
                x,
                ((0, 0), (0, 0), (top, bottom), (left, right)),
                constant_values=input_zp,
            )
            padding = (0, 0, 0, 0)
        value = kernels.conv2d(
            x,
            weight,
            bias[0] if bias else None,
            ints(op.strides),
            padding,
            ints(op.dilations),
            op.groups.value.data,
        )
        return _wrap_i32(value, op.result)

    @impl(ops.QMatmulOp)
    def run_qmatmul(self, interpreter: Interpreter, op: ops.QMatmulOp, args: Args) -> Results:
        lhs, rhs, *bias = args
        value = kernels.matmul(lhs, rhs)
        if bias:
            value = value + bias[0].astype(np.int64)
        return _wrap_i32(value, op.result)

    @impl(ops.RequantizeOp)
    def run_requantize(
        self, interpreter: Interpreter, op: ops.RequantizeOp, args: Args
    ) -> Results:
        value = quant.tosa_rescale(
            args[0],
            ints(op.multiplier),
            ints(op.shift),
            input_zp=op.input_zp.value.data,
            output_zp=op.output_zp.value.data,
            double_round=bool(op.double_round.value.data),
            clamp=ints(op.clamp),
            dtype=_dtype(op.result),
            axis=op.axis.value.data,
        )
        return (as_type(value, op.result),)

    @impl(ops.QAddOp)
    def run_qadd(self, interpreter: Interpreter, op: ops.QAddOp, args: Args) -> Results:
        rescales = [
            (
                getattr(op, f"{prefix}_zp").value.data,
                getattr(op, f"{prefix}_multiplier").value.data,
                getattr(op, f"{prefix}_shift").value.data,
            )
            for prefix in ("lhs", "rhs", "output")
        ]
        value = quant.qadd(*args, *rescales, ints(op.clamp), _dtype(op.result))
        return (as_type(value, op.result),)
