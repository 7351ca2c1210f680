"""Quantised `nn` ops: int8 tensors with their parameters in attributes.

A quantised tensor is a plain `i8` (or `ui8`) tensor; the ops that produce or consume
it carry its real-valued meaning, `real = scale * (q - zero_point)`, as attributes. Each
op maps onto one NPU instruction or a fixed short sequence of them, with the same
integer results (docs/quantization.md gives the mapping and the exact semantics):

- `nn.quantize` / `nn.dequantize`: f32 <-> i8 with a per-tensor scale and zero point;
- `nn.qconv2d` / `nn.qmatmul`: i8 x i8 products accumulated in i32 (`npu.conv2d`,
  `npu.matmul`), padding cells hold the input's zero point;
- `nn.requantize`: i32 (or i8/i16) to i8 with integer multiplier and shift, TOSA
  `RESCALE` rounding, zero points and a fused activation clamp (`npu.requantize`);
- `nn.qadd`: the int8 residual add, two input rescales, an i32 add and an output
  rescale (TFLite/TOSA style).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import BoolAttr, IntegerType, Signedness, TensorType, f32, i32
from xdsl.ir import Attribute
from xdsl.irdl import (
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

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
    shape_of,
    tensor,
    tensor_of,
)
from npu_dialect.nn.conv_pool import ConvOperation, conv_window_attributes
from npu_dialect.nn.shapes import broadcast_shapes, check_axis, infer_conv2d_shape, infer_matmul_shape

QUANTIZED_TYPES: tuple[Attribute, ...] = (IntegerType(8), IntegerType(8, Signedness.UNSIGNED))
"""Element types of quantised activations."""
WIDE_TYPES: tuple[Attribute, ...] = (IntegerType(16), i32)
"""Integer types of results kept wider than 8 bits (zero point 0)."""
RESCALE_TYPES: tuple[Attribute, ...] = (*QUANTIZED_TYPES, *WIDE_TYPES)
"""Element types `nn.requantize` reads and writes (those of `npu.requantize`)."""

MAX_MULTIPLIER = 2**31 - 1
SHIFT_RANGE = (2, 62)
"""Multiplier and shift limits of `npu.requantize` (TOSA RESCALE with scale32)."""


def integer_range(element_type: Attribute) -> tuple[int, int]:
    """The values of an integer element type."""
    assert isinstance(element_type, IntegerType)
    bits = element_type.width.data
    if element_type.signedness.data == Signedness.UNSIGNED:
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def zero_point_range(element_type: Attribute) -> tuple[int, int]:
    """Zero points an element type may have: its own range for the 8-bit types, only 0
    for the wider ones (as `npu.requantize`)."""
    return integer_range(element_type) if element_type in QUANTIZED_TYPES else (0, 0)


def _require_type(name: str, value: TensorType, allowed: Sequence[Attribute]) -> None:
    if value.element_type not in allowed:
        names = ", ".join(str(t) for t in allowed)
        raise VerifyException(
            f"{name} element type {value.element_type} must be one of {names}"
        )


def _check_zero_point(name: str, value: int, element_type: Attribute) -> None:
    low, high = zero_point_range(element_type)
    if not low <= value <= high:
        raise VerifyException(f"{name} {value} is out of range [{low}, {high}] for {element_type}")


def _check_scale(scale: float) -> None:
    if not 0 < scale < float("inf"):
        raise VerifyException(f"scale must be positive and finite, got {scale}")


def _check_rescale(prefix: str, multiplier: Sequence[int], shift: Sequence[int]) -> None:
    if len(shift) != len(multiplier):
        raise VerifyException(
            f"{prefix}shift has {len(shift)} entries but {prefix}multiplier has {len(multiplier)}"
        )
    for value in multiplier:
        if not 0 <= value <= MAX_MULTIPLIER:
            raise VerifyException(f"{prefix}multiplier {value} is out of range [0, 2^31 - 1]")
    low, high = SHIFT_RANGE
    for value in shift:
        if not low <= value <= high:
            raise VerifyException(f"{prefix}shift {value} is out of range [{low}, {high}]")


class AffineQuantOperation(NNOperation):
    """A conversion between f32 and integers, `real = scale * (q - zero_point)` with
    one scale and zero point for the whole tensor."""

    input = operand_def(TensorType)
    result = result_def(TensorType)
    scale = attr_def(F32Attr)
    zero_point = attr_def(I64Attr)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: Operand, scale: float, zero_point: int, element_type: Attribute):
        """`element_type` is the result's."""
        super().__init__(
            operands=[input],
            result_types=[tensor(shape_of(tensor_of(input)), element_type)],
            attributes={"scale": f32_attr(scale), "zero_point": i64_attr(zero_point)},
        )

    def verify_parameters(self, integer_type: Attribute) -> None:
        """Checks the scale, and the zero point against the integer side's type."""
        _check_scale(self.scale.value.data)
        _check_zero_point("zero_point", self.zero_point.value.data, integer_type)


@irdl_op_definition
class QuantizeOp(AffineQuantOperation):
    """f32 to i8/ui8: saturate(rint(x / scale) + zero_point), the division in f32 and
    rint rounding half to even; NaN becomes the zero point."""

    name = "nn.quantize"

    traits = traits_def(Pure())

    def __init__(
        self, input: Operand, scale: float, zero_point: int = 0, element_type: Attribute = IntegerType(8)
    ):
        super().__init__(input, scale, zero_point, element_type)

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type, result_type = tensor_of(self.input), tensor_of(self.result)
        _require_type("input", input_type, (f32,))
        _require_type("result", result_type, QUANTIZED_TYPES)
        self.verify_parameters(result_type.element_type)
        return [tensor(shape_of(input_type), result_type.element_type)]


@irdl_op_definition
class DequantizeOp(AffineQuantOperation):
    """i8/ui8 (or i16/i32, zero point 0) to f32: (q - zero_point) converted to f32,
    then times scale with one f32 rounding. The wide inputs carry results that leave
    the integer domain with more than 8 bits (docs/quantization.md)."""

    name = "nn.dequantize"

    traits = traits_def(Pure())

    def __init__(self, input: Operand, scale: float, zero_point: int = 0):
        super().__init__(input, scale, zero_point, f32)

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type = tensor_of(self.input)
        _require_type("input", input_type, RESCALE_TYPES)
        self.verify_parameters(input_type.element_type)
        return [tensor(shape_of(input_type), f32)]


def _check_products(
    names: tuple[str, str], lhs: TensorType, rhs: TensorType, bias: TensorType | None, channels: int
) -> None:
    _require_type(names[0], lhs, (IntegerType(8),))
    _require_type(names[1], rhs, (IntegerType(8),))
    if bias is not None:
        _require_type("bias", bias, (i32,))
        if shape_of(bias) != (channels,):
            raise VerifyException(
                f"bias must have shape {channels} (one value per output channel), "
                f"got {'x'.join(map(str, shape_of(bias))) or 'scalar'}"
            )


def qconv2d_result_type(
    input: TensorType,
    weight: TensorType,
    bias: TensorType | None,
    strides: Sequence[int],
    padding: Sequence[int],
    dilations: Sequence[int],
    groups: int,
    input_zp: int,
) -> TensorType:
    shape = infer_conv2d_shape(
        shape_of(input), shape_of(weight), strides, padding, dilations, groups, None
    )
    _check_products(("input", "weight"), input, weight, bias, shape[1])
    _check_zero_point("input_zp", input_zp, input.element_type)
    return tensor(shape, i32)


@irdl_op_definition
class QConv2DOp(ConvOperation):
    """int8 grouped 2-D convolution accumulated in i32, as `npu.conv2d`.

    result = wrap_i32(bias + sum(weight * padded_input)): the padding cells hold
    `input_zp`, the real zero of the input, and the products are *not* offset by it;
    the bias carries `-input_zp * sum(weight[o])` instead (folded when quantising), so
    that the op is exactly one `npu.conv2d` over a window the DMA padded with input_zp
    (the accumulator preloaded with the bias).
    """

    name = "nn.qconv2d"
    input_zp = attr_def(I64Attr)

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
        input_zp: int = 0,
    ):
        window = (strides, padding, dilations, groups)
        result_type = qconv2d_result_type(
            tensor_of(input), tensor_of(weight), optional_tensor_of(bias), *window, input_zp
        )
        super().__init__(
            operands=[input, weight, bias],
            result_types=[result_type],
            attributes={**conv_window_attributes(*window), "input_zp": i64_attr(input_zp)},
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            qconv2d_result_type(*self.operand_tensors(), *self.window(), self.input_zp.value.data)
        ]


def qmatmul_result_type(lhs: TensorType, rhs: TensorType, bias: TensorType | None) -> TensorType:
    shape = infer_matmul_shape(shape_of(lhs), shape_of(rhs))
    _check_products(("lhs", "rhs"), lhs, rhs, bias, shape[-1] if shape else 1)
    return tensor(shape, i32)


@irdl_op_definition
class QMatmulOp(NNOperation):
    """int8 numpy `matmul` accumulated in i32, plus an optional i32 bias on the last
    dim, as `npu.matmul`: result = wrap_i32(lhs @ rhs + bias). Zero points are not
    subtracted: a constant rhs has the lhs zero point's correction folded into the
    bias, two run-time operands are quantised symmetrically (zero point 0)."""

    name = "nn.qmatmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    result = result_def(TensorType)

    traits = traits_def(Pure())

    assembly_format = "$lhs `,` $rhs (`,` $bias^)? attr-dict `:` functional-type(operands, results)"

    def __init__(self, lhs: Operand, rhs: Operand, bias: Operand | None = None):
        result_type = qmatmul_result_type(
            tensor_of(lhs), tensor_of(rhs), optional_tensor_of(bias)
        )
        super().__init__(
            operands=[lhs, rhs, bias], result_types=[result_type]
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        return [
            qmatmul_result_type(
                tensor_of(self.lhs),
                tensor_of(self.rhs),
                optional_tensor_of(self.bias),
            )
        ]


class RescaleOperation(NNOperation):
    """An op whose result comes out of a TOSA rescale: `clamp` bounds the result and
    the optional `output_scale` records its real step (informational)."""

    clamp = attr_def(IntArrayAttr)
    output_scale = opt_attr_def(F32Attr)

    def verify_output(self) -> None:
        clamp = ints(self.clamp)
        if len(clamp) != 2 or clamp[0] > clamp[1]:
            raise VerifyException(f"clamp {list(clamp)} must be [min, max] with min <= max")
        scale = self.output_scale
        if scale is not None and not 0 < scale.value.data < float("inf"):
            raise VerifyException(
                f"output_scale must be positive and finite, got {scale.value.data}"
            )


def _output_attributes(
    clamp: tuple[int, int] | None, element_type: Attribute, output_scale: float | None
) -> dict[str, Attribute]:
    """The attributes of a `RescaleOperation`; the clamp defaults to the range of the
    result's `element_type`."""
    attributes: dict[str, Attribute] = {
        "clamp": i64_array(clamp if clamp is not None else integer_range(element_type))
    }
    if output_scale is not None:
        attributes["output_scale"] = f32_attr(output_scale)
    return attributes


@irdl_op_definition
class RequantizeOp(RescaleOperation):
    """TOSA RESCALE (scale32), as `npu.requantize`: per element, with c its index
    along `axis` (0 when there is one multiplier),

        v = input - input_zp
        r = 1 << (shift[c] - 1), plus +-(1 << 30) with double_round and shift > 31
        y = ((v * multiplier[c] + r) >> shift[c]) + output_zp
        result = saturate(min(max(y, clamp[0]), clamp[1]))

    in exact integer arithmetic; `>>` is an arithmetic shift (floor). The optional
    `output_scale` records the real step of the result (real = output_scale *
    (result - output_zp)) for readers and tools; the integer semantics ignore it."""

    name = "nn.requantize"
    input = operand_def(TensorType)
    result = result_def(TensorType)
    multiplier = attr_def(IntArrayAttr)
    shift = attr_def(IntArrayAttr)
    axis = attr_def(I64Attr)
    input_zp = attr_def(I64Attr)
    output_zp = attr_def(I64Attr)
    double_round = attr_def(BoolAttr)

    traits = traits_def(Pure())

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        input: Operand,
        multiplier: Sequence[int],
        shift: Sequence[int],
        *,
        axis: int = -1,
        input_zp: int = 0,
        output_zp: int = 0,
        double_round: bool = False,
        clamp: tuple[int, int] | None = None,
        element_type: Attribute = IntegerType(8),
        output_scale: float | None = None,
    ):
        input_type = tensor_of(input)
        rank = input_type.get_num_dims()
        attributes: dict[str, Attribute] = {
            "multiplier": i64_array(multiplier),
            "shift": i64_array(shift),
            "axis": i64_attr(axis + rank if axis < 0 else axis),
            "input_zp": i64_attr(input_zp),
            "output_zp": i64_attr(output_zp),
            "double_round": bool_attr(double_round),
            **_output_attributes(clamp, element_type, output_scale),
        }
        super().__init__(
            operands=[input],
            result_types=[tensor(shape_of(input_type), element_type)],
            attributes=attributes,
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        input_type, result_type = tensor_of(self.input), tensor_of(self.result)
        _require_type("input", input_type, RESCALE_TYPES)
        _require_type("result", result_type, RESCALE_TYPES)
        shape = shape_of(input_type)
        axis = self.axis.value.data
        check_axis("axis", axis, len(shape))
        multiplier, shift = ints(self.multiplier), ints(self.shift)
        if len(multiplier) not in (1, shape[axis]):
            raise VerifyException(
                f"multiplier has {len(multiplier)} entries, expected 1 (per tensor) or "
                f"{shape[axis]} (per channel of axis {axis})"
            )
        _check_rescale("", multiplier, shift)
        _check_zero_point("input_zp", self.input_zp.value.data, input_type.element_type)
        _check_zero_point("output_zp", self.output_zp.value.data, result_type.element_type)
        self.verify_output()
        return [tensor(shape, result_type.element_type)]


@irdl_op_definition
class QAddOp(RescaleOperation):
    """int8 residual add with numpy broadcasting (TFLite/TOSA style):

        a = rescale(lhs, lhs_multiplier, lhs_shift, input_zp=lhs_zp) to i32
        b = rescale(rhs, rhs_multiplier, rhs_shift, input_zp=rhs_zp) to i32
        result = rescale(wrap_i32(a + b), output_multiplier, output_shift,
                         output_zp=output_zp, clamp=clamp) to the result type

    with `rescale` as `nn.requantize` (single rounding, per tensor): two
    `npu.requantize`, one `npu.binary add` on i32 and one `npu.requantize`.
    `output_scale` is informational, as in `nn.requantize`."""

    name = "nn.qadd"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)
    lhs_zp = attr_def(I64Attr)
    lhs_multiplier = attr_def(I64Attr)
    lhs_shift = attr_def(I64Attr)
    rhs_zp = attr_def(I64Attr)
    rhs_multiplier = attr_def(I64Attr)
    rhs_shift = attr_def(I64Attr)
    output_multiplier = attr_def(I64Attr)
    output_shift = attr_def(I64Attr)
    output_zp = attr_def(I64Attr)

    traits = traits_def(Pure())

    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        lhs: Operand,
        rhs: Operand,
        lhs_rescale: tuple[int, int, int],
        rhs_rescale: tuple[int, int, int],
        output_rescale: tuple[int, int, int],
        clamp: tuple[int, int] | None = None,
        output_scale: float | None = None,
        element_type: Attribute | None = None,
    ):
        """Each rescale is (zero point, multiplier, shift); the result has the
        inputs' element type unless `element_type` (i16 or i32) is given; the clamp
        defaults to the range of the result type."""
        lhs_type, rhs_type = tensor_of(lhs), tensor_of(rhs)
        shape = broadcast_shapes(shape_of(lhs_type), shape_of(rhs_type))
        element_type = element_type or lhs_type.element_type
        attributes: dict[str, Attribute] = {}
        for prefix, (zp, multiplier, shift) in (
            ("lhs", lhs_rescale),
            ("rhs", rhs_rescale),
            ("output", output_rescale),
        ):
            attributes[f"{prefix}_zp"] = i64_attr(zp)
            attributes[f"{prefix}_multiplier"] = i64_attr(multiplier)
            attributes[f"{prefix}_shift"] = i64_attr(shift)
        attributes.update(_output_attributes(clamp, element_type, output_scale))
        super().__init__(
            operands=[lhs, rhs],
            result_types=[tensor(shape, element_type)],
            attributes=attributes,
        )

    def inferred_result_types(self) -> Sequence[Attribute]:
        lhs_type, rhs_type = tensor_of(self.lhs), tensor_of(self.rhs)
        result_type = tensor_of(self.result)
        _require_type("lhs", lhs_type, QUANTIZED_TYPES)
        if rhs_type.element_type != lhs_type.element_type:
            raise VerifyException(
                f"rhs element type {rhs_type.element_type} does not match "
                f"lhs element type {lhs_type.element_type}"
            )
        if result_type.element_type not in (lhs_type.element_type, *WIDE_TYPES):
            raise VerifyException(
                f"result element type {result_type.element_type} must be the inputs' "
                f"{lhs_type.element_type}, i16 or i32"
            )
        for prefix in ("lhs", "rhs", "output"):
            multiplier = getattr(self, f"{prefix}_multiplier").value.data
            shift = getattr(self, f"{prefix}_shift").value.data
            _check_rescale(f"{prefix}_", [multiplier], [shift])
            zp = getattr(self, f"{prefix}_zp").value.data
            element_type = result_type.element_type if prefix == "output" else lhs_type.element_type
            _check_zero_point(f"{prefix}_zp", zp, element_type)
        self.verify_output()
        shape = broadcast_shapes(shape_of(lhs_type), shape_of(rhs_type))
        return [tensor(shape, result_type.element_type)]


QUANT_OPS: list[type[NNOperation]] = [
    QuantizeOp,
    DequantizeOp,
    QConv2DOp,
    QMatmulOp,
    RequantizeOp,
    QAddOp,
]
"""The quantised ops, in the order of docs/quantization.md."""
