"""Matrix products: numpy-style `nn.matmul` and ONNX-style `nn.gemm`."""

from __future__ import annotations

from collections.abc import Sequence

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
    NNOperation,
    Operand,
    bool_attr,
    f32_attr,
    optional_tensor_of,
    product_element_type,
    require_addend_type,
    same_element_type,
    shape_of,
    tensor,
    tensor_of,
)
from npu_dialect.nn.shapes import infer_gemm_shape, infer_matmul_shape


def matmul_result_type(
    lhs: TensorType, rhs: TensorType, result_element: Attribute | None = None
) -> TensorType:
    """The result type; `result_element` f32 accumulates low-precision float operands
    in f32."""
    same_element_type("rhs", rhs, "lhs", lhs)
    element = product_element_type(lhs, result_element)
    return tensor(infer_matmul_shape(shape_of(lhs), shape_of(rhs)), element)


@irdl_op_definition
class MatmulOp(NNOperation):
    """numpy `matmul`: batched, batch dims broadcast, 1-D operands promoted."""

    name = "nn.matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    traits = traits_def(Pure())

    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(self, lhs: Operand, rhs: Operand, result_type: Attribute | None = None):
        if result_type is None:
            result_type = matmul_result_type(tensor_of(lhs), tensor_of(rhs))
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            matmul_result_type(
                tensor_of(self.lhs), tensor_of(self.rhs), tensor_of(self.result).element_type
            )
        ]


def gemm_result_type(
    a: TensorType,
    b: TensorType,
    c: TensorType | None,
    trans_a: bool,
    trans_b: bool,
    result_element: Attribute | None = None,
) -> TensorType:
    """The result type; `result_element` f32 accumulates low-precision float operands
    in f32 (c is then f32 too)."""
    same_element_type("b", b, "a", a)
    element = product_element_type(a, result_element)
    require_addend_type("c", c, element)
    shape = infer_gemm_shape(
        shape_of(a), shape_of(b), None if c is None else shape_of(c), trans_a, trans_b
    )
    return tensor(shape, element)


@irdl_op_definition
class GemmOp(NNOperation):
    """alpha * op(a) @ op(b) + beta * c, with c broadcast to [M, N] (ONNX Gemm)."""

    name = "nn.gemm"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    c = opt_operand_def(TensorType)
    result = result_def(TensorType)
    alpha = attr_def(F32Attr)
    beta = attr_def(F32Attr)
    trans_a = attr_def(BoolAttr)
    trans_b = attr_def(BoolAttr)

    traits = traits_def(Pure())

    assembly_format = "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        a: Operand,
        b: Operand,
        c: Operand | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        trans_a: bool = False,
        trans_b: bool = False,
        result_type: Attribute | None = None,
    ):
        if result_type is None:
            result_type = gemm_result_type(
                tensor_of(a), tensor_of(b), optional_tensor_of(c), trans_a, trans_b
            )
        super().__init__(
            operands=[a, b, c],
            result_types=[result_type],
            attributes={
                "alpha": f32_attr(alpha),
                "beta": f32_attr(beta),
                "trans_a": bool_attr(trans_a),
                "trans_b": bool_attr(trans_b),
            },
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            gemm_result_type(
                tensor_of(self.a),
                tensor_of(self.b),
                optional_tensor_of(self.c),
                bool(self.trans_a.value.data),
                bool(self.trans_b.value.data),
                tensor_of(self.result).element_type,
            )
        ]
