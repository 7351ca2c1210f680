"""Pooling on the vector unit: `max_pool2d`, `avg_pool2d`, `global_avg_pool`.

Windows are HWC tiles loaded like a convolution's, their border filled by the DMA:
with -inf (or the integer type's minimum) for max pooling, 0 for sums. An average
whose windows all hold KH*KW input cells is `npu.pool avg`; one whose border windows
reach into padding (`count_include_pad` false, or cells only `ceil_mode` reaches) is a
`sum` pool divided by a tile of the per-position counts of cells inside the input,
exactly the reference's divisor. Global average pooling sums row chunks of the whole
spatial window, accumulates them in f32 and divides by H*W.
"""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, f32

from interpreter.kernels.windows import Windows
from npu_dialect import nn
from npu_dialect.nn.base import ints
from npu_dialect.npu import BinaryKind, BinaryOp, ConvertOp, PoolKind, PoolOp, type_name
from transforms.lowering import dma
from transforms.lowering.layout import HWC, shape
from transforms.lowering.program import itemsize
from transforms.lowering.sram import Demand, SramPlan
from transforms.lowering.tiling import (
    Choice,
    Estimate,
    Flexible,
    candidate_sizes,
    place,
    split_sizes,
)

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering

_INTEGER_MIN = {"i8": -128, "ui8": 0, "i16": -32768, "i32": -(2**31)}


def lower_pool(lowering: FunctionLowering, op: nn.MaxPool2DOp | nn.AvgPool2DOp) -> bool:
    """False for dilated max pooling (`npu.pool` has no dilations)."""
    is_max = isinstance(op, nn.MaxPool2DOp)
    if is_max and ints(op.dilations) != (1, 1):
        return False
    x = lowering.view(op.input)
    n, c, h, w = shape(op.input)
    _, _, ho, wo = shape(op.results[0])
    kh, kw = ints(op.kernel)
    sh, sw = ints(op.strides)
    padding = ints(op.padding)
    in_type = x.element_type
    size = itemsize(in_type)
    counts = None
    if is_max:
        kind = PoolKind.MAX
        name = type_name(in_type)
        if name in _INTEGER_MIN:
            pad_value: IntegerAttr | FloatAttr = IntegerAttr(_INTEGER_MIN[name], in_type)
        else:
            pad_value = FloatAttr(float("-inf"), in_type)
    else:
        ceil_mode = bool(op.ceil_mode.value.data)
        windows = Windows(h, w, (kh, kw), (sh, sw), padding, (1, 1), ceil_mode)
        cells = windows.cell_counts(bool(op.count_include_pad.value.data))
        kind = PoolKind.AVG if bool(np.all(cells == kh * kw)) else PoolKind.SUM
        if kind == PoolKind.SUM:
            counts = lowering.weight("pool_counts", cells.astype(np.float32)[:, :, None], in_type)
        pad_value = FloatAttr(0.0, in_type)
    choice: Choice[tuple[int, int, int, list[Demand]]] = Choice()
    for c_t in candidate_sizes(c):
        for ho_t in candidate_sizes(ho):
            for wo_t in candidate_sizes(wo):
                window = ((ho_t - 1) * sh + kh) * ((wo_t - 1) * sw + kw) * c_t
                flexible = [Flexible(window * size), Flexible(ho_t * wo_t * c_t * size)]
                if counts is not None:
                    flexible.append(Flexible(ho_t * wo_t * size))
                demands = place(lowering.config, [], flexible)
                if demands is None:
                    continue
                estimate = Estimate(lowering.config)
                for h_size, h_count in split_sizes(ho, ho_t):
                    for w_size, w_count in split_sizes(wo, wo_t):
                        tiles = n * h_count * w_count * ceil(c / c_t)
                        cells_read = ((h_size - 1) * sh + kh) * ((w_size - 1) * sw + kw)
                        estimate.load(cells_read * c_t * size, tiles)
                        estimate.vector_op("pool", h_size * w_size * c_t * kh * kw, tiles)
                        estimate.store(h_size * w_size * c_t * size, tiles)
                choice.offer(estimate, (c_t, ho_t, wo_t, demands))
    if choice.value is None:
        return False
    c_t, ho_t, wo_t, demands = choice.value
    plan = SramPlan(lowering.config)
    window_r, out_r, *count_r = (plan.region(d) for d in demands)
    out = lowering.result_home(op.results[0])
    for b in range(n):
        for ho0 in range(0, ho, ho_t):
            h_size = min(ho_t, ho - ho0)
            rows = dma.window_dim(ho0, h_size, sh, kh, padding[0], h)
            for wo0 in range(0, wo, wo_t):
                w_size = min(wo_t, wo - wo0)
                cols = dma.window_dim(wo0, w_size, sw, kw, padding[1], w)
                for c0 in range(0, c, c_t):
                    c_size = min(c_t, c - c0)
                    address, _ = window_r.take()
                    source = window_r.tile(address, (rows.size, cols.size, c_size), in_type)
                    dma.load_window(lowering, source, x, b, c0, rows, cols, pad_value, op)
                    address, _ = out_r.take()
                    dest = out_r.tile(address, (h_size, w_size, c_size), in_type)
                    lowering.emit(PoolOp(kind, source, dest, (kh, kw), (sh, sw)), op)
                    if counts is not None:
                        divisor = dma.load(
                            lowering, count_r[0], counts, (ho0, wo0, 0), (0, 1, 2),
                            (h_size, w_size, 1), op,
                        )  # fmt: skip
                        lowering.emit(BinaryOp(BinaryKind.DIV, dest, divisor, dest), op)
                    dma.store(lowering, dest, out, (b, c0, ho0, wo0), HWC, op)
    return True


def lower_global_avg_pool(lowering: FunctionLowering, op: nn.GlobalAvgPoolOp) -> bool:
    x = lowering.view(op.input)
    n, c, h, w = shape(op.input)
    in_type = x.element_type
    size = itemsize(in_type)
    choice: Choice[tuple[int, int, list[Demand]]] = Choice()
    for c_t in candidate_sizes(c):
        for h_t in candidate_sizes(h):
            flexible = [
                Flexible(h_t * w * c_t * size),
                Flexible(c_t * 4),
                Flexible(c_t * 4, 1),
                Flexible(4, 1),
            ]
            demands = place(lowering.config, [], flexible)
            if demands is None:
                continue
            estimate = Estimate(lowering.config)
            tiles = n * ceil(c / c_t) * ceil(h / h_t)
            estimate.load(h_t * w * c_t * size, tiles)
            estimate.vector_op("pool", h_t * w * c_t, tiles)
            estimate.store(c_t * size, n * ceil(c / c_t))
            choice.offer(estimate, (c_t, h_t, demands))
    if choice.value is None:
        return False
    c_t, h_t, demands = choice.value
    plan = SramPlan(lowering.config)
    source_r, partial_r, total_r, divisor_r = (plan.region(d) for d in demands)
    area = lowering.weight("spatial_size", np.full((1, 1, 1), h * w, np.float32), f32)
    out = lowering.result_home(op.results[0])
    for b in range(n):
        for c0 in range(0, c, c_t):
            c_size = min(c_t, c - c0)
            total = total_r.tile(total_r.take()[0], (1, 1, c_size), f32)
            for index, h0 in enumerate(range(0, h, h_t)):
                rows = min(h_t, h - h0)
                source = dma.load(
                    lowering, source_r, x, (b, c0, h0, 0), HWC, (rows, w, c_size), op
                )
                partial = total
                if index > 0:
                    partial = partial_r.tile(partial_r.take()[0], (1, 1, c_size), f32)
                lowering.emit(PoolOp(PoolKind.SUM, source, partial, (rows, w), (1, 1)), op)
                if index > 0:
                    lowering.emit(BinaryOp(BinaryKind.ADD, total, partial, total), op)
            divisor = dma.load(lowering, divisor_r, area, (0, 0, 0), (0, 1, 2), (1, 1, 1), op)
            lowering.emit(BinaryOp(BinaryKind.DIV, total, divisor, total), op)
            result = total
            if in_type != f32:
                result = partial_r.tile(partial_r.take()[0], (1, 1, c_size), in_type)
                lowering.emit(ConvertOp(total, result), op)
            dma.store(lowering, result, out, (b, c0, 0, 0), HWC, op)
    return True
