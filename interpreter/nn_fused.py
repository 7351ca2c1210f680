"""Interpreter implementation of `nn.fused`: its region run on the operands.

The anchor and epilogue ops inside run with the same implementations as anywhere else
(`interpreter.nn`, `interpreter.nn_quant`), so a fused group computes exactly what the
ops computed before they were grouped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    ReturnedValues,
    impl,
    impl_terminator,
    register_impls,
)

from npu_dialect.nn import FusedOp, YieldOp


@register_impls
class NNFusedFunctions(InterpreterFunctions):
    @impl(FusedOp)
    def run_fused(
        self, interpreter: Interpreter, op: FusedOp, args: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        return interpreter.run_ssacfg_region(op.body, args, "nn.fused")

    @impl_terminator(YieldOp)
    def run_yield(
        self, interpreter: Interpreter, op: YieldOp, args: tuple[np.ndarray, ...]
    ) -> tuple[ReturnedValues, tuple[()]]:
        return ReturnedValues(args), ()
