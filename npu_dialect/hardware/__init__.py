"""The hardware description: one TOML file (or named preset) for compiler and simulator.

A description is plain data loaded into frozen dataclasses (`HardwareConfig` and its
parts); passes, verifiers and the cost model read it and never hard-code numbers.
Loading validates every field and rejects unknown keys, so a typo in a config file
is an error naming the field rather than a silently ignored setting.
`docs/hardware.md` explains every field and where the presets' numbers come from.
"""

from npu_dialect.hardware.loader import (
    DEFAULT_PRESET,
    PRESET_DIR,
    default_config,
    default_config_name,
    derive_config,
    load_config,
    preset_names,
    register_config,
    resolve_config,
    set_default_config,
)
from npu_dialect.hardware.model import (
    ACCUMULATOR_TYPES,
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
from npu_dialect.hardware.schema import config_from_dict

__all__ = [
    "ACCUMULATOR_TYPES",
    "BUFFER_NAMES",
    "DATAFLOWS",
    "DEFAULT_HOST",
    "DEFAULT_PRESET",
    "MATRIX_INPUT_TYPES",
    "PRESET_DIR",
    "VECTOR_OP_CLASSES",
    "ConfigError",
    "Dma",
    "Dram",
    "Energy",
    "HardwareConfig",
    "Host",
    "MatrixUnit",
    "Sram",
    "SramBuffer",
    "VectorCycles",
    "VectorUnit",
    "config_from_dict",
    "default_config",
    "default_config_name",
    "derive_config",
    "load_config",
    "preset_names",
    "register_config",
    "resolve_config",
    "set_default_config",
]
