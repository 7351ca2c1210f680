"""Ops that move data without arithmetic: reshapes, permutations, slices, padding."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerType, StringAttr, TensorType
from xdsl.ir import Attribute
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from npu_dialect.nn.base import (
    F32Attr,
    I64Attr,
    IntArrayAttr,
    NNOperation,
    Operand,
    f32_attr,
    i64_array,
    i64_attr,
    ints,
    same_element_type,
    shape_of,
    str_attr,
    tensor,
    tensor_of,
)
from npu_dialect.nn.shapes import (
    infer_concat_shape,
    infer_flatten_shape,
    infer_gather_shape,
    infer_pad_shape,
    infer_slice_shape,
    infer_split_shapes,
    infer_squeeze_shape,
    infer_transpose_shape,
    infer_unsqueeze_shape,
)


class ShapeOperation(NNOperation):
    """One input, one result of the same element type."""

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"


@irdl_op_definition
class ReshapeOp(ShapeOperation):
    """The result type gives the shape; the element count must match."""

    name = "nn.reshape"

    traits = traits_def(Pure())

    def __init__(self, input: Operand, result_type: Attribute | Sequence[int]):
        if not isinstance(result_type, Attribute):
            result_type = tensor(result_type, tensor_of(input).element_type)
        super().__init__(operands=[input], result_types=[result_type])

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type, result_type = tensor_of(self.input), tensor_of(self.result)
        if input_type.element_count() != result_type.element_count():
            raise VerifyException(
                f"result type {result_type} has {result_type.element_count()} elements, "
                f"input type {input_type} has {input_type.element_count()}"
            )
        return [tensor(shape_of(result_type), input_type.element_type)]


@irdl_op_definition
class FlattenOp(ShapeOperation):
    """To 2-D [prod(dims < axis), prod(dims >= axis)]."""

    name = "nn.flatten"
    axis = attr_def(I64Attr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, axis: int = 1):
        input_type = tensor_of(input)
        if axis < 0:
            axis += input_type.get_num_dims()
        shape = infer_flatten_shape(shape_of(input_type), axis)
        super().__init__(
            operands=[input],
            result_types=[tensor(shape, input_type.element_type)],
            attributes={"axis": i64_attr(axis)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        shape = infer_flatten_shape(shape_of(input_type), self.axis.value.data)
        return [tensor(shape, input_type.element_type)]


class AxesOperation(ShapeOperation):
    """Shape op parameterised by a sorted list of `axes`."""

    axes = attr_def(IntArrayAttr)

    @staticmethod
    @abstractmethod
    def infer_shape(input: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
        """The result shape (one of the `shapes` functions)."""

    def __init__(self, input: Operand, axes: Sequence[int]):
        input_type = tensor_of(input)
        shape = self.infer_shape(shape_of(input_type), axes)
        super().__init__(
            operands=[input],
            result_types=[tensor(shape, input_type.element_type)],
            attributes={"axes": i64_array(axes)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        shape = self.infer_shape(shape_of(input_type), ints(self.axes))
        return [tensor(shape, input_type.element_type)]


@irdl_op_definition
class SqueezeOp(AxesOperation):
    """Removes the size-1 dims `axes`."""

    name = "nn.squeeze"
    infer_shape = staticmethod(infer_squeeze_shape)
    traits = traits_def(Pure())


@irdl_op_definition
class UnsqueezeOp(AxesOperation):
    """Inserts size-1 dims at `axes` (numbered in the result)."""

    name = "nn.unsqueeze"
    infer_shape = staticmethod(infer_unsqueeze_shape)
    traits = traits_def(Pure())


@irdl_op_definition
class TransposeOp(ShapeOperation):
    """Result dim i is input dim perm[i]."""

    name = "nn.transpose"
    perm = attr_def(IntArrayAttr)

    traits = traits_def(Pure())

    def __init__(self, input: Operand, perm: Sequence[int]):
        input_type = tensor_of(input)
        shape = infer_transpose_shape(shape_of(input_type), perm)
        super().__init__(
            operands=[input],
            result_types=[tensor(shape, input_type.element_type)],
            attributes={"perm": i64_array(perm)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        shape = infer_transpose_shape(shape_of(input_type), ints(self.perm))
        return [tensor(shape, input_type.element_type)]


def concat_result_type(inputs: Sequence[TensorType], axis: int) -> TensorType:
    if not inputs:
        raise VerifyException("concat needs at least one input")
    for index, input_type in enumerate(inputs[1:], 1):
        same_element_type(f"input {index}", input_type, "input 0", inputs[0])
    shape = infer_concat_shape([shape_of(t) for t in inputs], axis)
    return tensor(shape, inputs[0].element_type)


@irdl_op_definition
class ConcatOp(NNOperation):
    """Joins `inputs` along `axis`."""

    name = "nn.concat"
    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    axis = attr_def(I64Attr)

    traits = traits_def(Pure())

    assembly_format = "$inputs attr-dict `:` functional-type(operands, results)"

    def __init__(self, inputs: Sequence[Operand], axis: int):
        types = [tensor_of(i) for i in inputs]
        if axis < 0 and types:
            axis += types[0].get_num_dims()
        super().__init__(
            operands=[list(inputs)],
            result_types=[concat_result_type(types, axis)],
            attributes={"axis": i64_attr(axis)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [concat_result_type([tensor_of(i) for i in self.inputs], self.axis.value.data)]


@irdl_op_definition
class SliceOp(ShapeOperation):
    """Strided slice with one normalised start, end and step per dim; for a
    negative step, end = -1 runs through index 0."""

    name = "nn.slice"
    starts = attr_def(IntArrayAttr)
    ends = attr_def(IntArrayAttr)
    steps = attr_def(IntArrayAttr)

    traits = traits_def(Pure())

    def __init__(
        self,
        input: Operand,
        starts: Sequence[int],
        ends: Sequence[int],
        steps: Sequence[int] | None = None,
    ):
        input_type = tensor_of(input)
        steps = [1] * len(starts) if steps is None else steps
        shape = infer_slice_shape(shape_of(input_type), starts, ends, steps)
        super().__init__(
            operands=[input],
            result_types=[tensor(shape, input_type.element_type)],
            attributes={
                "starts": i64_array(starts),
                "ends": i64_array(ends),
                "steps": i64_array(steps),
            },
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        shape = infer_slice_shape(
            shape_of(input_type), ints(self.starts), ints(self.ends), ints(self.steps)
        )
        return [tensor(shape, input_type.element_type)]


@irdl_op_definition
class SplitOp(NNOperation):
    """Cuts `input` along `axis` into pieces of `sizes`, one result each."""

    name = "nn.split"
    input = operand_def(TensorType)
    outputs = var_result_def(TensorType)
    axis = attr_def(I64Attr)
    sizes = attr_def(IntArrayAttr)

    traits = traits_def(Pure())

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: Operand, axis: int, sizes: Sequence[int]):
        input_type = tensor_of(input)
        if axis < 0:
            axis += input_type.get_num_dims()
        shapes = infer_split_shapes(shape_of(input_type), axis, sizes)
        super().__init__(
            operands=[input],
            result_types=[[tensor(s, input_type.element_type) for s in shapes]],
            attributes={"axis": i64_attr(axis), "sizes": i64_array(sizes)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        shapes = infer_split_shapes(shape_of(input_type), self.axis.value.data, ints(self.sizes))
        return [tensor(s, input_type.element_type) for s in shapes]


PAD_MODES = ("constant", "reflect", "edge")


@irdl_op_definition
class PadOp(ShapeOperation):
    """Pads with `pads` = [begins..., ends...] (ONNX order); `value` fills in
    `constant` mode."""

    name = "nn.pad"
    pads = attr_def(IntArrayAttr)
    mode = attr_def(StringAttr)
    value = attr_def(F32Attr)

    traits = traits_def(Pure())

    def __init__(
        self, input: Operand, pads: Sequence[int], mode: str = "constant", value: float = 0.0
    ):
        input_type = tensor_of(input)
        shape = infer_pad_shape(shape_of(input_type), pads)
        super().__init__(
            operands=[input],
            result_types=[tensor(shape, input_type.element_type)],
            attributes={"pads": i64_array(pads), "mode": str_attr(mode), "value": f32_attr(value)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        if self.mode.data not in PAD_MODES:
            raise VerifyException(
                f'mode must be "constant", "reflect" or "edge", got "{self.mode.data}"'
            )
        input_type = tensor_of(self.input)
        shape = infer_pad_shape(shape_of(input_type), ints(self.pads))
        return [tensor(shape, input_type.element_type)]


def gather_result_type(data: TensorType, indices: TensorType, axis: int) -> TensorType:
    if indices.element_type not in (IntegerType(32), IntegerType(64)):
        raise VerifyException(f"indices element type {indices.element_type} must be i32 or i64")
    shape = infer_gather_shape(shape_of(data), shape_of(indices), axis)
    return tensor(shape, data.element_type)


@irdl_op_definition
class GatherOp(NNOperation):
    """numpy `take` along `axis`; negative indices wrap."""

    name = "nn.gather"
    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    result = result_def(TensorType)
    axis = attr_def(I64Attr)

    traits = traits_def(Pure())

    assembly_format = "$data `,` $indices attr-dict `:` functional-type(operands, results)"

    def __init__(self, data: Operand, indices: Operand, axis: int = 0):
        data_type = tensor_of(data)
        if axis < 0:
            axis += data_type.get_num_dims()
        super().__init__(
            operands=[data, indices],
            result_types=[gather_result_type(data_type, tensor_of(indices), axis)],
            attributes={"axis": i64_attr(axis)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            gather_result_type(tensor_of(self.data), tensor_of(self.indices), self.axis.value.data)
        ]
