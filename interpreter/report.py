"""The cost report of a simulated run: text for people, JSON for tools, a trace.

`Report.to_text()` is what `npu-run` prints; `to_json()` has the keys listed in
docs/cost_model.md (`cycles`, `roofline_cycles`, `macs`, `dram_read_bytes`,
`dram_write_bytes`, `energy_pj`, `engines`, `ops`, ...); `trace_json()` is a
Chrome/Perfetto trace-event file with one track per engine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from interpreter.cost_model import Cost
from interpreter.scheduler import ENGINE_CLASSES, Schedule, engine_counts
from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import NpuInstruction


@dataclass
class Totals:
    """Sums over a set of instructions."""

    instructions: int = 0
    macs: int = 0
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0
    sram_read_bytes: int = 0
    sram_write_bytes: int = 0
    mac_energy_pj: float = 0.0
    vector_energy_pj: float = 0.0
    sram_energy_pj: float = 0.0
    dram_energy_pj: float = 0.0
    busy_cycles: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENGINE_CLASSES, 0))

    def add(self, engine: str, cost: Cost, duration: int) -> None:
        self.instructions += 1
        self.macs += cost.macs
        self.dram_read_bytes += cost.dram_read_bytes
        self.dram_write_bytes += cost.dram_write_bytes
        self.sram_read_bytes += cost.sram_read_bytes
        self.sram_write_bytes += cost.sram_write_bytes
        self.mac_energy_pj += cost.mac_energy_pj
        self.vector_energy_pj += cost.vector_energy_pj
        self.sram_energy_pj += cost.sram_energy_pj
        self.dram_energy_pj += cost.dram_energy_pj
        self.busy_cycles[engine] += duration

    @property
    def energy_pj(self) -> float:
        return (
            self.mac_energy_pj + self.vector_energy_pj + self.sram_energy_pj + self.dram_energy_pj
        )

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes


@dataclass
class OpStats(Totals):
    """A model op's instructions: totals and the cycles from its first start to its
    last end (spans of ops that overlap in time overlap too)."""

    start: int = 0
    end: int = 0
    host: bool = False
    """Some of its instructions ran on the host (`npu.host`)."""

    @property
    def cycles(self) -> int:
        return self.end - self.start


@dataclass
class TraceRecord:
    """One instruction as scheduled (kept only when a trace is asked for)."""

    name: str
    engine: str
    unit: int
    origin: str | None
    start: int
    end: int
    cost: Cost


@dataclass
class Report:
    program: str
    config: HardwareConfig
    cycles: int
    totals: Totals
    ops: dict[str, OpStats]
    trace: list[TraceRecord] | None

    # Derived numbers.

    @property
    def peak_macs(self) -> int:
        return self.config.peak_macs_per_cycle

    @property
    def compute_bound_cycles(self) -> int:
        return ceil(self.totals.macs / self.peak_macs)

    @property
    def dram_bound_cycles(self) -> int:
        return ceil(self.totals.dram_bytes / self.config.dram.bandwidth)

    @property
    def roofline_cycles(self) -> int:
        """A lower bound on any schedule: the array at peak, or DRAM at full bandwidth."""
        return max(self.compute_bound_cycles, self.dram_bound_cycles)

    @property
    def roofline_fraction(self) -> float:
        return self.roofline_cycles / self.cycles if self.cycles else 1.0

    @property
    def time_us(self) -> float:
        return self.cycles / self.config.clock_mhz

    def utilization(self, engine: str) -> float:
        units = engine_counts(self.config)[engine]
        busy = self.totals.busy_cycles[engine]
        return busy / (units * self.cycles) if self.cycles else 0.0

    def mac_utilization(self, macs: int, cycles: int) -> float:
        return macs / (self.peak_macs * cycles) if cycles else 0.0

    # Outputs.

    def to_dict(self) -> dict[str, Any]:
        totals = self.totals
        counts = engine_counts(self.config)
        return {
            "program": self.program,
            "config": self.config.name,
            "clock_mhz": self.config.clock_mhz,
            "cycles": self.cycles,
            "time_us": self.time_us,
            "host_cycles": totals.busy_cycles["host"],
            "roofline_cycles": self.roofline_cycles,
            "roofline": {
                "compute_cycles": self.compute_bound_cycles,
                "dram_cycles": self.dram_bound_cycles,
                "bound": self._bound(),
            },
            "roofline_fraction": self.roofline_fraction,
            "instructions": totals.instructions,
            "macs": totals.macs,
            "mac_utilization": self.mac_utilization(totals.macs, self.cycles),
            "dram_read_bytes": totals.dram_read_bytes,
            "dram_write_bytes": totals.dram_write_bytes,
            "sram_read_bytes": totals.sram_read_bytes,
            "sram_write_bytes": totals.sram_write_bytes,
            "energy_pj": totals.energy_pj,
            "energy_breakdown_pj": _energy_parts(totals),
            "engines": {
                engine: {
                    "count": counts[engine],
                    "busy_cycles": totals.busy_cycles[engine],
                    "utilization": self.utilization(engine),
                }
                for engine in ENGINE_CLASSES
            },
            "ops": {name: self._op_dict(stats) for name, stats in self.ops.items()},
        }

    def _op_dict(self, stats: OpStats) -> dict[str, Any]:
        return {
            "instructions": stats.instructions,
            "start_cycle": stats.start,
            "end_cycle": stats.end,
            "cycles": stats.cycles,
            "busy_cycles": dict(stats.busy_cycles),
            "macs": stats.macs,
            "matrix_utilization": self.mac_utilization(stats.macs, stats.cycles),
            "dram_read_bytes": stats.dram_read_bytes,
            "dram_write_bytes": stats.dram_write_bytes,
            "sram_read_bytes": stats.sram_read_bytes,
            "sram_write_bytes": stats.sram_write_bytes,
            "energy_pj": stats.energy_pj,
            "host": stats.host,
        }

    def _bound(self) -> str:
        return "compute" if self.compute_bound_cycles >= self.dram_bound_cycles else "dram"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def to_text(self) -> str:
        totals, config = self.totals, self.config
        matrix = config.matrix
        lines = [
            f"program @{self.program} on {config.name} ({matrix.rows}x{matrix.cols} "
            f"{matrix.dataflow}, {config.clock_mhz:g} MHz): {totals.instructions} instructions",
            f"cycles: {self.cycles} ({self.time_us:.3f} us)",
            f"roofline: {self.roofline_cycles} cycles, {self._bound()}-bound "
            f"(compute {self.compute_bound_cycles}, dram {self.dram_bound_cycles}); "
            f"achieved {100 * self.roofline_fraction:.1f}%",
            f"MACs: {totals.macs} (array utilisation "
            f"{100 * self.mac_utilization(totals.macs, self.cycles):.1f}%)",
            f"DRAM: {totals.dram_read_bytes} B read, {totals.dram_write_bytes} B written",
            f"SRAM: {totals.sram_read_bytes} B read, {totals.sram_write_bytes} B written",
            f"energy: {_energy(totals.energy_pj)} ("
            + ", ".join(f"{k} {_energy(v)}" for k, v in _energy_parts(totals).items())
            + ")",
            "",
        ]
        counts = engine_counts(config)
        rows = [("engine", "units", "busy cycles", "utilisation")]
        for engine in ENGINE_CLASSES:
            rows.append(
                (
                    engine,
                    str(counts[engine]),
                    str(totals.busy_cycles[engine]),
                    f"{100 * self.utilization(engine):.1f}%",
                )
            )
        lines += _table(rows)
        if self.ops:
            rows = [("model op", "instrs", "cycles", "MACs", "array util", "DRAM B", "energy")]
            for name, stats in self.ops.items():
                rows.append(
                    (
                        f"{name} (host)" if stats.host else name,
                        str(stats.instructions),
                        str(stats.cycles),
                        str(stats.macs),
                        f"{100 * self.mac_utilization(stats.macs, stats.cycles):.1f}%",
                        str(stats.dram_bytes),
                        _energy(stats.energy_pj),
                    )
                )
            lines += ["", *_table(rows)]
        return "\n".join(lines)

    def trace_json(self) -> str:
        """Chrome/Perfetto trace events: one thread (track) per engine, times in us."""
        if self.trace is None:
            raise ValueError("this report was made without trace records (trace=False)")
        counts = engine_counts(self.config)
        tids: dict[tuple[str, int], int] = {}
        events: list[dict[str, Any]] = [_metadata("process_name", 0, f"npu {self.config.name}")]
        for engine in ENGINE_CLASSES:
            for unit in range(counts[engine]):
                tid = len(tids)
                tids[engine, unit] = tid
                label = engine if counts[engine] == 1 else f"{engine}.{unit}"
                events.append(_metadata("thread_name", tid, label))
                events.append(_metadata("thread_sort_index", tid, tid))
        per_us = self.config.clock_mhz
        for index, record in enumerate(self.trace):
            args: dict[str, Any] = {
                "index": index,
                "start_cycle": record.start,
                "end_cycle": record.end,
            }
            if record.origin is not None:
                args["origin"] = record.origin
            cost = record.cost
            for key in ("macs", "dram_read_bytes", "dram_write_bytes"):
                if getattr(cost, key):
                    args[key] = getattr(cost, key)
            events.append(
                {
                    "ph": "X",
                    "name": record.name.removeprefix("npu."),
                    "cat": record.engine,
                    "pid": 0,
                    "tid": tids[record.engine, record.unit],
                    "ts": record.start / per_us,
                    "dur": (record.end - record.start) / per_us,
                    "args": args,
                }
            )
        return json.dumps({"traceEvents": events, "displayTimeUnit": "ns"}) + "\n"


def build_report(
    program: str,
    config: HardwareConfig,
    instructions: Sequence[NpuInstruction],
    costs: Sequence[Cost],
    timeline: Schedule,
    keep_trace: bool = False,
) -> Report:
    """Aggregate per-instruction costs and the schedule into a report."""
    totals = Totals()
    ops: dict[str, OpStats] = {}
    trace: list[TraceRecord] | None = [] if keep_trace else None
    for op, cost, start, end, unit in zip(
        instructions, costs, timeline.start, timeline.end, timeline.unit, strict=True
    ):
        engine = op.ENGINE
        duration = end - start
        totals.add(engine, cost, duration)
        origin = op.origin.data if op.origin is not None else None
        if origin is not None:
            stats = ops.get(origin)
            if stats is None:
                stats = ops[origin] = OpStats(start=start, end=end)
            stats.add(engine, cost, duration)
            stats.host = stats.host or engine == "host"
            stats.start = min(stats.start, start)
            stats.end = max(stats.end, end)
        if trace is not None:
            trace.append(TraceRecord(op.name, engine, unit, origin, start, end, cost))
    return Report(program, config, timeline.makespan, totals, ops, trace)


def _metadata(name: str, tid: int, value: str | int) -> dict[str, Any]:
    """A trace metadata event naming (or ordering) the process or a thread."""
    key = "sort_index" if name == "thread_sort_index" else "name"
    return {"ph": "M", "name": name, "pid": 0, "tid": tid, "args": {key: value}}


def _energy_parts(totals: Totals) -> dict[str, float]:
    return {
        "mac": totals.mac_energy_pj,
        "vector": totals.vector_energy_pj,
        "sram": totals.sram_energy_pj,
        "dram": totals.dram_energy_pj,
    }


def _energy(picojoules: float) -> str:
    for unit, scale in (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)):
        if picojoules >= scale:
            return f"{picojoules / scale:.3f} {unit}"
    return f"{picojoules:.1f} pJ"


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned first column, right-aligned others."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]
