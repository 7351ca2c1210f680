"""The hardware description's data model: frozen dataclasses and the type tables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from npu_dialect.errors import UserError

# Element types use their MLIR spelling; each matrix input type accumulates in one type.
ACCUMULATOR_TYPES: dict[str, str] = {
    "i8": "i32",
    "f8E4M3FN": "f32",
    "f16": "f32",
    "bf16": "f32",
}
MATRIX_INPUT_TYPES = tuple(ACCUMULATOR_TYPES)
DATAFLOWS = ("ws", "os")
BUFFER_NAMES = ("act", "weight", "acc")
# Vector-unit op classes: each instruction kind is charged one class (docs/npu_dialect.md).
VECTOR_OP_CLASSES = (
    "binary",
    "unary",
    "transcendental",
    "requantize",
    "convert",
    "pool",
    "reduce",
)


class ConfigError(UserError):
    """A hardware description that cannot be loaded; the text names the field."""


@dataclass(frozen=True)
class MatrixUnit:
    """The systolic array: `rows x cols` MACs per cycle at full utilisation."""

    rows: int
    cols: int
    dataflows: tuple[str, ...]
    """Supported dataflows; the first is the default for instructions that name none."""
    input_types: tuple[str, ...]
    weight_double_buffer: bool = False
    """Each PE holds a second weight register, so in the weight-stationary dataflow the
    next weight block shifts in while the current one computes (docs/cost_model.md)."""

    @property
    def dataflow(self) -> str:
        return self.dataflows[0]

    def supports(self, input_type: str) -> bool:
        return input_type in self.input_types

    @staticmethod
    def accumulator_type(input_type: str) -> str:
        return ACCUMULATOR_TYPES[input_type]


@dataclass(frozen=True)
class VectorCycles:
    """Cycles the vector unit spends per group of `lanes` elements, by op class."""

    binary: int
    unary: int
    transcendental: int
    requantize: int
    convert: int
    pool: int
    reduce: int

    def of(self, op_class: str) -> int:
        return int(getattr(self, op_class))


@dataclass(frozen=True)
class VectorUnit:
    lanes: int
    cycles: VectorCycles


@dataclass(frozen=True)
class SramBuffer:
    """One on-chip buffer: a byte-addressed scratchpad of `size` bytes."""

    name: str
    size: int
    alignment: int
    """Every tile's base address is a multiple of this many bytes."""


@dataclass(frozen=True)
class Sram:
    act: SramBuffer
    weight: SramBuffer
    acc: SramBuffer

    def buffer(self, name: str) -> SramBuffer:
        if name not in BUFFER_NAMES:
            raise KeyError(name)
        buffer: SramBuffer = getattr(self, name)
        return buffer

    def __iter__(self) -> Iterator[SramBuffer]:
        return iter((self.act, self.weight, self.acc))

    @property
    def total(self) -> int:
        return sum(buffer.size for buffer in self)


@dataclass(frozen=True)
class Dram:
    size: int
    bandwidth: float
    """Bytes per cycle."""
    latency: int
    """Cycles from a DMA's start to its first byte."""
    weights_resident: bool
    """Weight tensors live on chip: DMA loads from them never touch DRAM."""
    resident_bandwidth: float | None
    """Bytes per cycle of loads from resident weights (set iff `weights_resident`)."""


@dataclass(frozen=True)
class Dma:
    load_engines: int
    store_engines: int
    max_dims: int
    """Largest rank of a DMA descriptor."""
    setup_cycles: int
    """Fixed cost of one DMA instruction before its first request."""


@dataclass(frozen=True)
class Host:
    """The host CPU that runs `npu.host` instructions (ops the NPU cannot run)."""

    elements_per_cycle: float
    """Tensor elements the host reads or writes per NPU cycle (its compute included)."""
    launch_cycles: int
    """Fixed NPU cycles per host call: interrupt, cache/DMA coherence, the return."""


DEFAULT_HOST = Host(elements_per_cycle=2.0, launch_cycles=2000)
"""Used when a description has no `[host]` table (npu-base's values)."""


@dataclass(frozen=True)
class Energy:
    """Energy per event in picojoules."""

    mac: tuple[tuple[str, float], ...]
    """pJ per multiply-accumulate, by matrix input type."""
    vector_op: float
    """pJ per element per vector-unit operation."""
    sram_byte: float
    dram_byte: float

    def mac_pj(self, input_type: str) -> float:
        return dict(self.mac)[input_type]


@dataclass(frozen=True)
class HardwareConfig:
    name: str
    description: str
    clock_mhz: float
    matrix: MatrixUnit
    vector: VectorUnit
    sram: Sram
    dram: Dram
    dma: Dma
    energy: Energy
    host: Host = DEFAULT_HOST

    @property
    def clock_hz(self) -> float:
        return self.clock_mhz * 1e6

    @property
    def peak_macs_per_cycle(self) -> int:
        return self.matrix.rows * self.matrix.cols

    def to_dict(self) -> dict[str, Any]:
        """The description in the TOML file's shape (loadable by `config_from_dict`)."""
        dram: dict[str, Any] = {
            "size": self.dram.size,
            "bandwidth": self.dram.bandwidth,
            "latency": self.dram.latency,
            "weights_resident": self.dram.weights_resident,
        }
        if self.dram.resident_bandwidth is not None:
            dram["resident_bandwidth"] = self.dram.resident_bandwidth
        return {
            "name": self.name,
            "description": self.description,
            "clock_mhz": self.clock_mhz,
            "matrix": {
                "rows": self.matrix.rows,
                "cols": self.matrix.cols,
                "dataflows": list(self.matrix.dataflows),
                "input_types": list(self.matrix.input_types),
                "weight_double_buffer": self.matrix.weight_double_buffer,
            },
            "vector": {
                "lanes": self.vector.lanes,
                "cycles": {c: self.vector.cycles.of(c) for c in VECTOR_OP_CLASSES},
            },
            "sram": {
                b.name: {"size": b.size, "alignment": b.alignment} for b in self.sram
            },
            "dram": dram,
            "dma": {
                "load_engines": self.dma.load_engines,
                "store_engines": self.dma.store_engines,
                "max_dims": self.dma.max_dims,
                "setup_cycles": self.dma.setup_cycles,
            },
            "energy": {
                "mac": dict(self.energy.mac),
                "vector_op": self.energy.vector_op,
                "sram_byte": self.energy.sram_byte,
                "dram_byte": self.energy.dram_byte,
            },
            "host": {
                "elements_per_cycle": self.host.elements_per_cycle,
                "launch_cycles": self.host.launch_cycles,
            },
        }
