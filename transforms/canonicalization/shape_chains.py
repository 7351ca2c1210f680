"""Simplifications of data-movement ops: reshape and transpose chains, identities.

The canonical form of a static reshape is `nn.reshape`: `flatten`, `squeeze` and
`unsqueeze` become one, as does a transpose that only moves size-1 dims, so that the
chain patterns need to know one op only.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from npu_dialect import nn
from npu_dialect.nn.base import ints
from transforms.canonicalization.constants import tensor_type


def _forward(rewriter: PatternRewriter, op: Operation, value: SSAValue) -> None:
    """Replaces the single result of `op` by `value`."""
    rewriter.replace(op, [], [value])


def _reshape(rewriter: PatternRewriter, op: Operation, input: SSAValue) -> None:
    """Replaces `op` by a reshape of `input` to `op`'s result type."""
    reshape = nn.ReshapeOp(input, op.results[0].type)
    reshape.location = op.location
    rewriter.replace(op, reshape)


class ReshapeLikeToReshape(RewritePattern):
    """flatten / squeeze / unsqueeze -> reshape to the same result type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.FlattenOp | nn.SqueezeOp | nn.UnsqueezeOp, rewriter: PatternRewriter
    ) -> None:
        _reshape(rewriter, op, op.input)


class ComposeReshapes(RewritePattern):
    """reshape(reshape(x)) -> reshape(x)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReshapeOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if isinstance(inner, nn.ReshapeOp):
            _reshape(rewriter, op, inner.input)


class RemoveIdentityReshape(RewritePattern):
    """reshape(x) -> x when the shape does not change."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReshapeOp, rewriter: PatternRewriter) -> None:
        if op.input.type == op.result.type:
            _forward(rewriter, op, op.input)


class ComposeTransposes(RewritePattern):
    """transpose(transpose(x, p), q) -> transpose(x, [p[q[i]] for each i])."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not isinstance(inner, nn.TransposeOp):
            return
        inner_perm = ints(inner.perm)
        transpose = nn.TransposeOp(inner.input, [inner_perm[p] for p in ints(op.perm)])
        transpose.location = op.location
        rewriter.replace(op, transpose)


class RemoveIdentityTranspose(RewritePattern):
    """transpose(x, [0, 1, ..., n-1]) -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        if ints(op.perm) == tuple(range(len(op.perm))):
            _forward(rewriter, op, op.input)


class TransposeUnitDimsToReshape(RewritePattern):
    """A transpose that keeps the order of the dims larger than 1 -> reshape (e.g.
    1x1xC -> 1xCx1): the elements stay in the same order in memory."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        shape = tensor_type(op.input).get_shape()
        moved = [p for p in ints(op.perm) if shape[p] != 1]
        if moved == sorted(moved) and ints(op.perm) != tuple(range(len(op.perm))):
            _reshape(rewriter, op, op.input)


class RemoveIdentitySlice(RewritePattern):
    """slice(x) -> x when it keeps every element in order."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SliceOp, rewriter: PatternRewriter) -> None:
        in_shape = tensor_type(op.input).get_shape()
        out_shape = tensor_type(op.result).get_shape()
        # A step other than 1 keeps a dim whole only if it has at most one element.
        if in_shape == out_shape and all(
            step == 1 or dim <= 1 for step, dim in zip(ints(op.steps), in_shape)
        ):
            _forward(rewriter, op, op.input)


class RemoveIdentityPad(RewritePattern):
    """pad(x, zeros) -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.PadOp, rewriter: PatternRewriter) -> None:
        if not any(ints(op.pads)):
            _forward(rewriter, op, op.input)


class RemoveSingleInputConcat(RewritePattern):
    """concat(x) -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ConcatOp, rewriter: PatternRewriter) -> None:
        if len(op.inputs) == 1:
            _forward(rewriter, op, op.inputs[0])


class RemoveSinglePieceSplit(RewritePattern):
    """split(x) into one piece -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SplitOp, rewriter: PatternRewriter) -> None:
        if len(op.outputs) == 1:
            _forward(rewriter, op, op.input)


class RemoveIdentityCast(RewritePattern):
    """cast(x) to its own type -> x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.CastOp, rewriter: PatternRewriter) -> None:
        if op.input.type == op.result.type:
            _forward(rewriter, op, op.input)


def patterns() -> dict[type[nn.NNOperation], tuple[RewritePattern, ...]]:
    to_reshape = (ReshapeLikeToReshape(),)
    return {
        nn.FlattenOp: to_reshape,
        nn.SqueezeOp: to_reshape,
        nn.UnsqueezeOp: to_reshape,
        nn.ReshapeOp: (RemoveIdentityReshape(), ComposeReshapes()),
        nn.TransposeOp: (
            RemoveIdentityTranspose(),
            ComposeTransposes(),
            TransposeUnitDimsToReshape(),
        ),
        nn.SliceOp: (RemoveIdentitySlice(),),
        nn.PadOp: (RemoveIdentityPad(),),
        nn.ConcatOp: (RemoveSingleInputConcat(),),
        nn.SplitOp: (RemoveSinglePieceSplit(),),
        nn.CastOp: (RemoveIdentityCast(),),
    }
