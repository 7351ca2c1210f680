"""npu-schedule: minimal tokens that still order every conflicting pair.

Three independent checks on lowered example models: the exact-byte-set checker of
test_lowering (extended to absolute DRAM addresses, so that tensors sharing DRAM after
npu-allocate conflict), execution in random orders the tokens allow (a missing token
would let a conflicting pair swap and change the numbers), and minimality (no wait is
implied by the others, and every wait orders a pair that truly conflicts). Cycles are
simulated before and after and must not grow.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from test_lowering import _byte_sets, _example, lower, random_inputs
from xdsl.dialects.builtin import ModuleOp

from interpreter.npu import KERNELS, Machine
from interpreter.simulator import simulate_program
from npu_dialect.npu import DramKind, NpuInstruction, ProgramOp
from npu_tools.npu_run import build_context
from transforms import get_all_passes
from transforms.nn_convert_precision import NNConvertPrecisionPass
from transforms.npu_schedule import NPUSchedulePass, engine_count

MODELS = ("lenet5", "resnet8", "mlp", "transformer")
CONFIGS = ("npu-base", "npu-server")
"""npu-server has two load and two store engines: DMAs need tokens among themselves."""


def test_registered() -> None:
    assert get_all_passes()["npu-schedule"]() is NPUSchedulePass


@pytest.fixture(scope="module")
def bf16_models() -> dict[str, ModuleOp]:
    models = {}
    for name in MODELS:
        module = _example(name)
        NNConvertPrecisionPass(precision="bf16").apply(build_context(), module)
        models[name] = module
    return models


def schedule(program: ProgramOp) -> ProgramOp:
    """A scheduled copy of `program`."""
    module = ModuleOp([program.clone()])
    NPUSchedulePass().apply(build_context(), module)
    module.verify()
    scheduled = next(iter(module.ops))
    assert isinstance(scheduled, ProgramOp)
    scheduled.detach()
    return scheduled


# Independent checks.


def absolute_accesses(
    op: NpuInstruction, program: ProgramOp
) -> list[tuple[str, frozenset[int], bool]]:
    """test_lowering's exact byte sets, with DRAM accesses as absolute byte addresses
    in one space `dram` (host accesses: the whole tensors)."""
    accesses = []
    for space, cells, writes in _byte_sets(op, program):
        if not space.startswith("@"):
            accesses.append((space, cells, writes))
            continue
        tensor = program.lookup_dram(space[1:])
        assert tensor is not None
        base, size = tensor.offset_bytes, tensor.dtype.itemsize
        if cells == frozenset([-1]):
            dram = range(base, base + tensor.nbytes)
        else:
            dram = (base + e * size + k for e in cells for k in range(size))
        accesses.append(("dram", frozenset(dram), writes))
    return accesses


def _predecessors(program: ProgramOp) -> list[list[int]]:
    """What each instruction is ordered after: its waits and, on an engine class with a
    single engine, the previous instruction of its class."""
    config = program.hardware()
    instructions = program.instructions()
    position = {op: i for i, op in enumerate(instructions)}
    last: dict[str, int] = {}
    edges = []
    for index, op in enumerate(instructions):
        before = [position[token.owner] for token in op.waits]
        if engine_count(op.ENGINE, config) == 1 and op.ENGINE in last:
            before.append(last[op.ENGINE])
        last[op.ENGINE] = index
        edges.append(before)
    return edges


def conflicting_pairs(program: ProgramOp) -> list[tuple[int, int]]:
    """Every (a, b), a before b, whose exact byte sets conflict."""
    accesses = [absolute_accesses(op, program) for op in program.instructions()]
    pairs = []
    for b in range(len(accesses)):
        for a in range(b):
            if any(
                space_a == space_b and (w_a or w_b) and not cells_a.isdisjoint(cells_b)
                for space_a, cells_a, w_a in accesses[a]
                for space_b, cells_b, w_b in accesses[b]
            ):
                pairs.append((a, b))
    return pairs


def check_synchronised(program: ProgramOp) -> int:
    """Every conflicting pair is ordered (docs/npu_dialect.md, section 1); the number
    of such pairs."""
    edges = _predecessors(program)
    before: list[set[int]] = []
    for direct in edges:
        reach: set[int] = set()
        for j in direct:
            reach |= {j} | before[j]
        before.append(reach)
    pairs = conflicting_pairs(program)
    instructions = program.instructions()
    for a, b in pairs:
        assert a in before[b], (
            f"instruction {b} ({instructions[b].name}) conflicts with {a} "
            f"({instructions[a].name}) but does not wait for it"
        )
    return len(pairs)


def check_minimal(program: ProgramOp) -> None:
    """No wait is implied by the others or the engine order, and every wait orders a
    truly conflicting pair."""
    edges = _predecessors(program)
    instructions = program.instructions()
    position = {op: i for i, op in enumerate(instructions)}
    conflicts = set(conflicting_pairs(program))
    before: list[set[int]] = []
    for b, direct in enumerate(edges):
        reach: set[int] = set()
        for j in direct:
            reach |= before[j]
        for token in instructions[b].waits:
            a = position[token.owner]
            assert (a, b) in conflicts, f"instruction {b} waits on {a} without a conflict"
            assert a not in reach, f"instruction {b}'s wait on {a} is implied by the others"
        before.append(reach | set(direct))


def run_in_random_order(
    program: ProgramOp, inputs: Mapping[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """Execute the instructions one at a time in a random order that respects the
    tokens and the single engines' program order."""
    rng = np.random.default_rng(seed)
    instructions = program.instructions()
    edges = _predecessors(program)
    waiting = [len(set(e)) for e in edges]
    users: list[list[int]] = [[] for _ in instructions]
    for b, direct in enumerate(edges):
        for a in set(direct):
            users[a].append(b)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    machine = Machine(program, program.hardware())
    for tensor in program.dram_tensors():
        if tensor.kind_enum == DramKind.INPUT:
            machine.tensor_array(tensor.sym_name.data)[...] = inputs[tensor.io_key]
    with np.errstate(all="ignore"):
        while ready:
            index = ready.pop(int(rng.integers(len(ready))))
            KERNELS[type(instructions[index])](instructions[index], machine)
            for user in users[index]:
                waiting[user] -= 1
                if waiting[user] == 0:
                    ready.append(user)
    return {
        t.io_key: machine.tensor_array(t.sym_name.data).copy()
        for t in program.dram_tensors()
        if t.kind_enum == DramKind.OUTPUT
    }


# The pass on example models.


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("name", MODELS)
def test_example_models(name: str, config: str, bf16_models: dict[str, ModuleOp]) -> None:
    module = bf16_models[name]
    program = lower(module, config)
    scheduled = schedule(program)
    inputs = random_inputs(module)
    before, report_before = simulate_program(program, inputs)
    after, report_after = simulate_program(scheduled, inputs)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)
    assert report_after.cycles <= report_before.cycles
    waits_before = sum(len(op.waits) for op in program.instructions())
    waits_after = sum(len(op.waits) for op in scheduled.instructions())
    assert waits_after < waits_before
    assert check_synchronised(scheduled) > 0
    check_minimal(scheduled)
    for seed in range(3):
        shuffled = run_in_random_order(scheduled, inputs, seed)
        for key, value in before.items():
            np.testing.assert_array_equal(shuffled[key], value, err_msg=f"{key}, order {seed}")


def _chain_program(waits: bool) -> ProgramOp:
    """Store, reload and overwrite one scratch tensor; without tokens, or each
    instruction waiting on all earlier ones."""
    from xdsl.dialects.builtin import TensorType, f32

    from npu_dialect.npu import DmaLoadOp, DmaStoreOp, DramOp, TileAttr, UnaryKind, UnaryOp

    tensor = TensorType(f32, [64])
    tile = [TileAttr("act", address, [64], f32) for address in (0, 256, 512)]
    ops: list[NpuInstruction] = [
        DmaLoadOp("x", 0, [1], tile[0]),
        DmaStoreOp(tile[0], "t", 0, [1]),
        DmaLoadOp("t", 0, [1], tile[1]),
        UnaryOp(UnaryKind.NEG, tile[1], tile[2]),
        DmaStoreOp(tile[2], "t", 0, [1]),
        DmaLoadOp("t", 0, [1], tile[0]),
        DmaStoreOp(tile[0], "y", 0, [1]),
    ]
    if waits:
        for index, op in enumerate(ops):
            op.operands = [earlier.token for earlier in ops[:index]]
    drams = [
        DramOp("x", DramKind.INPUT, 0, tensor),
        DramOp("t", DramKind.SCRATCH, 256, tensor),
        DramOp("y", DramKind.OUTPUT, 512, tensor),
    ]
    return ProgramOp("chain", "npu-base", [*drams, *ops])


def test_missing_tokens_are_found_by_the_checks() -> None:
    """The checks can fail: without tokens the store-reload chain is unordered across
    the DMA engines, the checker says so and some random order changes the result."""
    unsynchronised = _chain_program(waits=False)
    with pytest.raises(AssertionError, match="does not wait for it"):
        check_synchronised(unsynchronised)
    inputs = {"x": np.arange(64, dtype=np.float32) + 1}
    want = -inputs["x"]
    results = [run_in_random_order(unsynchronised, inputs, seed)["y"] for seed in range(20)]
    assert any(not np.array_equal(result, want) for result in results)
    everything = _chain_program(waits=True)
    with pytest.raises(AssertionError, match="waits on 0 without a conflict"):
        check_minimal(everything)
    conflicts = conflicting_pairs(everything)
    for index, op in enumerate(everything.instructions()):
        op.operands = [everything.instructions()[a].token for a, b in conflicts if b == index]
    with pytest.raises(AssertionError, match="implied by the others"):
        check_minimal(everything)
    scheduled = schedule(unsynchronised)
    check_synchronised(scheduled)
    check_minimal(scheduled)
    np.testing.assert_array_equal(run_in_random_order(scheduled, inputs, 0)["y"], want)


def test_host_instructions() -> None:
    """`npu.host` reads and writes whole DRAM tensors: ordered like any instruction."""
    from npu_dialect.builder import ModelBuilder
    from npu_dialect.npu import HostOp

    b = ModelBuilder("main")
    x = b.input("x", (6, 5))
    rows = b.gather(b.relu(x), np.array([[4, 0], [2, 5]], np.int32), axis=0)
    b.output("rows", b.sigmoid(rows))
    b.output("mirror", b.relu(b.pad(b.neg(x), (1, 2, 0, 1), mode="reflect")))
    module = b.build()
    program = lower(module, "npu-server")
    assert any(isinstance(op, HostOp) for op in program.instructions())
    scheduled = schedule(program)
    assert check_synchronised(scheduled) > 0
    check_minimal(scheduled)
    inputs = random_inputs(module)
    want, report_before = simulate_program(program, inputs)
    _, report_after = simulate_program(scheduled, inputs)
    assert report_after.cycles <= report_before.cycles
    for seed in range(5):
        got = run_in_random_order(scheduled, inputs, seed)
        for key, value in want.items():
            np.testing.assert_array_equal(got[key], value, err_msg=key)
