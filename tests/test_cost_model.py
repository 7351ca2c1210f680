"""Every cycle formula of interpreter/cost_model.py and the scheduler, against values
computed by hand from docs/cost_model.md."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import IntegerAttr, bf16, f32, i8, i32

from interpreter.cost_model import (
    Cost,
    dma_load_cost,
    dma_store_cost,
    host_cost,
    instruction_cost,
    matrix_cost,
    systolic_gemm,
    vector_cost,
)
from interpreter.scheduler import SharedBus, schedule
from npu_dialect.hardware import derive_config, load_config
from npu_dialect.npu import (
    BinaryKind,
    BinaryOp,
    Conv2dOp,
    ConvertOp,
    Dataflow,
    DmaLoadOp,
    DmaStoreOp,
    HostOp,
    MatmulOp,
    PoolKind,
    PoolOp,
    ReduceKind,
    ReduceOp,
    RequantizeOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
)
from npu_tools.diagnostics import parse_module
from npu_tools.npu_run import build_context

BASE = load_config("npu-base")  # 32x32 ws, lanes 32, setup 10, latency 200, 32 B/cycle
# npu-base double-buffers its weights; the same array with one weight register per PE.
SERIAL_BASE = derive_config(BASE, {"matrix.weight_double_buffer": False}, "npu-base-serial")


# The systolic array (SCALE-Sim): folds x (2R + C + T - 2).


@pytest.mark.parametrize(
    ("m", "k", "n", "rows", "cols", "dataflow", "folds", "per_fold"),
    [
        # ws: folds = ceil(K/R) * ceil(N/C), T = M.
        (64, 64, 64, 32, 32, "ws", 2 * 2, 2 * 32 + 32 + 64 - 2),
        (100, 70, 40, 32, 32, "ws", 3 * 2, 2 * 32 + 32 + 100 - 2),
        (10, 20, 20, 16, 8, "ws", 2 * 3, 2 * 16 + 8 + 10 - 2),
        (1, 1, 1, 32, 32, "ws", 1, 2 * 32 + 32 + 1 - 2),
        # os: folds = ceil(M/R) * ceil(N/C), T = K.
        (100, 70, 40, 32, 32, "os", 4 * 2, 2 * 32 + 32 + 70 - 2),
        (10, 20, 20, 16, 8, "os", 1 * 3, 2 * 16 + 8 + 20 - 2),
    ],
)
def test_systolic_cycles(
    m: int, k: int, n: int, rows: int, cols: int, dataflow: str, folds: int, per_fold: int
) -> None:
    gemm = systolic_gemm(m, k, n, rows, cols, dataflow)
    assert (gemm.folds, gemm.cycles_per_fold) == (folds, per_fold)
    assert gemm.cycles == folds * per_fold


# Weight double-buffering (ws): fill + (F - 1) * max(T, R) + T + drain, fill = R,
# drain = R + C - 2.


@pytest.mark.parametrize(
    ("m", "k", "n", "rows", "cols", "dataflow", "cycles"),
    [
        # 4 folds, T = 64 >= R = 32: 32 + 3 * 64 + 64 + 62 (serial: 4 * 158 = 632).
        (64, 64, 64, 32, 32, "ws", 350),
        # ResNet-18's 7x7x512 -> 512 3x3 conv, K = 4608: 144 * 16 = 2304 folds of T = 49:
        # 32 + 2303 * 49 + 49 + 62 (serial: 2304 * 143 = 329472).
        (49, 4608, 512, 32, 32, "ws", 112990),
        # 6 folds with T = 10 < R = 16: each fill waits for the one before:
        # 16 + 5 * 16 + 10 + 22 (serial: 6 * 48 = 288).
        (10, 20, 20, 16, 8, "ws", 128),
        # One fold: nothing to overlap, 2R + C + T - 2 as without double-buffering.
        (1, 1, 1, 32, 32, "ws", 95),
        # os keeps no weights in the array: 8 folds x (2 * 32 + 32 + 70 - 2) as before.
        (100, 70, 40, 32, 32, "os", 8 * 164),
    ],
)
def test_systolic_cycles_with_weight_double_buffering(
    m: int, k: int, n: int, rows: int, cols: int, dataflow: str, cycles: int
) -> None:
    gemm = systolic_gemm(m, k, n, rows, cols, dataflow, weight_double_buffer=True)
    assert gemm.cycles == cycles
    serial = systolic_gemm(m, k, n, rows, cols, dataflow)
    assert gemm.folds == serial.folds and gemm.cycles_per_fold == serial.cycles_per_fold
    assert (gemm.cycles == serial.cycles) == (dataflow == "os" or gemm.folds == 1)


def test_double_buffered_groups_are_one_sequence_of_folds() -> None:
    # 3 groups of a 2-fold GEMM (T = 40) on 32x32: 6 folds, 32 + 5 * 40 + 40 + 62;
    # without double-buffering 3 * 2 * (2 * 32 + 32 + 40 - 2).
    gemm = systolic_gemm(40, 64, 16, 32, 32, "ws", weight_double_buffer=True)
    assert gemm.cycles_of(3) == 32 + 5 * 40 + 40 + 62 == 334
    assert systolic_gemm(40, 64, 16, 32, 32, "ws").cycles_of(3) == 3 * 2 * 134


def test_systolic_sram_traffic() -> None:
    # ws on 16x8: 2 row folds of K, 3 column folds of N.
    ws = systolic_gemm(10, 20, 20, 16, 8, "ws")
    assert (ws.lhs_reads, ws.rhs_reads, ws.partial_sums) == (10 * 20 * 3, 20 * 20, 10 * 20 * 2)
    # os: 1 row fold of M, 3 column folds: weights re-read per row fold, outputs once.
    os_ = systolic_gemm(10, 20, 20, 16, 8, "os")
    assert (os_.lhs_reads, os_.rhs_reads, os_.partial_sums) == (10 * 20 * 3, 20 * 20, 10 * 20)


def test_matmul_cost() -> None:
    op = MatmulOp(
        TileAttr("act", 0, [64, 64], i8),
        TileAttr("weight", 0, [64, 64], i8),
        TileAttr("acc", 0, [64, 64], i32),
    )
    cost = matrix_cost(op, BASE)
    # 4 folds, double-buffered: 32 + 3 * max(64, 32) + 64 + 62; serial 4 x 158.
    assert cost.cycles == 350
    assert matrix_cost(op, SERIAL_BASE).cycles == 4 * 158
    assert cost.macs == 64**3
    # lhs 64*64 per column fold (2), rhs once, 2 partial sums per output of which
    # the second reads the first back.
    assert cost.sram_read_bytes == 64 * 64 * 2 + 64 * 64 + 64 * 64 * 4
    assert cost.sram_write_bytes == 64 * 64 * 2 * 4
    assert cost.mac_energy_pj == pytest.approx(64**3 * 0.3)
    assert cost.sram_energy_pj == pytest.approx((28672 + 32768) * 8.5)
    accumulating = MatmulOp(op.lhs, op.rhs, op.dest, accumulate=True)
    assert matrix_cost(accumulating, BASE).sram_read_bytes == cost.sram_read_bytes + 64 * 64 * 4


def test_matmul_dataflow_changes_cycles() -> None:
    gemmini = load_config("gemmini")  # 16x16, ws and os, weights double-buffered
    lhs = TileAttr("act", 0, [100, 70], i8)
    rhs = TileAttr("weight", 0, [70, 40], i8)
    dest = TileAttr("acc", 0, [100, 40], i32)
    ws = matrix_cost(MatmulOp(lhs, rhs, dest, dataflow=Dataflow.WS), gemmini)
    os_ = matrix_cost(MatmulOp(lhs, rhs, dest, dataflow=Dataflow.OS), gemmini)
    # ws: 5 * 3 = 15 folds of T = 100: 16 + 14 * 100 + 100 + 30.
    assert ws.cycles == 1546
    # os: the weights stream, nothing is double-buffered: 7 * 3 folds of 32 + 16 + 70 - 2.
    assert os_.cycles == 7 * 3 * (32 + 16 + 70 - 2)
    # Without a dataflow the config's first one (ws) applies.
    assert matrix_cost(MatmulOp(lhs, rhs, dest), gemmini).cycles == ws.cycles


def test_conv2d_cost() -> None:
    window = TileAttr("act", 0, [18, 18, 64], i8)
    dest = TileAttr("acc", 0, [16, 16, 64], i32)
    dense = Conv2dOp(window, TileAttr("weight", 0, [3, 3, 64, 64], i8), dest)
    # GEMM (256, 576, 64): 18 x 2 = 36 folds of T = 256, double-buffered:
    # 32 + 35 * 256 + 256 + 62; serial 36 x (2*32 + 32 + 256 - 2).
    assert matrix_cost(dense, BASE).cycles == 9310
    assert matrix_cost(dense, SERIAL_BASE).cycles == 36 * 350
    assert matrix_cost(dense, BASE).macs == 16 * 16 * 64 * 576
    depthwise = Conv2dOp(window, TileAttr("weight", 0, [3, 3, 1, 64], i8), dest, groups=64)
    # 64 groups, each one fold of GEMM (256, 9, 1): 64 folds in a row,
    # 32 + 63 * 256 + 256 + 62; serial 64 x 350.
    assert matrix_cost(depthwise, BASE).cycles == 16478
    assert matrix_cost(depthwise, SERIAL_BASE).cycles == 64 * 350
    assert matrix_cost(depthwise, BASE).macs == 16 * 16 * 64 * 9


# DMA: setup + latency + ceil(bytes / bandwidth).


def test_dma_load_cost() -> None:
    load = DmaLoadOp("x", 0, [64, 1], TileAttr("act", 0, [64, 64], i8))
    cost = dma_load_cost(load, BASE)
    assert (cost.cycles, cost.bus_cycles) == (10 + 200 + 4096 // 32, 4096 // 32)
    assert (cost.dram_read_bytes, cost.sram_write_bytes) == (4096, 4096)
    assert cost.energy_pj == pytest.approx(4096 * 162.5 + 4096 * 8.5)


def test_dma_load_padding_is_not_read() -> None:
    load = DmaLoadOp(
        "x",
        0,
        [16, 1, 256],
        TileAttr("act", 0, [18, 18, 64], i8),
        pad=[1, 1, 0, 1, 1, 0],
        pad_value=IntegerAttr(0, i8),
    )
    cost = dma_load_cost(load, BASE)
    assert cost.dram_read_bytes == 16 * 16 * 64
    assert cost.sram_write_bytes == 18 * 18 * 64
    assert cost.cycles == 10 + 200 + 16 * 16 * 64 // 32
    everything_padded = DmaLoadOp(
        "x",
        0,
        [1],
        TileAttr("act", 0, [4], i8),
        pad=[2, 2],
        pad_value=IntegerAttr(0, i8),
    )
    assert dma_load_cost(everything_padded, BASE).cycles == 10


def test_dma_rounds_up_fractional_bandwidth() -> None:
    tpu = load_config("tpu-v1")  # 48.57 bytes/cycle
    load = DmaLoadOp("x", 0, [1], TileAttr("act", 0, [1000], i8))
    assert dma_load_cost(load, tpu).cycles == 10 + 200 + 21  # 1000 / 48.57 = 20.6


def test_resident_weight_load() -> None:
    sram_only = load_config("sram-only")  # resident_bandwidth 4096, setup 10
    load = DmaLoadOp("w", 0, [64, 1], TileAttr("weight", 0, [64, 64], i8))
    cost = dma_load_cost(load, sram_only, resident=True)
    assert (cost.cycles, cost.bus_cycles, cost.dram_read_bytes) == (10 + 1, 0, 0)
    assert cost.sram_read_bytes == 4096
    assert cost.energy_pj == pytest.approx(2 * 4096 * sram_only.energy.sram_byte)


def test_dma_store_cost() -> None:
    store = DmaStoreOp(TileAttr("act", 0, [64, 64], i8), "y", 0, [64, 1])
    cost = dma_store_cost(store, BASE)
    assert (cost.cycles, cost.bus_cycles) == (10 + 200 + 128, 128)
    assert (cost.dram_write_bytes, cost.sram_read_bytes) == (4096, 4096)


# Vector unit: ceil(elements / lanes) * cycles(op class).


def test_vector_cycles_by_op_class() -> None:
    acc = TileAttr("acc", 0, [16, 64], i32)
    bias = TileAttr("acc", 0x1000, [1, 64], i32)
    add = vector_cost(BinaryOp(BinaryKind.ADD, acc, bias, acc), BASE)
    assert add.cycles == 1024 // 32 * 1
    assert add.sram_read_bytes == 4096 + 256
    assert add.vector_energy_pj == pytest.approx(1024 * 0.9)
    floats = TileAttr("act", 0, [16, 64], f32)
    assert vector_cost(BinaryOp(BinaryKind.DIV, floats, floats, floats), BASE).cycles == 32 * 4
    assert vector_cost(UnaryOp(UnaryKind.EXP, floats, floats), BASE).cycles == 32 * 4
    assert vector_cost(UnaryOp(UnaryKind.RELU, floats, floats), BASE).cycles == 32
    odd = TileAttr("act", 0, [33], f32)
    assert vector_cost(UnaryOp(UnaryKind.RELU, odd, odd), BASE).cycles == 2
    out = TileAttr("act", 0, [16, 64], i8)
    assert vector_cost(RequantizeOp(acc, out, [1 << 30], [31]), BASE).cycles == 32
    halves = TileAttr("act", 0, [16, 64], bf16)
    assert vector_cost(ConvertOp(floats, halves), BASE).cycles == 32


def test_pool_and_reduce_cycles() -> None:
    pool = PoolOp(
        PoolKind.MAX,
        TileAttr("act", 0, [16, 16, 64], i8),
        TileAttr("act", 0x4000, [8, 8, 64], i8),
        kernel=[2, 2],
        strides=[2, 2],
    )
    # Charged per window element: 4096 outputs / 32 lanes x 4 window elements.
    assert vector_cost(pool, BASE).cycles == 128 * 4
    assert vector_cost(pool, BASE).vector_energy_pj == pytest.approx(4096 * 4 * 0.9)
    reduce = ReduceOp(
        ReduceKind.SUM, TileAttr("act", 0, [4, 64], f32), TileAttr("act", 0x400, [4, 1], f32), 1
    )
    assert vector_cost(reduce, BASE).cycles == 256 // 32


def test_vector_cycles_follow_the_config() -> None:
    slow = derive_config(BASE, {"vector.lanes": 8, "vector.cycles.transcendental": 10}, "slow")
    floats = TileAttr("act", 0, [16, 64], f32)
    assert vector_cost(UnaryOp(UnaryKind.TANH, floats, floats), slow).cycles == 128 * 10


# Host: launch_cycles + ceil(host_elements / elements_per_cycle).

GATHER = """
npu.program @main config "npu-base" {
  npu.dram @ids input at 0 : tensor<6xi32>
  npu.dram @table weight at 64 : tensor<4x2xf32> = dense<1.0> : tensor<4x2xf32>
  npu.dram @rows output at 128 : tensor<12xf32>
  %0 = npu.host [@ids, @table] -> [@rows] {
  ^bb0(%i: tensor<2x3xi32>, %t: tensor<4x2xf32>):
    %r = nn.gather %t, %i {axis = 0 : i64} : (tensor<4x2xf32>, tensor<2x3xi32>) -> tensor<2x3x2xf32>
    npu.host_yield %r : tensor<2x3x2xf32>
  }
}
"""


def gather_host_op() -> HostOp:
    module = parse_module(build_context(), GATHER, "gather.mlir")
    module.verify()
    return next(op for op in module.walk() if isinstance(op, HostOp))


@pytest.mark.parametrize(
    ("config", "cycles"),
    [
        # Reads 6 + 8 elements, writes 12: 26 elements.
        ("npu-base", 2000 + 13),  # 2 elements/cycle
        ("gemmini", 500 + 52),  # 0.5 elements/cycle
        ("tpu-v1", 3500 + 5),  # 5.71 elements/cycle: ceil(4.55)
        ("npu-edge", 500 + 26),  # 1 element/cycle
    ],
)
def test_host_cost(config: str, cycles: int) -> None:
    op = gather_host_op()
    assert op.host_elements == 26
    cost = host_cost(op, load_config(config))
    assert cost.cycles == cycles
    assert instruction_cost(op, load_config(config)) == cost
    # The host uses its own memory system: nothing on the NPU's bus, traffic or energy.
    assert cost == Cost(cycles)


def test_host_cost_follows_the_config() -> None:
    fast = derive_config(
        BASE, {"host.elements_per_cycle": 3, "host.launch_cycles": 0}, "fast-host"
    )
    assert host_cost(gather_host_op(), fast).cycles == 9  # ceil(26 / 3)


# The scheduler.


def test_schedule_overlaps_engines_and_honours_tokens() -> None:
    costs = [Cost(100), Cost(50), Cost(30), Cost(20)]
    engines = ["dma_load", "matrix", "vector", "matrix"]
    # 1 and 2 are independent of 0, 3 waits on 0 and 2.
    timeline = schedule(engines, [[], [], [], [0, 2]], costs, BASE)
    assert timeline.start == [0, 0, 0, 100]
    assert timeline.end == [100, 50, 30, 120]
    assert timeline.makespan == 120


def test_host_runs_concurrently_and_waits_on_tokens() -> None:
    costs = [Cost(2000), Cost(50), Cost(300), Cost(30), Cost(1000)]
    engines = ["host", "matrix", "dma_load", "vector", "host"]
    # The host call overlaps the matrix op and the load; the vector op waits for it,
    # and the second host call waits for the first (one host, in order) and the load.
    timeline = schedule(engines, [[], [], [], [0], [2]], costs, BASE)
    assert timeline.start == [0, 0, 0, 2000, 2000]
    assert timeline.end == [2000, 50, 300, 2030, 3000]
    assert timeline.makespan == 3000


def test_schedule_issues_in_order_per_class() -> None:
    two_loaders = derive_config(BASE, {"dma.load_engines": 2}, "two-loaders")
    costs = [Cost(10), Cost(100), Cost(10), Cost(10)]
    engines = ["matrix", "dma_load", "dma_load", "dma_load"]
    # Load 1 waits on the matrix op; load 2 may use the second engine but not start
    # before load 1 has started; load 3 takes the engine that frees first.
    timeline = schedule(engines, [[], [0], [], []], costs, two_loaders)
    assert timeline.start == [0, 10, 10, 20]
    assert timeline.unit[1:] == [0, 1, 1]


def test_dram_bus_is_shared() -> None:
    two_loaders = derive_config(BASE, {"dma.load_engines": 2}, "two-loaders")
    transfer = Cost(10 + 200 + 100, bus_cycles=100)
    timeline = schedule(["dma_load", "dma_load"], [[], []], [transfer, transfer], two_loaders)
    # Both start at 0 on their own engines; the second transfer waits for the bus.
    assert timeline.start == [0, 0]
    assert timeline.end == [310, 410]


def test_bus_takes_the_first_gap_that_fits() -> None:
    bus = SharedBus()
    assert bus.place(100, 50) == 100
    assert bus.place(300, 50) == 300
    assert bus.place(120, 100) == 150  # the gap [150, 300) fits 100 cycles
    assert bus.place(0, 60) == 0
    # Busy: [0, 60) [100, 150) [150, 250) [300, 350); the gaps [60, 100) and
    # [250, 300) are too short for 60 cycles, the second fits 50.
    assert bus.place(40, 60) == 350
    assert bus.place(40, 50) == 250
