"""`nn.matmul`, `nn.gemm` and `nn.qmatmul` on the matrix unit (`npu.matmul`).

Every product is brought to the form `out[b..., M, N] = A[b..., M, K] @ B[b..., K, N]`
with views (a transposed operand, a broadcast batch dim and a 1-D operand are strides,
not copies). Output tiles `[m, n]` accumulate over K chunks (`accumulate`), then the
epilogue runs on the accumulator tile: `gemm`'s alpha and beta * C, the bias of
`qmatmul`, the rounding to the result type and the fused elementwise successors.
Constant right-hand sides (the weights of fully-connected layers) are stored
[.., K, N] at compile time, `gemm`'s transposed weights included.

Loop order, chosen by the estimate: row tiles outside (an lhs tile serves every column
tile) or column tiles outside (a weight tile serves every row tile).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, prod
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import f32
from xdsl.ir import Attribute, Operation, SSAValue

from npu_dialect import nn
from npu_dialect.hardware import HardwareConfig
from npu_dialect.nn.quant import QMatmulOp
from npu_dialect.npu import BinaryKind, MatmulOp
from transforms.lowering import dma
from transforms.lowering.conv import accumulator_type, bias_step
from transforms.lowering.epilogue import BinaryStep, ConvertStep, Step, TileBox, apply_steps
from transforms.lowering.fusion import Chain
from transforms.lowering.layout import DramView, element_type, shape
from transforms.lowering.program import itemsize, lowering_error
from transforms.lowering.sram import Demand, SramPlan
from transforms.lowering.tiling import (
    Choice,
    Estimate,
    array_multiples,
    candidate_sizes,
    place,
    split_sizes,
)

if TYPE_CHECKING:
    from transforms.lowering.function import FunctionLowering


@dataclass(frozen=True)
class Product:
    """The canonical form: views of A [b..., M, K], B [b..., K, N], out [b..., M, N]."""

    lhs: DramView
    rhs: DramView
    out: DramView

    @property
    def batch(self) -> tuple[int, ...]:
        return self.out.shape[:-2]

    @property
    def mkn(self) -> tuple[int, int, int]:
        return self.lhs.shape[-2], self.lhs.shape[-1], self.out.shape[-1]


@dataclass(frozen=True)
class MatmulTiling:
    m: int
    k: int
    n: int
    columns_outside: bool
    demands: tuple[Demand, ...]


def _vector_operands(op: Operation) -> tuple[bool, bool]:
    """Which operands of a `matmul` / `qmatmul` are 1-D (numpy promotes them)."""
    if isinstance(op, (nn.MatmulOp, QMatmulOp)):
        return len(shape(op.lhs)) == 1, len(shape(op.rhs)) == 1
    return False, False


def has_vector_operand(op: Operation) -> bool:
    """A 1-D operand: the result lacks a dim of the tiles, so no epilogue is fused."""
    return any(_vector_operands(op))


def _with_batch(view: DramView, batch: tuple[int, ...]) -> DramView:
    """A [.., rows, cols] view with its batch dims broadcast (stride 0) to `batch`."""
    own = view.shape[:-2]
    offset = len(batch) - len(own)
    strides = []
    for d in range(len(batch)):
        od = d - offset
        strides.append(0 if od < 0 or own[od] == 1 else view.strides[od])
    return DramView(
        view.symbol,
        view.offset,
        (*batch, *view.shape[-2:]),
        (*strides, *view.strides[-2:]),
        view.element_type,
    )


def _as_matrix(view: DramView, is_lhs: bool, transpose: bool = False) -> DramView:
    """A 1-D operand as a matrix (a row for lhs, a column for rhs); `transpose` swaps
    the last two dims."""
    if view.rank == 1:
        (size,), (stride,) = view.shape, view.strides
        shape_, strides = ((1, size), (0, stride)) if is_lhs else ((size, 1), (stride, 0))
        return DramView(view.symbol, view.offset, shape_, strides, view.element_type)
    if transpose:
        return view.permuted((*range(view.rank - 2), view.rank - 1, view.rank - 2))
    return view


def _rhs(lowering: FunctionLowering, value: SSAValue, transpose: bool) -> DramView:
    """The rhs as a [.., K, N] view: a 1-D constant is stored as a column; the
    transposed `b` of a gemm is contiguous when nn-assign-layout stored it [K, N]."""
    array = lowering.constant(value)
    if array is not None and np.ndim(array) == 1:
        column = np.asarray(array).reshape(-1, 1)
        return lowering.weight(value.name_hint or "weight", column, element_type(value))
    return _as_matrix(lowering.view(value), False, transpose)


def _product(lowering: FunctionLowering, op: Operation, out: DramView) -> Product:
    if isinstance(op, nn.GemmOp):
        lhs = _as_matrix(lowering.view(op.a), True, bool(op.trans_a.value.data))
        rhs = _rhs(lowering, op.b, bool(op.trans_b.value.data))
    else:
        lhs = _as_matrix(lowering.view(op.operands[0]), True)
        rhs = _rhs(lowering, op.operands[1], False)
    lhs_vector, rhs_vector = _vector_operands(op)
    result_shape = shape(op.results[0])
    batch = result_shape[: len(result_shape) - (not lhs_vector) - (not rhs_vector)]
    # A 1-D operand's missing result dim has size 1: any positive stride addresses it.
    m_stride = 1 if lhs_vector else out.strides[len(batch)]
    n_stride = 1 if rhs_vector else out.strides[-1]
    matrix_out = DramView(
        out.symbol,
        out.offset,
        (*batch, lhs.shape[-2], rhs.shape[-1]),
        (*out.strides[: len(batch)], m_stride, n_stride),
        out.element_type,
    )
    return Product(_with_batch(lhs, batch), _with_batch(rhs, batch), matrix_out)


def choose_tiling(
    config: HardwareConfig,
    p: Product,
    in_bytes: int,
    out_bytes: int,
    steps: list[Step],
) -> MatmulTiling | None:
    choice: Choice[MatmulTiling] = Choice()
    m, k, n = p.mkn
    batches = prod(p.batch)
    for n_t in candidate_sizes(n, array_multiples(config.matrix.cols, n)):
        for k_t in candidate_sizes(k, array_multiples(config.matrix.rows, k)):
            weight_slots = 1 if ceil(n / n_t) * ceil(k / k_t) == 1 else 2
            for m_t in candidate_sizes(m, array_multiples(config.matrix.rows, m)):
                fixed = [
                    Demand("act", m_t * k_t * in_bytes),
                    Demand("weight", k_t * n_t * in_bytes, weight_slots),
                    Demand("acc", m_t * n_t * 4),
                ]
                box = TileBox((0, 0), (m_t, n_t), (0, 1))
                demands = place(config, fixed, [r for s in steps for r in s.regions(box)])
                if demands is None:
                    continue
                sizes = (m, k, n, m_t, k_t, n_t)
                for outside in (False, True):
                    estimate = _estimate(
                        config, sizes, batches, in_bytes, out_bytes, outside, len(steps)
                    )
                    tiling = MatmulTiling(m_t, k_t, n_t, outside, tuple(demands))
                    choice.offer(estimate, tiling)
    return choice.value


def _estimate(
    config: HardwareConfig,
    sizes: tuple[int, int, int, int, int, int],
    batches: int,
    in_bytes: int,
    out_bytes: int,
    columns_outside: bool,
    steps: int,
) -> Estimate:
    m, k, n, m_t, k_t, n_t = sizes
    estimate = Estimate(config)
    n_m, n_k, n_n = ceil(m / m_t), ceil(k / k_t), ceil(n / n_t)
    for m_size, m_count in split_sizes(m, m_t):
        for n_size, n_count in split_sizes(n, n_t):
            tiles = batches * m_count * n_count
            for k_size, k_count in split_sizes(k, k_t):
                estimate.gemm(m_size, k_size, n_size, 1, tiles * k_count)
            estimate.store(m_size * n_size * out_bytes, tiles)
            estimate.vector_op("binary", m_size * n_size, tiles * max(1, steps))
    # A region keeps its last two tiles: a tile is loaded once while the tiles the
    # loops cycle through fit its two slots, else every time it comes round again.
    if columns_outside:
        rhs_loads = batches * n_n * n_k * (1 if n_k <= 2 else n_m)
        lhs_loads = batches * n_m * n_k * (1 if n_m * n_k <= 2 else n_n)
    else:
        lhs_loads = batches * n_m * n_k * (1 if n_k <= 2 else n_n)
        rhs_loads = batches * n_n * n_k * (1 if n_n * n_k <= 2 else n_m)
    estimate.load(m_t * k_t * in_bytes, lhs_loads)
    estimate.load(k_t * n_t * in_bytes, rhs_loads)
    return estimate


def _prologue(
    lowering: FunctionLowering, op: Operation, acc_type: Attribute, rank: int
) -> list[Step]:
    """gemm's alpha and beta * C, qmatmul's bias, then rounding to the result type."""
    steps: list[Step] = []
    if isinstance(op, nn.GemmOp):
        alpha, beta = op.alpha.value.data, op.beta.value.data
        if alpha != 1:
            scale = lowering.weight("alpha", np.full((1,), alpha, np.float32), f32)
            view = DramView(scale.symbol, 0, (1, 1), (0, 0), f32)
            steps.append(BinaryStep(BinaryKind.MUL, view, 0, op))
        if op.c is not None:
            array = lowering.constant(op.c)
            assert array is not None  # a run-time C sends the op to the host
            c = np.asarray(array).astype(np.float32)
            if beta != 1:
                c = np.float32(beta) * c
            hint = f"{op.c.name_hint or 'c'}_acc"
            steps.append(BinaryStep(BinaryKind.ADD, lowering.weight(hint, c, acc_type), 0, op))
    elif isinstance(op, QMatmulOp) and op.bias is not None:
        steps.append(bias_step(lowering, op, op.bias, acc_type, rank, rank - 1))
    result_type = element_type(op.results[0])
    if result_type != acc_type:
        steps.append(ConvertStep(result_type, op))
    return steps


def lower_matmul(lowering: FunctionLowering, chain: Chain) -> None:
    op = chain.head
    in_type = element_type(op.operands[0])
    acc_type = accumulator_type(lowering, op, in_type)
    out = lowering.result_home(chain.result, row_major=True)
    product = _product(lowering, op, out)
    rank = len(shape(op.results[0]))
    steps = _prologue(lowering, op, acc_type, rank) + chain.steps
    out_bytes = itemsize(element_type(chain.result))
    tiling = choose_tiling(lowering.config, product, itemsize(in_type), out_bytes, steps)
    if tiling is None:
        config = lowering.config.name
        raise lowering_error(op, f"has no tiling that fits the SRAM of config {config}")
    _emit(lowering, chain, product, tiling, steps, acc_type)


def _emit(
    lowering: FunctionLowering,
    chain: Chain,
    p: Product,
    t: MatmulTiling,
    steps: list[Step],
    acc_type: Attribute,
) -> None:
    op = chain.head
    plan = SramPlan(lowering.config)
    act, wgt, acc = (plan.region(d) for d in t.demands[:3])
    flexible = iter([plan.region(d) for d in t.demands[3:]])
    max_box = TileBox((0, 0), (t.m, t.n), (0, 1))
    step_regions = [[next(flexible) for _ in step.regions(max_box)] for step in steps]
    m, k, n = p.mkn
    nb = len(p.batch)
    matrix_dims = (nb, nb + 1)

    def tile(batch: tuple[int, ...], m0: int, m_t: int, n0: int, n_t: int) -> None:
        address, _ = acc.take()
        dest = acc.tile(address, (m_t, n_t), acc_type)
        for index, k0 in enumerate(range(0, k, t.k)):
            k_t = min(t.k, k - k0)
            lhs = dma.load(lowering, act, p.lhs, (*batch, m0, k0), matrix_dims, (m_t, k_t), op)
            rhs = dma.load(lowering, wgt, p.rhs, (*batch, k0, n0), matrix_dims, (k_t, n_t), op)
            lowering.emit(MatmulOp(lhs, rhs, dest, accumulate=index > 0), op)
        box = TileBox((*batch, m0, n0), (*(1,) * nb, m_t, n_t), matrix_dims)
        result = apply_steps(lowering, steps, step_regions, box, dest)
        dma.store(lowering, result, p.out, box.starts, matrix_dims, chain.last)

    rows = [(m0, min(t.m, m - m0)) for m0 in range(0, m, t.m)]
    columns = [(n0, min(t.n, n - n0)) for n0 in range(0, n, t.n)]
    for flat in range(prod(p.batch)):
        batch = tuple(int(i) for i in np.unravel_index(flat, p.batch)) if p.batch else ()
        if t.columns_outside:
            for n0, n_t in columns:
                for m0, m_t in rows:
                    tile(batch, m0, m_t, n0, n_t)
        else:
            for m0, m_t in rows:
                for n0, n_t in columns:
                    tile(batch, m0, m_t, n0, n_t)
