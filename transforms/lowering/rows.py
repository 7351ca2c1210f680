"""Row-wise vector ops: softmax, layer norm and reductions.

The reduced dims of a value are brought last by a view (a permutation, or the merge
of the contiguous normalised dims of a layer norm), so tiles are `[rows, length]` with
whole rows; the last of the other dims is split into row tiles, the dims before it
step one by one. f16 and bf16 rows are widened to f32 first, where the reference
computes them.

- softmax: `reduce max`, `binary sub`, `unary exp`, `reduce sum`, `unary reciprocal`,
  `binary mul`;
- layer norm: the mean as `reduce sum` then `binary div` by the length (as numpy's
  mean), the variance likewise over the squared centred values, `binary add` epsilon,
  `unary sqrt`, `binary div`, then the scale and bias rows;
- reduce sum / mean / max: one `npu.reduce` per reduced axis, the mean divided by the
  element count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from math import prod
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import Float32Type, f32
from xdsl.ir import Attribute, SSAValue

from npu_dialect import nn
from npu_dialect.nn.base import ints
from npu_dialect.npu import (
    BinaryKind,
    BinaryOp,
    ConvertOp,
    ReduceKind,
    ReduceOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
    type_name,
)
from transforms.lowering import dma
from transforms.lowering.layout import DramView, element_type
from transforms.lowering.program import itemsize
from transforms.lowering.sram import Region, SramPlan
from transforms.lowering.tiling import Flexible, candidate_sizes, place

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering


def _widened(element: Attribute) -> bool:
    """Whether rows of this type are widened to f32 (as the reference computes)."""
    return type_name(element) in ("f16", "bf16")


def _take(region: Region, dims: Sequence[int], element: Attribute) -> TileAttr:
    address, _ = region.take()
    return region.tile(address, dims, element)


def _plan(
    lowering: FunctionLowering,
    outer: Sequence[int],
    regions_for: Callable[[int], list[Flexible]],
) -> tuple[int, list[Region]] | None:
    """The most rows per tile (splitting the last outer dim) whose regions fit."""
    for rows in candidate_sizes(outer[-1]):
        demands = place(lowering.config, [], regions_for(rows))
        if demands is not None:
            plan = SramPlan(lowering.config)
            return rows, [plan.region(d) for d in demands]
    return None


def _row_tiles(outer: Sequence[int], rows: int) -> Iterator[tuple[tuple[int, ...], int, int]]:
    """(index of the leading outer dims, first row, rows) of every row tile."""
    lead = tuple(outer[:-1])
    for flat in range(prod(lead)):
        index = tuple(int(i) for i in np.unravel_index(flat, lead)) if lead else ()
        for row0 in range(0, outer[-1], rows):
            yield index, row0, min(rows, outer[-1] - row0)


def _as_rows(view: DramView, length: int) -> DramView:
    """A rank-1 view as one row (stride 1 on the new dim: valid for loads and stores)."""
    return DramView(view.symbol, view.offset, (1, length), (1, view.strides[0]), view.element_type)


def _merged_rows(view: DramView, axis: int) -> DramView | None:
    """`view` as [outer..., L] with the dims from `axis` on merged, if they are
    contiguous (None otherwise)."""
    inner = view.shape[axis:]
    expected = 1
    for size, stride in reversed(list(zip(inner, view.strides[axis:]))):
        if size != 1 and stride != expected:
            return None
        expected *= size
    return DramView(
        view.symbol,
        view.offset,
        (*view.shape[:axis], prod(inner)),
        (*view.strides[:axis], 1),
        view.element_type,
    )


def lower_softmax(lowering: FunctionLowering, op: nn.SoftmaxOp) -> bool:
    axis = op.axis.value.data
    x = lowering.view(op.input)
    in_type = x.element_type
    length = x.shape[axis]
    perm = [d for d in range(x.rank) if d != axis] + [axis]
    rows_in = _as_rows(x, length) if x.rank == 1 else x.permuted(perm)
    outer = rows_in.shape[:-1]
    wide = _widened(in_type)

    def regions_for(rows: int) -> list[Flexible]:
        regions = [Flexible(rows * length * itemsize(in_type))]
        if wide:
            regions.append(Flexible(rows * length * 4))
        return [*regions, Flexible(rows * 4), Flexible(rows * 4)]

    planned = _plan(lowering, outer, regions_for)
    if planned is None:
        return False
    rows, regions = planned
    source_r, *wide_r, max_r, sum_r = regions
    out = lowering.result_home(op.results[0])
    rows_out = _as_rows(out, length) if x.rank == 1 else out.permuted(perm)
    work_type = f32 if wide else in_type
    dims = (len(outer) - 1, len(outer))
    for index, row0, count in _row_tiles(outer, rows):
        starts = (*index, row0, 0)
        source = dma.load(lowering, source_r, rows_in, starts, dims, (count, length), op)
        tile = source
        if wide:
            tile = _take(wide_r[0], (count, length), f32)
            lowering.emit(ConvertOp(source, tile), op)
        peak = _take(max_r, (count, 1), work_type)
        lowering.emit(ReduceOp(ReduceKind.MAX, tile, peak, 1), op)
        lowering.emit(BinaryOp(BinaryKind.SUB, tile, peak, tile), op)
        lowering.emit(UnaryOp(UnaryKind.EXP, tile, tile), op)
        total = _take(sum_r, (count, 1), work_type)
        lowering.emit(ReduceOp(ReduceKind.SUM, tile, total, 1), op)
        lowering.emit(UnaryOp(UnaryKind.RECIPROCAL, total, total), op)
        lowering.emit(BinaryOp(BinaryKind.MUL, tile, total, tile), op)
        if tile is not source:
            lowering.emit(ConvertOp(tile, source), op)
        dma.store(lowering, source, rows_out, starts, dims, op)
    return True


def _row_parameter(lowering: FunctionLowering, value: SSAValue, length: int) -> DramView | None:
    """A layer-norm parameter as a [1, L] f32 view (converted at compile time when
    constant; a run-time f32 parameter as it is; None otherwise)."""
    array = lowering.constant(value)
    if array is not None:
        hint = value.name_hint or "param"
        return lowering.weight(hint, np.asarray(array, np.float32).reshape(1, length), f32)
    view = _merged_rows(lowering.view(value), 0)
    if view is None or not isinstance(view.element_type, Float32Type):
        return None
    return DramView(view.symbol, view.offset, (1, length), (length, 1), f32)


def lower_layer_norm(lowering: FunctionLowering, op: nn.LayerNormOp) -> bool:
    axis = op.axis.value.data
    x = _merged_rows(lowering.view(op.input), axis)
    if x is None:
        return False
    length = x.shape[-1]
    scale = _row_parameter(lowering, op.scale, length)
    bias = None if op.bias is None else _row_parameter(lowering, op.bias, length)
    if scale is None or (op.bias is not None and bias is None):
        return False
    if x.rank == 1:
        x = _as_rows(x, length)
    in_type = x.element_type
    wide = _widened(in_type)
    constants = lowering.weight(
        "layer_norm_constants", np.array([[length, op.epsilon.value.data]], np.float32), f32
    )

    def regions_for(rows: int) -> list[Flexible]:
        regions = [Flexible(rows * length * itemsize(in_type)), Flexible(rows * length * 4)]
        if wide:
            regions.append(Flexible(rows * length * 4))
        per_row = [Flexible(rows * 4), Flexible(rows * 4)]
        parameters = [Flexible(length * 4), Flexible(length * 4), Flexible(4, 2)]
        return [*regions, *per_row, *parameters]

    outer = x.shape[:-1]
    planned = _plan(lowering, outer, regions_for)
    if planned is None:
        return False
    rows, regions = planned
    source_r, square_r, *wide_r, mean_r, var_r, scale_r, bias_r, const_r = regions
    out = _merged_rows(lowering.result_home(op.results[0], row_major=True), axis)
    assert out is not None
    if out.rank == 1:
        out = _as_rows(out, length)
    dims = (len(outer) - 1, len(outer))
    for index, row0, count in _row_tiles(outer, rows):
        starts = (*index, row0, 0)
        source = dma.load(lowering, source_r, x, starts, dims, (count, length), op)
        tile = source
        if wide:
            tile = _take(wide_r[0], (count, length), f32)
            lowering.emit(ConvertOp(source, tile), op)
        size = dma.load(lowering, const_r, constants, (0, 0), (0, 1), (1, 1), op)
        epsilon = dma.load(lowering, const_r, constants, (0, 1), (0, 1), (1, 1), op)
        mean = _take(mean_r, (count, 1), f32)
        lowering.emit(ReduceOp(ReduceKind.SUM, tile, mean, 1), op)
        lowering.emit(BinaryOp(BinaryKind.DIV, mean, size, mean), op)
        lowering.emit(BinaryOp(BinaryKind.SUB, tile, mean, tile), op)
        square = _take(square_r, (count, length), f32)
        lowering.emit(BinaryOp(BinaryKind.MUL, tile, tile, square), op)
        variance = _take(var_r, (count, 1), f32)
        lowering.emit(ReduceOp(ReduceKind.SUM, square, variance, 1), op)
        lowering.emit(BinaryOp(BinaryKind.DIV, variance, size, variance), op)
        lowering.emit(BinaryOp(BinaryKind.ADD, variance, epsilon, variance), op)
        lowering.emit(UnaryOp(UnaryKind.SQRT, variance, variance), op)
        lowering.emit(BinaryOp(BinaryKind.DIV, tile, variance, tile), op)
        gamma = dma.load(lowering, scale_r, scale, (0, 0), (0, 1), (1, length), op)
        lowering.emit(BinaryOp(BinaryKind.MUL, tile, gamma, tile), op)
        if bias is not None:
            beta = dma.load(lowering, bias_r, bias, (0, 0), (0, 1), (1, length), op)
            lowering.emit(BinaryOp(BinaryKind.ADD, tile, beta, tile), op)
        if tile is not source:
            lowering.emit(ConvertOp(tile, source), op)
        dma.store(lowering, source, out, starts, dims, op)
    return True


def _with_reduced_dims(view: DramView, rank: int, axes: Sequence[int]) -> DramView:
    """A keepdims=false result seen with the reduced dims back, as size 1."""
    shape_, strides = [], []
    kept = iter(zip(view.shape, view.strides))
    for d in range(rank):
        size, stride = (1, 1) if d in axes else next(kept)
        shape_.append(size)
        strides.append(stride)
    return DramView(view.symbol, view.offset, tuple(shape_), tuple(strides), view.element_type)


def lower_reduce(
    lowering: FunctionLowering, op: nn.ReduceSumOp | nn.ReduceMeanOp | nn.ReduceMaxOp
) -> bool:
    """False for integer sums (nn wraps them to the operand type, the vector unit sums
    into i32) and for more reduced axes than a DMA descriptor has dims."""
    axes = ints(op.axes)
    x = lowering.view(op.input)
    in_type = x.element_type
    out_type = element_type(op.results[0])
    is_max = isinstance(op, nn.ReduceMaxOp)
    if not is_max and type_name(in_type) not in ("f32", "f16", "bf16"):
        return False
    if len(axes) + 1 > lowering.config.dma.max_dims:
        return False
    rank = x.rank
    kept = [d for d in range(rank) if d not in axes]
    perm = kept + list(axes)
    rows_in = x.permuted(perm)
    if not kept:
        shape_, strides = (1, *rows_in.shape), (0, *rows_in.strides)
        rows_in = DramView(x.symbol, x.offset, shape_, strides, in_type)
    reduced = tuple(x.shape[a] for a in axes)
    length = prod(reduced)
    outer = rows_in.shape[: rows_in.rank - len(axes)]
    work_type = in_type if is_max else f32

    def regions_for(rows: int) -> list[Flexible]:
        return [
            Flexible(rows * length * itemsize(in_type)),
            Flexible(rows * length * 4),
            Flexible(rows * 4),
            Flexible(4, 1),
        ]

    planned = _plan(lowering, outer, regions_for)
    if planned is None:
        return False
    rows, (source_r, work_r, result_r, const_r) = planned
    out = lowering.result_home(op.results[0])
    if not op.keepdims.value.data:
        out = _with_reduced_dims(out, rank, axes)
    rows_out = out.permuted(perm)
    if not kept:
        shape_, strides = (1, *rows_out.shape), (1, *rows_out.strides)
        rows_out = DramView(out.symbol, out.offset, shape_, strides, out_type)
    count = lowering.weight("reduce_count", np.full((1,), length, np.float32), f32)
    tile_rank = 1 + len(axes)
    count_view = DramView(count.symbol, 0, (1,) * tile_rank, (0,) * tile_rank, f32)
    dims = tuple(range(len(outer) - 1, len(outer) + len(axes)))
    kind = ReduceKind.MAX if is_max else ReduceKind.SUM
    for index, row0, count_rows in _row_tiles(outer, rows):
        starts = (*index, row0, *(0,) * len(axes))
        sizes = (count_rows, *reduced)
        tile = dma.load(lowering, source_r, rows_in, starts, dims, sizes, op)
        current = list(sizes)
        for position in range(1, len(axes) + 1):
            current[position] = 1
            region = work_r if position < len(axes) else result_r
            dest = _take(region, current, work_type)
            lowering.emit(ReduceOp(kind, tile, dest, position), op)
            tile = dest
        if isinstance(op, nn.ReduceMeanOp):
            ones = (1,) * tile_rank
            divisor = dma.load(
                lowering, const_r, count_view, (0,) * tile_rank, range(tile_rank), ones, op
            )
            lowering.emit(BinaryOp(BinaryKind.DIV, tile, divisor, tile), op)
        if tile.element_type != out_type:
            converted = _take(work_r, tile.dims, out_type)
            lowering.emit(ConvertOp(tile, converted), op)
            tile = converted
        dma.store(lowering, tile, rows_out, starts, dims, op)
    return True
