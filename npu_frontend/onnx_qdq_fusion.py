"""The QDQ form of a quantised ONNX model as integer `nn` ops, at import.

onnxruntime's quantizer (`QuantFormat.QDQ`) writes a quantised model as float ops
between `DequantizeLinear` and `QuantizeLinear`. Imported node by node, a layer is

    %x = nn.dequantize %x_q                     (DequantizeLinear of an activation)
    %w = nn.constant (float)                    (DequantizeLinear of int8 weights)
    %y = nn.conv2d %x, %w, %b                   (Conv)
    %y_q = nn.quantize %y                       (QuantizeLinear)

and the patterns below give it the integer form `QLinearConv` would have
(`npu_frontend.onnx_quant`), as onnxruntime's own graph optimiser does before it runs
such a model:

- `quantize(conv2d | gemm | matmul)` of a dequantized activation and dequantized
  constant weights (and a constant bias), with ReLU/clamps between the product and
  the quantize folded into the requantisation's clamp: `nn.qconv2d` / `nn.qmatmul` +
  `nn.requantize`; also `matmul` of two dequantized activations whose zero points
  are 0;
- `quantize(add)` of two dequantized activations, or of one and a dequantized
  per-tensor constant (a bias), with ReLU/clamps: `nn.qadd`;
- `quantize(avg_pool2d | global_avg_pool)` of a dequantized tensor whose windows
  all count the whole kernel: window sums by a depthwise `nn.qconv2d` with all-one
  weights, and one `nn.requantize`;
- reshapes, transposes, slices and max pooling of a dequantized tensor run on the
  int8 tensor, and `quantize(dequantize(q))` folds (as in `nn-quantize`).

Every other op stays float between `nn.dequantize` and `nn.quantize`, with exactly
the ONNX semantics (so does a product that does not match, e.g. one whose result is
not quantized).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import TensorType, i8
from xdsl.dialects.func import FuncOp
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.transforms.dead_code_elimination import region_dce

from npu_dialect import nn
from npu_dialect.nn.base import ints
from npu_frontend.onnx_quant import (
    UINT8_OFFSET,
    ConvWindow,
    QuantizedConstant,
    bias_at_scale,
    integer_average_pool,
    integer_bounds,
    integer_product,
    qadd,
    requantize,
    requantize_scales,
)
from transforms.nn_quantize import FoldDequantizeQuantize
from transforms.quantization.params import QMAX, QMIN, TRANSPARENT_OPS, QuantParams
from transforms.quantization.quantizer import static_shape

Constants = dict[SSAValue, QuantizedConstant]
"""The float constants the importer made from DequantizeLinear, with their integers."""


def _activation_chain(value: SSAValue) -> tuple[SSAValue, list[Operation], tuple[float, float]]:
    """Walks back from a quantize's input over single-use ReLUs and clamps: (the value
    before them, the ops, the combined bounds)."""
    activations: list[Operation] = []
    low, high = -np.inf, np.inf
    while isinstance(value.owner, (nn.ReluOp, nn.ClampOp)) and value.has_one_use():
        owner = value.owner
        if isinstance(owner, nn.ReluOp):
            bounds = max(low, 0.0), high
        else:
            bounds = max(low, owner.min.value.data), min(high, owner.max.value.data)
        if bounds[0] > bounds[1]:
            # Disjoint clamps give a constant; not a requantisation's clamp.
            break
        low, high = bounds
        activations.append(owner)
        value = owner.input
    return value, activations, (low, high)


def _element_type(value: SSAValue) -> Attribute:
    assert isinstance(value.type, TensorType)
    return value.type.element_type


class NoMatch(Exception):
    """The ops do not have the form a pattern needs."""


def _int8_source(value: SSAValue) -> tuple[SSAValue, QuantParams]:
    """The int8 tensor and parameters of a dequantized int8 value."""
    owner = value.owner
    if not isinstance(owner, nn.DequantizeOp) or _element_type(owner.input) != i8:
        raise NoMatch
    return owner.input, QuantParams(owner.scale.value.data, owner.zero_point.value.data)


def _weights(value: SSAValue, constants: Constants, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Dequantized constant weights as int8 and one scale per index of `axis`."""
    constant = constants.get(value)
    per_channel = None if constant is None else constant.per_channel(axis)
    if per_channel is None:
        raise NoMatch
    return per_channel


@dataclass
class Product:
    """An int8 product found in the float form."""

    x: SSAValue
    x_params: QuantParams
    weights: np.ndarray
    """int8, OIHW for a convolution, else [K, N]."""
    weight_scales: np.ndarray
    window: ConvWindow | None
    axis: int
    """The result's channel axis."""
    bias: tuple[np.ndarray, np.ndarray | None] | None = None
    """(values, their scales or None for floats), one per output channel."""
    alpha: float = 1.0

    def ops(self, output: QuantParams, clamp: tuple[int, int] | None) -> list[Operation]:
        """The constants, the product and the requantisation to `output`."""
        bias = None
        if self.bias is not None:
            accumulator_scales = np.float32(self.x_params.scale) * self.weight_scales
            bias = bias_at_scale(*self.bias, accumulator_scales)
        try:
            ops = integer_product(self.x, self.x_params.zero_point, self.weights, bias, self.window)
        except ValueError:
            raise NoMatch from None
        reals = requantize_scales(self.x_params.scale, self.weight_scales, output.scale, self.alpha)
        return [*ops, requantize(ops[-1].results[0], reals, self.axis, output, clamp)]


def _bias(
    value: SSAValue | None, constants: Constants, channels: int, beta: float = 1.0
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A constant bias of one value per channel (or one for all) as (values, their
    scales, or None for floats); None without a bias."""
    if value is None:
        return None
    if not isinstance(value.owner, nn.ConstantOp):
        raise NoMatch
    constant = constants.get(value)
    scales = None
    if constant is not None and beta == 1.0 and not constant.zero_point.any():
        values = constant.integers
        scales = np.broadcast_to(constant.scale, (channels,))
    else:
        values = value.owner.array().astype(np.float64) * beta
    if values.size not in (1, channels) or values.ndim > 2 or values.shape[:-1] not in ((), (1,)):
        raise NoMatch
    return np.broadcast_to(values.reshape(-1), (channels,)), scales


def _conv(op: nn.Conv2DOp, constants: Constants) -> Product:
    weights, scales = _weights(op.weight, constants, 0)
    window = ConvWindow(
        ints(op.strides), ints(op.padding), ints(op.dilations), op.groups.value.data
    )
    bias = _bias(op.bias, constants, weights.shape[0])
    return Product(*_int8_source(op.input), weights, scales, window, 1, bias)


def _gemm(op: nn.GemmOp, constants: Constants) -> Product:
    if op.trans_a.value.data:
        raise NoMatch
    transposed = bool(op.trans_b.value.data)
    weights, scales = _weights(op.b, constants, 0 if transposed else 1)
    if transposed:
        weights = np.ascontiguousarray(weights.T)
    bias = _bias(op.c, constants, weights.shape[1], op.beta.value.data)
    return Product(*_int8_source(op.a), weights, scales, None, 1, bias, op.alpha.value.data)


def _matmul(op: nn.MatmulOp, constants: Constants) -> Product:
    if len(static_shape(op.rhs)) != 2:
        raise NoMatch
    weights, scales = _weights(op.rhs, constants, 1)
    return Product(*_int8_source(op.lhs), weights, scales, None, len(static_shape(op.result)) - 1)


def _runtime_matmul(
    op: nn.MatmulOp, output: QuantParams, clamp: tuple[int, int] | None
) -> list[Operation]:
    """`nn.qmatmul` of two dequantized int8 tensors with zero points 0."""
    (lhs, lhs_params), (rhs, rhs_params) = _int8_source(op.lhs), _int8_source(op.rhs)
    if lhs_params.zero_point or rhs_params.zero_point:
        raise NoMatch
    matmul = nn.QMatmulOp(lhs, rhs)
    reals = requantize_scales(lhs_params.scale, np.asarray([rhs_params.scale]), output.scale)
    axis = len(static_shape(op.result)) - 1
    return [matmul, requantize(matmul.result, reals, axis, output, clamp)]


def _replace(
    op: nn.QuantizeOp,
    new_ops: list[Operation],
    dead: list[Operation],
    rewriter: PatternRewriter,
) -> None:
    """Insert `new_ops` before `op`, let the last one's result replace `op`'s and
    erase `op` and then `dead` (its former producers, users first)."""
    for new_op in new_ops:
        new_op.location = op.location
        rewriter.insert(new_op, InsertPoint.before(op))
    result = new_ops[-1].results[0]
    result.name_hint = op.result.name_hint
    rewriter.replace_all_uses_with(op.result, result)
    rewriter.erase(op)
    for dead_op in dead:
        rewriter.erase(dead_op)


@dataclass
class FuseProduct(RewritePattern):
    """quantize(ReLU/clamp*(conv2d | gemm | matmul)) on dequantized int8 operands to
    `nn.qconv2d` / `nn.qmatmul` + `nn.requantize`."""

    constants: Constants

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        value, activations, bounds = _activation_chain(op.input)
        product = value.owner
        if not value.has_one_use():
            return
        output = QuantParams(op.scale.value.data, op.zero_point.value.data)
        clamp = integer_bounds(*bounds, output) if activations else None
        try:
            if isinstance(product, nn.Conv2DOp):
                new_ops = _conv(product, self.constants).ops(output, clamp)
            elif isinstance(product, nn.GemmOp):
                new_ops = _gemm(product, self.constants).ops(output, clamp)
            elif isinstance(product, nn.MatmulOp) and product.rhs in self.constants:
                new_ops = _matmul(product, self.constants).ops(output, clamp)
            elif isinstance(product, nn.MatmulOp):
                new_ops = _runtime_matmul(product, output, clamp)
            else:
                return
        except NoMatch:
            return
        new_ops[-2].results[0].name_hint = product.results[0].name_hint
        _replace(op, new_ops, [*activations, product], rewriter)


def _int8_constant(constant: QuantizedConstant) -> tuple[np.ndarray, QuantParams]:
    """A per-tensor quantised constant as int8 (uint8 ones shifted) and parameters."""
    if constant.scale.size != 1:
        raise NoMatch
    integers, zero_point = constant.integers, int(constant.zero_point[0])
    unsigned = zero_point >= 0 and (not integers.size or integers.min() >= 0)
    if unsigned and (zero_point > QMAX or integers.size and integers.max() > QMAX):
        integers, zero_point = integers - UINT8_OFFSET, zero_point - UINT8_OFFSET
    fits = not integers.size or (integers.min() >= QMIN and integers.max() <= QMAX)
    if not fits or not QMIN <= zero_point <= QMAX:
        raise NoMatch
    return integers.astype(np.int8), QuantParams(float(constant.scale[0]), zero_point)


@dataclass
class FuseAdd(RewritePattern):
    """quantize(ReLU/clamp*(add)) of two dequantized int8 tensors, or of one and a
    dequantized per-tensor constant, to `nn.qadd`."""

    constants: Constants

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        value, activations, bounds = _activation_chain(op.input)
        add = value.owner
        if not isinstance(add, nn.AddOp) or not value.has_one_use():
            return
        new_ops: list[Operation] = []
        operands = []
        try:
            for operand in (add.lhs, add.rhs):
                constant = self.constants.get(operand)
                if constant is None:
                    operands.append(_int8_source(operand))
                    continue
                integers, params = _int8_constant(constant)
                new_ops.append(nn.ConstantOp.from_array(integers))
                operands.append((new_ops[-1].results[0], params))
        except NoMatch:
            return
        output = QuantParams(op.scale.value.data, op.zero_point.value.data)
        clamp = integer_bounds(*bounds, output) if activations else None
        (lhs, lhs_params), (rhs, rhs_params) = operands
        new_ops.append(qadd(lhs, rhs, lhs_params, rhs_params, output, clamp))
        _replace(op, new_ops, [*activations, add], rewriter)


class FuseAveragePool(RewritePattern):
    """quantize(avg_pool2d | global_avg_pool) of a dequantized int8 tensor, when every
    window counts the whole kernel, to integer window sums and one requantisation
    (`integer_average_pool`)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        pool = op.input.owner
        if not op.input.has_one_use():
            return
        if isinstance(pool, nn.GlobalAvgPoolOp):
            kernel, strides, padding = static_shape(pool.input)[2:], (1, 1), (0, 0, 0, 0)
        elif isinstance(pool, nn.AvgPool2DOp) and not pool.ceil_mode.value.data:
            kernel, strides, padding = ints(pool.kernel), ints(pool.strides), ints(pool.padding)
            if any(padding) and not pool.count_include_pad.value.data:
                return
        else:
            return
        try:
            x, x_params = _int8_source(pool.input)
        except NoMatch:
            return
        output = QuantParams(op.scale.value.data, op.zero_point.value.data)
        new_ops = integer_average_pool(x, x_params, output, kernel, strides, padding)
        new_ops[-2].results[0].name_hint = pool.results[0].name_hint
        _replace(op, new_ops, [pool], rewriter)


class MoveThroughDequantize(RewritePattern):
    """reshape, transpose, slice, max pooling, ... of a dequantized int8 tensor run on
    the int8 tensor, which keeps its parameters (exactly equal)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        source = op.operands[0].owner if op.operands else None
        if not isinstance(op, TRANSPARENT_OPS) or not isinstance(source, nn.DequantizeOp):
            return
        if _element_type(source.input) != i8:
            return
        result = op.results[0]
        moved = type(op).create(
            operands=[source.input],
            result_types=[TensorType(i8, result.type.get_shape())],  # type: ignore[union-attr]
            attributes=dict(op.attributes),
        )
        dequantize = nn.DequantizeOp(
            moved.results[0], source.scale.value.data, source.zero_point.value.data
        )
        if result.name_hint is not None:
            moved.results[0].name_hint = f"{result.name_hint}_q"
        for new_op in (moved, dequantize):
            new_op.location = op.location
        rewriter.replace(op, [moved, dequantize], [dequantize.result])


def fuse_quantized_ops(function: FuncOp, constants: Constants) -> None:
    """Rewrite the QDQ form in `function` into integer ops (see the module doc);
    `constants` are the float constants that came from DequantizeLinear."""
    patterns: list[RewritePattern] = [
        FuseProduct(constants),
        FuseAdd(constants),
        FuseAveragePool(),
        MoveThroughDequantize(),
        FoldDequantizeQuantize(),
    ]
    PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_region(function.body)
    region_dce(function.body)
