"""Data movement: views for free, DMA copies for the rest.

`reshape`, `flatten`, `squeeze`, `unsqueeze`, `transpose`, `split` and slices with
positive steps are new views of their operand's bytes (`layout.DramView`): no
instruction, the consumers' DMA descriptors absorb them. A reshape of a value that is
not row-major is first copied to a row-major tensor. `concat` copies each input into
its slice of the result, `pad` (constant mode) copies through SRAM with the DMA's
padding. A copy streams tiles through SRAM in the destination's physical order.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Operation

from npu_dialect import nn
from npu_dialect.nn.base import ints
from npu_dialect.npu import FLOAT_TYPE_NAMES, type_name
from transforms.lowering import dma
from transforms.lowering.epilogue import Lowering
from transforms.lowering.layout import DramView, element_type, shape
from transforms.lowering.program import itemsize
from transforms.lowering.sram import Demand, SramPlan
from transforms.lowering.tiling import box_tiling

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering

VIEW_OPS = (
    nn.ReshapeOp,
    nn.FlattenOp,
    nn.SqueezeOp,
    nn.UnsqueezeOp,
    nn.TransposeOp,
    nn.SplitOp,
)
"""Ops whose results are always views of their operand (slices are when steps > 0)."""


def copy(
    lowering: Lowering,
    source: DramView,
    dest: DramView,
    origin: Operation | None,
    pad: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
    pad_value: IntegerAttr | FloatAttr | None = None,
) -> None:
    """dest = source (same logical shape); with `pad` = (low, high) per dim, dest =
    source surrounded by that many `pad_value` elements."""
    if dest.rank == 0:
        source = DramView(source.symbol, source.offset, (1,), (1,), source.element_type)
        dest = DramView(dest.symbol, dest.offset, (1,), (1,), dest.element_type)
    rank = dest.rank
    order = dest.physical_order()
    buffer = max(lowering.config.sram, key=lambda b: b.size)
    element_bytes = itemsize(dest.element_type)
    elements = max(1, (buffer.size // 2 // buffer.alignment * buffer.alignment) // element_bytes)
    tiling = box_tiling([dest.shape[d] for d in order], elements, lowering.config.dma.max_dims)
    region = SramPlan(lowering.config).region(
        Demand(buffer.name, prod(tiling.tile) * element_bytes)
    )
    first = min(p for p in range(rank) if tiling.tile[p] > 1 or p == rank - 1)
    dims = tuple(order[first:])
    low, high = pad if pad is not None else ((0,) * rank, (0,) * rank)
    for starts, sizes in tiling.boxes():
        box_starts, box_sizes = [0] * rank, [1] * rank
        for position, dim in enumerate(order):
            box_starts[dim] = starts[position]
            box_sizes[dim] = sizes[position]
        tile_sizes = tuple(box_sizes[d] for d in dims)
        if pad is None:
            tile = dma.load(lowering, region, source, box_starts, dims, tile_sizes, origin)
        else:
            source_starts, before, after = _inside(box_starts, box_sizes, low, source.shape)
            if any(before[d] + after[d] >= box_sizes[d] for d in range(rank) if d not in dims):
                # A box outside the source along a dim that is not a tile dim: all padding.
                pads = [*tile_sizes, *(0,) * len(dims)]
            else:
                pads = [before[d] for d in dims] + [after[d] for d in dims]
            tile = dma.load(
                lowering, region, source, source_starts, dims, tile_sizes, origin, pads, pad_value
            )
        dma.store(lowering, tile, dest, box_starts, dims, origin)


def _inside(
    starts: list[int], sizes: list[int], low: tuple[int, ...], source: tuple[int, ...]
) -> tuple[list[int], list[int], list[int]]:
    """For a box of the padded result: where its part inside the source starts (in the
    source), and how many padding elements come before and after that part, per dim."""
    source_starts, before, after = [], [], []
    for d, size in enumerate(source):
        begin = starts[d] - low[d]
        end = begin + sizes[d]
        inside_begin = min(max(begin, 0), size)
        inside_end = max(min(end, size), inside_begin)
        source_starts.append(min(inside_begin, max(size - 1, 0)))
        if inside_end > inside_begin:
            before.append(inside_begin - begin)
            after.append(end - inside_end)
        else:
            before.append(sizes[d])
            after.append(0)
    return source_starts, before, after


def lower_movement(lowering: FunctionLowering, op: Operation) -> bool:
    """Lower a data-movement op; False if `op` is not one (or needs the host)."""
    match op:
        case nn.ReshapeOp() | nn.FlattenOp() | nn.SqueezeOp() | nn.UnsqueezeOp():
            source = lowering.view(op.operands[0])
            target = shape(op.results[0])
            view = source.reshaped(target)
            if view is None:
                hint = f"{op.results[0].name_hint or 'reshape'}_rm"
                dense = lowering.scratch(hint, source.shape, source.element_type)
                copy(lowering, source, dense, op)
                view = dense.reshaped(target)
                assert view is not None
            lowering.set_view(op.results[0], view)
        case nn.TransposeOp():
            lowering.set_view(op.results[0], lowering.view(op.input).permuted(ints(op.perm)))
        case nn.SplitOp():
            source = lowering.view(op.input)
            axis = op.axis.value.data
            start = 0
            for result, size in zip(op.results, ints(op.sizes)):
                starts = [0] * source.rank
                starts[axis] = start
                steps = (1,) * source.rank
                lowering.set_view(result, source.sliced(starts, steps, shape(result)))
                start += size
        case nn.SliceOp() if min(ints(op.steps), default=1) >= 1:
            source = lowering.view(op.input)
            view = source.sliced(ints(op.starts), ints(op.steps), shape(op.results[0]))
            lowering.set_view(op.results[0], view)
        case nn.ConcatOp():
            out = lowering.result_home(op.results[0])
            axis = op.axis.value.data
            start = 0
            for operand in op.operands:
                part = shape(operand)
                starts = [0] * out.rank
                starts[axis] = start
                target = out.sliced(starts, (1,) * out.rank, part)
                copy(lowering, lowering.view(operand), target, op)
                start += part[axis]
        case nn.PadOp() if op.mode.data == "constant":
            out = lowering.result_home(op.results[0])
            pads = ints(op.pads)
            value_type = element_type(op.results[0])
            value = op.value.value.data
            if type_name(value_type) in FLOAT_TYPE_NAMES:
                pad_value: IntegerAttr | FloatAttr = FloatAttr(value, value_type)
            else:
                pad_value = IntegerAttr(int(value), value_type)
            rank = out.rank
            low_high = (tuple(pads[:rank]), tuple(pads[rank:]))
            copy(lowering, lowering.view(op.input), out, op, low_high, pad_value)
        case _:
            return False
    return True
