"""Canonicalization patterns of the `nn` dialect, run by upstream `canonicalize`.

`register()` attaches one `NNCanonicalizationPatterns` trait to every `nn` op class;
`npu_dialect.nn` calls it when it is imported, so `npu-opt -p canonicalize` and
`CanonicalizePass` always see the patterns. The trait looks the patterns up on first
use, in the way upstream's traits import theirs lazily: the pattern modules import
`npu_dialect.nn`, which imports this package.

The patterns, by module (each pattern does one thing):

- `folding`: an op whose operands are all `nn.constant`s becomes constants holding
  its results, computed by the interpreter's kernels (results up to 1 << 20 elements);
- `conv_bn`: `batch_norm` folded into a preceding `conv2d` or `gemm`, an added
  per-channel constant folded into a `conv2d` or `gemm` bias, 2-D `matmul` + constant
  bias to `gemm`;
- `shape_chains`: `flatten`/`squeeze`/`unsqueeze` as `reshape`, reshape and transpose
  chains composed, identity reshapes, transposes, slices, pads, casts and one-piece
  concats and splits removed, transposes that only move unit dims as reshapes;
- `algebraic`: `x + 0`, `x - 0`, `x * 1`, `x / 1`, `relu(relu(x))`, `abs(abs(x))`,
  `neg(neg(x))`, relu and clamp chains merged into one clamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xdsl.ir import Operation
from xdsl.pattern_rewriter import RewritePattern
from xdsl.traits import ConstantLike, HasCanonicalizationPatternsTrait


@dataclass(frozen=True)
class NNCanonicalizationPatterns(HasCanonicalizationPatternsTrait):
    """The `nn` canonicalization patterns of the op class it is attached to."""

    def get_patterns(self, op: type[Operation]) -> tuple[RewritePattern, ...]:
        return patterns_by_op().get(op, ())


@cache
def patterns_by_op() -> dict[type[Operation], tuple[RewritePattern, ...]]:
    """Every `nn` op class with canonicalization patterns, and its patterns in the
    order they are tried: constant folding first, so that the others see folded
    operands."""
    from npu_dialect.nn import NN_OPS
    from transforms.canonicalization import algebraic, conv_bn, folding, shape_chains

    table: dict[type[Operation], list[RewritePattern]] = {op: [] for op in NN_OPS}
    for module in (folding, conv_bn, shape_chains, algebraic):
        for op_type, patterns in module.patterns().items():
            table[op_type].extend(patterns)
    return {op: tuple(patterns) for op, patterns in table.items() if patterns}


def register() -> None:
    """Attaches the patterns to the `nn` op classes other than `nn.constant`, which
    has none (once; later calls do nothing)."""
    from npu_dialect.nn import NN_OPS

    for op_type in NN_OPS:
        if not op_type.has_trait(ConstantLike) and not op_type.has_trait(
            NNCanonicalizationPatterns
        ):
            op_type.traits.add_trait(NNCanonicalizationPatterns())
