"""Tile sizes chosen by estimated cycles, with the simulator's own cost formulas.

A candidate tiling of an op is costed as the busiest resource of a pipelined run
(double buffering overlaps every engine with the others):

    cycles = max(matrix, vector, load engines, store engines, DRAM bus)

where each term sums the cost model's formulas (`interpreter.cost_model`: SCALE-Sim
folds for the matrix unit, `ceil(elements / lanes) * cycles(class)` for the vector
unit, `setup + latency + ceil(bytes / bandwidth)` per DMA, the last term on the shared
bus) over the instructions the tiling emits. Only candidates whose regions fit the
SRAM buffers with two slots per streamed role are considered; the cheapest wins, ties
going to fewer instructions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import ceil, prod
from typing import Generic, TypeVar

from interpreter.cost_model import systolic_gemm, transfer_cycles
from npu_dialect.hardware import HardwareConfig, Sram
from transforms.lowering.sram import Demand, align

T = TypeVar("T")

BUFFER_ORDER = ("act", "acc", "weight")
"""Where flexible regions (vector-unit tiles) go first: any buffer serves the vector
unit, and `act` / `acc` are usually the larger ones."""


@dataclass
class Estimate:
    """Work of one candidate tiling, by resource."""

    config: HardwareConfig
    matrix: int = 0
    vector: int = 0
    loads: int = 0
    load_bytes: int = 0
    stores: int = 0
    store_bytes: int = 0
    instructions: int = 0

    def load(self, nbytes: int, count: int = 1) -> None:
        self.loads += count
        self.load_bytes += nbytes * count
        self.instructions += count

    def store(self, nbytes: int, count: int = 1) -> None:
        self.stores += count
        self.store_bytes += nbytes * count
        self.instructions += count

    def gemm(self, m: int, k: int, n: int, groups: int = 1, count: int = 1) -> None:
        matrix = self.config.matrix
        gemm = systolic_gemm(m, k, n, matrix.rows, matrix.cols, matrix.dataflow)
        self.matrix += groups * gemm.cycles * count
        self.instructions += count

    def vector_op(self, op_class: str, elements: int, count: int = 1) -> None:
        vector = self.config.vector
        self.vector += ceil(elements / vector.lanes) * vector.cycles.of(op_class) * count
        self.instructions += count

    @property
    def cycles(self) -> int:
        """The busiest resource: what a pipelined run of the tiles takes."""
        dma, dram = self.config.dma, self.config.dram
        overhead = dma.setup_cycles + dram.latency
        load = self.loads * overhead + transfer_cycles(self.load_bytes, dram.bandwidth)
        store = self.stores * overhead + transfer_cycles(self.store_bytes, dram.bandwidth)
        bus = transfer_cycles(self.load_bytes + self.store_bytes, dram.bandwidth)
        engines = max(load / dma.load_engines, store / dma.store_engines)
        return int(max(self.matrix, self.vector, engines, bus))

    def key(self) -> tuple[int, int]:
        return self.cycles, self.instructions


@dataclass(frozen=True)
class Flexible:
    """A vector-unit region that may go in any buffer: `slots` slots of `nbytes`."""

    nbytes: int
    slots: int = 2


def place(
    config: HardwareConfig, fixed: Sequence[Demand], flexible: Sequence[Flexible]
) -> list[Demand] | None:
    """Buffers for `flexible` regions next to the `fixed` ones, largest first, each in
    the buffer with the most room left; None if something does not fit."""
    placed = _place(config.sram, tuple(fixed), tuple(flexible))
    return None if placed is None else list(placed)


@lru_cache(maxsize=1 << 16)
def _place(
    sram: Sram, fixed: tuple[Demand, ...], flexible: tuple[Flexible, ...]
) -> tuple[Demand, ...] | None:
    alignment = {buffer.name: buffer.alignment for buffer in sram}
    free = {buffer.name: buffer.size for buffer in sram}
    for demand in fixed:
        free[demand.buffer] -= align(max(demand.nbytes, 1), alignment[demand.buffer]) * demand.slots
    if min(free.values()) < 0:
        return None
    placed: list[tuple[int, Demand]] = []
    order = sorted(range(len(flexible)), key=lambda i: -flexible[i].nbytes * flexible[i].slots)
    for index in order:
        region = flexible[index]
        needs = {
            b: align(max(region.nbytes, 1), alignment[b]) * region.slots for b in BUFFER_ORDER
        }
        buffer = max(BUFFER_ORDER, key=lambda b: (free[b] - needs[b], -BUFFER_ORDER.index(b)))
        free[buffer] -= needs[buffer]
        if free[buffer] < 0:
            return None
        placed.append((index, Demand(buffer, region.nbytes, region.slots)))
    return (*fixed, *(demand for _, demand in sorted(placed, key=lambda p: p[0])))


def split_sizes(total: int, tile: int) -> list[tuple[int, int]]:
    """[(size, count)] of the tiles of `tile` covering `total` (the last may be short)."""
    full, rest = divmod(total, tile)
    sizes = [(tile, full)] if full else []
    if rest:
        sizes.append((rest, 1))
    return sizes


def candidate_sizes(total: int, steps: Iterable[int] = ()) -> list[int]:
    """Tile sizes worth trying along a dim of `total`: the whole dim, its halves,
    quarters, ... and the given steps (e.g. multiples of the array size) below it."""
    sizes = {total}
    parts = 2
    while parts <= total:
        sizes.add(ceil(total / parts))
        parts *= 2
    sizes.update(s for s in steps if 0 < s < total)
    return sorted(sizes, reverse=True)


def even_splits(total: int) -> list[int]:
    """Every tile size that splits `total` into a different number of near-equal
    tiles: ceil(total / k) for k = 1..total (about 2 sqrt(total) values)."""
    return sorted({ceil(total / parts) for parts in range(1, total + 1)}, reverse=True)


def array_multiples(unit: int, total: int) -> list[int]:
    """unit, 2 unit, 4 unit, ... below `total`."""
    values, size = [], unit
    while size < total:
        values.append(size)
        size *= 2
    return values


FILLER_FOLDS = 8
"""Folds `fold_fillers` goes up to: bounds the candidates (a 1x1 kernel of 2048 channels
on 16 rows would otherwise give 127); larger chunks are still among the halves."""


def fold_fillers(unit: int, per_item: int, total: int) -> list[int]:
    """Item counts below `total` whose `per_item * count` rows fill whole folds of an
    array dim of `unit`: the largest count for 1, 2, ... FILLER_FOLDS folds (e.g. the
    input channels of a 3x3 kernel that fill 256 rows: 28, 56, 85, ...)."""
    counts = {folds * unit // per_item for folds in range(1, FILLER_FOLDS + 1)}
    return sorted((c for c in counts if 0 < c < total), reverse=True)


@dataclass
class BoxTiling:
    """Tiles of an n-d iteration space (dims in physical order, outermost first): the
    innermost dims are whole, one dim is split, the outer ones step by one."""

    shape: tuple[int, ...]
    tile: tuple[int, ...]

    def boxes(self) -> Iterable[tuple[tuple[int, ...], tuple[int, ...]]]:
        """(starts, sizes) of every tile, in row-major order of the tiles."""
        counts = [ceil(n / t) for n, t in zip(self.shape, self.tile)]
        for flat in range(prod(counts)):
            index, rest = [], flat
            for count in reversed(counts):
                rest, i = divmod(rest, count)
                index.append(i)
            index.reverse()
            starts = tuple(i * t for i, t in zip(index, self.tile))
            sizes = tuple(min(t, n - s) for t, n, s in zip(self.tile, self.shape, starts))
            yield starts, sizes


def box_tiling(shape: Sequence[int], max_elements: int, max_rank: int) -> BoxTiling:
    """The largest tile of at most `max_elements` elements whose split dim has at most
    `max_rank` dims inside it (the DMA descriptor rank)."""
    shape = tuple(shape)
    rank = len(shape)
    tile = [1] * rank
    inner = 1
    for dim in range(rank - 1, -1, -1):
        if rank - dim > max_rank:
            break
        size = shape[dim]
        if inner * size <= max_elements:
            tile[dim] = size
            inner *= size
            continue
        tile[dim] = max(1, max_elements // inner)
        break
    return BoxTiling(shape, tuple(tile))


@dataclass
class Choice(Generic[T]):
    """The cheapest candidate offered so far (ties: the first)."""

    best: tuple[tuple[int, int], T] | None = None

    def offer(self, estimate: Estimate, candidate: T) -> None:
        key = estimate.key()
        if self.best is None or key < self.best[0]:
            self.best = (key, candidate)

    @property
    def value(self) -> T | None:
        return None if self.best is None else self.best[1]
