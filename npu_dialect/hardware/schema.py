"""Validation of a description read from TOML: every field checked, unknown keys rejected."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from npu_dialect.hardware.model import (
    BUFFER_NAMES,
    DATAFLOWS,
    DEFAULT_HOST,
    MATRIX_INPUT_TYPES,
    VECTOR_OP_CLASSES,
    ConfigError,
    Dma,
    Dram,
    Energy,
    HardwareConfig,
    Host,
    MatrixUnit,
    Sram,
    SramBuffer,
    VectorCycles,
    VectorUnit,
)

_MISSING = object()
_SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)\s*$")


def toml_repr(value: object) -> str:
    """A value as it would be written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "[" + ", ".join(toml_repr(item) for item in value) + "]"
    return str(value)


class _Table:
    """One TOML table being validated; remembers which keys were read."""

    def __init__(self, data: Mapping[str, Any], path: str, where: str):
        self.data = data
        self.path = path
        self.where = where
        self.used: set[str] = set()

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"config {self.where}: field {self._field(key)}: {message}")

    def _get(self, key: str, expected: str, default: object = _MISSING) -> Any:
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.error(key, f"missing (expected {expected})")
        return default

    def _check(
        self, key: str, expected: str, accept: Callable[[Any], bool], default: object
    ) -> Any:
        value = self._get(key, expected, default)
        if value is default and default is not _MISSING:
            return value
        if not accept(value):
            raise self.error(key, f"expected {expected}, got {toml_repr(value)}")
        return value

    def integer(
        self, key: str, minimum: int = 1, maximum: int | None = None, default: object = _MISSING
    ) -> Any:
        if maximum is not None:
            expected = f"an integer from {minimum} to {maximum}"
        elif minimum == 1:
            expected = "a positive integer"
        elif minimum == 0:
            expected = "a non-negative integer"
        else:
            expected = f"an integer >= {minimum}"

        def accept(v: Any) -> bool:
            return (
                isinstance(v, int)
                and not isinstance(v, bool)
                and v >= minimum
                and (maximum is None or v <= maximum)
            )

        return self._check(key, expected, accept, default)

    def number(self, key: str, positive: bool = True, default: object = _MISSING) -> Any:
        expected = "a positive number" if positive else "a non-negative number"

        def accept(v: Any) -> bool:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return False
            return v > 0 if positive else v >= 0

        value = self._check(key, expected, accept, default)
        return value if value is default else float(value)

    def boolean(self, key: str, default: object = _MISSING) -> Any:
        return self._check(key, "true or false", lambda v: isinstance(v, bool), default)

    def string(self, key: str, default: object = _MISSING) -> Any:
        return self._check(key, "a string", lambda v: isinstance(v, str), default)

    def size(self, key: str) -> int:
        expected = 'a positive number of bytes or a size like "256 KiB"'
        value = self._get(key, expected)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str) and (match := _SIZE_RE.match(value)):
            amount = float(match.group(1)) * _SIZE_UNITS[match.group(2)]
            if amount > 0 and amount == int(amount):
                return int(amount)
        raise self.error(key, f"expected {expected}, got {toml_repr(value)}")

    def power_of_two(self, key: str) -> int:
        value = self.integer(key)
        if value & (value - 1):
            raise self.error(key, f"expected a power of two, got {value}")
        return value

    def choices(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        expected = "a non-empty list of distinct values from " + ", ".join(
            f'"{a}"' for a in allowed
        )

        def accept(v: Any) -> bool:
            return (
                isinstance(v, list)
                and len(v) > 0
                and all(isinstance(item, str) and item in allowed for item in v)
                and len(set(v)) == len(v)
            )

        return tuple(self._check(key, expected, accept, _MISSING))

    def table(self, key: str, optional: bool = False) -> _Table:
        """The sub-table `key`; an absent optional one reads as empty (all defaults)."""
        value = self._get(key, "a table", {} if optional else _MISSING)
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {toml_repr(value)}")
        return _Table(value, self._field(key), self.where)

    def finish(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise ConfigError(
                    f"config {self.where}: unknown key '{self._field(key)}'"
                )


def _parse_matrix(table: _Table) -> MatrixUnit:
    matrix = MatrixUnit(
        rows=table.integer("rows"),
        cols=table.integer("cols"),
        dataflows=table.choices("dataflows", DATAFLOWS),
        input_types=table.choices("input_types", MATRIX_INPUT_TYPES),
        weight_double_buffer=table.boolean("weight_double_buffer", default=False),
    )
    table.finish()
    return matrix


def _parse_vector(table: _Table) -> VectorUnit:
    lanes = table.integer("lanes")
    cycles_table = table.table("cycles")
    cycles = VectorCycles(**{c: cycles_table.integer(c) for c in VECTOR_OP_CLASSES})
    cycles_table.finish()
    table.finish()
    return VectorUnit(lanes=lanes, cycles=cycles)


def _parse_buffer(table: _Table, name: str) -> SramBuffer:
    size = table.size("size")
    alignment = table.power_of_two("alignment")
    if size % alignment:
        raise table.error("size", f"{size} bytes is not a multiple of the alignment {alignment}")
    table.finish()
    return SramBuffer(name=name, size=size, alignment=alignment)


def _parse_dram(table: _Table) -> Dram:
    size = table.size("size")
    bandwidth = table.number("bandwidth")
    latency = table.integer("latency", minimum=0)
    resident = table.boolean("weights_resident", default=False)
    resident_bandwidth = table.number("resident_bandwidth", default=None)
    if resident and resident_bandwidth is None:
        raise table.error("resident_bandwidth", "missing (required when weights_resident = true)")
    if not resident and resident_bandwidth is not None:
        raise table.error("resident_bandwidth", "only allowed when weights_resident = true")
    table.finish()
    return Dram(size, bandwidth, latency, resident, resident_bandwidth)


def _parse_dma(table: _Table) -> Dma:
    dma = Dma(
        load_engines=table.integer("load_engines"),
        store_engines=table.integer("store_engines"),
        max_dims=table.integer("max_dims", minimum=1, maximum=8),
        setup_cycles=table.integer("setup_cycles", minimum=0),
    )
    table.finish()
    return dma


def _parse_energy(table: _Table, matrix: MatrixUnit) -> Energy:
    mac_table = table.table("mac")
    for key in mac_table.data:
        if key in MATRIX_INPUT_TYPES:
            mac_table.used.add(key)
    mac_table.finish()
    mac = tuple(
        (input_type, mac_table.number(input_type, positive=False))
        for input_type in matrix.input_types
    )
    energy = Energy(
        mac=mac,
        vector_op=table.number("vector_op", positive=False),
        sram_byte=table.number("sram_byte", positive=False),
        dram_byte=table.number("dram_byte", positive=False),
    )
    table.finish()
    return energy


def _parse_host(table: _Table) -> Host:
    host = Host(
        elements_per_cycle=table.number(
            "elements_per_cycle", default=DEFAULT_HOST.elements_per_cycle
        ),
        launch_cycles=table.integer(
            "launch_cycles", minimum=0, default=DEFAULT_HOST.launch_cycles
        ),
    )
    table.finish()
    return host


def config_from_dict(
    data: Mapping[str, Any], where: str, default_name: str = ""
) -> HardwareConfig:
    """Validate a description read from TOML (`where` names it in errors).

    `base` must already be merged in (the loader does that), so it is an unknown key here.
    """
    top = _Table(data, "", where)
    name = top.string("name", default=default_name or where)
    description = top.string("description", default="")
    clock_mhz = top.number("clock_mhz")
    matrix = _parse_matrix(top.table("matrix"))
    vector = _parse_vector(top.table("vector"))
    sram_table = top.table("sram")
    sram = Sram(*(_parse_buffer(sram_table.table(b), b) for b in BUFFER_NAMES))
    sram_table.finish()
    dram = _parse_dram(top.table("dram"))
    dma = _parse_dma(top.table("dma"))
    energy = _parse_energy(top.table("energy"), matrix)
    host = _parse_host(top.table("host", optional=True))
    top.finish()
    return HardwareConfig(
        name, description, clock_mhz, matrix, vector, sram, dram, dma, energy, host
    )
