"""Numerics of `npu.host`: its region of `nn` ops run by the reference interpreter.

`run_host(op, read, write)` reads each input tensor with `read(symbol)` (a dense array
of the tensor's own shape), runs the region on the arrays reshaped to its argument
types and hands each yielded value, reshaped to the output tensor's shape, to
`write(symbol, array)`. The simulator's DRAM is the only state the host touches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    ReturnedValues,
    impl_terminator,
    register_impls,
)

from interpreter.nn import NNFunctions
from interpreter.nn_quant import NNQuantFunctions
from npu_dialect.npu import HostOp, HostYieldOp


@register_impls
class HostYieldFunctions(InterpreterFunctions):
    @impl_terminator(HostYieldOp)
    def run_host_yield(
        self, interpreter: Interpreter, op: HostYieldOp, args: tuple[np.ndarray, ...]
    ) -> tuple[ReturnedValues, tuple[()]]:
        return ReturnedValues(args), ()


def run_host(
    op: HostOp,
    read: Callable[[str], np.ndarray],
    write: Callable[[str, np.ndarray], None],
) -> None:
    block = op.body.block
    arrays = []
    for name, arg in zip(op.input_names, block.args, strict=True):
        arg_type = arg.type
        assert isinstance(arg_type, TensorType)
        arrays.append(np.array(read(name)).reshape(tuple(arg_type.get_shape())))
    interpreter = Interpreter(op)
    interpreter.register_implementations(NNFunctions())
    interpreter.register_implementations(NNQuantFunctions())
    interpreter.register_implementations(HostYieldFunctions())
    results = interpreter.run_ssacfg_region(op.body, tuple(arrays), "npu.host")
    for name, value in zip(op.output_names, results, strict=True):
        write(name, np.asarray(value))
