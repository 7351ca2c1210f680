"""Depthwise convolution on the vector unit, the alternative to grouped `npu.conv2d`.

A depthwise convolution (one input channel per group, one output channel per input
channel) is a poor fit for a systolic array: each group is a GEMM with K = KH*KW and
N = 1, so every group pays the array's fill and drain for a handful of MACs. On the
vector unit it is KH*KW multiply-adds over whole `[ho, wo, c]` tiles: the window tile
is widened to the accumulator type once, and each kernel cell reads it through a
strided view (row stride `sh * cols`, column stride `sw`), is multiplied by that
cell's `[1, 1, c]` weight row and added to the accumulator. `conv.lower_conv` costs
both ways with the cost model's formulas and takes the cheaper.

Exactness: on integers every product and sum is exact i32 arithmetic, as in
`npu.conv2d`. On floats the products of f16/bf16/fp8 values are exact in f32 and the
sum is taken cell by cell in f32, the order in which the reference kernel sums
depthwise cells.

The window and weight tiles pad their channel stride to a multiple of every buffer's
alignment, so that each kernel cell's view starts on an aligned address.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Attribute

from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import BinaryKind, BinaryOp, ConvertOp, DmaLoadOp, TileAttr, type_name
from transforms.lowering import dma
from transforms.lowering.epilogue import Step, TileBox, apply_steps
from transforms.lowering.fusion import Chain
from transforms.lowering.layout import HWC, DramView
from transforms.lowering.sram import Demand, SramPlan, align
from transforms.lowering.tiling import (
    Choice,
    Estimate,
    Flexible,
    candidate_sizes,
    place,
    split_sizes,
)

if TYPE_CHECKING:
    from transforms.lowering.conv import ConvShape
    from transforms.lowering.function import FunctionLowering

@dataclass(frozen=True)
class DepthwiseTiling:
    ho: int
    wo: int
    c: int
    padded: int
    """Channel stride of the window and weight tiles (c rounded up for alignment)."""
    demands: tuple[Demand, ...]
    estimate: Estimate


def padded_channels(config: HardwareConfig, channels: int) -> int:
    """`channels` rounded up so that a row of 4-byte values is a multiple of every
    buffer's alignment."""
    unit = max(buffer.alignment for buffer in config.sram)
    return align(channels * 4, unit) // 4


def choose_tiling(
    config: HardwareConfig, s: ConvShape, steps: list[Step]
) -> DepthwiseTiling | None:
    choice: Choice[DepthwiseTiling] = Choice()
    cells = s.kh * s.kw
    for c_t in candidate_sizes(s.c):
        padded = padded_channels(config, c_t)
        for ho_t in candidate_sizes(s.ho):
            for wo_t in candidate_sizes(s.wo):
                window = s.window(ho_t, 0) * s.window(wo_t, 1) * padded
                elements = ho_t * wo_t * c_t
                box = TileBox((0, 0, 0, 0), (1, c_t, ho_t, wo_t), HWC)
                flexible = [
                    Flexible(window * s.in_bytes),
                    Flexible(window * 4),
                    Flexible(cells * padded * 4, 1 if c_t == s.c else 2),
                    Flexible(elements * 4),
                    Flexible(elements * 4),
                    *(region for step in steps for region in step.regions(box)),
                ]
                demands = place(config, [], flexible)
                if demands is None:
                    continue
                estimate = _estimate(config, s, ho_t, wo_t, c_t, len(steps))
                tiling = DepthwiseTiling(ho_t, wo_t, c_t, padded, tuple(demands), estimate)
                choice.offer(estimate, tiling)
    return choice.value


def _estimate(
    config: HardwareConfig, s: ConvShape, ho_t: int, wo_t: int, c_t: int, steps: int
) -> Estimate:
    estimate = Estimate(config)
    cells = s.kh * s.kw
    for h_size, h_count in split_sizes(s.ho, ho_t):
        for w_size, w_count in split_sizes(s.wo, wo_t):
            for c_size, c_count in split_sizes(s.c, c_t):
                tiles = s.n * h_count * w_count * c_count
                window = s.window(h_size, 0) * s.window(w_size, 1) * c_size
                out = h_size * w_size * c_size
                estimate.load(window * s.in_bytes, tiles)
                estimate.vector_op("convert", window, tiles)
                estimate.vector_op("binary", out, tiles * (2 * cells - 1 + steps))
                estimate.store(out * s.out_bytes, tiles)
    if c_t == s.c:
        estimate.load(cells * c_t * 4)
    else:
        tiles = s.n * ceil(s.ho / ho_t) * ceil(s.wo / wo_t) * ceil(s.c / c_t)
        estimate.load(cells * c_t * 4, tiles)
    return estimate


def weights_view(
    lowering: FunctionLowering, array: np.ndarray, acc_type: Attribute, hint: str
) -> DramView:
    """[C, 1, KH, KW] weights as [KH, KW, C] in the accumulator type (exact)."""
    relaid = np.ascontiguousarray(np.transpose(array[:, 0], (1, 2, 0)))
    dtype = np.int32 if type_name(acc_type) == "i32" else np.float32
    return lowering.weight(f"{hint}_dw", relaid.astype(dtype), acc_type)


def emit(
    lowering: FunctionLowering,
    chain: Chain,
    s: ConvShape,
    t: DepthwiseTiling,
    steps: list[Step],
    weights: DramView,
    pad_value: IntegerAttr | FloatAttr,
    acc_type: Attribute,
) -> None:
    op = chain.head
    plan = SramPlan(lowering.config)
    raw_r, wide_r, weight_r, acc_r, tmp_r, *rest = (plan.region(d) for d in t.demands)
    flexible = iter(rest)
    max_box = TileBox((0, 0, 0, 0), (1, t.c, t.ho, t.wo), HWC)
    step_regions = [[next(flexible) for _ in step.regions(max_box)] for step in steps]
    x = lowering.view(op.operands[0])
    out = lowering.result_home(chain.result)
    sh, sw = s.strides
    dh, dw = s.dilations
    padded = t.padded
    for n in range(s.n):
        for ho0 in range(0, s.ho, t.ho):
            ho_t = min(t.ho, s.ho - ho0)
            for wo0 in range(0, s.wo, t.wo):
                wo_t = min(t.wo, s.wo - wo0)
                rows, cols = s.windows(ho0, ho_t, wo0, wo_t)
                strides = (cols.size * padded, padded, 1)
                for c0 in range(0, s.c, t.c):
                    c_t = min(t.c, s.c - c0)
                    shape = (rows.size, cols.size, c_t)
                    raw = TileAttr(raw_r.buffer, raw_r.take()[0], shape, x.element_type, strides)
                    dma.load_window(lowering, raw, x, n, c0, rows, cols, pad_value, op)
                    wide = TileAttr(wide_r.buffer, wide_r.take()[0], shape, acc_type, strides)
                    lowering.emit(ConvertOp(raw, wide), op)
                    address, loaded = weight_r.take(("depthwise", c0))
                    kernel_strides = (s.kw * padded, padded, 1)
                    kernel = TileAttr(
                        weight_r.buffer, address, (s.kh, s.kw, c_t), acc_type, kernel_strides
                    )
                    if not loaded:
                        element, dram_strides = weights.descriptor((0, 0, c0), (0, 1, 2))
                        load = DmaLoadOp(weights.symbol, element, dram_strides, kernel)
                        lowering.emit(load, op)
                    dims = (ho_t, wo_t, c_t)
                    acc = TileAttr(acc_r.buffer, acc_r.take()[0], dims, acc_type)
                    tmp = TileAttr(tmp_r.buffer, tmp_r.take()[0], dims, acc_type)
                    view_strides = (sh * cols.size * padded, sw * padded, 1)
                    for i in range(s.kh):
                        for j in range(s.kw):
                            offset = ((i * dh) * cols.size + j * dw) * padded * 4
                            cell = TileAttr(
                                wide.buffer_name, wide.addr + offset, dims, acc_type, view_strides
                            )
                            row_address = kernel.addr + (i * s.kw + j) * padded * 4
                            row = TileAttr(kernel.buffer_name, row_address, (1, 1, c_t), acc_type)
                            first = i == 0 and j == 0
                            product = BinaryOp(BinaryKind.MUL, cell, row, acc if first else tmp)
                            lowering.emit(product, op)
                            if not first:
                                lowering.emit(BinaryOp(BinaryKind.ADD, acc, tmp, acc), op)
                    box = TileBox((n, c0, ho0, wo0), (1, c_t, ho_t, wo_t), HWC)
                    tile = apply_steps(lowering, steps, step_regions, box, acc)
                    dma.store(lowering, tile, out, box.starts, HWC, chain.last)
