"""DMA instructions: n-d strided copies between a DRAM tensor and an SRAM tile.

The DRAM side of a descriptor is a DRAM tensor symbol, an element offset and one
element stride per tile dimension; the tile gives the sizes. A load may pad: the
outer `pad` elements of each dimension are filled with `pad_value` instead of being
read, which is how convolution windows at image borders are fetched (no im2col and
no padded copy of the input in DRAM).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    SymbolRefAttr,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from npu_dialect.npu.attributes import DramKind, TileAttr, strides_overlap, type_name
from npu_dialect.npu.program import DramOp, NpuInstruction, Target


def _array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def _check_descriptor(
    target: Target,
    tile: TileAttr,
    tensor: DramOp,
    offset: int,
    strides: tuple[int, ...],
    box: tuple[int, ...],
    min_stride: int,
) -> None:
    """The DRAM side of a descriptor: types, rank, strides and bounds."""
    name = f"@{tensor.sym_name.data}"
    if tile.type_name != type_name(tensor.element_type):
        raise VerifyException(
            f"tile element type {tile.type_name} differs from {tensor.element_type} of {name}"
        )
    if len(strides) != tile.rank:
        raise VerifyException(
            f"{len(strides)} DRAM strides given for a rank-{tile.rank} tile"
        )
    max_dims = target.config.dma.max_dims
    if tile.rank > max_dims:
        raise VerifyException(
            f"descriptor of rank {tile.rank} exceeds the {max_dims} dimensions the DMA "
            f"engines of config {target.config.name} support"
        )
    if any(s < min_stride for s in strides):
        raise VerifyException(f"DRAM strides {list(strides)} must be >= {min_stride}")
    if offset < 0:
        raise VerifyException(f"DRAM offset {offset} into {name} is negative")
    if min(box) > 0:
        last = offset + sum((n - 1) * s for n, s in zip(box, strides))
        if last >= tensor.num_elements:
            raise VerifyException(
                f"descriptor reaches element {last} of {name}, which has "
                f"{tensor.num_elements} elements"
            )


@irdl_op_definition
class DmaLoadOp(NpuInstruction):
    """DRAM -> SRAM: `dest[i] = dram[offset + sum((i_k - pad_lo_k) * strides_k)]`."""

    name = "npu.dma_load"
    ENGINE: ClassVar[str] = "dma_load"

    dram = prop_def(SymbolRefAttr)
    offset = prop_def(IntegerAttr[I64])
    strides = prop_def(DenseArrayBase.constr(i64))
    dest = prop_def(TileAttr)
    pad = opt_prop_def(DenseArrayBase.constr(i64))
    """`[lo_0, ..., lo_{r-1}, hi_0, ..., hi_{r-1}]` elements of each dim not read."""
    pad_value = opt_prop_def(IntegerAttr | FloatAttr)

    assembly_format = (
        "$dram `[` $offset `]` `strides` $strides `->` $dest "
        "(`pad` $pad^ `value` $pad_value)? (`after` $waits^)? attr-dict"
    )

    def __init__(
        self,
        dram: str,
        offset: int,
        strides: Sequence[int],
        dest: TileAttr,
        pad: Sequence[int] | None = None,
        pad_value: IntegerAttr | FloatAttr | None = None,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        super().__init__(
            {
                "dram": SymbolRefAttr(dram),
                "offset": IntegerAttr(offset, 64),
                "strides": _array(strides),
                "dest": dest,
                "pad": _array(pad) if pad is not None else None,
                "pad_value": pad_value,
            },
            waits,
            origin,
        )

    @property
    def pad_lo(self) -> tuple[int, ...]:
        pad = self.pad.get_values() if self.pad is not None else ()
        return tuple(pad[: self.dest.rank]) if pad else (0,) * self.dest.rank

    @property
    def pad_hi(self) -> tuple[int, ...]:
        pad = self.pad.get_values() if self.pad is not None else ()
        return tuple(pad[self.dest.rank :]) if pad else (0,) * self.dest.rank

    @property
    def box(self) -> tuple[int, ...]:
        """The sizes of the region read from DRAM."""
        return tuple(n - lo - hi for n, lo, hi in zip(self.dest.dims, self.pad_lo, self.pad_hi))

    def reads(self) -> tuple[TileAttr, ...]:
        return ()

    def writes(self) -> tuple[TileAttr, ...]:
        return (self.dest,)

    def verify_on(self, target: Target) -> None:
        tile = self.dest
        tensor = target.dram(self.dram)
        target.check_tile(tile, "dest", written=True)
        if self.pad is not None:
            pad = self.pad.get_values()
            if len(pad) != 2 * tile.rank:
                raise VerifyException(
                    f"pad has {len(pad)} entries, expected {2 * tile.rank} "
                    "(low then high padding of each dim)"
                )
            if any(p < 0 for p in pad) or any(n < 0 for n in self.box):
                raise VerifyException(
                    f"pad {list(pad)} must be non-negative and fit tile shape {list(tile.dims)}"
                )
            if self.pad_value is None:
                raise VerifyException("pad needs a pad_value")
            if self.pad_value.type != tile.element_type:
                raise VerifyException(
                    f"pad value type {self.pad_value.type} differs from tile element type "
                    f"{tile.type_name}"
                )
        elif self.pad_value is not None:
            raise VerifyException("pad_value given without pad")
        _check_descriptor(
            target, tile, tensor, self.offset.value.data, self.strides.get_values(), self.box, 0
        )


@irdl_op_definition
class DmaStoreOp(NpuInstruction):
    """SRAM -> DRAM: `dram[offset + sum(i_k * strides_k)] = source[i]`."""

    name = "npu.dma_store"
    ENGINE: ClassVar[str] = "dma_store"

    source = prop_def(TileAttr)
    dram = prop_def(SymbolRefAttr)
    offset = prop_def(IntegerAttr[I64])
    strides = prop_def(DenseArrayBase.constr(i64))

    assembly_format = (
        "$source `->` $dram `[` $offset `]` `strides` $strides (`after` $waits^)? attr-dict"
    )

    def __init__(
        self,
        source: TileAttr,
        dram: str,
        offset: int,
        strides: Sequence[int],
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        super().__init__(
            {
                "source": source,
                "dram": SymbolRefAttr(dram),
                "offset": IntegerAttr(offset, 64),
                "strides": _array(strides),
            },
            waits,
            origin,
        )

    def reads(self) -> tuple[TileAttr, ...]:
        return (self.source,)

    def writes(self) -> tuple[TileAttr, ...]:
        return ()

    def verify_on(self, target: Target) -> None:
        tile = self.source
        tensor = target.dram(self.dram)
        target.check_tile(tile, "source")
        if tensor.kind_enum in (DramKind.INPUT, DramKind.WEIGHT):
            raise VerifyException(
                f"cannot store to {tensor.kind_enum.value} tensor @{tensor.sym_name.data}"
            )
        strides = self.strides.get_values()
        _check_descriptor(target, tile, tensor, self.offset.value.data, strides, tile.dims, 1)
        if strides_overlap(tile.dims, strides):
            raise VerifyException(
                f"DRAM strides {list(strides)} make elements of shape {list(tile.dims)} overlap"
            )
