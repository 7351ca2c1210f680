"""Softmax, normalisations and reductions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import BoolAttr, TensorType
from xdsl.ir import Attribute
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure

from npu_dialect.nn.base import (
    F32Attr,
    I64Attr,
    IntArrayAttr,
    NNOperation,
    Operand,
    bool_attr,
    f32_attr,
    i64_array,
    i64_attr,
    ints,
    optional_tensor_of,
    require_float,
    same_element_type,
    shape_of,
    tensor,
    tensor_of,
)
from npu_dialect.nn.elementwise import UnaryOperation
from npu_dialect.nn.shapes import (
    check_axis,
    infer_batch_norm_shape,
    infer_layer_norm_shape,
    infer_reduce_shape,
)


@irdl_op_definition
class SoftmaxOp(UnaryOperation):
    """Softmax along `axis`."""

    name = "nn.softmax"
    FLOAT_ONLY: ClassVar[bool] = True
    axis = attr_def(I64Attr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, axis: int = -1):
        if axis < 0:
            axis += tensor_of(input).get_num_dims()
        super().__init__(input, {"axis": i64_attr(axis)})

    def inferred_result_types(self) -> Sequence[Attribute]:
        check_axis("axis", self.axis.value.data, tensor_of(self.input).get_num_dims())
        return super().inferred_result_types()


def layer_norm_result_type(
    input: TensorType, scale: TensorType, bias: TensorType | None, axis: int
) -> TensorType:
    require_float("input", input)
    same_element_type("scale", scale, "input", input)
    if bias is not None:
        same_element_type("bias", bias, "input", input)
    infer_layer_norm_shape(
        shape_of(input), shape_of(scale), None if bias is None else shape_of(bias), axis
    )
    return input


@irdl_op_definition
class LayerNormOp(NNOperation):
    """Normalises over dims `axis..rank-1`; scale and bias have those dims' shape."""

    name = "nn.layer_norm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    result = result_def(TensorType)
    axis = attr_def(I64Attr)
    epsilon = attr_def(F32Attr)

    traits = traits_def(Pure())

    assembly_format = (
        "$input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        input: Operand,
        scale: Operand,
        bias: Operand | None = None,
        axis: int = -1,
        epsilon: float = 1e-5,
    ):
        input_type = tensor_of(input)
        if axis < 0:
            axis += input_type.get_num_dims()
        result_type = layer_norm_result_type(
            input_type, tensor_of(scale), optional_tensor_of(bias), axis
        )
        super().__init__(
            operands=[input, scale, bias],
            result_types=[result_type],
            attributes={"axis": i64_attr(axis), "epsilon": f32_attr(epsilon)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            layer_norm_result_type(
                tensor_of(self.input),
                tensor_of(self.scale),
                optional_tensor_of(self.bias),
                self.axis.value.data,
            )
        ]


def batch_norm_result_type(input: TensorType, params: dict[str, TensorType]) -> TensorType:
    require_float("input", input)
    for name, param in params.items():
        same_element_type(name, param, "input", input)
    infer_batch_norm_shape(shape_of(input), {n: shape_of(p) for n, p in params.items()})
    return input


@irdl_op_definition
class BatchNormOp(NNOperation):
    """Inference batch norm over channel dim 1: scale * (x - mean) /
    sqrt(var + epsilon) + bias, the four params being [C]."""

    name = "nn.batch_norm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    mean = operand_def(TensorType)
    var = operand_def(TensorType)
    result = result_def(TensorType)
    epsilon = attr_def(F32Attr)

    traits = traits_def(Pure())

    assembly_format = (
        "$input `,` $scale `,` $bias `,` $mean `,` $var attr-dict `:` "
        "functional-type(operands, results)"
    )

    def __init__(
        self,
        input: Operand,
        scale: Operand,
        bias: Operand,
        mean: Operand,
        var: Operand,
        epsilon: float = 1e-5,
    ):
        params = {"scale": scale, "bias": bias, "mean": mean, "var": var}
        result_type = batch_norm_result_type(
            tensor_of(input), {n: tensor_of(p) for n, p in params.items()}
        )
        super().__init__(
            operands=[input, scale, bias, mean, var],
            result_types=[result_type],
            attributes={"epsilon": f32_attr(epsilon)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        params = {"scale": self.scale, "bias": self.bias, "mean": self.mean, "var": self.var}
        return [
            batch_norm_result_type(
                tensor_of(self.input), {n: tensor_of(p) for n, p in params.items()}
            )
        ]


class ReduceOperation(NNOperation):
    """Reduction over the sorted, non-negative `axes`."""

    input = operand_def(TensorType)
    result = result_def(TensorType)
    axes = attr_def(IntArrayAttr)
    keepdims = attr_def(BoolAttr)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    FLOAT_ONLY: ClassVar[bool] = False
    """Whether the reduction is only defined on floating-point tensors."""

    def __init__(self, input: Operand, axes: Sequence[int], keepdims: bool = True):
        input_type = tensor_of(input)
        rank = input_type.get_num_dims()
        axes = sorted(a + rank if a < 0 else a for a in axes)
        result_type = self.reduce_result_type(input_type, axes, keepdims)
        super().__init__(
            operands=[input],
            result_types=[result_type],
            attributes={"axes": i64_array(axes), "keepdims": bool_attr(keepdims)},
        )

    @classmethod
    def reduce_result_type(cls, input: TensorType, axes: Sequence[int], keepdims: bool) -> TensorType:
        if cls.FLOAT_ONLY:
            require_float("input", input)
        return tensor(infer_reduce_shape(shape_of(input), axes, keepdims), input.element_type)

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            self.reduce_result_type(
                tensor_of(self.input), ints(self.axes), bool(self.keepdims.value.data)
            )
        ]


@irdl_op_definition
class ReduceMeanOp(ReduceOperation):
    name = "nn.reduce_mean"
    FLOAT_ONLY: ClassVar[bool] = True
    traits = traits_def(Pure())


@irdl_op_definition
class ReduceSumOp(ReduceOperation):
    name = "nn.reduce_sum"
    traits = traits_def(Pure())


@irdl_op_definition
class ReduceMaxOp(ReduceOperation):
    name = "nn.reduce_max"
    traits = traits_def(Pure())
