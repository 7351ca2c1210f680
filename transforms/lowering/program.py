"""The `npu.program` under construction: DRAM tensors, instructions and tokens.

Tokens are conservative but correct (docs/npu_dialect.md, "Meaning of a program"):
every instruction waits on each earlier instruction it conflicts with (one of the two
writes bytes the other reads or writes, in one SRAM buffer or one DRAM tensor),
except where the engines' own order already guarantees it: instructions of an engine
class with a single engine run one after another in program order, so among those
only the latest one needs a token. Byte ranges are the hulls of the accessed tiles,
which may add waits that are not needed, never drop one that is. The `npu-schedule`
pass recomputes minimal tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Operation

from npu_dialect.errors import UserError, location_of
from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import (
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    DramOp,
    HostOp,
    NpuInstruction,
    ProgramOp,
    element_dtype,
)

DRAM_ALIGNMENT = 64
"""Every DRAM tensor starts at a multiple of this many bytes (one DMA burst)."""

_SYMBOL_CHARS = re.compile(r"[^A-Za-z0-9_.$]")


@dataclass
class _Access:
    start: int
    end: int
    op: NpuInstruction
    writes: bool


class _Space:
    """The accesses to one memory space (an SRAM buffer or a DRAM tensor) that a later
    instruction may still conflict with."""

    def __init__(self) -> None:
        self.accesses: list[_Access] = []

    def conflicts(self, start: int, end: int, writes: bool) -> list[NpuInstruction]:
        return [
            a.op
            for a in self.accesses
            if a.start < end and start < a.end and (writes or a.writes)
        ]

    def record(self, access: _Access) -> None:
        if access.writes:
            # The writer waited on every overlapping access, so later instructions
            # that conflict with a covered access also conflict with the writer.
            self.accesses = [
                a
                for a in self.accesses
                if not (access.start <= a.start and a.end <= access.end)
            ]
        self.accesses.append(access)


class ProgramBuilder:
    """Collects DRAM tensors and instructions; `emit` gives each instruction its waits."""

    def __init__(self, name: str, config_name: str, config: HardwareConfig):
        self.name = name
        self.config_name = config_name
        self.config = config
        self.drams: list[DramOp] = []
        self.tensors: dict[str, DramOp] = {}
        self.instructions: list[NpuInstruction] = []
        self.origin: str | None = None
        """The model op whose instructions are being emitted."""
        self._symbols: set[str] = set()
        self._dram_end = 0
        self._spaces: dict[tuple[str, str], _Space] = {}
        self._kinds: dict[str, DramKind] = {}
        self._position: dict[int, int] = {}
        self._single_engine = {
            "matrix": True,
            "vector": True,
            "host": True,
            "dma_load": config.dma.load_engines == 1,
            "dma_store": config.dma.store_engines == 1,
        }

    # DRAM tensors.

    def symbol(self, hint: str) -> str:
        """A fresh symbol name derived from `hint`."""
        base = _SYMBOL_CHARS.sub("_", hint) or "t"
        if not (base[0].isalpha() or base[0] == "_"):
            base = f"t_{base}"
        name, index = base, 1
        while name in self._symbols:
            name, index = f"{base}_{index}", index + 1
        self._symbols.add(name)
        return name

    def dram(
        self,
        hint: str,
        kind: DramKind,
        tensor_type: TensorType,
        key: str | None = None,
        value: DenseIntOrFPElementsAttr | DenseResourceAttr | None = None,
    ) -> DramOp:
        """Declare a DRAM tensor in a region of its own."""
        symbol = self.symbol(hint)
        offset = -(-self._dram_end // DRAM_ALIGNMENT) * DRAM_ALIGNMENT
        op = DramOp(symbol, kind, offset, tensor_type, key=key, value=value)
        self._dram_end = offset + op.nbytes
        self.drams.append(op)
        self._kinds[symbol] = kind
        self.tensors[symbol] = op
        return op

    # Instructions.

    def emit(self, op: NpuInstruction) -> NpuInstruction:
        """Append `op`, waiting on the earlier instructions it conflicts with."""
        accesses = list(self._accesses(op))
        waits: dict[int, NpuInstruction] = {}
        for space, start, end, writes in accesses:
            for other in self._space(space).conflicts(start, end, writes):
                waits[id(other)] = other
        op.operands = [w.token for w in self._reduce(op, list(waits.values()))]
        if self.origin is not None:
            op.attributes["origin"] = StringAttr(self.origin)
        for space, start, end, writes in accesses:
            self._space(space).record(_Access(start, end, op, writes))
        self._position[id(op)] = len(self.instructions)
        self.instructions.append(op)
        return op

    def build(self) -> ProgramOp:
        ops: list[Operation] = [*self.drams, *self.instructions]
        return ProgramOp(self.name, self.config_name, ops)

    def _space(self, key: tuple[str, str]) -> _Space:
        space = self._spaces.get(key)
        if space is None:
            space = self._spaces[key] = _Space()
        return space

    def _reduce(self, op: NpuInstruction, waits: list[NpuInstruction]) -> list[NpuInstruction]:
        """Drop waits the engines' in-order execution implies: on an engine class with
        one engine, an instruction is done once any later one of its class is done."""
        kept: list[NpuInstruction] = []
        latest: dict[str, NpuInstruction] = {}
        for other in waits:
            engine = other.ENGINE
            if not self._single_engine[engine]:
                kept.append(other)
            elif engine != op.ENGINE:
                current = latest.get(engine)
                if current is None or self._position[id(other)] > self._position[id(current)]:
                    latest[engine] = other
        return sorted([*kept, *latest.values()], key=lambda i: self._position[id(i)])

    def _accesses(self, op: NpuInstruction) -> Iterator[tuple[tuple[str, str], int, int, bool]]:
        """(space, start, end, writes) of every byte range `op` touches."""
        for tile in op.reads():
            yield ("sram", tile.buffer_name), tile.addr, tile.end, False
        for tile in op.writes():
            yield ("sram", tile.buffer_name), tile.addr, tile.end, True
        if isinstance(op, DmaLoadOp):
            symbol = op.dram.root_reference.data
            if self._kinds[symbol] in (DramKind.INPUT, DramKind.WEIGHT):
                return  # never written: loads from it conflict with nothing
            box = op.box
            if min(box) > 0:
                start = op.offset.value.data
                last = start + sum((n - 1) * s for n, s in zip(box, op.strides.get_values()))
                yield ("dram", symbol), start, last + 1, False
        elif isinstance(op, DmaStoreOp):
            start = op.offset.value.data
            strides = op.strides.get_values()
            last = start + sum((n - 1) * s for n, s in zip(op.source.dims, strides))
            yield ("dram", op.dram.root_reference.data), start, last + 1, True
        elif isinstance(op, HostOp):
            for name in op.input_names:
                if self._kinds[name] not in (DramKind.INPUT, DramKind.WEIGHT):
                    yield ("dram", name), 0, 1 << 62, False
            for name in op.output_names:
                yield ("dram", name), 0, 1 << 62, True


def lowering_error(op: Operation, message: str) -> UserError:
    """A one-line error about `op` at its place in the input."""
    place = location_of(op)
    return UserError(f"{place + ': ' if place else ''}'{op.name}' op {message}")


def itemsize(element_type: Attribute) -> int:
    return element_dtype(element_type).itemsize


def dense_type(shape: Sequence[int], element_type: Attribute) -> TensorType:
    return TensorType(element_type, list(shape))
