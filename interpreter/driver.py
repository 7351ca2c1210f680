"""Run a module at whatever level it is: `nn` functions or `npu` programs.

`execute` is what `npu-run` calls; research code can call it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.ir import Attribute, Operation

from npu_dialect.errors import UserError
from npu_dialect.resources import numpy_dtype


@dataclass
class RunResult:
    outputs: dict[str, np.ndarray]
    report: Any | None = None
    """A cost report (NPU-level runs only): has to_text(), to_json(), trace_json()."""


def _find_entry(module: ModuleOp, entry: str | None) -> Operation:
    """The function or program named `entry`; without a name, `main` or the only one."""
    candidates = [op for op in module.walk() if op.name in ("func.func", "npu.program")]
    names = [op.sym_name.data for op in candidates]  # type: ignore[attr-defined]
    wanted = entry if entry is not None else "main"
    for op, name in zip(candidates, names):
        if name == wanted:
            return op
    if entry is None and len(candidates) == 1:
        return candidates[0]
    raise UserError(
        f"no function or program named '{wanted}' in the module"
        + (f" (it has: {', '.join(names)})" if names else "")
    )


def random_tensor(tensor_type: Attribute, rng: np.random.Generator) -> np.ndarray:
    """A deterministic random value of a tensor type (normal for floats)."""
    if not isinstance(tensor_type, TensorType):
        raise UserError(f"cannot make a random input of type {tensor_type}")
    dtype = numpy_dtype(tensor_type.element_type)
    shape = tuple(tensor_type.get_shape())
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low, high = max(info.min, -128), min(info.max, 127)
        return rng.integers(low, high + 1, size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(np.float32).astype(dtype)


def input_signature(op: Operation) -> list[tuple[str, Attribute]]:
    """(name, type) of each input of a function or program."""
    if isinstance(op, FuncOp):
        from interpreter.executor import argument_names

        return list(zip(argument_names(op), op.function_type.inputs.data))
    from interpreter.simulator import program_inputs

    return program_inputs(op)


def execute(
    module: ModuleOp,
    entry: str | None = None,
    inputs: Mapping[str, np.ndarray] | None = None,
    *,
    seed: int = 0,
    config: str | None = None,
    want_trace: bool = False,
) -> RunResult:
    op = _find_entry(module, entry)
    if inputs is None:
        rng = np.random.default_rng(seed)
        inputs = {name: random_tensor(t, rng) for name, t in input_signature(op)}
    if isinstance(op, FuncOp):
        from interpreter.executor import run_function

        return RunResult(dict(run_function(module, dict(inputs), entry=op.sym_name.data)))
    from interpreter.simulator import simulate_program

    outputs, report = simulate_program(op, dict(inputs), config=config, trace=want_trace)
    return RunResult(outputs, report)
