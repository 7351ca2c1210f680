"""SRAM regions for one lowered op: each role gets a region of a buffer split into slots.

Consecutive tiles of a role alternate between the slots of its region (two for double
buffering), so the DMA filling one slot can overlap the compute reading the other.
A lowering allocates its regions from address 0 of every buffer: the regions of the
previous op are dead by then, and the tokens order the reuse.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from xdsl.ir import Attribute

from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import TileAttr


def align(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


@dataclass(frozen=True)
class Demand:
    """A region a lowering wants: `slots` slots of `nbytes` bytes in `buffer`."""

    buffer: str
    nbytes: int
    slots: int = 2


def fits(config: HardwareConfig, demands: Iterable[Demand]) -> bool:
    """Whether all `demands` fit in the SRAM buffers at once."""
    used = {buffer.name: 0 for buffer in config.sram}
    for demand in demands:
        alignment = config.sram.buffer(demand.buffer).alignment
        used[demand.buffer] += align(max(demand.nbytes, 1), alignment) * demand.slots
    return all(used[b.name] <= b.size for b in config.sram)


@dataclass
class Region:
    """`slots` equal, aligned slots of one buffer; `take` hands them out in turn and
    remembers what each holds, so a tile already in SRAM is not loaded again."""

    buffer: str
    base: int
    slot_bytes: int
    slots: int
    _next: int = 0
    _contents: list[Hashable | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._contents = [None] * self.slots

    def address(self, slot: int) -> int:
        return self.base + slot * self.slot_bytes

    def take(self, key: Hashable | None = None) -> tuple[int, bool]:
        """(address of a slot for the data named `key`, whether it already holds it).

        A `key` of None never matches: the slot is simply the next one in turn."""
        if key is not None and key in self._contents:
            return self.address(self._contents.index(key)), True
        slot = self._next
        self._next = (self._next + 1) % self.slots
        self._contents[slot] = key
        return self.address(slot), False

    def tile(
        self,
        address: int,
        shape: Sequence[int],
        element_type: Attribute,
        strides: Sequence[int] | None = None,
    ) -> TileAttr:
        return TileAttr(self.buffer, address, shape, element_type, strides)


class SramPlan:
    """Allocates the regions of one lowered op from the start of each buffer."""

    def __init__(self, config: HardwareConfig):
        self.config = config
        self._next = {buffer.name: 0 for buffer in config.sram}

    def region(self, demand: Demand) -> Region:
        buffer = self.config.sram.buffer(demand.buffer)
        slot_bytes = align(max(demand.nbytes, 1), buffer.alignment)
        base = self._next[demand.buffer]
        end = base + slot_bytes * demand.slots
        if end > buffer.size:
            raise ValueError(
                f"SRAM plan overflows buffer '{buffer.name}' ({end} > {buffer.size} bytes)"
            )
        self._next[demand.buffer] = end
        return Region(demand.buffer, base, slot_bytes, demand.slots)
