"""Algebraic identities: neutral constants, idempotent and involutive activations,
relu and clamp chains.

The rewrites change no value, NaNs included; only the sign of a zero may differ
(`x + 0 -> x` keeps -0.0 where the addition gave +0.0; the two compare equal).
"""

from __future__ import annotations

from xdsl.ir import SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from npu_dialect import nn
from transforms.canonicalization.constants import is_float, splat_value


def _neutral_operand_rewrite(
    op: nn.BinaryOperation, rewriter: PatternRewriter, neutral: float, commutative: bool
) -> None:
    """Replaces `op` by its lhs if its rhs is a splat of `neutral` (or the other way
    round when `commutative`) that does not broadcast the result to a larger shape."""
    candidates = [(op.lhs, op.rhs), (op.rhs, op.lhs)] if commutative else [(op.lhs, op.rhs)]
    for kept, constant in candidates:
        if kept.type == op.result.type and splat_value(constant) == neutral:
            rewriter.replace(op, [], [kept])
            return


class RemoveAddZero(RewritePattern):
    """x + 0 -> x, 0 + x -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AddOp, rewriter: PatternRewriter) -> None:
        _neutral_operand_rewrite(op, rewriter, 0.0, commutative=True)


class RemoveSubZero(RewritePattern):
    """x - 0 -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SubOp, rewriter: PatternRewriter) -> None:
        _neutral_operand_rewrite(op, rewriter, 0.0, commutative=False)


class RemoveMulOne(RewritePattern):
    """x * 1 -> x, 1 * x -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MulOp, rewriter: PatternRewriter) -> None:
        _neutral_operand_rewrite(op, rewriter, 1.0, commutative=True)


class RemoveDivOne(RewritePattern):
    """x / 1 -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.DivOp, rewriter: PatternRewriter) -> None:
        _neutral_operand_rewrite(op, rewriter, 1.0, commutative=False)


class RemoveRepeatedIdempotent(RewritePattern):
    """relu(relu(x)) -> relu(x), abs(abs(x)) -> abs(x)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReluOp | nn.AbsOp, rewriter: PatternRewriter) -> None:
        if type(op.input.owner) is type(op):
            rewriter.replace(op, [], [op.input])


class RemoveDoubleNegation(RewritePattern):
    """neg(neg(x)) -> x (also for integers: negation wraps both times)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.NegOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if isinstance(inner, nn.NegOp):
            rewriter.replace(op, [], [inner.input])


def _clamp(
    rewriter: PatternRewriter, op: nn.UnaryOperation, input: SSAValue, low: float, high: float
) -> None:
    """Replaces `op` by clamp(input, low, high)."""
    clamp = nn.ClampOp(input, low, high)
    clamp.location = op.location
    rewriter.replace(op, clamp)


def _bounds(op: nn.ClampOp) -> tuple[float, float]:
    return op.min.value.data, op.max.value.data


class FoldClampIntoRelu(RewritePattern):
    """relu(clamp(x, lo, hi)) -> clamp(x, max(lo, 0), max(hi, 0))."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReluOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if isinstance(inner, nn.ClampOp):
            low, high = _bounds(inner)
            _clamp(rewriter, op, inner.input, max(low, 0.0), max(high, 0.0))


class FoldReluIntoClamp(RewritePattern):
    """clamp(relu(x), lo, hi) -> clamp(x, max(lo, 0), hi), if max(lo, 0) <= hi
    (otherwise the result is the constant hi)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ClampOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        low, high = _bounds(op)
        if isinstance(inner, nn.ReluOp) and max(low, 0.0) <= high:
            _clamp(rewriter, op, inner.input, max(low, 0.0), high)


class ComposeClamps(RewritePattern):
    """clamp(clamp(x, a, b), c, d) -> clamp(x, max(a, c), min(b, d)) for floats, if
    the two ranges overlap. (Integer clamps round their bounds inwards, which can
    empty an overlap.)"""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ClampOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not isinstance(inner, nn.ClampOp) or not is_float(op.input):
            return
        (inner_low, inner_high), (low, high) = _bounds(inner), _bounds(op)
        if max(inner_low, low) <= min(inner_high, high):
            _clamp(rewriter, op, inner.input, max(inner_low, low), min(inner_high, high))


def patterns() -> dict[type[nn.NNOperation], tuple[RewritePattern, ...]]:
    idempotent = RemoveRepeatedIdempotent()
    return {
        nn.AddOp: (RemoveAddZero(),),
        nn.SubOp: (RemoveSubZero(),),
        nn.MulOp: (RemoveMulOne(),),
        nn.DivOp: (RemoveDivOne(),),
        nn.ReluOp: (idempotent, FoldClampIntoRelu()),
        nn.AbsOp: (idempotent,),
        nn.NegOp: (RemoveDoubleNegation(),),
        nn.ClampOp: (FoldReluIntoClamp(), ComposeClamps()),
    }
