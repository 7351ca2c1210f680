"""`npu-schedule`: recompute the dependency tokens of NPU programs, correct and minimal.

    npu-opt model.mlir -p 'convert-nn-to-npu,npu-allocate,npu-schedule'

A program means what its instructions compute one at a time in program order; tokens
only say which pairs the engines may not reorder (docs/npu_dialect.md, section 1). This
pass throws the existing tokens away and derives them again from the bytes each
instruction touches, so it may run after any pass that moves tiles or DRAM tensors
(in particular after `npu-allocate`, whose reuse of DRAM creates new conflicts).
See docs/lowering.md, "Scheduling".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import gcd

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.passes import ModulePass

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
    TileAttr,
)

READ_ONLY_KINDS = (DramKind.INPUT, DramKind.WEIGHT)
"""Nothing writes these DRAM tensors, so reading them conflicts with nothing."""

SRAM_BUCKET = 1 << 12
"""Bytes of SRAM per bucket of the index of live accesses."""

MAX_EXTRAS = 8
"""How many predecessors beyond the contiguous prefix each instruction remembers per
multi-engine class (a bound that keeps the analysis linear; forgetting one can only
keep a wait that was implied, never drop a needed one)."""


@dataclass(frozen=True)
class Access:
    """The bytes one access touches, in a memory space: an SRAM buffer's name, or `@`
    and the name of a DRAM tensor (whose bytes are absolute DRAM addresses, so tensors
    that share DRAM after allocation conflict). Described by their hull [start, end)
    and, for strided accesses, a `period`: every touched byte lies in [p, p + width)
    for some p = start mod period (period 0: one run of `width` bytes)."""

    space: str
    start: int
    end: int
    writes: bool
    period: int
    width: int
    contiguous: bool
    """Every byte of the hull is touched."""
    layout: tuple[tuple[int, int], ...]
    """(element stride, size) of each dim of size > 1, sorted: with `start` and
    `width`, exactly the bytes touched."""

    def overlaps(self, other: Access) -> bool:
        """Whether the two may share a byte: hulls intersect and, for strided
        accesses, the runs meet modulo the common period (exact for the interleaved
        channel and column tiles lowerings produce; otherwise conservative)."""
        if not (self.start < other.end and other.start < self.end):
            return False
        period = gcd(self.period, other.period)
        if period <= max(self.width, other.width):
            return True
        offset = (other.start - self.start) % period
        return offset < self.width or offset + other.width > period


def _access(
    space: str,
    start: int,
    dims: Sequence[int],
    strides: Sequence[int],
    itemsize: int,
    writes: bool,
) -> Access:
    """The bytes of elements `start + sum(i_k * strides_k)` bytes, `i_k < dims_k`."""
    used = sorted((s, n) for n, s in zip(dims, strides) if n > 1)
    end = start + sum((n - 1) * s for s, n in used) * itemsize + itemsize
    period = gcd(*(s * itemsize for s, _ in used)) if used else 0
    contiguous, extent = True, 1
    for stride, size in used:
        contiguous = contiguous and stride == extent
        extent *= size
    return Access(space, start, end, writes, period, itemsize, contiguous, tuple(used))


def instruction_accesses(
    op: NpuInstruction,
    tensors: dict[str, DramOp],
    tiles: dict[tuple[TileAttr, bool], Access] | None = None,
) -> Iterator[Access]:
    """The bytes `op` reads and writes. `tiles` caches the accesses of SRAM tiles
    (programs use the same few slots over and over)."""
    cache = {} if tiles is None else tiles
    for tile_attrs, writes in ((op.reads(), False), (op.writes(), True)):
        for tile in tile_attrs:
            access = cache.get((tile, writes))
            if access is None:
                access = cache[(tile, writes)] = _access(
                    tile.buffer_name,
                    tile.addr,
                    tile.dims,
                    tile.elem_strides,
                    tile.itemsize,
                    writes,
                )
            yield access
    if isinstance(op, (DmaLoadOp, DmaStoreOp)):
        tensor = tensors[op.dram.root_reference.data]
        box = op.box if isinstance(op, DmaLoadOp) else op.source.dims
        if tensor.kind_enum in READ_ONLY_KINDS or min(box) == 0:
            return
        size = tensor.dtype.itemsize
        start = tensor.offset_bytes + op.offset.value.data * size
        space = f"@{tensor.sym_name.data}"
        writes = isinstance(op, DmaStoreOp)
        yield _access(space, start, box, op.strides.get_values(), size, writes)
    elif isinstance(op, HostOp):
        for names, writes in ((op.input_names, False), (op.output_names, True)):
            for name in names:
                tensor = tensors[name]
                if writes or tensor.kind_enum not in READ_ONLY_KINDS:
                    start, end = tensor.offset_bytes, tensor.offset_bytes + tensor.nbytes
                    yield Access(f"@{name}", start, end, writes, 0, end - start, True, ())


def engine_count(engine: str, config: HardwareConfig) -> int:
    """How many engines of a class the config has (one matrix, vector and host unit)."""
    if engine == "dma_load":
        return config.dma.load_engines
    if engine == "dma_store":
        return config.dma.store_engines
    return 1


class Known:
    """A set of instructions known to complete before some instruction starts, kept per
    engine class as `prefix` (the first `prefix` instructions of the class, in program
    order) plus `extras` (ordinals within the class beyond the prefix). On a class with
    one engine, knowing an instruction means knowing all earlier ones of its class, so
    `extras` stays empty there and the set is exact; on a class with several engines it
    is an under-approximation of at most MAX_EXTRAS extras."""

    __slots__ = ("prefix", "extras")

    def __init__(self) -> None:
        self.prefix: dict[str, int] = {}
        self.extras: dict[str, set[int]] = {}

    def copy(self) -> Known:
        known = Known()
        known.prefix = dict(self.prefix)
        known.extras = {engine: set(extra) for engine, extra in self.extras.items()}
        return known

    def contains(self, engine: str, ordinal: int) -> bool:
        extra = self.extras.get(engine)
        return ordinal < self.prefix.get(engine, 0) or (extra is not None and ordinal in extra)

    def add(self, engine: str, ordinal: int, single: bool) -> None:
        if single:
            self.prefix[engine] = max(self.prefix.get(engine, 0), ordinal + 1)
        else:
            self.extras.setdefault(engine, set()).add(ordinal)
            self._normalise(engine)

    def merge(self, other: Known) -> None:
        for engine, prefix in other.prefix.items():
            if prefix > self.prefix.get(engine, 0):
                self.prefix[engine] = prefix
        for engine, extra in other.extras.items():
            self.extras.setdefault(engine, set()).update(extra)
            self._normalise(engine)

    def _normalise(self, engine: str) -> None:
        extra = self.extras[engine]
        prefix = self.prefix.get(engine, 0)
        while prefix in extra:
            extra.discard(prefix)
            prefix += 1
        self.prefix[engine] = prefix
        for ordinal in [o for o in extra if o < prefix]:
            extra.discard(ordinal)
        while len(extra) > MAX_EXTRAS:
            extra.discard(min(extra))


def _covers(outer: Access, inner: Access) -> bool:
    """Every byte of `inner` is a byte of `outer` (checked when `outer` is contiguous
    or both touch the same bytes, as the tiles of one slot do tile after tile)."""
    if outer.contiguous:
        return outer.start <= inner.start and inner.end <= outer.end
    return (
        outer.start == inner.start
        and outer.width == inner.width
        and outer.layout == inner.layout
    )


class _Live:
    """An access a later instruction may still conflict with."""

    __slots__ = ("access", "index", "alive")

    def __init__(self, access: Access, index: int):
        self.access = access
        self.index = index
        self.alive = True


class _Space:
    """The live accesses of one memory space, grouped by engine class and by reads and
    writes (a read conflicts with writes only), each group indexed by address in
    buckets of `bucket` bytes, oldest first. On a class with one engine only the latest
    conflicting access matters (the engine orders the earlier ones before it), so its
    buckets are searched newest first and the search stops at the first hit."""

    def __init__(self, bucket: int) -> None:
        self.bucket = bucket
        self.groups: dict[tuple[str, bool], dict[int, list[_Live]]] = {}

    def _keys(self, access: Access) -> range:
        return range(access.start // self.bucket, (access.end - 1) // self.bucket + 1)

    def conflicting(self, access: Access, single: dict[str, bool]) -> list[_Live]:
        """Live accesses `access` may conflict with (writes, and reads too if it
        writes, whose bytes may meet its bytes): on a class with one engine the latest
        one, on the others all."""
        found: dict[int, _Live] = {}
        for (engine, writes), buckets in self.groups.items():
            if not (writes or access.writes):
                continue
            latest: _Live | None = None
            for key in self._keys(access):
                bucket = buckets.get(key)
                if not bucket:
                    continue
                if single[engine]:
                    dead = 0
                    for live in reversed(bucket):
                        if latest is not None and live.index <= latest.index:
                            break
                        if not live.alive:
                            dead += 1
                        elif live.access.overlaps(access):
                            latest = live
                            break
                    if 2 * dead > len(bucket):
                        bucket[:] = [live for live in bucket if live.alive]
                    continue
                if not all(live.alive for live in bucket):
                    bucket[:] = [live for live in bucket if live.alive]
                for live in bucket:
                    if live.access.overlaps(access):
                        found[id(live)] = live
            if latest is not None:
                found[id(latest)] = latest
        return list(found.values())

    def add(self, live: _Live, engine: str) -> None:
        buckets = self.groups.setdefault((engine, live.access.writes), {})
        for key in self._keys(live.access):
            buckets.setdefault(key, []).append(live)


def dram_aliases(tensors: dict[str, DramOp]) -> dict[str, list[str]]:
    """For each DRAM tensor's space (`@name`), the spaces of the tensors that share
    bytes with it, itself included."""
    spans = sorted((t.offset_bytes, t.offset_bytes + t.nbytes, f"@{n}") for n, t in tensors.items())
    aliases: dict[str, list[str]] = {space: [space] for _, _, space in spans}
    for index, (_, end, space) in enumerate(spans):
        for start, _, other in spans[index + 1 :]:
            if start >= end:
                break
            aliases[space].append(other)
            aliases[other].append(space)
    return aliases


def minimal_waits(
    instructions: list[NpuInstruction], tensors: dict[str, DramOp], config: HardwareConfig
) -> list[list[int]]:
    """For each instruction, the indices of the earlier instructions it must wait on:
    every earlier instruction it conflicts with is then ordered before it, directly,
    through a chain of waits, or by the program order of a class with one engine, and
    no wait is implied by the others in that way."""
    single = {
        engine: engine_count(engine, config) == 1
        for engine in {op.ENGINE for op in instructions}
    }
    ordinals: list[int] = []
    counts: dict[str, int] = {}
    previous: dict[str, int] = {}
    known: list[Known] = []
    spaces: dict[str, _Space] = {}
    tiles: dict[tuple[TileAttr, bool], Access] = {}
    aliases = dram_aliases(tensors)
    sram = {buffer.name for buffer in config.sram}
    waits: list[list[int]] = []
    for index, op in enumerate(instructions):
        engine = op.ENGINE
        ordinals.append(counts.get(engine, 0))
        counts[engine] = ordinals[-1] + 1
        accesses = list(instruction_accesses(op, tensors, tiles))
        overlapping = [
            [
                live
                for name in aliases.get(access.space, (access.space,))
                if name in spaces
                for live in spaces[name].conflicting(access, single)
            ]
            for access in accesses
        ]
        conflicting = {live.index for lives in overlapping for live in lives}
        before = Known()
        earlier = previous.get(engine)
        if single[engine] and earlier is not None:
            before = known[earlier].copy()
            before.add(engine, ordinals[earlier], True)
        chosen: list[int] = []
        for other in sorted(conflicting, reverse=True):
            other_engine = instructions[other].ENGINE
            if before.contains(other_engine, ordinals[other]):
                continue
            chosen.append(other)
            before.merge(known[other])
            before.add(other_engine, ordinals[other], single[other_engine])
        waits.append(sorted(chosen))
        known.append(before)
        previous[engine] = index
        for access, lives in zip(accesses, overlapping):
            # An access covered by a write is ordered before it (a write waits on
            # everything it overlaps), so later conflicts with the covered access are
            # implied by conflicts with the write.
            if access.writes:
                for live in lives:
                    if _covers(access, live.access):
                        live.alive = False
            space = spaces.get(access.space)
            if space is None:
                # SRAM by address; a DRAM tensor's accesses all in one bucket (their
                # hulls span most of the tensor when tiles are strided).
                bucket = SRAM_BUCKET if access.space in sram else 1 << 62
                space = spaces[access.space] = _Space(bucket)
            space.add(_Live(access, index), engine)
    return waits


def reject_functions(module: ModuleOp) -> None:
    """The passes on programs refuse a module that still has `nn` functions."""
    for func in module.ops:
        if isinstance(func, FuncOp) and func.body.blocks:
            place = location_of(func)
            raise UserError(
                f"{place + ': ' if place else ''}function @{func.sym_name.data} is not "
                "lowered to an npu.program; run convert-nn-to-npu first"
            )


def schedule_program(program: ProgramOp) -> None:
    """Replace the waits of every instruction of `program` by the minimal ones."""
    instructions = program.instructions()
    tensors = {tensor.sym_name.data: tensor for tensor in program.dram_tensors()}
    waits = minimal_waits(instructions, tensors, program.hardware())
    for op, indices in zip(instructions, waits, strict=True):
        op.operands = [instructions[i].token for i in indices]


@dataclass(frozen=True)
class NPUSchedulePass(ModulePass):
    """Gives every instruction of every `npu.program` exactly the waits it needs: on
    the latest earlier instructions it conflicts with (one of the two writes bytes the
    other reads or writes, in one SRAM buffer or in DRAM, ranges taken as the hulls of
    tiles and descriptors), except where the program order of an engine class with a
    single engine (matrix, vector, host, and DMA when the config has one engine of the
    kind) already orders the pair, and except waits implied through the waits of
    another. Existing tokens are ignored; instruction order and everything else is
    kept. DMA of the next tile then overlaps compute on the current one whenever their
    SRAM slots differ. Rejects functions that are not lowered to programs yet."""

    name = "npu-schedule"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        reject_functions(op)
        for program in op.ops:
            if isinstance(program, ProgramOp):
                schedule_program(program)
