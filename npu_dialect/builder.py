"""A Python API for writing `nn` models by hand.

    b = ModelBuilder("main")
    x = b.input("x", (1, 3, 32, 32))
    w = b.constant(weights)                # numpy array; large ones become blobs
    y = b.relu(b.conv2d(x, w, padding=(1, 1, 1, 1)))
    b.output("y", y)
    module = b.build()                     # builtin.module { func.func @main }

Every op method takes SSA values (or numpy arrays and Python numbers, which become
`nn.constant`s) and Python attribute values with the ops' defaults, and returns the
result value. Inputs and outputs carry `{nn.name = ...}` argument/result attributes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    ModuleOp,
    StringAttr,
    f32,
)
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from npu_dialect import nn
from npu_dialect.nn.base import tensor, tensor_of
from npu_dialect.nn.shapes import normalize_slice
from npu_dialect.resources import numpy_dtype

Value = SSAValue | Operation
"""An SSA value, or an op with a single result."""
ValueLike = Value | np.ndarray | float | int
"""Operands of elementwise ops may also be constants given as arrays or numbers."""

_NAME_HINT = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


class ModelBuilder:
    """Builds one `func.func` of `nn` ops inside a module.

    Constants with more than `inline_limit` elements become `dense_resource` blobs.
    """

    def __init__(self, name: str = "main", inline_limit: int = 16):
        self.name = name
        self.inline_limit = inline_limit
        self.block = Block()
        self._input_names: list[str] = []
        self._outputs: list[tuple[str, SSAValue]] = []

    # Graph inputs, outputs and constants.

    def input(self, name: str, shape: Sequence[int], element_type: Attribute = f32) -> SSAValue:
        """A new function argument named `name` (its `nn.name`)."""
        if name in self._input_names:
            raise ValueError(f"model '{self.name}' already has an input named '{name}'")
        argument = self.block.insert_arg(tensor(shape, element_type), len(self.block.args))
        if _NAME_HINT.fullmatch(name):
            argument.name_hint = name
        self._input_names.append(name)
        return argument

    def constant(self, value: np.ndarray | float | int, element_type: Attribute | None = None) -> SSAValue:
        """An `nn.constant` holding `value` (a numpy array or a number)."""
        op = nn.ConstantOp.from_array(np.asarray(value), element_type, self.inline_limit)
        return self._add(op)

    def output(self, name: str, value: Value) -> None:
        """Returns `value` from the function as the output named `name`."""
        if any(name == existing for existing, _ in self._outputs):
            raise ValueError(f"model '{self.name}' already has an output named '{name}'")
        self._outputs.append((name, SSAValue.get(value)))

    def build(self, verify: bool = True) -> ModuleOp:
        """The module holding the function; the builder must not be used afterwards."""
        if not self._outputs:
            raise ValueError(f"model '{self.name}' has no outputs")
        self.block.add_op(ReturnOp(*(value for _, value in self._outputs)))
        func = FuncOp(
            self.name,
            (self.block.arg_types, [value.type for _, value in self._outputs]),
            Region(self.block),
            arg_attrs=_name_attrs(self._input_names),
            res_attrs=_name_attrs([name for name, _ in self._outputs]),
        )
        module = ModuleOp([func])
        if verify:
            module.verify()
        return module

    def _add(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def _operand(self, value: ValueLike, like: Value) -> SSAValue:
        """`value`, turned into a constant of `like`'s element type if it is data."""
        if isinstance(value, SSAValue | Operation):
            return SSAValue.get(value)
        element_type = tensor_of(like).element_type
        return self.constant(np.asarray(value, dtype=numpy_dtype(element_type)), element_type)

    def _binary(self, op_type: type[nn.BinaryOperation], lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        if not isinstance(lhs, SSAValue | Operation):
            if not isinstance(rhs, SSAValue | Operation):
                raise ValueError("at least one operand must be an SSA value")
            lhs = self._operand(lhs, rhs)
        return self._add(op_type(SSAValue.get(lhs), self._operand(rhs, lhs)))

    # Elementwise.

    def add(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.AddOp, lhs, rhs)

    def sub(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.SubOp, lhs, rhs)

    def mul(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.MulOp, lhs, rhs)

    def div(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.DivOp, lhs, rhs)

    def pow(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.PowOp, lhs, rhs)

    def min(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.MinOp, lhs, rhs)

    def max(self, lhs: ValueLike, rhs: ValueLike) -> SSAValue:
        return self._binary(nn.MaxOp, lhs, rhs)

    def relu(self, x: Value) -> SSAValue:
        return self._add(nn.ReluOp(x))

    def sigmoid(self, x: Value) -> SSAValue:
        return self._add(nn.SigmoidOp(x))

    def tanh(self, x: Value) -> SSAValue:
        return self._add(nn.TanhOp(x))

    def erf(self, x: Value) -> SSAValue:
        return self._add(nn.ErfOp(x))

    def exp(self, x: Value) -> SSAValue:
        return self._add(nn.ExpOp(x))

    def sqrt(self, x: Value) -> SSAValue:
        return self._add(nn.SqrtOp(x))

    def neg(self, x: Value) -> SSAValue:
        return self._add(nn.NegOp(x))

    def abs(self, x: Value) -> SSAValue:
        return self._add(nn.AbsOp(x))

    def hard_swish(self, x: Value) -> SSAValue:
        return self._add(nn.HardSwishOp(x))

    def gelu(self, x: Value, approximate: str = "none") -> SSAValue:
        return self._add(nn.GeluOp(x, approximate))

    def leaky_relu(self, x: Value, alpha: float = 0.01) -> SSAValue:
        return self._add(nn.LeakyReluOp(x, alpha))

    def elu(self, x: Value, alpha: float = 1.0) -> SSAValue:
        return self._add(nn.EluOp(x, alpha))

    def hard_sigmoid(self, x: Value, alpha: float = 0.2, beta: float = 0.5) -> SSAValue:
        return self._add(nn.HardSigmoidOp(x, alpha, beta))

    def clamp(self, x: Value, min: float, max: float) -> SSAValue:
        return self._add(nn.ClampOp(x, min, max))

    def relu6(self, x: Value) -> SSAValue:
        """`nn.clamp` to [0, 6]."""
        return self.clamp(x, 0.0, 6.0)

    def prelu(self, x: Value, slope: ValueLike) -> SSAValue:
        return self._add(nn.PreluOp(x, self._operand(slope, x)))

    def cast(self, x: Value, element_type: Attribute) -> SSAValue:
        return self._add(nn.CastOp(x, element_type))

    # Contractions, normalisation and pooling.

    def conv2d(
        self,
        x: Value,
        weight: ValueLike,
        bias: ValueLike | None = None,
        strides: Sequence[int] = (1, 1),
        padding: Sequence[int] = (0, 0, 0, 0),
        dilations: Sequence[int] = (1, 1),
        groups: int = 1,
    ) -> SSAValue:
        weight = self._operand(weight, x)
        bias = None if bias is None else self._operand(bias, x)
        return self._add(nn.Conv2DOp(x, weight, bias, strides, padding, dilations, groups))

    def matmul(self, lhs: Value, rhs: ValueLike) -> SSAValue:
        return self._add(nn.MatmulOp(lhs, self._operand(rhs, lhs)))

    def gemm(
        self,
        a: Value,
        b: ValueLike,
        c: ValueLike | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        trans_a: bool = False,
        trans_b: bool = False,
    ) -> SSAValue:
        b_value = self._operand(b, a)
        c_value = None if c is None else self._operand(c, a)
        return self._add(nn.GemmOp(a, b_value, c_value, alpha, beta, trans_a, trans_b))

    def linear(self, x: Value, weight: ValueLike, bias: ValueLike | None = None) -> SSAValue:
        """Fully connected layer x @ weight^T + bias, weight [N, K] (`nn.gemm`, trans_b)."""
        return self.gemm(x, weight, bias, trans_b=True)

    def softmax(self, x: Value, axis: int = -1) -> SSAValue:
        return self._add(nn.SoftmaxOp(x, axis))

    def layer_norm(
        self,
        x: Value,
        scale: ValueLike,
        bias: ValueLike | None = None,
        axis: int = -1,
        epsilon: float = 1e-5,
    ) -> SSAValue:
        bias_value = None if bias is None else self._operand(bias, x)
        return self._add(nn.LayerNormOp(x, self._operand(scale, x), bias_value, axis, epsilon))

    def batch_norm(
        self,
        x: Value,
        scale: ValueLike,
        bias: ValueLike,
        mean: ValueLike,
        var: ValueLike,
        epsilon: float = 1e-5,
    ) -> SSAValue:
        params = [self._operand(p, x) for p in (scale, bias, mean, var)]
        return self._add(nn.BatchNormOp(x, *params, epsilon=epsilon))

    def max_pool2d(
        self,
        x: Value,
        kernel: Sequence[int],
        strides: Sequence[int] | None = None,
        padding: Sequence[int] = (0, 0, 0, 0),
        dilations: Sequence[int] = (1, 1),
        ceil_mode: bool = False,
    ) -> SSAValue:
        """`strides` default to the kernel size."""
        return self._add(nn.MaxPool2DOp(x, kernel, strides, padding, dilations, ceil_mode))

    def avg_pool2d(
        self,
        x: Value,
        kernel: Sequence[int],
        strides: Sequence[int] | None = None,
        padding: Sequence[int] = (0, 0, 0, 0),
        ceil_mode: bool = False,
        count_include_pad: bool = False,
    ) -> SSAValue:
        """`strides` default to the kernel size."""
        return self._add(
            nn.AvgPool2DOp(x, kernel, strides, padding, ceil_mode, count_include_pad)
        )

    def global_avg_pool(self, x: Value) -> SSAValue:
        return self._add(nn.GlobalAvgPoolOp(x))

    def reduce_mean(self, x: Value, axes: Sequence[int], keepdims: bool = True) -> SSAValue:
        return self._add(nn.ReduceMeanOp(x, axes, keepdims))

    def reduce_sum(self, x: Value, axes: Sequence[int], keepdims: bool = True) -> SSAValue:
        return self._add(nn.ReduceSumOp(x, axes, keepdims))

    def reduce_max(self, x: Value, axes: Sequence[int], keepdims: bool = True) -> SSAValue:
        return self._add(nn.ReduceMaxOp(x, axes, keepdims))

    # Data movement.

    def reshape(self, x: Value, shape: Sequence[int]) -> SSAValue:
        """One entry of `shape` may be -1: it takes the remaining element count."""
        input_type = tensor_of(x)
        shape = list(shape)
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
            shape[shape.index(-1)] = input_type.element_count() // max(known, 1)
        return self._add(nn.ReshapeOp(x, tensor(shape, input_type.element_type)))

    def flatten(self, x: Value, axis: int = 1) -> SSAValue:
        return self._add(nn.FlattenOp(x, axis))

    def squeeze(self, x: Value, axes: Sequence[int]) -> SSAValue:
        rank = tensor_of(x).get_num_dims()
        return self._add(nn.SqueezeOp(x, sorted(a + rank if a < 0 else a for a in axes)))

    def unsqueeze(self, x: Value, axes: Sequence[int]) -> SSAValue:
        rank = tensor_of(x).get_num_dims() + len(axes)
        return self._add(nn.UnsqueezeOp(x, sorted(a + rank if a < 0 else a for a in axes)))

    def transpose(self, x: Value, perm: Sequence[int]) -> SSAValue:
        return self._add(nn.TransposeOp(x, perm))

    def concat(self, inputs: Sequence[Value], axis: int) -> SSAValue:
        return self._add(nn.ConcatOp(inputs, axis))

    def slice(
        self,
        x: Value,
        starts: Sequence[int],
        ends: Sequence[int],
        axes: Sequence[int] | None = None,
        steps: Sequence[int] | None = None,
    ) -> SSAValue:
        """ONNX `Slice` arguments (negative or out-of-range values allowed, only
        `axes` sliced), normalised into `nn.slice`'s per-dim form."""
        shape = tuple(tensor_of(x).get_shape())
        full = normalize_slice(shape, starts, ends, axes, steps)
        return self._add(nn.SliceOp(x, *full))

    def split(self, x: Value, axis: int, sizes: Sequence[int]) -> list[SSAValue]:
        op = nn.SplitOp(x, axis, sizes)
        self.block.add_op(op)
        return list(op.results)

    def pad(
        self, x: Value, pads: Sequence[int], mode: str = "constant", value: float = 0.0
    ) -> SSAValue:
        return self._add(nn.PadOp(x, pads, mode, value))

    def gather(self, data: Value, indices: ValueLike, axis: int = 0) -> SSAValue:
        if not isinstance(indices, SSAValue | Operation):
            indices = self.constant(np.asarray(indices, dtype=np.int64))
        return self._add(nn.GatherOp(data, indices, axis))


def _name_attrs(names: Sequence[str]) -> ArrayAttr[DictionaryAttr]:
    return ArrayAttr([DictionaryAttr({"nn.name": StringAttr(name)}) for name in names])


__all__ = ["ModelBuilder", "Value", "ValueLike"]
