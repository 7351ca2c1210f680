"""Constant folding of `nn` ops through the interpreter's kernels.

The folded values are exactly what `npu-run` computes for the op, because they are
computed by the same code (`interpreter.nn.NNFunctions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from npu_dialect import nn
from npu_dialect.errors import UserError
from transforms.canonicalization.constants import constant_array, new_constant, tensor_type

FOLD_ELEMENT_LIMIT = 1 << 20
"""Results with more elements than this are not folded by `canonicalize`."""


@cache
def _interpreter() -> Interpreter:
    # Imported on first use: the interpreter imports `npu_dialect.nn`, whose import
    # registers these patterns.
    from interpreter.nn import NNFunctions

    interpreter = Interpreter(ModuleOp([]))
    interpreter.register_implementations(NNFunctions())
    return interpreter


@dataclass(frozen=True)
class FoldConstantOperands(RewritePattern):
    """An op whose operands are all `nn.constant`s becomes one `nn.constant` per
    result, holding the value the interpreter computes.

    Ops whose results hold more than `max_elements` elements in all are kept, so that
    folding never materialises a large tensor next to the weights it came from (a
    broadcast of a small constant, or a copy of a large weight in a new layout). An op
    whose kernel reports a data error (an integer division by zero, a gather index out
    of range) is kept too, so that running the model reports it.
    """

    max_elements: int = FOLD_ELEMENT_LIMIT

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.NNOperation, rewriter: PatternRewriter) -> None:
        if isinstance(op, nn.ConstantOp) or not all(
            isinstance(operand.owner, nn.ConstantOp) for operand in op.operands
        ):
            return
        size = sum(tensor_type(result).element_count() for result in op.results)
        if size > self.max_elements:
            return
        inputs = tuple(constant_array(operand) for operand in op.operands)
        try:
            # Overflow to inf and NaN are IEEE results here, as at run time.
            with np.errstate(all="ignore"):
                values = _interpreter().run_op(op, inputs)
        except UserError:
            return
        constants = [
            new_constant(value, result, result.name_hint)
            for value, result in zip(values, op.results, strict=True)
        ]
        rewriter.replace(op, constants, [constant.result for constant in constants])


def patterns() -> dict[type[nn.NNOperation], tuple[RewritePattern, ...]]:
    fold = FoldConstantOperands()
    return {op: (fold,) for op in nn.NN_OPS if op is not nn.ConstantOp}
