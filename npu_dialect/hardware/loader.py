"""Loading descriptions: presets, files with `base` inheritance, the cache, the default."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from npu_dialect.hardware.model import ConfigError, HardwareConfig
from npu_dialect.hardware.schema import config_from_dict, toml_repr

PRESET_DIR = Path(__file__).parent.parent / "presets"
DEFAULT_PRESET = "npu-base"

_cache: dict[object, HardwareConfig] = {}
_registered: dict[str, HardwareConfig] = {}
_default = DEFAULT_PRESET


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESET_DIR.glob("*.toml"))


def _is_path(name_or_path: str) -> bool:
    return name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigError(f"config {where}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"config {where}: is a directory") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config {where}: invalid TOML: {error}") from None


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _raw_with_base(path: Path, where: str, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's table with its `base` (a preset or another file) merged underneath."""
    data = _read_toml(path, where)
    base = data.get("base")
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(
            f"config {where}: field base: expected a preset name or a file path, "
            f"got {toml_repr(base)}"
        )
    if _is_path(base):
        base_path = path.parent / base
    else:
        try:
            base_path = _preset_path(base)
        except ConfigError as error:
            raise ConfigError(f"config {where}: field base: {error}") from None
    if base_path.resolve() in seen:
        raise ConfigError(f"config {where}: field base: '{base}' inherits from itself")
    inherited = _raw_with_base(base_path, base, (*seen, path.resolve()))
    inherited.pop("name", None)
    data = dict(data)
    del data["base"]
    return _merge(inherited, data)


def _preset_path(name: str) -> Path:
    path = PRESET_DIR / f"{name}.toml"
    if not path.is_file():
        known = preset_names()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"unknown preset '{name}' (known: {', '.join(known)}){hint}")
    return path


def load_config(name_or_path: str) -> HardwareConfig:
    """A preset by name (`npu-base`) or a TOML file by path; cached, validated."""
    if name_or_path in _registered:
        return _registered[name_or_path]
    if name_or_path in _cache:
        return _cache[name_or_path]
    if _is_path(name_or_path):
        path = Path(name_or_path)
        try:
            stat = path.stat()
            key: object = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        default_name = path.stem
    else:
        path = _preset_path(name_or_path)
        key = name_or_path
        default_name = name_or_path
    if key is not None and key in _cache:
        return _cache[key]
    config = config_from_dict(_raw_with_base(path, name_or_path), name_or_path, default_name)
    if key is not None:
        _cache[key] = config
    return config


def register_config(config: HardwareConfig) -> None:
    """Make an in-memory description (e.g. from `derive_config`) loadable by its name."""
    if not _is_path(config.name) and (PRESET_DIR / f"{config.name}.toml").is_file():
        raise ConfigError(f"config {config.name}: cannot replace the preset of that name")
    _registered[config.name] = config


def derive_config(
    base: HardwareConfig, overrides: Mapping[str, Any], name: str
) -> HardwareConfig:
    """`base` with dotted-key overrides (`{"matrix.rows": 64}`), validated again."""
    data = base.to_dict()
    data["name"] = name
    for dotted, value in overrides.items():
        table = data
        *parents, last = dotted.split(".")
        for part in parents:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise ConfigError(f"config {name}: field {dotted}: '{part}' is not a table")
        table[last] = value
    return config_from_dict(data, name)


def set_default_config(name_or_path: str) -> HardwareConfig:
    """Set the description used when a pass or tool is given none (validates it now)."""
    global _default
    config = load_config(name_or_path)
    _default = name_or_path
    return config


def default_config() -> HardwareConfig:
    return load_config(_default)


def default_config_name() -> str:
    return _default


def resolve_config(name_or_path: str | None) -> HardwareConfig:
    """A pass's `config=` option: the named description, or the default when empty."""
    return load_config(name_or_path) if name_or_path else default_config()
