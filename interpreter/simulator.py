"""Entry points of the NPU simulator: numerics, timing, or both.

    outputs, report = simulate_program(program, {"x": x})          # both
    report = simulate_timing(program)                              # cost model only
    outputs = simulate_numerics(program, {"x": x})                 # numerics only

- `program` is a verified `npu.program`. Its inputs (`program_inputs`) are its `input`
  DRAM tensors in declaration order, keyed by their `key` (default: the symbol name);
  each must be given with exactly its shape and dtype, and no other key
  (`npu_dialect.errors.UserError` otherwise, one line naming the input).
- Outputs are fresh arrays keyed like the `output` tensors, in declaration order.
- `config` (a preset name or `.toml` path) replaces the program's own `config`. When it
  names a different description, the program is verified again against it, since tile
  sizes, alignments, supported types and dataflows depend on the hardware; a program
  that does not fit raises a one-line UserError naming the first failing op and the
  verifier's message. A program that fits runs unchanged (same numbers) and is timed
  on the override.

Numerics are `interpreter.npu`, costs `interpreter.cost_model`, the timeline
`interpreter.scheduler` and the report `interpreter.report`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.utils.exceptions import DiagnosticException

from interpreter.cost_model import program_costs
from interpreter.executor import bind_inputs
from interpreter.npu import KERNELS, run_program
from interpreter.report import Report, build_report
from interpreter.scheduler import schedule
from npu_dialect.errors import UserError, location_of
from npu_dialect.hardware import HardwareConfig, load_config
from npu_dialect.npu import DramKind, ProgramOp
from npu_dialect.resources import numpy_dtype


def program_inputs(program: ProgramOp) -> list[tuple[str, TensorType]]:
    """(`.npz` key, tensor type) of each input tensor, in declaration order."""
    return [
        (tensor.io_key, tensor.tensor_type)
        for tensor in program.dram_tensors()
        if tensor.kind_enum == DramKind.INPUT
    ]


def program_config(program: ProgramOp, config: str | None = None) -> HardwareConfig:
    """The description to simulate `program` on: its own, or `config` after checking
    that the program verifies against it. Also refuses instructions the simulator
    has no implementation of."""
    for op in program.instructions():
        if type(op) not in KERNELS:
            place = location_of(op) or f"@{program.sym_name.data}"
            raise UserError(f"{place}: the simulator cannot execute '{op.name}' yet")
    own = program.config.data
    if config is None or config == own:
        return program.hardware()
    hardware = load_config(config)
    program.config = StringAttr(config)
    try:
        for op in program.walk():
            try:
                op.verify_()
            except DiagnosticException as error:
                place = location_of(op) or f"@{program.sym_name.data}"
                message = str(error).strip().splitlines()[0]
                raise UserError(
                    f"{place}: program @{program.sym_name.data} (made for config {own}) "
                    f"does not fit config {hardware.name}: '{op.name}' op {message}"
                ) from None
    finally:
        program.config = StringAttr(own)
    return hardware


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: while the loops allocate, it would walk the
    whole IR (10^5 objects for a large program) again and again, doubling run times;
    the simulator makes no reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _raw_bytes_as(value: object, tensor_type: TensorType) -> object:
    """An `.npz` file cannot name the ml_dtypes types (bf16, fp8) and stores them as raw
    bytes (`V2`, `V1`); such an array is read as the expected type of the same size."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "V":
        dtype = numpy_dtype(tensor_type.element_type)
        if dtype.itemsize == value.dtype.itemsize and not value.dtype.fields:
            return value.view(dtype)
    return value


def _bind(program: ProgramOp, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Checked inputs keyed by the symbol of their DRAM tensor."""
    signature = program_inputs(program)
    types = dict(signature)
    inputs = {k: _raw_bytes_as(v, types[k]) if k in types else v for k, v in inputs.items()}
    arrays = bind_inputs(signature, inputs, f"@{program.sym_name.data}")
    symbols = [
        tensor.sym_name.data
        for tensor in program.dram_tensors()
        if tensor.kind_enum == DramKind.INPUT
    ]
    return dict(zip(symbols, arrays, strict=True))


def simulate_numerics(
    program: ProgramOp, inputs: Mapping[str, np.ndarray], config: str | None = None
) -> dict[str, np.ndarray]:
    """Execute the program exactly; no timing."""
    hardware = program_config(program, config)
    arrays = _bind(program, inputs)
    with _collector_paused():
        return run_program(program, hardware, arrays)


def simulate_timing(
    program: ProgramOp, config: str | None = None, trace: bool = False
) -> Report:
    """Cycles, traffic and energy from the cost model alone; no numerics.

    With `trace`, the report keeps every instruction's timing for `trace_json()`.
    """
    hardware = program_config(program, config)
    with _collector_paused():
        return _timing(program, hardware, trace)


def _timing(program: ProgramOp, hardware: HardwareConfig, trace: bool) -> Report:
    instructions = program.instructions()
    index = {op.token: i for i, op in enumerate(instructions)}
    waits = [[index[token] for token in op.waits] for op in instructions]
    costs = program_costs(program, hardware, instructions)
    timeline = schedule([op.ENGINE for op in instructions], waits, costs, hardware)
    return build_report(program.sym_name.data, hardware, instructions, costs, timeline, trace)


def simulate_program(
    program: ProgramOp,
    inputs: Mapping[str, np.ndarray],
    config: str | None = None,
    trace: bool = False,
) -> tuple[dict[str, np.ndarray], Report]:
    """Numerics and timing: (outputs keyed by the output tensors' keys, report)."""
    hardware = program_config(program, config)
    arrays = _bind(program, inputs)
    with _collector_paused():
        return run_program(program, hardware, arrays), _timing(program, hardware, trace)
