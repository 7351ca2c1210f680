"""Vector-unit lowerings: which op goes where, and elementwise chains.

Every op here streams tiles through SRAM with two slots per role: load, compute on the
vector unit, store. Streaming ops take the largest tile that fits (a bigger tile only
saves DMA setup and latency). An elementwise chain (its head and the single-user
elementwise ops after it, `epilogue`) loads the head's operand tile at the result's
shape (a broadcast operand repeated by stride-0 DMA dims), applies every step and
stores once. Pooling is in `pooling`, softmax, layer norm and reductions in `rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod
from typing import TYPE_CHECKING

from xdsl.ir import Operation, SSAValue

from npu_dialect import nn
from npu_dialect.nn.quant import RequantizeOp as NNRequantizeOp
from npu_dialect.npu import type_name
from transforms.lowering import dma, pooling, rows
from transforms.lowering.epilogue import Lowering, Step, TileBox, apply_steps, load_operand
from transforms.lowering.fusion import Chain, make_step
from transforms.lowering.layout import element_type, is_vector_type, shape
from transforms.lowering.program import itemsize
from transforms.lowering.sram import Demand, SramPlan
from transforms.lowering.tiling import BoxTiling, Flexible, box_tiling, place

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering


def chain_operand(op: Operation) -> SSAValue | None:
    """The operand an elementwise head's tile is loaded from: the first with the
    result's shape, else the first operand (loaded broadcast)."""
    if not op.operands or len(op.results) != 1:
        return None
    result_shape = shape(op.results[0])
    only_first = isinstance(op, (nn.PreluOp, nn.BatchNormOp))
    candidates = [op.operands[0]] if only_first else op.operands
    for operand in candidates:
        if shape(operand) == result_shape:
            return operand
    return candidates[0]


def _requantize_axis(op: Operation) -> int | None:
    """The axis of a per-channel `nn.requantize` head, which its tiles must end with."""
    if isinstance(op, NNRequantizeOp) and len(op.multiplier.get_values()) > 1:
        return op.axis.value.data
    return None


def head_steps(lowering: Lowering, op: Operation) -> list[Step] | None:
    """The steps of an elementwise head applied to its loaded operand tile, or None if
    `op` is not an elementwise op the vector unit computes (see `epilogue`)."""
    if isinstance(op, nn.SoftmaxOp) or not op.results or not shape(op.results[0]):
        return None
    operand = chain_operand(op)
    if operand is None:
        return None
    return make_step(lowering, op, operand, _requantize_axis(op), head=True)


def lower_vector(lowering: FunctionLowering, chain: Chain) -> bool:
    """Lower `chain` on the vector unit; False if its head is not a vector op."""
    op = chain.head
    types = [element_type(v) for v in (*op.operands, *op.results)]
    if not all(type_name(t) for t in types):
        return False
    if not isinstance(op, nn.CastOp) and not all(is_vector_type(t) for t in types):
        return False  # fp8 is a storage type: only conversions and products take it
    match op:
        case nn.MaxPool2DOp() | nn.AvgPool2DOp():
            return pooling.lower_pool(lowering, op)
        case nn.GlobalAvgPoolOp():
            return pooling.lower_global_avg_pool(lowering, op)
        case nn.SoftmaxOp():
            return rows.lower_softmax(lowering, op)
        case nn.LayerNormOp():
            return rows.lower_layer_norm(lowering, op)
        case nn.ReduceSumOp() | nn.ReduceMeanOp() | nn.ReduceMaxOp():
            return rows.lower_reduce(lowering, op)
    steps = head_steps(lowering, op)
    if steps is None:
        return False
    _elementwise(lowering, chain, steps + chain.steps)
    return True


def tile_box(
    tiling: BoxTiling, order: Sequence[int], starts: Sequence[int], sizes: Sequence[int]
) -> TileBox:
    """The logical TileBox of a box of `tiling` (dims in physical `order`): the tile dims
    run from the split dim to the innermost one, the dims outside step by one."""
    rank = len(order)
    logical_starts, logical_sizes = [0] * rank, [1] * rank
    for position, dim in enumerate(order):
        logical_starts[dim] = starts[position]
        logical_sizes[dim] = sizes[position]
    first = min(p for p in range(rank) if tiling.tile[p] > 1 or p == rank - 1)
    return TileBox(tuple(logical_starts), tuple(logical_sizes), tuple(order[first:]))


def largest_tiling(
    lowering: Lowering,
    shape_: Sequence[int],
    order: Sequence[int],
    regions_for: Callable[[TileBox], list[Flexible]],
) -> tuple[BoxTiling, list[Demand]]:
    """The largest box tiling of `shape_` (dims in physical `order`) whose regions fit."""
    config = lowering.config
    physical = [shape_[d] for d in order]
    elements = min(prod(physical), max(buffer.size for buffer in config.sram))
    while True:
        tiling = box_tiling(physical, elements, config.dma.max_dims)
        box = tile_box(tiling, order, (0,) * len(physical), tiling.tile)
        demands = place(config, [], regions_for(box))
        if demands is not None or elements == 1:
            break
        elements = max(1, elements * 3 // 4)
    if demands is None:
        raise ValueError(f"no tile of {list(shape_)} fits the SRAM of config {config.name}")
    return tiling, demands


def _elementwise(lowering: FunctionLowering, chain: Chain, steps: list[Step]) -> None:
    op = chain.head
    operand = chain_operand(op)
    assert operand is not None
    out = lowering.result_home(chain.result)
    order = list(out.physical_order())
    axis = _requantize_axis(op)
    if axis is not None:
        order.remove(axis)
        order.append(axis)
    source = lowering.view(operand)
    source_bytes = itemsize(source.element_type)

    def regions_for(box: TileBox) -> list[Flexible]:
        loaded = Flexible(prod(box.shape) * source_bytes)
        return [loaded, *(region for step in steps for region in step.regions(box))]

    tiling, demands = largest_tiling(lowering, shape(op.results[0]), order, regions_for)
    plan = SramPlan(lowering.config)
    source_region, *rest = (plan.region(d) for d in demands)
    flexible = iter(rest)
    max_box = tile_box(tiling, order, (0,) * len(order), tiling.tile)
    step_regions = [[next(flexible) for _ in step.regions(max_box)] for step in steps]
    for starts, sizes in tiling.boxes():
        box = tile_box(tiling, order, starts, sizes)
        tile = load_operand(lowering, source, box, source_region, op, full=True)
        tile = apply_steps(lowering, steps, step_regions, box, tile)
        dma.store(lowering, tile, out, box.starts, box.dims, chain.last)
