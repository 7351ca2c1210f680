"""`nn.conv2d` / `nn.qconv2d` as implicit GEMM on the matrix unit (`npu.conv2d`).

Each output tile `[ho, wo, o]` (HWC) accumulates over input-channel chunks: the DMA
loads the input window the tile needs straight from the activation tensor, its border
filled with the padding value (0, or the input zero point of `nn.qconv2d`), so no
im2col matrix or padded copy of the input ever exists. Weights are re-laid out to HWIO
at compile time. Grouped convolutions tile over whole groups and run as `npu.conv2d`
with `groups` (the cost model charges each group's GEMM); a depthwise convolution
takes the vector unit instead when the estimate says it is cheaper (`depthwise`).
The epilogue (bias, the rounding to the result type, fused activations, residual
adds, requantisation) runs on the accumulator tile before the store.

Loop order, chosen by the estimate: output tiles outside and weight tiles inside (an
input window loaded once serves every output-channel tile), or, when all input
channels fit one chunk, weight tiles outside and output tiles inside (each weight
tile loaded once).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, f32, i32
from xdsl.ir import Attribute, Operation, SSAValue

from npu_dialect import nn
from npu_dialect.hardware import ACCUMULATOR_TYPES, HardwareConfig
from npu_dialect.nn.base import ints
from npu_dialect.nn.quant import QConv2DOp
from npu_dialect.npu import BinaryKind, Conv2dOp, DmaLoadOp, TileAttr, type_name
from transforms.lowering import depthwise, dma
from transforms.lowering.epilogue import BinaryStep, ConvertStep, Step, TileBox, apply_steps
from transforms.lowering.fusion import Chain
from transforms.lowering.layout import HWC, DramView, element_type, shape
from transforms.lowering.program import itemsize, lowering_error
from transforms.lowering.sram import Demand, SramPlan
from transforms.lowering.tiling import (
    Choice,
    Estimate,
    Flexible,
    array_multiples,
    candidate_sizes,
    even_splits,
    fold_fillers,
    place,
    split_sizes,
)

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering


@dataclass(frozen=True)
class ConvShape:
    n: int
    c: int
    h: int
    w: int
    o: int
    kh: int
    kw: int
    ho: int
    wo: int
    strides: tuple[int, int]
    dilations: tuple[int, int]
    padding: tuple[int, int, int, int]
    groups: int
    in_bytes: int
    out_bytes: int

    @property
    def group_in(self) -> int:
        return self.c // self.groups

    @property
    def group_out(self) -> int:
        return self.o // self.groups

    def extent(self, dim: int) -> int:
        """Input rows (dim 0) or columns (dim 1) one output reads."""
        return self.dilations[dim] * ((self.kh, self.kw)[dim] - 1) + 1

    def window(self, out_size: int, dim: int) -> int:
        return (out_size - 1) * self.strides[dim] + self.extent(dim)

    def windows(
        self, ho0: int, ho_t: int, wo0: int, wo_t: int
    ) -> tuple[dma.WindowDim, dma.WindowDim]:
        """The input rows and columns the output tile at (ho0, wo0) reads."""
        sh, sw = self.strides
        rows = dma.window_dim(ho0, ho_t, sh, self.extent(0), self.padding[0], self.h)
        cols = dma.window_dim(wo0, wo_t, sw, self.extent(1), self.padding[1], self.w)
        return rows, cols


@dataclass(frozen=True)
class ConvTiling:
    ho: int
    wo: int
    o: int
    """Output channels per tile (whole groups when grouped)."""
    c: int
    """Input channels per chunk (all of a tile's groups when grouped)."""
    weights_outside: bool
    demands: tuple[Demand, ...]
    estimate: Estimate


def _channel_tiles(s: ConvShape, config: HardwareConfig, fallback: bool) -> list[tuple[int, int]]:
    """(o per tile, c per chunk) candidates: the whole dim or multiples of the array's
    columns (rows), since narrower tiles would leave part of the array idle. When none
    of these fits (a weight buffer smaller than a kernel of array-wide channels: 3x3 x
    256 x 256 int8 is 576 KiB, tpu-v1's weight FIFO 256 KiB), the `fallback` adds
    halves down to one channel, and input chunks whose kernel rows `kh * kw * c` fill
    whole folds of the array, so some tiling fits whenever one exists."""
    if s.groups > 1:
        return [(g * s.group_out, g * s.group_in) for g in candidate_sizes(s.groups)]
    matrix = config.matrix
    if not fallback:
        outs = [s.o, *array_multiples(matrix.cols, s.o)]
        ins = [s.c, *array_multiples(matrix.rows, s.c)]
    else:
        outs = candidate_sizes(s.o, array_multiples(matrix.cols, s.o))
        fillers = fold_fillers(matrix.rows, s.kh * s.kw, s.c)
        ins = candidate_sizes(s.c, [*array_multiples(matrix.rows, s.c), *fillers])
    return [(o, c) for o in outs for c in ins]


def choose_tiling(config: HardwareConfig, s: ConvShape, steps: list[Step]) -> ConvTiling | None:
    """The cheapest tiling whose regions fit (see `tiling`), among the array-wide
    channel tiles, else among the fallback ones; None if even one-channel tiles of one
    output pixel do not fit."""
    for fallback in (False, True):
        tiling = _cheapest(config, s, steps, _channel_tiles(s, config, fallback))
        if tiling is not None:
            return tiling
    return None


def _cheapest(
    config: HardwareConfig, s: ConvShape, steps: list[Step], channel_tiles: list[tuple[int, int]]
) -> ConvTiling | None:
    choice: Choice[ConvTiling] = Choice()
    sram = config.sram
    step_regions: dict[tuple[int, int, int], list[Flexible]] = {}
    for o_t, c_t in channel_tiles:
        n_o, n_c = ceil(s.o / o_t), ceil(s.c / c_t)
        k_in = c_t if s.groups == 1 else s.group_in
        weight_bytes = s.kh * s.kw * k_in * o_t * s.in_bytes
        weight_slots = 1 if n_o * n_c == 1 else 2
        if weight_slots * weight_bytes > sram.weight.size:
            continue
        for ho_t in even_splits(s.ho):
            for wo_t in candidate_sizes(s.wo):
                window_bytes = s.window(ho_t, 0) * s.window(wo_t, 1) * c_t * s.in_bytes
                acc_bytes = ho_t * wo_t * o_t * 4
                if 2 * window_bytes > sram.act.size or 2 * acc_bytes > sram.acc.size:
                    continue
                fixed = [
                    Demand("act", window_bytes),
                    Demand("weight", weight_bytes, weight_slots),
                    Demand("acc", acc_bytes),
                ]
                flexible = step_regions.get((o_t, ho_t, wo_t))
                if flexible is None:
                    box = TileBox((0, 0, 0, 0), (1, o_t, ho_t, wo_t), HWC)
                    flexible = [region for step in steps for region in step.regions(box)]
                    step_regions[(o_t, ho_t, wo_t)] = flexible
                demands = place(config, fixed, flexible)
                if demands is None:
                    continue
                for outside in (False, True) if n_c == 1 and n_o > 1 else (False,):
                    estimate = _estimate(config, s, ho_t, wo_t, o_t, c_t, outside, len(steps))
                    tiling = ConvTiling(ho_t, wo_t, o_t, c_t, outside, tuple(demands), estimate)
                    choice.offer(estimate, tiling)
    return choice.value


@lru_cache(maxsize=1 << 16)
def _estimate(
    config: HardwareConfig,
    s: ConvShape,
    ho_t: int,
    wo_t: int,
    o_t: int,
    c_t: int,
    weights_outside: bool,
    steps: int,
) -> Estimate:
    estimate = Estimate(config)
    n_o, n_c = ceil(s.o / o_t), ceil(s.c / c_t)
    for h_size, h_count in split_sizes(s.ho, ho_t):
        for w_size, w_count in split_sizes(s.wo, wo_t):
            tiles = s.n * h_count * w_count
            window = s.window(h_size, 0) * s.window(w_size, 1)
            for o_size, o_count in split_sizes(s.o, o_t):
                if s.groups == 1:
                    for c_size, c_count in split_sizes(s.c, c_t):
                        k = s.kh * s.kw * c_size
                        estimate.gemm(h_size * w_size, k, o_size, 1, tiles * o_count * c_count)
                else:
                    groups = o_size // s.group_out
                    k = s.kh * s.kw * s.group_in
                    estimate.gemm(h_size * w_size, k, s.group_out, groups, tiles * o_count)
                elements = h_size * w_size * o_size
                estimate.store(elements * s.out_bytes, tiles * o_count)
                estimate.vector_op("binary", elements, tiles * o_count * max(1, steps))
            reloads = n_o if n_c > 1 or weights_outside else 1
            estimate.load(window * c_t * s.in_bytes, tiles * n_c * reloads)
    k_in = c_t if s.groups == 1 else s.group_in
    weight_tile = s.kh * s.kw * k_in * o_t * s.in_bytes
    if n_o * n_c == 1:
        estimate.load(weight_tile)
    elif weights_outside:
        estimate.load(weight_tile, n_o * n_c)
    else:
        spatial = s.n * ceil(s.ho / ho_t) * ceil(s.wo / wo_t)
        estimate.load(weight_tile, spatial * n_o * n_c)
    return estimate


def unsupported_message(in_type: Attribute, config: HardwareConfig) -> str:
    return (
        f"operands of type {in_type} are not supported by the matrix unit of config "
        f"{config.name} (supports {', '.join(config.matrix.input_types)}); convert the "
        "model's precision first (nn-convert-precision or nn-quantize)"
    )


def accumulator_type(lowering: FunctionLowering, op: Operation, in_type: Attribute) -> Attribute:
    """The accumulator type of a product's operand type; an error naming the config if
    its matrix unit does not take that type."""
    name = type_name(in_type)
    if not lowering.config.matrix.supports(name):
        raise lowering_error(op, unsupported_message(in_type, lowering.config))
    return i32 if ACCUMULATOR_TYPES[name] == "i32" else f32


def bias_step(
    lowering: FunctionLowering,
    op: Operation,
    bias: SSAValue,
    acc_type: Attribute,
    rank: int,
    axis: int,
) -> Step:
    """`add` of a constant per-channel bias, stored in the accumulator type, broadcast
    along `axis` (a run-time bias sends the op to the host instead)."""
    array = lowering.constant(bias)
    assert array is not None
    if type_name(acc_type) == "i32":
        values = np.asarray(array).astype(np.int64).astype(np.int32)
    else:
        values = np.asarray(array).astype(np.float32)
    weight = lowering.weight(f"{bias.name_hint or 'bias'}_acc", values, acc_type)
    view_shape = tuple(values.size if d == axis else 1 for d in range(rank))
    view_strides = tuple(1 if d == axis else 0 for d in range(rank))
    view = DramView(weight.symbol, 0, view_shape, view_strides, acc_type)
    return BinaryStep(BinaryKind.ADD, view, 0, op)


def lower_conv(lowering: FunctionLowering, chain: Chain) -> None:
    op = chain.head
    assert isinstance(op, (nn.Conv2DOp, QConv2DOp))
    config = lowering.config
    in_type = element_type(op.input)
    acc_type = accumulator_type(lowering, op, in_type)
    n, c, h, w = shape(op.input)
    o, _, kh, kw = shape(op.weight)
    _, _, ho, wo = shape(op.results[0])
    strides, dilations, padding = ints(op.strides), ints(op.dilations), ints(op.padding)
    s = ConvShape(
        n, c, h, w, o, kh, kw, ho, wo,
        (strides[0], strides[1]), (dilations[0], dilations[1]),
        (padding[0], padding[1], padding[2], padding[3]),
        op.groups.value.data, itemsize(in_type), itemsize(element_type(chain.result)),
    )  # fmt: skip
    steps: list[Step] = []
    if op.bias is not None:
        steps.append(bias_step(lowering, op, op.bias, acc_type, 4, 1))
    result_type = element_type(op.results[0])
    if result_type != acc_type:
        steps.append(ConvertStep(result_type, op))
    steps += chain.steps
    tiling = choose_tiling(config, s, steps)
    if isinstance(op, QConv2DOp):
        pad_value: IntegerAttr | FloatAttr = IntegerAttr(op.input_zp.value.data, in_type)
    else:
        pad_value = FloatAttr(0.0, in_type)
    weight_array = lowering.constant(op.weight)
    if s.groups == s.c == s.o and s.groups > 1 and weight_array is not None:
        on_vector = depthwise.choose_tiling(config, s, steps)
        if on_vector is not None and (
            tiling is None or on_vector.estimate.key() < tiling.estimate.key()
        ):
            hint = op.weight.name_hint or "weight"
            weights = depthwise.weights_view(lowering, np.asarray(weight_array), acc_type, hint)
            depthwise.emit(lowering, chain, s, on_vector, steps, weights, pad_value, acc_type)
            return
    if tiling is None:
        raise lowering_error(op, f"has no tiling that fits the SRAM of config {config.name}")
    # [KH, KW, C, O] boxes; contiguous when nn-assign-layout stored the weights HWIO.
    weights = lowering.view(op.weight).permuted((2, 3, 1, 0))
    _emit(lowering, chain, s, tiling, steps, weights, pad_value, acc_type)


def _emit(
    lowering: FunctionLowering,
    chain: Chain,
    s: ConvShape,
    t: ConvTiling,
    steps: list[Step],
    weights: DramView,
    pad_value: IntegerAttr | FloatAttr,
    acc_type: Attribute,
) -> None:
    op = chain.head
    plan = SramPlan(lowering.config)
    act, wgt, acc = (plan.region(d) for d in t.demands[:3])
    flexible = iter([plan.region(d) for d in t.demands[3:]])
    max_box = TileBox((0, 0, 0, 0), (1, t.o, t.ho, t.wo), HWC)
    step_regions = [[next(flexible) for _ in step.regions(max_box)] for step in steps]
    x = lowering.view(op.input)
    out = lowering.result_home(chain.result)

    def window(n: int, ho0: int, ho_t: int, wo0: int, wo_t: int, c0: int, c_t: int) -> TileAttr:
        rows, cols = s.windows(ho0, ho_t, wo0, wo_t)
        address, loaded = act.take(("window", n, ho0, ho_t, wo0, wo_t, c0))
        tile = act.tile(address, (rows.size, cols.size, c_t), x.element_type)
        if not loaded:
            dma.load_window(lowering, tile, x, n, c0, rows, cols, pad_value, op)
        return tile

    def weight_tile(o0: int, o_t: int, c0: int, c_t: int) -> TileAttr:
        k_in = c_t if s.groups == 1 else s.group_in
        address, loaded = wgt.take(("weight", o0, o_t, c0))
        tile = wgt.tile(address, (s.kh, s.kw, k_in, o_t), x.element_type)
        if not loaded:
            start = (0, 0, c0 if s.groups == 1 else 0, o0)
            element, strides = weights.descriptor(start, (0, 1, 2, 3))
            lowering.emit(DmaLoadOp(weights.symbol, element, strides, tile), op)
        return tile

    def output_tile(n: int, ho0: int, ho_t: int, wo0: int, wo_t: int, o0: int, o_t: int) -> None:
        address, _ = acc.take()
        dest = acc.tile(address, (ho_t, wo_t, o_t), acc_type)
        if s.groups == 1:
            chunks = [(c0, min(t.c, s.c - c0)) for c0 in range(0, s.c, t.c)]
            groups = 1
        else:
            groups = o_t // s.group_out
            chunks = [(o0 // s.group_out * s.group_in, groups * s.group_in)]
        for index, (c0, c_t) in enumerate(chunks):
            source = window(n, ho0, ho_t, wo0, wo_t, c0, c_t)
            kernel = weight_tile(o0, o_t, c0, c_t)
            conv = Conv2dOp(
                source, kernel, dest, s.strides, s.dilations, groups, accumulate=index > 0
            )
            lowering.emit(conv, op)
        box = TileBox((n, o0, ho0, wo0), (1, o_t, ho_t, wo_t), HWC)
        tile = apply_steps(lowering, steps, step_regions, box, dest)
        dma.store(lowering, tile, out, box.starts, HWC, chain.last)

    spatial = [
        (n, ho0, min(t.ho, s.ho - ho0), wo0, min(t.wo, s.wo - wo0))
        for n in range(s.n)
        for ho0 in range(0, s.ho, t.ho)
        for wo0 in range(0, s.wo, t.wo)
    ]
    channels = [(o0, min(t.o, s.o - o0)) for o0 in range(0, s.o, t.o)]
    if t.weights_outside:
        for o0, o_t in channels:
            for n, ho0, ho_t, wo0, wo_t in spatial:
                output_tile(n, ho0, ho_t, wo0, wo_t, o0, o_t)
    else:
        for n, ho0, ho_t, wo0, wo_t in spatial:
            for o0, o_t in channels:
                output_tile(n, ho0, ho_t, wo0, wo_t, o0, o_t)
