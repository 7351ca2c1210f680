"""The cost model: cycles, data movement and energy of each instruction on its own.

Every formula is a pure function of an instruction and a `HardwareConfig`, and is
documented with a worked example in docs/cost_model.md; `interpreter.scheduler` turns
the per-instruction costs into a timeline. No numerics happen here, so timing can run
without executing the program.

- DMA: `setup + latency + ceil(bytes / bandwidth)`; the last term occupies the DRAM
  bus, which all DMA engines share.
- Matrix unit: the systolic-array model of SCALE-Sim (Samajdar et al., "A Systematic
  Methodology for Characterizing Scalability of DNN Accelerators using SCALE-Sim",
  ISPASS 2020; arXiv:1811.02883): each fold of the GEMM onto the `R x C` array costs
  `2R + C + T - 2` cycles, fill + stream + drain. With `matrix.weight_double_buffer`
  (TPU v1, Gemmini) a weight-stationary fold's fill overlaps the previous fold's
  stream: `2R + C + T - 2 + (folds - 1) * max(T, R)` per instruction.
- Vector unit: `ceil(elements / lanes) * cycles(op class)`.
- Host (`npu.host`): `launch_cycles + ceil(host elements / elements_per_cycle)`; the
  host's own memory traffic and energy are not the NPU's and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil, prod

from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import (
    Conv2dOp,
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    HostOp,
    MatmulOp,
    NpuInstruction,
    PoolOp,
    ProgramOp,
    ReduceOp,
    VectorInstruction,
)

ACCUMULATOR_BYTES = 4
"""i32 and f32 accumulators."""


@dataclass(frozen=True, slots=True)
class Cost:
    """What one instruction costs when it runs alone."""

    cycles: int
    """Duration from start to completion with nothing else running."""
    bus_cycles: int = 0
    """The trailing part of `cycles` that occupies the shared DRAM bus."""
    macs: int = 0
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0
    sram_read_bytes: int = 0
    sram_write_bytes: int = 0
    mac_energy_pj: float = 0.0
    vector_energy_pj: float = 0.0
    sram_energy_pj: float = 0.0
    dram_energy_pj: float = 0.0

    @property
    def energy_pj(self) -> float:
        return (
            self.mac_energy_pj + self.vector_energy_pj + self.sram_energy_pj + self.dram_energy_pj
        )


# DMA.


def transfer_cycles(nbytes: int, bandwidth: float) -> int:
    """Whole cycles to move `nbytes` at `bandwidth` bytes per cycle."""
    return ceil(nbytes / bandwidth)


def dma_load_cost(op: DmaLoadOp, config: HardwareConfig, resident: bool = False) -> Cost:
    """`setup + latency + ceil(box bytes / bandwidth)`; padding is generated on chip.

    `resident`: the source is a weight tensor of a `weights_resident` config, read from
    on-chip storage at `resident_bandwidth` without DRAM latency or the DRAM bus.
    """
    dest = op.dest
    nbytes = prod(op.box) * dest.itemsize
    written = dest.nbytes
    sram_pj = config.energy.sram_byte
    if resident:
        bandwidth = config.dram.resident_bandwidth
        assert bandwidth is not None
        return Cost(
            cycles=config.dma.setup_cycles + transfer_cycles(nbytes, bandwidth),
            sram_read_bytes=nbytes,
            sram_write_bytes=written,
            sram_energy_pj=(nbytes + written) * sram_pj,
        )
    transfer = transfer_cycles(nbytes, config.dram.bandwidth)
    latency = config.dram.latency if nbytes else 0
    return Cost(
        cycles=config.dma.setup_cycles + latency + transfer,
        bus_cycles=transfer,
        dram_read_bytes=nbytes,
        sram_write_bytes=written,
        sram_energy_pj=written * sram_pj,
        dram_energy_pj=nbytes * config.energy.dram_byte,
    )


def dma_store_cost(op: DmaStoreOp, config: HardwareConfig) -> Cost:
    """`setup + latency + ceil(tile bytes / bandwidth)`."""
    nbytes = op.source.nbytes
    transfer = transfer_cycles(nbytes, config.dram.bandwidth)
    return Cost(
        cycles=config.dma.setup_cycles + config.dram.latency + transfer,
        bus_cycles=transfer,
        dram_write_bytes=nbytes,
        sram_read_bytes=nbytes,
        sram_energy_pj=nbytes * config.energy.sram_byte,
        dram_energy_pj=nbytes * config.energy.dram_byte,
    )


# Matrix unit.


@dataclass(frozen=True, slots=True)
class SystolicGemm:
    """One GEMM (M, K, N) folded onto an R x C array with a dataflow (SCALE-Sim).

    A fold is `fill` cycles to preload the stationary block, `stream` cycles to stream
    the operand vectors and `drain` cycles for the last of them to cross and leave the
    array. Without weight double-buffering the folds run one after another; with it
    (ws only) the fill of each fold overlaps the stream of the one before.
    """

    folds: int
    fill: int
    stream: int
    drain: int
    double_buffered: bool
    """The next weight block shifts in while the current one computes."""
    lhs_reads: int
    """Elements of the [M, K] operand streamed from SRAM, counting re-reads per fold."""
    rhs_reads: int
    """Elements of the [K, N] operand read from SRAM."""
    partial_sums: int
    """Accumulator elements written; every one after the first per output is also read."""

    @property
    def cycles_per_fold(self) -> int:
        """One fold on its own: `2R + C + T - 2`."""
        return self.fill + self.stream + self.drain

    def cycles_of(self, repeats: int = 1) -> int:
        """`repeats` copies of the GEMM back to back in one instruction (the groups of a
        convolution): `F = folds * repeats` folds.

        Serial: `F * (fill + stream + drain)`. Double-buffered: the first fill, then
        fold i streams while fold i+1 fills, so each fold but the last takes
        `max(stream, fill)`, then the last stream and one drain:
        `fill + (F - 1) * max(stream, fill) + stream + drain`.
        """
        folds = self.folds * repeats
        if not self.double_buffered:
            return folds * self.cycles_per_fold
        return self.fill + (folds - 1) * max(self.stream, self.fill) + self.stream + self.drain

    @property
    def cycles(self) -> int:
        return self.cycles_of(1)


def systolic_gemm(
    m: int,
    k: int,
    n: int,
    rows: int,
    cols: int,
    dataflow: str,
    weight_double_buffer: bool = False,
) -> SystolicGemm:
    """SCALE-Sim's mapping of a GEMM `[M, K] @ [K, N]` onto a `rows x cols` array.

    Weight stationary (`ws`): a `rows x cols` block of the [K, N] weights is held in
    the array; the M rows of activations stream through it (T = M).
    Folds = ceil(K / rows) * ceil(N / cols).
    Output stationary (`os`): each PE accumulates one output; a `rows x cols` block of
    the [M, N] outputs is computed while the K-long dot products stream (T = K).
    Folds = ceil(M / rows) * ceil(N / cols).
    Each fold costs `2 * rows + cols + T - 2` cycles: for ws, `rows` to load the
    weights, T to stream the activations and `rows + cols - 2` for the skewed last
    input to cross the array; for os, T + `rows + cols - 2` to stream the skewed
    operands and `rows` to shift the outputs out.
    `weight_double_buffer` (the config's `matrix.weight_double_buffer`) overlaps each ws
    fold's weight load with the previous fold's stream; it does not change os, whose
    weights stream rather than stay.
    """
    row_folds_of_k, col_folds = ceil(k / rows), ceil(n / cols)
    skew = rows + cols - 2
    if dataflow == "ws":
        return SystolicGemm(
            folds=row_folds_of_k * col_folds,
            fill=rows,
            stream=m,
            drain=skew,
            double_buffered=weight_double_buffer,
            lhs_reads=m * k * col_folds,
            rhs_reads=k * n,
            partial_sums=m * n * row_folds_of_k,
        )
    row_folds_of_m = ceil(m / rows)
    return SystolicGemm(
        folds=row_folds_of_m * col_folds,
        fill=0,
        stream=k,
        drain=skew + rows,
        double_buffered=False,
        lhs_reads=m * k * col_folds,
        rhs_reads=k * n * row_folds_of_m,
        partial_sums=m * n,
    )


def matrix_cost(op: MatmulOp | Conv2dOp, config: HardwareConfig) -> Cost:
    """SCALE-Sim cycles of the GEMM per group of a convolution, the groups' folds run
    one after another (overlapped with weight double-buffering); SRAM traffic from the
    fold counts; `macs * energy.mac[type]`."""
    m, k, n = op.gemm_shape
    groups = op.group_count if isinstance(op, Conv2dOp) else 1
    matrix = config.matrix
    dataflow = op.dataflow.data.value if op.dataflow is not None else matrix.dataflow
    gemm = systolic_gemm(
        m, k, n, matrix.rows, matrix.cols, dataflow, matrix.weight_double_buffer
    )
    data, _ = op.inputs()
    itemsize = data.itemsize
    accumulated = op.accumulate is not None
    # Partial sums after the first one of each output are read back, as are the old
    # values of an accumulating instruction.
    acc_reads = gemm.partial_sums - m * n + (m * n if accumulated else 0)
    sram_read = groups * (
        (gemm.lhs_reads + gemm.rhs_reads) * itemsize + acc_reads * ACCUMULATOR_BYTES
    )
    sram_write = groups * gemm.partial_sums * ACCUMULATOR_BYTES
    macs = op.macs
    return Cost(
        cycles=gemm.cycles_of(groups),
        macs=macs,
        sram_read_bytes=sram_read,
        sram_write_bytes=sram_write,
        mac_energy_pj=macs * config.energy.mac_pj(data.type_name),
        sram_energy_pj=(sram_read + sram_write) * config.energy.sram_byte,
    )


# Vector unit.


def vector_operations(op: VectorInstruction) -> int:
    """Element operations: one per dest element, per window element for pooling and
    per input element for reductions."""
    if isinstance(op, PoolOp):
        kh, kw = op.kernel.get_values()
        return op.dest.num_elements * kh * kw
    if isinstance(op, ReduceOp):
        return op.input.num_elements
    return op.dest.num_elements


def vector_cost(op: VectorInstruction, config: HardwareConfig) -> Cost:
    """`ceil(dest elements / lanes) * cycles(op class)`, times the window size for
    pooling; reductions count input elements. Energy per element operation."""
    vector = config.vector
    per_step = vector.cycles.of(op.op_class)
    if isinstance(op, PoolOp):
        kh, kw = op.kernel.get_values()
        steps = ceil(op.dest.num_elements / vector.lanes) * kh * kw
    elif isinstance(op, ReduceOp):
        steps = ceil(op.input.num_elements / vector.lanes)
    else:
        steps = ceil(op.dest.num_elements / vector.lanes)
    sram_read = sum(tile.nbytes for tile in op.reads())
    sram_write = op.dest.nbytes
    return Cost(
        cycles=steps * per_step,
        sram_read_bytes=sram_read,
        sram_write_bytes=sram_write,
        vector_energy_pj=vector_operations(op) * config.energy.vector_op,
        sram_energy_pj=(sram_read + sram_write) * config.energy.sram_byte,
    )


# Host.


def host_cost(op: HostOp, config: HardwareConfig) -> Cost:
    """`launch_cycles + ceil(host_elements / elements_per_cycle)`: the round trip to the
    host, then its throughput over every element it reads and writes. The host works
    on DRAM through its own memory system, so no NPU bus, SRAM, DRAM bytes or energy."""
    host = config.host
    return Cost(cycles=host.launch_cycles + ceil(op.host_elements / host.elements_per_cycle))


def instruction_cost(op: NpuInstruction, config: HardwareConfig, resident: bool = False) -> Cost:
    """The cost of any instruction (`resident`: see `dma_load_cost`)."""
    if isinstance(op, DmaLoadOp):
        return dma_load_cost(op, config, resident)
    if isinstance(op, DmaStoreOp):
        return dma_store_cost(op, config)
    if isinstance(op, MatmulOp | Conv2dOp):
        return matrix_cost(op, config)
    if isinstance(op, HostOp):
        return host_cost(op, config)
    assert isinstance(op, VectorInstruction)
    return vector_cost(op, config)


def program_costs(
    program: ProgramOp, config: HardwareConfig, instructions: Sequence[NpuInstruction]
) -> list[Cost]:
    """The cost of each of `instructions` of `program`, in order."""
    resident: set[str] = set()
    if config.dram.weights_resident:
        resident = {
            t.sym_name.data for t in program.dram_tensors() if t.kind_enum == DramKind.WEIGHT
        }
    return [
        instruction_cost(
            op,
            config,
            isinstance(op, DmaLoadOp) and op.dram.root_reference.data in resident,
        )
        for op in instructions
    ]
