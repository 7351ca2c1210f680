"""Folding per-channel affine ops into the weights and bias of a preceding product.

An inference `batch_norm` is `x * s + t` per channel with `s = scale / sqrt(var +
epsilon)` and `t = bias - mean * s`, so after `conv2d` or `gemm` it can be folded into
the product: `w' = w * s` per output channel and `b' = (b - mean) * s + bias`. The
folded parameters are computed in float64 and rounded once to the product's element
type. A constant added after `conv2d` (varying per channel only) or `gemm` (any that
keeps its result shape) is folded into the bias, and a 2-D `matmul` plus a constant
becomes a `gemm`.

Every pattern requires the product to have no other user (the unfolded value would
still be needed) and its weights, bias and the folded parameters to be constants. They
apply to floating-point tensors only: `batch_norm` is float-only, and integer products
are left for quantization to handle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from npu_dialect import nn
from npu_dialect.nn.base import ints
from transforms.canonicalization.constants import (
    constant_array,
    is_float,
    new_constant,
    tensor_type,
)


@dataclass(frozen=True)
class ChannelAffine:
    """`batch_norm` parameters in float64: y = (x - mean) * factor + bias per channel."""

    factor: np.ndarray
    mean: np.ndarray
    bias: np.ndarray

    @staticmethod
    def of(op: nn.BatchNormOp) -> ChannelAffine | None:
        """The parameters of `op`, if all four are constants."""
        params = [constant_array(value) for value in (op.scale, op.bias, op.mean, op.var)]
        if any(param is None for param in params):
            return None
        scale, bias, mean, var = (np.asarray(p, dtype=np.float64) for p in params)
        return ChannelAffine(scale / np.sqrt(var + op.epsilon.value.data), mean, bias)


def _channel_vector(value: SSAValue, channels: int, rank: int) -> np.ndarray | None:
    """A constant added to a rank-`rank` tensor with `channels` channels that varies
    along channel dim 1 only (shape [1, C or 1, 1, ...], leading 1s dropped), as a
    float64 [channels] vector."""
    array = constant_array(value)
    if array is None or array.ndim > rank:
        return None
    shape = (1,) * (rank - array.ndim) + array.shape
    if any(d != 1 for i, d in enumerate(shape) if i != 1):
        return None
    return np.broadcast_to(np.asarray(array, dtype=np.float64).reshape(-1), (channels,))


def _single_use_producer(value: SSAValue, op_type: type[Operation]) -> Operation | None:
    owner = value.owner
    if isinstance(owner, op_type) and value.has_one_use() and is_float(value):
        return owner
    return None


def _suffixed(name: str | None, suffix: str) -> str | None:
    return None if name is None else f"{name}_{suffix}"


def _replace_conv(
    rewriter: PatternRewriter,
    root: Operation,
    conv: nn.Conv2DOp,
    weight: SSAValue | np.ndarray,
    bias: np.ndarray,
) -> None:
    """Replaces `root` by `conv` with `weight` (kept, or a new constant) and a new
    constant bias, erasing `conv`."""
    new_ops: list[Operation] = []
    if isinstance(weight, np.ndarray):
        weight_op = new_constant(weight, conv.weight, conv.weight.name_hint)
        new_ops.append(weight_op)
        weight = weight_op.result
    bias_hint = (
        _suffixed(conv.weight.name_hint, "bias") if conv.bias is None else conv.bias.name_hint
    )
    bias_op = new_constant(bias, conv.weight, bias_hint)
    new_conv = nn.Conv2DOp(
        conv.input,
        weight,
        bias_op,
        strides=ints(conv.strides),
        padding=ints(conv.padding),
        dilations=ints(conv.dilations),
        groups=conv.groups.value.data,
    )
    new_conv.location = conv.location
    rewriter.replace(root, [*new_ops, bias_op, new_conv])
    rewriter.erase(conv)


def _replace_gemm(
    rewriter: PatternRewriter,
    root: Operation,
    gemm: nn.GemmOp,
    b: SSAValue | np.ndarray,
    c: np.ndarray,
) -> None:
    """Replaces `root` by `gemm` with `b` (kept or a new constant) and the new
    constant `c` with beta = 1, erasing `gemm`."""
    new_ops: list[Operation] = []
    if isinstance(b, np.ndarray):
        b_op = new_constant(b, gemm.b, gemm.b.name_hint)
        new_ops.append(b_op)
        b = b_op.result
    c_hint = _suffixed(gemm.b.name_hint, "bias") if gemm.c is None else gemm.c.name_hint
    c_op = new_constant(c, gemm.a, c_hint)
    new_gemm = nn.GemmOp(
        gemm.a,
        b,
        c_op,
        alpha=gemm.alpha.value.data,
        beta=1.0,
        trans_a=bool(gemm.trans_a.value.data),
        trans_b=bool(gemm.trans_b.value.data),
    )
    new_gemm.location = gemm.location
    rewriter.replace(root, [*new_ops, c_op, new_gemm])
    rewriter.erase(gemm)


def _gemm_bias(gemm: nn.GemmOp) -> np.ndarray | None:
    """beta * c in float64 (0 without c), or None if c is not a constant."""
    if gemm.c is None:
        return np.zeros(())
    c = constant_array(gemm.c)
    return None if c is None else np.asarray(c, dtype=np.float64) * gemm.beta.value.data


class FoldBatchNormIntoConv(RewritePattern):
    """batch_norm(conv2d(x, w, b)) -> conv2d(x, w * s, (b - mean) * s + bias)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.BatchNormOp, rewriter: PatternRewriter) -> None:
        conv = _single_use_producer(op.input, nn.Conv2DOp)
        if not isinstance(conv, nn.Conv2DOp):
            return
        weight = constant_array(conv.weight)
        bias = np.zeros(()) if conv.bias is None else constant_array(conv.bias)
        norm = ChannelAffine.of(op)
        if weight is None or bias is None or norm is None:
            return
        new_weight = np.asarray(weight, dtype=np.float64) * norm.factor.reshape(-1, 1, 1, 1)
        new_bias = (np.asarray(bias, dtype=np.float64) - norm.mean) * norm.factor + norm.bias
        _replace_conv(rewriter, op, conv, new_weight, new_bias)


class FoldBatchNormIntoGemm(RewritePattern):
    """batch_norm(gemm(a, b, c)) -> gemm(a, b * s, (beta * c - mean) * s + bias), s
    scaling the columns of op(b)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.BatchNormOp, rewriter: PatternRewriter) -> None:
        gemm = _single_use_producer(op.input, nn.GemmOp)
        if not isinstance(gemm, nn.GemmOp):
            return
        b = constant_array(gemm.b)
        c = _gemm_bias(gemm)
        norm = ChannelAffine.of(op)
        if b is None or c is None or norm is None:
            return
        column_scale = norm.factor[:, None] if gemm.trans_b.value.data else norm.factor
        new_b = np.asarray(b, dtype=np.float64) * column_scale
        _replace_gemm(rewriter, op, gemm, new_b, (c - norm.mean) * norm.factor + norm.bias)


class FoldAddIntoConvBias(RewritePattern):
    """conv2d(x, w, b) + k -> conv2d(x, w, b + k) for a constant k per output channel."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AddOp, rewriter: PatternRewriter) -> None:
        for product, other in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
            conv = _single_use_producer(product, nn.Conv2DOp)
            if not isinstance(conv, nn.Conv2DOp):
                continue
            channels = tensor_type(conv.weight).get_shape()[0]
            added = _channel_vector(other, channels, rank=4)
            bias = np.zeros(()) if conv.bias is None else constant_array(conv.bias)
            if added is None or bias is None:
                continue
            _replace_conv(rewriter, op, conv, conv.weight, np.asarray(bias, np.float64) + added)
            return


class FoldAddIntoGemmBias(RewritePattern):
    """gemm(a, b, c) + k -> gemm(a, b, beta * c + k) (beta = 1) for a constant k that
    broadcasts to the gemm's result."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AddOp, rewriter: PatternRewriter) -> None:
        for product, other in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
            gemm = _single_use_producer(product, nn.GemmOp)
            added = constant_array(other)
            if not isinstance(gemm, nn.GemmOp) or added is None or op.result.type != product.type:
                continue
            c = _gemm_bias(gemm)
            if c is None:
                continue
            _replace_gemm(rewriter, op, gemm, gemm.b, c + np.asarray(added, np.float64))
            return


class FoldAddIntoMatmul(RewritePattern):
    """matmul(a, b) + k -> gemm(a, b, k) for 2-D a and b and a constant k that
    broadcasts to the product."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AddOp, rewriter: PatternRewriter) -> None:
        for product, other in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
            matmul = _single_use_producer(product, nn.MatmulOp)
            if (
                not isinstance(matmul, nn.MatmulOp)
                or not isinstance(other.owner, nn.ConstantOp)
                or op.result.type != product.type
                or tensor_type(matmul.lhs).get_num_dims() != 2
                or tensor_type(matmul.rhs).get_num_dims() != 2
            ):
                continue
            gemm = nn.GemmOp(matmul.lhs, matmul.rhs, other)
            gemm.location = matmul.location
            rewriter.replace(op, gemm)
            rewriter.erase(matmul)
            return


def patterns() -> dict[type[nn.NNOperation], tuple[RewritePattern, ...]]:
    return {
        nn.BatchNormOp: (FoldBatchNormIntoConv(), FoldBatchNormIntoGemm()),
        nn.AddOp: (FoldAddIntoConvBias(), FoldAddIntoGemmBias(), FoldAddIntoMatmul()),
    }
