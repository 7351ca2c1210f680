"""Run a function of an `nn`-level module on numpy inputs.

    from interpreter.executor import run_function

    outputs = run_function(module, {"input": image}, entry="main")
    logits = outputs["logits"]

`run_function(module, inputs, entry="main", *, listeners=(), functions=())`

- `module`: a verified `ModuleOp` whose function `entry` is a `func.func` over static
  tensors; it may call other functions of the module (`func.call`).
- `inputs`: a dict keyed by the arguments' names, or a list in argument order. An
  argument's name is its `nn.name` argument attribute (the ONNX graph input name),
  else `arg<i>` for argument i.
- Returns a dict of fresh, writable numpy arrays keyed by the results' `nn.name`,
  else `result<i>`, in result order.
- Every input must be present (and no other key) with exactly the argument's shape
  and dtype (`npu_dialect.resources.numpy_dtype`: `f32` is float32, `bf16` is
  `ml_dtypes.bfloat16`, `i1` is bool, ...); nothing is converted silently.
- `listeners`: `xdsl.interpreter.Interpreter.Listener`s told about every op run
  (e.g. to time or trace a run). `functions`: further `InterpreterFunctions` for
  other dialects in the module.

Floating-point exceptions (overflow to inf, invalid operations giving NaN) are IEEE
results, as in onnxruntime, and do not warn. Bad inputs, a missing entry function, an
op without an implementation and data errors during the run (integer division by
zero, gather index out of range) raise `npu_dialect.errors.UserError` with a one-line
message naming the input or op.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, StringAttr, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter, InterpreterFunctions
from xdsl.interpreters.func import FuncFunctions
from xdsl.ir import Attribute
from xdsl.traits import SymbolTable
from xdsl.utils.exceptions import InterpretationError

from interpreter.nn import NNFunctions
from interpreter.nn_fused import NNFusedFunctions
from interpreter.nn_quant import NNQuantFunctions
from npu_dialect.errors import UserError
from npu_dialect.resources import numpy_dtype

NAME_ATTR = "nn.name"
"""Argument/result attribute holding the ONNX graph input/output name."""


def _names(attrs: ArrayAttr[DictionaryAttr] | None, count: int, fallback: str) -> list[str]:
    names: list[str] = []
    for index in range(count):
        name = attrs.data[index].data.get(NAME_ATTR) if attrs is not None else None
        names.append(name.data if isinstance(name, StringAttr) else f"{fallback}{index}")
    return names


def argument_names(func: FuncOp) -> list[str]:
    """The input names of `func`: `nn.name` of each argument, else `arg<i>`."""
    return _names(func.arg_attrs, len(func.function_type.inputs), "arg")


def result_names(func: FuncOp) -> list[str]:
    """The output names of `func`: `nn.name` of each result, else `result<i>`."""
    return _names(func.res_attrs, len(func.function_type.outputs), "result")


def find_function(module: ModuleOp, entry: str) -> FuncOp:
    """The `func.func` named `entry`; UserError if there is none or it has no body."""
    op = SymbolTable.lookup_symbol(module, entry)
    if not isinstance(op, FuncOp):
        functions = [f"@{f.sym_name.data}" for f in module.ops if isinstance(f, FuncOp)]
        known = f" (it has {', '.join(functions)})" if functions else ""
        raise UserError(f"the module has no function @{entry}{known}")
    if not op.body.blocks:
        raise UserError(f"function @{entry} is a declaration without a body")
    return op


def _format_shape(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def _unique(names: Sequence[str], what: str, where: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UserError(f"two {what} of {where} are named '{name}'")
        seen.add(name)


def bind_inputs(
    signature: Sequence[tuple[str, Attribute]],
    inputs: Mapping[str, object] | Sequence[object],
    where: str,
) -> list[np.ndarray]:
    """Check `inputs` against `signature` [(name, tensor type)] and return the arrays
    in signature order.

    Raises UserError naming the input (and `where`, e.g. "@main") for a missing or
    unexpected key, a wrong count, a non-tensor argument type, or a shape or dtype
    that differs from the argument's type.
    """
    names = [name for name, _ in signature]
    _unique(names, "inputs", where)
    if isinstance(inputs, Mapping):
        unexpected = [key for key in inputs if key not in names]
        if unexpected:
            raise UserError(
                f"{where} has no input named '{unexpected[0]}' "
                f"(its inputs: {', '.join(names) or 'none'})"
            )
        missing = [name for name in names if name not in inputs]
        if missing:
            name = missing[0]
            expected = dict(signature)[name]
            raise UserError(f"input '{name}' of {where} is missing (expected {expected})")
        values = [inputs[name] for name in names]
    else:
        if len(inputs) != len(names):
            raise UserError(f"{where} takes {len(names)} inputs, got {len(inputs)}")
        values = list(inputs)
    arrays: list[np.ndarray] = []
    for (name, arg_type), value in zip(signature, values, strict=True):
        if not isinstance(arg_type, TensorType):
            raise UserError(
                f"input '{name}' of {where} has type {arg_type}; only tensors can be inputs"
            )
        array = np.asarray(value)
        shape = tuple(arg_type.get_shape())
        if array.shape != shape:
            raise UserError(
                f"input '{name}' of {where}: expected shape {_format_shape(shape)} "
                f"({arg_type}), got {_format_shape(array.shape)}"
            )
        dtype = numpy_dtype(arg_type.element_type)
        if array.dtype != dtype:
            raise UserError(
                f"input '{name}' of {where}: expected dtype {dtype} ({arg_type}), got {array.dtype}"
            )
        arrays.append(array)
    return arrays


def _fresh(value: np.ndarray, taken: list[np.ndarray]) -> np.ndarray:
    """`value`, or a copy of it if its memory is read-only, not its own (a view of an
    input or a constant blob) or already handed out (an input, an earlier output)."""
    shared = any(np.may_share_memory(value, other) for other in taken)
    if shared or not (value.flags.owndata and value.flags.writeable):
        value = np.array(value, copy=True)
    taken.append(value)
    return value


def run_function(
    module: ModuleOp,
    inputs: Mapping[str, object] | Sequence[object],
    entry: str = "main",
    *,
    listeners: Sequence[Interpreter.Listener] = (),
    functions: Sequence[InterpreterFunctions] = (),
) -> dict[str, np.ndarray]:
    """Run function `entry` of `module` on `inputs`; see the module docstring."""
    func = find_function(module, entry)
    where = f"@{entry}"
    signature = list(zip(argument_names(func), func.function_type.inputs.data, strict=True))
    arrays = bind_inputs(signature, inputs, where)
    names = result_names(func)
    _unique(names, "results", where)

    interpreter = Interpreter(module, listeners=tuple(listeners))
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(NNFunctions())
    interpreter.register_implementations(NNQuantFunctions())
    interpreter.register_implementations(NNFusedFunctions())
    for extra in functions:
        interpreter.register_implementations(extra)
    try:
        with np.errstate(all="ignore"):
            results = interpreter.call_op(func, tuple(arrays))
    except UserError as error:
        # xDSL attaches a print of the whole module as a note; the message suffices.
        raise UserError(str(error)) from None
    except InterpretationError as error:
        # An op no registered functions implement is the user's module's problem;
        # any other interpretation error is a bug here and keeps its traceback.
        message = str(error).strip()
        if not message.startswith("Could not find"):
            raise
        raise UserError(f"cannot run {where}: {message.splitlines()[0]}") from None
    taken = list(arrays)
    return {
        name: _fresh(np.asarray(value), taken)
        for name, value in zip(names, results, strict=True)
    }
