"""The engine timeline: when each instruction starts and ends.

The machine has one matrix unit, one vector unit, `dma.load_engines` load engines,
`dma.store_engines` store engines, and one host (the CPU that runs `npu.host`
instructions, concurrently with the NPU's engines). List scheduling in program order:
an instruction starts at the earliest cycle when

- every instruction whose token it waits on has completed,
- an engine of its class is free (it takes the one that frees first, lowest index on
  ties), and
- the previous instruction of its class has started (each class issues in order).

It then runs for its cost's `cycles`, except that the DRAM transfer of a DMA (the last
`bus_cycles` of its cost) needs the DRAM bus, which all DMA engines share and which
carries one transfer at a time: the transfer takes the earliest gap on the bus, at or
after the cycle it is ready, that is long enough for it (first fit; transfers placed
before keep their places). A transfer that waits for the bus holds its engine.
Total cycles is the makespan, the end of the last instruction. Instructions are
placed once each, in program order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from interpreter.cost_model import Cost
from npu_dialect.hardware import HardwareConfig

ENGINE_CLASSES = ("dma_load", "matrix", "vector", "dma_store", "host")


def engine_counts(config: HardwareConfig) -> dict[str, int]:
    """How many engines of each class the config has."""
    return {
        "dma_load": config.dma.load_engines,
        "matrix": 1,
        "vector": 1,
        "dma_store": config.dma.store_engines,
        "host": 1,
    }


class SharedBus:
    """The busy intervals of the DRAM bus (disjoint, sorted), placed first fit."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def place(self, ready: int, length: int) -> int:
        """Reserve `length` cycles starting at the earliest free cycle >= `ready` with
        room for them; return that start."""
        begin = ready
        index = bisect_right(self.ends, begin)
        while index < len(self.starts) and self.starts[index] < begin + length:
            begin = max(begin, self.ends[index])
            index += 1
        self.starts.insert(index, begin)
        self.ends.insert(index, begin + length)
        return begin


@dataclass(frozen=True)
class Schedule:
    start: list[int]
    end: list[int]
    unit: list[int]
    """Index of the engine of its class each instruction ran on."""
    makespan: int


def schedule(
    engines: Sequence[str],
    waits: Sequence[Sequence[int]],
    costs: Sequence[Cost],
    config: HardwareConfig,
) -> Schedule:
    """Start and end cycle of every instruction.

    `engines[i]` is instruction i's engine class, `waits[i]` the indices of the
    (earlier) instructions whose tokens it waits on, `costs[i]` its cost.
    """
    free = {name: [0] * count for name, count in engine_counts(config).items()}
    last_start = dict.fromkeys(ENGINE_CLASSES, 0)
    bus = SharedBus()
    start: list[int] = []
    end: list[int] = []
    unit: list[int] = []
    for engine, deps, cost in zip(engines, waits, costs, strict=True):
        units = free[engine]
        chosen = min(range(len(units)), key=units.__getitem__) if len(units) > 1 else 0
        begin = max(units[chosen], last_start[engine])
        for dep in deps:
            if end[dep] > begin:
                begin = end[dep]
        if cost.bus_cycles:
            ready = begin + cost.cycles - cost.bus_cycles
            finish = bus.place(ready, cost.bus_cycles) + cost.bus_cycles
        else:
            finish = begin + cost.cycles
        units[chosen] = finish
        last_start[engine] = begin
        start.append(begin)
        end.append(finish)
        unit.append(chosen)
    return Schedule(start, end, unit, max(end, default=0))
