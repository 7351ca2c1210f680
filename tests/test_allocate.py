"""npu-allocate: activations share DRAM by liveness, numerics unchanged, and
npu-schedule afterwards orders the conflicts the sharing creates."""

from __future__ import annotations

import numpy as np
import pytest
from test_lowering import _example, lower, random_inputs
from test_schedule import check_synchronised, run_in_random_order, schedule
from xdsl.dialects.builtin import ModuleOp, TensorType, f32

from interpreter.simulator import simulate_program
from npu_dialect.npu import (
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    DramOp,
    NpuInstruction,
    ProgramOp,
    TileAttr,
)
from npu_tools.npu_run import build_context
from transforms import get_all_passes
from transforms.nn_convert_precision import NNConvertPrecisionPass
from transforms.npu_allocate import NPUAllocatePass, dram_footprint, lifetimes


def test_registered() -> None:
    assert get_all_passes()["npu-allocate"]() is NPUAllocatePass


def allocate(program: ProgramOp) -> ProgramOp:
    """An allocated copy of `program` (tokens untouched)."""
    module = ModuleOp([program.clone()])
    NPUAllocatePass().apply(build_context(), module)
    module.verify()
    allocated = next(iter(module.ops))
    assert isinstance(allocated, ProgramOp)
    allocated.detach()
    return allocated


def scratch(program: ProgramOp) -> list[DramOp]:
    return [t for t in program.dram_tensors() if t.kind_enum == DramKind.SCRATCH]


def activation_bytes(program: ProgramOp) -> int:
    """The span of the scratch tensors' bytes."""
    tensors = scratch(program)
    if not tensors:
        return 0
    return max(t.offset_bytes + t.nbytes for t in tensors) - min(t.offset_bytes for t in tensors)


def check_plan(program: ProgramOp) -> None:
    """Segments in order (inputs and outputs, weights, activations), no bytes shared
    except by scratch tensors that are never live at once, every tensor aligned."""
    order = {DramKind.INPUT: 0, DramKind.OUTPUT: 0, DramKind.WEIGHT: 1, DramKind.SCRATCH: 2}
    tensors = sorted(program.dram_tensors(), key=lambda t: t.offset_bytes)
    assert [order[t.kind_enum] for t in tensors] == sorted(order[t.kind_enum] for t in tensors)
    assert all(t.offset_bytes % 64 == 0 for t in tensors)
    spans = lifetimes(program)
    for index, a in enumerate(tensors):
        for b in tensors[index + 1 :]:
            if b.offset_bytes >= a.offset_bytes + a.nbytes:
                continue
            name_a, name_b = a.sym_name.data, b.sym_name.data
            live_a, live_b = spans.get(name_a), spans.get(name_b)
            assert live_a is not None and live_b is not None, (name_a, name_b)
            assert live_a.last < live_b.first or live_b.last < live_a.first, (name_a, name_b)


MODELS = ("lenet5", "resnet8", "transformer", "mobilenet")


@pytest.fixture(scope="module")
def bf16_models() -> dict[str, ModuleOp]:
    models = {}
    for name in MODELS:
        module = _example(name)
        NNConvertPrecisionPass(precision="bf16").apply(build_context(), module)
        models[name] = module
    return models


@pytest.mark.parametrize("config", ["npu-base", "npu-server"])
@pytest.mark.parametrize("name", MODELS)
def test_example_models(name: str, config: str, bf16_models: dict[str, ModuleOp]) -> None:
    """Allocated then scheduled: the same outputs, a smaller footprint, every conflict
    ordered (also in random orders the tokens allow)."""
    module = bf16_models[name]
    program = lower(module, config)
    final = schedule(allocate(program))
    check_plan(final)
    assert dram_footprint(final) < dram_footprint(program)
    assert activation_bytes(final) < sum(t.nbytes for t in scratch(program))
    inputs = random_inputs(module)
    before, report_before = simulate_program(program, inputs)
    after, report_after = simulate_program(final, inputs)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)
    assert report_after.cycles <= report_before.cycles
    if len(final.instructions()) <= 200:  # the exact checker is quadratic
        assert check_synchronised(final) > 0
    shuffled = run_in_random_order(final, inputs, seed=1)
    for key, value in before.items():
        np.testing.assert_array_equal(shuffled[key], value, err_msg=key)


@pytest.mark.parametrize("name", ["resnet8", "resnet18"])
def test_footprint(name: str, record_property: pytest.RecordProperty) -> None:
    """The DRAM footprint of ResNet-8 and ResNet-18 (bf16, npu-base) before and after,
    recorded as test properties. The activation segment is at least the largest set of
    activations live at one instruction, and smaller than all of them together."""
    module = _example(name)
    NNConvertPrecisionPass(precision="bf16").apply(build_context(), module)
    program = lower(module, "npu-base")
    allocated = allocate(program)
    check_plan(allocated)
    spans = lifetimes(allocated)
    sizes = {t.sym_name.data: t.nbytes for t in scratch(allocated)}
    live_peak = max(
        sum(sizes[n] for n, span in spans.items() if span.first <= i <= span.last)
        for i in range(len(allocated.instructions()))
    )
    before, after = dram_footprint(program), dram_footprint(allocated)
    activations = activation_bytes(allocated)
    record_property("footprint_before", before)
    record_property("footprint_after", after)
    record_property("activations_before", sum(sizes.values()))
    record_property("activations_after", activations)
    assert live_peak <= activations < sum(sizes.values())
    assert after < before


def _two_branches() -> ProgramOp:
    """x is copied to two scratch tensors one after the other, each reloaded and
    stored to an output; the tokens order each branch only (what a lowering gives
    tensors of their own). Allocation lets @t2 reuse @t1's bytes."""
    tensor = TensorType(f32, [64])
    tiles = [TileAttr("act", address, [64], f32) for address in (0, 256, 512)]
    load_x = DmaLoadOp("x", 0, [1], tiles[0])
    store_t1 = DmaStoreOp(tiles[0], "t1", 0, [1], waits=[load_x])
    load_t1 = DmaLoadOp("t1", 0, [1], tiles[1], waits=[store_t1])
    store_y1 = DmaStoreOp(tiles[1], "y1", 0, [1], waits=[load_t1])
    store_t2 = DmaStoreOp(tiles[0], "t2", 0, [1], waits=[load_x])
    load_t2 = DmaLoadOp("t2", 0, [1], tiles[2], waits=[store_t2])
    store_y2 = DmaStoreOp(tiles[2], "y2", 0, [1], waits=[load_t2])
    ops: list[NpuInstruction] = [load_x, store_t1, load_t1, store_y1, store_t2, load_t2, store_y2]
    drams = [
        DramOp("x", DramKind.INPUT, 0, tensor),
        DramOp("y1", DramKind.OUTPUT, 256, tensor),
        DramOp("y2", DramKind.OUTPUT, 512, tensor),
        DramOp("t1", DramKind.SCRATCH, 768, tensor),
        DramOp("t2", DramKind.SCRATCH, 1024, tensor),
    ]
    return ProgramOp("branches", "npu-server", [*drams, *ops])


def test_schedule_must_follow_allocation() -> None:
    """On npu-server's two store engines the store to @t2 may overtake the reload of
    @t1 once they share bytes: allocation alone, or scheduling before it, leaves that
    pair unordered; allocation then scheduling orders it."""
    program = _two_branches()
    check_synchronised(program)
    allocated = allocate(program)
    t1, t2 = (allocated.lookup_dram(name) for name in ("t1", "t2"))
    assert t1 is not None and t2 is not None and t1.offset_bytes == t2.offset_bytes
    with pytest.raises(AssertionError, match="does not wait for it"):
        check_synchronised(allocated)
    with pytest.raises(AssertionError, match="does not wait for it"):
        check_synchronised(allocate(schedule(program)))
    final = schedule(allocated)
    check_synchronised(final)
    inputs = {"x": np.arange(64, dtype=np.float32)}
    for seed in range(10):
        outputs = run_in_random_order(final, inputs, seed)
        np.testing.assert_array_equal(outputs["y1"], inputs["x"])
        np.testing.assert_array_equal(outputs["y2"], inputs["x"])
