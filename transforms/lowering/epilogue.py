"""Epilogue steps: elementwise work on a tile in SRAM, before it is stored.

A `Step` turns the tile of one value into the tile of the next: `nn.relu` of a
convolution's accumulator tile, the residual `nn.add` loading the other operand's
matching tile, `nn.requantize` writing an int8 tile, and so on. A conv or matmul runs
the steps of its fused successors (`fusion`) before it stores, and a standalone
elementwise op is the same chain of steps started from a loaded tile. The
instructions of each step (all bit-exact on integers; on floats the vector unit
rounds once from float64 where the reference rounds in float32, see
docs/lowering.md):

- unary activations and `clamp`: `npu.unary` in place;
- `add`, `sub`, `mul`, `div`, `pow`, `min`, `max`: `npu.binary` with the other
  operand's tile, its size-1 dims broadcast;
- `prelu`: `relu`, `sub`, `mul`, `add` (x >= 0 ? x : slope * x, exactly);
- `batch_norm` (constant parameters): `mul` by the folded scale, `add` the shift;
- `cast`: `npu.convert` (float to integer truncates, as `nn.cast`);
- `requantize`: `npu.requantize`, per channel along the tile's last dim;
- `qadd`: both sides rescaled to i32, `binary add`, rescaled to the result type;
- `quantize`: `binary div` by the scale, `convert` to i32 (nearest even), an exact
  `requantize` adding the zero point;
- `dequantize`: an exact `requantize` subtracting the zero point, `convert` to f32,
  `binary mul` by the scale.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import Protocol

import numpy as np
from xdsl.dialects.builtin import f32, i32
from xdsl.ir import Attribute, Operation, SSAValue

from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import (
    INTEGER_TYPE_NAMES,
    BinaryKind,
    BinaryOp,
    ConvertOp,
    DmaLoadOp,
    NpuInstruction,
    RequantizeOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
    type_name,
)
from transforms.lowering.layout import DramView
from transforms.lowering.program import itemsize
from transforms.lowering.sram import Region
from transforms.lowering.tiling import Flexible

IDENTITY_RESCALE = (1 << 30, 30)
"""Multiplier and shift of an exact `npu.requantize` (y = v)."""


class Lowering(Protocol):
    """What steps need from the function being lowered."""

    config: HardwareConfig

    def view(self, value: SSAValue) -> DramView: ...

    def weight(self, hint: str, array: np.ndarray, element_type: Attribute) -> DramView: ...

    def emit(self, op: NpuInstruction, origin: Operation | None = None) -> NpuInstruction: ...


@dataclass(frozen=True)
class TileBox:
    """The part of a value one tile holds: logical `starts` and `sizes` (1 outside the
    tile dims) and the logical dims the tile's dims are, in tile order."""

    starts: tuple[int, ...]
    sizes: tuple[int, ...]
    dims: tuple[int, ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.sizes[d] for d in self.dims)

    @property
    def rank(self) -> int:
        return len(self.starts)


def operand_shape(
    view_shape: Sequence[int], box: TileBox, full: bool = False
) -> tuple[int, ...]:
    """The tile shape of an operand broadcast to the box's value: its size-1 (or
    missing) dims stay 1, unless `full` asks for the whole box."""
    offset = box.rank - len(view_shape)
    shape = []
    for d in box.dims:
        vd = d - offset
        broadcast = vd < 0 or view_shape[vd] == 1
        shape.append(box.sizes[d] if full or not broadcast else 1)
    return tuple(shape)


def load_operand(
    lowering: Lowering,
    view: DramView,
    box: TileBox,
    region: Region,
    origin: Operation | None,
    full: bool = False,
) -> TileAttr:
    """The operand's tile for `box` in a slot of `region`, loaded unless the slot
    already holds it (e.g. a per-channel constant that only changes with the channel
    tile). Broadcast dims are size 1, or repeated with DMA stride 0 when `full`."""
    offset = box.rank - view.rank
    starts = [0 if view.shape[vd] == 1 else box.starts[vd + offset] for vd in range(view.rank)]
    element = view.element(starts)
    dims, strides = [], []
    for d in box.dims:
        vd = d - offset
        if vd < 0 or view.shape[vd] == 1:
            dims.append(box.sizes[d] if full else 1)
            strides.append(0)
        else:
            dims.append(box.sizes[d])
            strides.append(view.strides[vd])
    key = (view.symbol, element, tuple(dims), tuple(strides))
    address, loaded = region.take(key)
    tile = region.tile(address, dims, view.element_type)
    if not loaded:
        lowering.emit(DmaLoadOp(view.symbol, element, strides, tile), origin)
    return tile


@dataclass
class StepWork:
    """What a step applies to: the lowering, the tile's box and the step's regions."""

    lowering: Lowering
    box: TileBox
    regions: list[Region]
    origin: Operation | None

    def emit(self, op: NpuInstruction) -> None:
        self.lowering.emit(op, self.origin)

    def load(self, view: DramView, region: int) -> TileAttr:
        return load_operand(self.lowering, view, self.box, self.regions[region], self.origin)

    def new_tile(self, region: int, element_type: Attribute, shape: Sequence[int]) -> TileAttr:
        """A tile of `shape` in the next slot of the step's `region`-th region."""
        address, _ = self.regions[region].take()
        return self.regions[region].tile(address, shape, element_type)


def retyped(tile: TileAttr, element_type: Attribute) -> TileAttr:
    """The same bytes seen as another type of the same size (an in-place convert)."""
    return TileAttr(tile.buffer_name, tile.addr, tile.dims, element_type, tile.elem_strides)


class Step(ABC):
    """One elementwise op on the current tile; `op` is its origin."""

    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        """Regions the step needs for tiles up to the size of `box`."""
        return []

    @abstractmethod
    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        """Emit the step's instructions; return the tile holding its result."""


@dataclass
class ConvertStep(Step):
    target: Attribute
    op: Operation | None = None
    truncate: bool = False

    def _in_place(self, source: Attribute) -> bool:
        return itemsize(source) == itemsize(self.target)

    def regions(self, box: TileBox) -> list[Flexible]:
        return [Flexible(prod(box.shape) * itemsize(self.target))]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        if tile.element_type == self.target:
            return tile
        if self._in_place(tile.element_type):
            dest = retyped(tile, self.target)
        else:
            dest = work.new_tile(0, self.target, tile.dims)
        work.emit(ConvertOp(tile, dest, truncate=self.truncate))
        return dest


@dataclass
class UnaryStep(Step):
    kind: UnaryKind
    params: tuple[float, ...]
    op: Operation | None

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        work.emit(UnaryOp(self.kind, tile, tile, self.params))
        return tile


@dataclass
class BinaryStep(Step):
    kind: BinaryKind
    other: DramView
    chain_index: int
    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        size = prod(operand_shape(self.other.shape, box))
        return [Flexible(size * itemsize(self.other.element_type))]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        other = work.load(self.other, 0)
        lhs, rhs = (tile, other) if self.chain_index == 0 else (other, tile)
        work.emit(BinaryOp(self.kind, lhs, rhs, tile))
        return tile


@dataclass
class PreluStep(Step):
    """x >= 0 ? x : slope * x as relu(x) + slope * (x - relu(x)), exact."""

    slope: DramView
    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        size = itemsize(self.slope.element_type)
        slope = prod(operand_shape(self.slope.shape, box))
        return [Flexible(slope * size), Flexible(prod(box.shape) * size)]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        slope = work.load(self.slope, 0)
        positive = work.new_tile(1, tile.element_type, tile.dims)
        work.emit(UnaryOp(UnaryKind.RELU, tile, positive))
        work.emit(BinaryOp(BinaryKind.SUB, tile, positive, tile))
        work.emit(BinaryOp(BinaryKind.MUL, tile, slope, tile))
        work.emit(BinaryOp(BinaryKind.ADD, tile, positive, tile))
        return tile


@dataclass
class RequantizeStep(Step):
    """`npu.requantize` into a new tile; per-channel values along the tile's last dim."""

    target: Attribute
    multiplier: tuple[int, ...]
    shift: tuple[int, ...]
    axis: int
    input_zp: int
    output_zp: int
    double_round: bool
    clamp: tuple[int, int] | None
    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        return [Flexible(prod(box.shape) * itemsize(self.target))]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        multiplier, shift = self.multiplier, self.shift
        if len(multiplier) > 1:
            start, size = work.box.starts[self.axis], work.box.sizes[self.axis]
            multiplier = multiplier[start : start + size]
            shift = shift[start : start + size]
        if itemsize(self.target) == tile.itemsize and type_name(self.target) in INTEGER_TYPE_NAMES:
            dest = retyped(tile, self.target)
        else:
            dest = work.new_tile(0, self.target, tile.dims)
        work.emit(
            RequantizeOp(
                tile,
                dest,
                multiplier,
                shift,
                input_zp=self.input_zp,
                output_zp=self.output_zp,
                double_round=self.double_round,
                clamp=self.clamp,
            )
        )
        return dest


@dataclass
class QAddStep(Step):
    """TFLite/TOSA int8 add: both sides rescaled to i32, added, rescaled back."""

    other: DramView
    chain_index: int
    rescales: tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]
    clamp: tuple[int, int]
    target: Attribute
    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        other = prod(operand_shape(self.other.shape, box))
        elements = prod(box.shape)
        return [
            Flexible(elements * 4),
            Flexible(other),
            Flexible(other * 4),
            Flexible(elements * itemsize(self.target)),
        ]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        other = work.load(self.other, 1)
        mine, theirs = (0, 1) if self.chain_index == 0 else (1, 0)
        total = work.new_tile(0, i32, tile.dims)
        other_wide = work.new_tile(2, i32, other.dims)
        for source, dest, which in ((tile, total, mine), (other, other_wide, theirs)):
            zp, multiplier, shift = self.rescales[which]
            work.emit(RequantizeOp(source, dest, [multiplier], [shift], input_zp=zp))
        work.emit(BinaryOp(BinaryKind.ADD, total, other_wide, total))
        zp, multiplier, shift = self.rescales[2]
        dest = work.new_tile(3, self.target, tile.dims)
        work.emit(
            RequantizeOp(total, dest, [multiplier], [shift], output_zp=zp, clamp=self.clamp)
        )
        return dest


@dataclass
class QuantizeStep(Step):
    scale: DramView
    zero_point: int
    target: Attribute
    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        return [Flexible(4), Flexible(prod(box.shape))]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        scale = work.load(self.scale, 0)
        work.emit(BinaryOp(BinaryKind.DIV, tile, scale, tile))
        wide = retyped(tile, i32)
        work.emit(ConvertOp(tile, wide))
        dest = work.new_tile(1, self.target, tile.dims)
        multiplier, shift = IDENTITY_RESCALE
        work.emit(RequantizeOp(wide, dest, [multiplier], [shift], output_zp=self.zero_point))
        return dest


@dataclass
class DequantizeStep(Step):
    scale: DramView
    zero_point: int
    op: Operation | None

    def regions(self, box: TileBox) -> list[Flexible]:
        return [Flexible(4), Flexible(prod(box.shape) * 4)]

    def apply(self, work: StepWork, tile: TileAttr) -> TileAttr:
        scale = work.load(self.scale, 0)
        if tile.type_name == "i32" and self.zero_point == 0:
            wide = tile
        else:
            wide = work.new_tile(1, i32, tile.dims)
            multiplier, shift = IDENTITY_RESCALE
            work.emit(RequantizeOp(tile, wide, [multiplier], [shift], input_zp=self.zero_point))
        real = retyped(wide, f32)
        work.emit(ConvertOp(wide, real))
        work.emit(BinaryOp(BinaryKind.MUL, real, scale, real))
        return real


def apply_steps(
    lowering: Lowering,
    steps: Sequence[Step],
    regions: Sequence[list[Region]],
    box: TileBox,
    tile: TileAttr,
) -> TileAttr:
    """Run `steps` (each with its regions) on `tile` of `box`; the resulting tile."""
    for step, owned in zip(steps, regions, strict=True):
        tile = step.apply(StepWork(lowering, box, owned, step.op), tile)
    return tile
