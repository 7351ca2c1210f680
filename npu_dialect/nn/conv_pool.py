"""Convolution and pooling over NCHW tensors."""

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
    I64Attr,
    IntArrayAttr,
    NNOperation,
    Operand,
    Shape,
    bool_attr,
    i64_array,
    i64_attr,
    ints,
    optional_tensor_of,
    product_element_type,
    require_addend_type,
    require_float,
    require_rank,
    same_element_type,
    shape_of,
    tensor,
    tensor_of,
)
from npu_dialect.nn.shapes import infer_conv2d_shape, infer_pool2d_shape


def conv2d_result_type(
    input: TensorType,
    weight: TensorType,
    bias: TensorType | None,
    strides: Sequence[int],
    padding: Sequence[int],
    dilations: Sequence[int],
    groups: int,
    result_element: Attribute | None = None,
) -> TensorType:
    """The result type; `result_element` f32 accumulates low-precision float operands
    in f32 (the bias is then f32 too)."""
    same_element_type("weight", weight, "input", input)
    element = product_element_type(input, result_element)
    require_addend_type("bias", bias, element)
    shape = infer_conv2d_shape(
        shape_of(input),
        shape_of(weight),
        strides,
        padding,
        dilations,
        groups,
        None if bias is None else shape_of(bias),
    )
    return tensor(shape, element)


class ConvOperation(NNOperation):
    """Grouped 2-D convolution: input NCHW, weight OIHW with I = C / groups,
    optional bias [O]; padding is [top, left, bottom, right]. `nn.conv2d` and
    `nn.qconv2d` share these operands and window attributes and differ in their
    element types."""

    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    result = result_def(TensorType)
    strides = attr_def(IntArrayAttr)
    padding = attr_def(IntArrayAttr)
    dilations = attr_def(IntArrayAttr)
    groups = attr_def(I64Attr)

    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)"
    )

    def operand_tensors(self) -> tuple[TensorType, TensorType, TensorType | None]:
        """The input, weight and (optional) bias types."""
        return tensor_of(self.input), tensor_of(self.weight), optional_tensor_of(self.bias)

    def window(self) -> tuple[Shape, Shape, Shape, int]:
        """The strides, padding, dilations and groups."""
        return ints(self.strides), ints(self.padding), ints(self.dilations), self.groups.value.data


def conv_window_attributes(
    strides: Sequence[int], padding: Sequence[int], dilations: Sequence[int], groups: int
) -> dict[str, Attribute]:
    """The window attributes of a `ConvOperation`, in printing order."""
    return {
        "strides": i64_array(strides),
        "padding": i64_array(padding),
        "dilations": i64_array(dilations),
        "groups": i64_attr(groups),
    }


@irdl_op_definition
class Conv2DOp(ConvOperation):
    """Float or integer convolution in the operands' type (or f32, see
    `conv2d_result_type`)."""

    name = "nn.conv2d"

    traits = traits_def(Pure())

    def __init__(
        self,
        input: Operand,
        weight: Operand,
        bias: Operand | None = None,
        strides: Sequence[int] = (1, 1),
        padding: Sequence[int] = (0, 0, 0, 0),
        dilations: Sequence[int] = (1, 1),
        groups: int = 1,
        result_type: Attribute | None = None,
    ):
        window = (strides, padding, dilations, groups)
        if result_type is None:
            result_type = conv2d_result_type(
                tensor_of(input), tensor_of(weight), optional_tensor_of(bias), *window
            )
        super().__init__(
            operands=[input, weight, bias],
            result_types=[result_type],
            attributes=conv_window_attributes(*window),
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        element = tensor_of(self.result).element_type
        return [conv2d_result_type(*self.operand_tensors(), *self.window(), element)]


def pool2d_result_type(
    input: TensorType,
    kernel: Sequence[int],
    strides: Sequence[int],
    padding: Sequence[int],
    dilations: Sequence[int],
    ceil_mode: bool,
    float_only: bool,
) -> TensorType:
    if float_only:
        require_float("input", input)
    shape = infer_pool2d_shape(shape_of(input), kernel, strides, padding, dilations, ceil_mode)
    return tensor(shape, input.element_type)


class Pool2DOperation(NNOperation):
    """Pooling over windows of H and W of an NCHW input; padding is [top, left,
    bottom, right]."""

    input = operand_def(TensorType)
    result = result_def(TensorType)
    kernel = attr_def(IntArrayAttr)
    strides = attr_def(IntArrayAttr)
    padding = attr_def(IntArrayAttr)
    ceil_mode = attr_def(BoolAttr)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    FLOAT_ONLY: ClassVar[bool] = False
    """Whether the pooling is only defined on floating-point tensors."""

    def window_dilations(self) -> Sequence[int]:
        """The window's dilations: none unless the op has a `dilations` attribute."""
        return (1, 1)

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            pool2d_result_type(
                tensor_of(self.input),
                ints(self.kernel),
                ints(self.strides),
                ints(self.padding),
                self.window_dilations(),
                bool(self.ceil_mode.value.data),
                float_only=self.FLOAT_ONLY,
            )
        ]


@irdl_op_definition
class MaxPool2DOp(Pool2DOperation):
    """Max over windows of H and W; padded cells are -inf."""

    name = "nn.max_pool2d"
    dilations = attr_def(IntArrayAttr)

    traits = traits_def(Pure())

    def __init__(
        self,
        input: Operand,
        kernel: Sequence[int],
        strides: Sequence[int] | None = None,
        padding: Sequence[int] = (0, 0, 0, 0),
        dilations: Sequence[int] = (1, 1),
        ceil_mode: bool = False,
    ):
        strides = tuple(kernel) if strides is None else strides
        result_type = pool2d_result_type(
            tensor_of(input), kernel, strides, padding, dilations, ceil_mode, self.FLOAT_ONLY
        )
        super().__init__(
            operands=[input],
            result_types=[result_type],
            attributes={
                "kernel": i64_array(kernel),
                "strides": i64_array(strides),
                "padding": i64_array(padding),
                "dilations": i64_array(dilations),
                "ceil_mode": bool_attr(ceil_mode),
            },
        )

    def window_dilations(self) -> Sequence[int]:
        return ints(self.dilations)


@irdl_op_definition
class AvgPool2DOp(Pool2DOperation):
    """Mean over windows of H and W; `count_include_pad` decides whether padded
    cells count in the divisor."""

    name = "nn.avg_pool2d"
    FLOAT_ONLY: ClassVar[bool] = True
    count_include_pad = attr_def(BoolAttr)

    traits = traits_def(Pure())

    def __init__(
        self,
        input: Operand,
        kernel: Sequence[int],
        strides: Sequence[int] | None = None,
        padding: Sequence[int] = (0, 0, 0, 0),
        ceil_mode: bool = False,
        count_include_pad: bool = False,
    ):
        strides = tuple(kernel) if strides is None else strides
        result_type = pool2d_result_type(
            tensor_of(input), kernel, strides, padding, (1, 1), ceil_mode, self.FLOAT_ONLY
        )
        super().__init__(
            operands=[input],
            result_types=[result_type],
            attributes={
                "kernel": i64_array(kernel),
                "strides": i64_array(strides),
                "padding": i64_array(padding),
                "ceil_mode": bool_attr(ceil_mode),
                "count_include_pad": bool_attr(count_include_pad),
            },
        )


@irdl_op_definition
class GlobalAvgPoolOp(NNOperation):
    """Mean over H and W: N x C x 1 x 1."""

    name = "nn.global_avg_pool"
    input = operand_def(TensorType)
    result = result_def(TensorType)

    traits = traits_def(Pure())

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: Operand):
        super().__init__(operands=[input], result_types=[global_avg_pool_result_type(tensor_of(input))])

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [global_avg_pool_result_type(tensor_of(self.input))]


def global_avg_pool_result_type(input: TensorType) -> TensorType:
    require_float("input", input)
    require_rank("input", input, 4)
    return tensor(shape_of(input)[:2] + (1, 1), input.element_type)
