"""Interpreter implementations of the `nn` ops.

Values are numpy arrays whose dtype is the result's element type
(`npu_dialect.resources.numpy_dtype`: `bf16` is `ml_dtypes.bfloat16`, `i1` is
`bool`). The arithmetic lives in `interpreter.kernels`; this file reads the op's
attributes, calls the kernel and rounds or wraps its value to the result type. Data
errors found while running (an integer division by zero, a gather index out of range)
raise `UserError` naming the op and its place.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.ir import Operation, SSAValue
from xdsl.utils.exceptions import InterpretationError

from interpreter import kernels
from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.nn.base import ints
from npu_dialect.resources import elements_array, numpy_dtype
from npu_dialect.errors import location_of

Args = tuple[Any, ...]
Results = tuple[np.ndarray, ...]


def _shape(value: SSAValue) -> tuple[int, ...]:
    value_type = value.type
    assert isinstance(value_type, TensorType)
    return tuple(value_type.get_shape())


def as_type(value: np.ndarray, result: SSAValue) -> np.ndarray:
    """`value` converted to the dtype of `result`'s tensor type.

    Raises InterpretationError if the shape differs from the type's: that is a bug
    in a kernel, never the user's input.
    """
    if value.shape != _shape(result):
        raise InterpretationError(
            f"computed shape {value.shape} for a result of type {result.type}"
        )
    assert isinstance(result.type, TensorType)
    dtype = numpy_dtype(result.type.element_type)
    if value.dtype == dtype:
        return value
    with np.errstate(invalid="ignore", over="ignore"):
        return value.astype(dtype)


def _single(op: Operation, value: np.ndarray) -> Results:
    return (as_type(value, op.results[0]),)


def _data_error(op: Operation, message: str) -> UserError:
    place = location_of(op)
    prefix = f"{place}: " if place else ""
    return UserError(f"{prefix}'{op.name}' op {message}")


def _float(attr: Any) -> float:
    return float(attr.value.data)


def _flag(attr: Any) -> bool:
    return bool(attr.value.data)


def _int(attr: Any) -> int:
    return int(attr.value.data)


@register_impls
class NNFunctions(InterpreterFunctions):
    @impl(nn.ConstantOp)
    def run_constant(self, interpreter: Interpreter, op: nn.ConstantOp, args: Args) -> Results:
        return _single(op, elements_array(op.value))

    # Binary elementwise.

    @impl(nn.AddOp)
    def run_add(self, interpreter: Interpreter, op: nn.AddOp, args: Args) -> Results:
        return _single(op, kernels.binary("add", *args))

    @impl(nn.SubOp)
    def run_sub(self, interpreter: Interpreter, op: nn.SubOp, args: Args) -> Results:
        return _single(op, kernels.binary("sub", *args))

    @impl(nn.MulOp)
    def run_mul(self, interpreter: Interpreter, op: nn.MulOp, args: Args) -> Results:
        return _single(op, kernels.binary("mul", *args))

    @impl(nn.DivOp)
    def run_div(self, interpreter: Interpreter, op: nn.DivOp, args: Args) -> Results:
        try:
            return _single(op, kernels.div(*args))
        except ZeroDivisionError as error:
            raise _data_error(op, str(error)) from None

    @impl(nn.PowOp)
    def run_pow(self, interpreter: Interpreter, op: nn.PowOp, args: Args) -> Results:
        return _single(op, kernels.power(*args))

    @impl(nn.MinOp)
    def run_min(self, interpreter: Interpreter, op: nn.MinOp, args: Args) -> Results:
        return _single(op, kernels.binary("min", *args))

    @impl(nn.MaxOp)
    def run_max(self, interpreter: Interpreter, op: nn.MaxOp, args: Args) -> Results:
        return _single(op, kernels.binary("max", *args))

    # Unary elementwise and activations.

    @impl(nn.ReluOp)
    def run_relu(self, interpreter: Interpreter, op: nn.ReluOp, args: Args) -> Results:
        return _single(op, kernels.unary("relu", args[0]))

    @impl(nn.SigmoidOp)
    def run_sigmoid(self, interpreter: Interpreter, op: nn.SigmoidOp, args: Args) -> Results:
        return _single(op, kernels.unary("sigmoid", args[0]))

    @impl(nn.TanhOp)
    def run_tanh(self, interpreter: Interpreter, op: nn.TanhOp, args: Args) -> Results:
        return _single(op, kernels.unary("tanh", args[0]))

    @impl(nn.ErfOp)
    def run_erf(self, interpreter: Interpreter, op: nn.ErfOp, args: Args) -> Results:
        return _single(op, kernels.unary("erf", args[0]))

    @impl(nn.ExpOp)
    def run_exp(self, interpreter: Interpreter, op: nn.ExpOp, args: Args) -> Results:
        return _single(op, kernels.unary("exp", args[0]))

    @impl(nn.SqrtOp)
    def run_sqrt(self, interpreter: Interpreter, op: nn.SqrtOp, args: Args) -> Results:
        return _single(op, kernels.unary("sqrt", args[0]))

    @impl(nn.NegOp)
    def run_neg(self, interpreter: Interpreter, op: nn.NegOp, args: Args) -> Results:
        return _single(op, kernels.unary("neg", args[0]))

    @impl(nn.AbsOp)
    def run_abs(self, interpreter: Interpreter, op: nn.AbsOp, args: Args) -> Results:
        return _single(op, kernels.unary("abs", args[0]))

    @impl(nn.HardSwishOp)
    def run_hard_swish(self, interpreter: Interpreter, op: nn.HardSwishOp, args: Args) -> Results:
        return _single(op, kernels.unary("hard_swish", args[0]))

    @impl(nn.GeluOp)
    def run_gelu(self, interpreter: Interpreter, op: nn.GeluOp, args: Args) -> Results:
        return _single(op, kernels.gelu(args[0], op.approximate.data))

    @impl(nn.LeakyReluOp)
    def run_leaky_relu(self, interpreter: Interpreter, op: nn.LeakyReluOp, args: Args) -> Results:
        return _single(op, kernels.leaky_relu(args[0], _float(op.alpha)))

    @impl(nn.EluOp)
    def run_elu(self, interpreter: Interpreter, op: nn.EluOp, args: Args) -> Results:
        return _single(op, kernels.elu(args[0], _float(op.alpha)))

    @impl(nn.HardSigmoidOp)
    def run_hard_sigmoid(
        self, interpreter: Interpreter, op: nn.HardSigmoidOp, args: Args
    ) -> Results:
        return _single(op, kernels.hard_sigmoid(args[0], _float(op.alpha), _float(op.beta)))

    @impl(nn.ClampOp)
    def run_clamp(self, interpreter: Interpreter, op: nn.ClampOp, args: Args) -> Results:
        return _single(op, kernels.clamp(args[0], _float(op.min), _float(op.max)))

    @impl(nn.PreluOp)
    def run_prelu(self, interpreter: Interpreter, op: nn.PreluOp, args: Args) -> Results:
        return _single(op, kernels.prelu(*args))

    @impl(nn.CastOp)
    def run_cast(self, interpreter: Interpreter, op: nn.CastOp, args: Args) -> Results:
        result_type = op.result.type
        assert isinstance(result_type, TensorType)
        return _single(op, kernels.cast(args[0], numpy_dtype(result_type.element_type)))

    # Convolution, products, pooling.

    @impl(nn.Conv2DOp)
    def run_conv2d(self, interpreter: Interpreter, op: nn.Conv2DOp, args: Args) -> Results:
        x, weight, *bias = args
        value = kernels.conv2d(
            x,
            weight,
            bias[0] if bias else None,
            ints(op.strides),
            ints(op.padding),
            ints(op.dilations),
            _int(op.groups),
        )
        return _single(op, value)

    @impl(nn.MatmulOp)
    def run_matmul(self, interpreter: Interpreter, op: nn.MatmulOp, args: Args) -> Results:
        return _single(op, kernels.matmul(*args))

    @impl(nn.GemmOp)
    def run_gemm(self, interpreter: Interpreter, op: nn.GemmOp, args: Args) -> Results:
        a, b, *c = args
        value = kernels.gemm(
            a,
            b,
            c[0] if c else None,
            _float(op.alpha),
            _float(op.beta),
            _flag(op.trans_a),
            _flag(op.trans_b),
        )
        return _single(op, value)

    @impl(nn.MaxPool2DOp)
    def run_max_pool2d(self, interpreter: Interpreter, op: nn.MaxPool2DOp, args: Args) -> Results:
        value = kernels.max_pool2d(
            args[0],
            ints(op.kernel),
            ints(op.strides),
            ints(op.padding),
            ints(op.dilations),
            _flag(op.ceil_mode),
        )
        return _single(op, value)

    @impl(nn.AvgPool2DOp)
    def run_avg_pool2d(self, interpreter: Interpreter, op: nn.AvgPool2DOp, args: Args) -> Results:
        value = kernels.avg_pool2d(
            args[0],
            ints(op.kernel),
            ints(op.strides),
            ints(op.padding),
            _flag(op.ceil_mode),
            _flag(op.count_include_pad),
        )
        return _single(op, value)

    @impl(nn.GlobalAvgPoolOp)
    def run_global_avg_pool(
        self, interpreter: Interpreter, op: nn.GlobalAvgPoolOp, args: Args
    ) -> Results:
        return _single(op, kernels.global_avg_pool(args[0]))

    # Normalisation and reductions.

    @impl(nn.SoftmaxOp)
    def run_softmax(self, interpreter: Interpreter, op: nn.SoftmaxOp, args: Args) -> Results:
        return _single(op, kernels.softmax(args[0], _int(op.axis)))

    @impl(nn.LayerNormOp)
    def run_layer_norm(self, interpreter: Interpreter, op: nn.LayerNormOp, args: Args) -> Results:
        x, scale, *bias = args
        value = kernels.layer_norm(
            x, scale, bias[0] if bias else None, _int(op.axis), _float(op.epsilon)
        )
        return _single(op, value)

    @impl(nn.BatchNormOp)
    def run_batch_norm(self, interpreter: Interpreter, op: nn.BatchNormOp, args: Args) -> Results:
        return _single(op, kernels.batch_norm(*args, _float(op.epsilon)))

    @impl(nn.ReduceMeanOp)
    def run_reduce_mean(self, interpreter: Interpreter, op: nn.ReduceMeanOp, args: Args) -> Results:
        return _single(op, kernels.reduce("mean", args[0], ints(op.axes), _flag(op.keepdims)))

    @impl(nn.ReduceSumOp)
    def run_reduce_sum(self, interpreter: Interpreter, op: nn.ReduceSumOp, args: Args) -> Results:
        return _single(op, kernels.reduce("sum", args[0], ints(op.axes), _flag(op.keepdims)))

    @impl(nn.ReduceMaxOp)
    def run_reduce_max(self, interpreter: Interpreter, op: nn.ReduceMaxOp, args: Args) -> Results:
        return _single(op, kernels.reduce("max", args[0], ints(op.axes), _flag(op.keepdims)))

    # Data movement: the result type gives the shape of the pure reshapes.

    @impl(nn.ReshapeOp)
    def run_reshape(self, interpreter: Interpreter, op: nn.ReshapeOp, args: Args) -> Results:
        return _single(op, args[0].reshape(_shape(op.result)))

    @impl(nn.FlattenOp)
    def run_flatten(self, interpreter: Interpreter, op: nn.FlattenOp, args: Args) -> Results:
        return _single(op, args[0].reshape(_shape(op.result)))

    @impl(nn.SqueezeOp)
    def run_squeeze(self, interpreter: Interpreter, op: nn.SqueezeOp, args: Args) -> Results:
        return _single(op, np.squeeze(args[0], axis=ints(op.axes)))

    @impl(nn.UnsqueezeOp)
    def run_unsqueeze(self, interpreter: Interpreter, op: nn.UnsqueezeOp, args: Args) -> Results:
        return _single(op, np.expand_dims(args[0], axis=ints(op.axes)))

    @impl(nn.TransposeOp)
    def run_transpose(self, interpreter: Interpreter, op: nn.TransposeOp, args: Args) -> Results:
        return _single(op, np.transpose(args[0], ints(op.perm)))

    @impl(nn.ConcatOp)
    def run_concat(self, interpreter: Interpreter, op: nn.ConcatOp, args: Args) -> Results:
        return _single(op, np.concatenate(args, axis=_int(op.axis)))

    @impl(nn.SliceOp)
    def run_slice(self, interpreter: Interpreter, op: nn.SliceOp, args: Args) -> Results:
        value = kernels.slice_tensor(args[0], ints(op.starts), ints(op.ends), ints(op.steps))
        return _single(op, value)

    @impl(nn.SplitOp)
    def run_split(self, interpreter: Interpreter, op: nn.SplitOp, args: Args) -> Results:
        parts = kernels.split(args[0], _int(op.axis), ints(op.sizes))
        return tuple(as_type(part, result) for part, result in zip(parts, op.results, strict=True))

    @impl(nn.PadOp)
    def run_pad(self, interpreter: Interpreter, op: nn.PadOp, args: Args) -> Results:
        value = kernels.pad(args[0], ints(op.pads), op.mode.data, _float(op.value))
        return _single(op, value)

    @impl(nn.GatherOp)
    def run_gather(self, interpreter: Interpreter, op: nn.GatherOp, args: Args) -> Results:
        try:
            return _single(op, kernels.gather(args[0], args[1], _int(op.axis)))
        except IndexError as error:
            raise _data_error(op, str(error)) from None

