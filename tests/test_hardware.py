"""The hardware description: presets, validation errors, inheritance, the default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from npu_dialect import hardware
from npu_dialect.hardware import (
    ConfigError,
    config_from_dict,
    derive_config,
    load_config,
    preset_names,
)

PRESETS = ["gemmini", "npu-base", "npu-edge", "npu-server", "sram-only", "tpu-v1"]


def test_preset_names_are_exactly_the_documented_six() -> None:
    assert preset_names() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_round_trip_through_dict(name: str) -> None:
    config = load_config(name)
    assert config.name == name
    assert config_from_dict(config.to_dict(), name) == config
    assert load_config(name) is config  # cached


def test_presets_model_their_design_points() -> None:
    tpu = load_config("tpu-v1")
    assert (tpu.matrix.rows, tpu.matrix.cols, tpu.matrix.dataflows) == (256, 256, ("ws",))
    assert tpu.matrix.input_types == ("i8",)
    assert (tpu.sram.act.size, tpu.sram.acc.size) == (24 << 20, 4 << 20)
    assert tpu.clock_mhz == 700
    assert tpu.dram.bandwidth * tpu.clock_hz == pytest.approx(34e9, rel=0.01)

    edge = load_config("npu-edge")
    assert (edge.matrix.rows, edge.matrix.cols, edge.matrix.input_types) == (16, 16, ("i8",))
    assert edge.sram.total < 100 << 10

    base = load_config("npu-base")
    assert (base.matrix.rows, base.matrix.cols, base.matrix.dataflow) == (32, 32, "ws")
    assert set(base.matrix.input_types) == {"i8", "f8E4M3FN", "f16", "bf16"}
    assert 100 << 10 <= base.sram.total < 1 << 20

    gemmini = load_config("gemmini")
    assert (gemmini.matrix.rows, gemmini.matrix.dataflows) == (16, ("ws", "os"))
    assert gemmini.sram.act.size + gemmini.sram.weight.size == 256 << 10
    assert gemmini.sram.acc.size == 64 << 10

    server = load_config("npu-server")
    assert (server.matrix.rows, server.matrix.cols) == (128, 128)
    assert set(server.matrix.input_types) == {"bf16", "f8E4M3FN", "i8"}
    assert server.sram.total >= 2 << 20
    assert server.dram.bandwidth * server.clock_hz >= 0.9e12

    wafer = load_config("sram-only")
    assert wafer.dram.weights_resident and wafer.dram.resident_bandwidth
    assert not base.dram.weights_resident and base.dram.resident_bandwidth is None


def test_energy_covers_every_supported_input_type() -> None:
    for name in PRESETS:
        config = load_config(name)
        for input_type in config.matrix.input_types:
            assert config.energy.mac_pj(input_type) > 0
        assert config.energy.dram_byte > config.energy.sram_byte > 0


def _write(tmp_path: Path, text: str, name: str = "npu-foo.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value).replace(path, "FILE")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'base = "npu-base"\n[matrix]\nrows = -4\n',
            "config FILE: field matrix.rows: expected a positive integer, got -4",
        ),
        (
            'base = "npu-base"\n[matrix]\ncols = "32"\n',
            'config FILE: field matrix.cols: expected a positive integer, got "32"',
        ),
        (
            'base = "npu-base"\n[matrix]\ncols = true\n',
            "config FILE: field matrix.cols: expected a positive integer, got true",
        ),
        (
            'base = "npu-base"\n[sram.act]\nbanks = 4\n',
            "config FILE: unknown key 'sram.act.banks'",
        ),
        ('base = "npu-base"\nfrequency = 3\n', "config FILE: unknown key 'frequency'"),
        (
            'base = "npu-base"\n[sram.scratch]\nsize = 4\n',
            "config FILE: unknown key 'sram.scratch'",
        ),
        (
            'base = "npu-base"\n[matrix]\ndataflows = ["ws", "is"]\n',
            'config FILE: field matrix.dataflows: expected a non-empty list of distinct '
            'values from "ws", "os", got ["ws", "is"]',
        ),
        (
            'base = "npu-base"\n[matrix]\ninput_types = ["i8", "i8"]\n',
            'config FILE: field matrix.input_types: expected a non-empty list of distinct '
            'values from "i8", "f8E4M3FN", "f16", "bf16", got ["i8", "i8"]',
        ),
        (
            'base = "npu-base"\n[matrix]\nweight_double_buffer = 1\n',
            "config FILE: field matrix.weight_double_buffer: expected true or false, got 1",
        ),
        (
            'base = "npu-base"\n[sram.weight]\nsize = "256 KB"\n',
            'config FILE: field sram.weight.size: expected a positive number of bytes or '
            'a size like "256 KiB", got "256 KB"',
        ),
        (
            'base = "npu-base"\n[sram.acc]\nalignment = 48\n',
            "config FILE: field sram.acc.alignment: expected a power of two, got 48",
        ),
        (
            'base = "npu-base"\n[sram.acc]\nsize = 1000\n',
            "config FILE: field sram.acc.size: 1000 bytes is not a multiple of the alignment 128",
        ),
        (
            'base = "npu-base"\n[dram]\nbandwidth = 0\n',
            "config FILE: field dram.bandwidth: expected a positive number, got 0",
        ),
        (
            'base = "npu-base"\n[dram]\nlatency = 1.5\n',
            "config FILE: field dram.latency: expected a non-negative integer, got 1.5",
        ),
        (
            'base = "npu-base"\n[dram]\nresident_bandwidth = 100\n',
            "config FILE: field dram.resident_bandwidth: only allowed when "
            "weights_resident = true",
        ),
        (
            'base = "npu-base"\n[dram]\nweights_resident = true\n',
            "config FILE: field dram.resident_bandwidth: missing (required when "
            "weights_resident = true)",
        ),
        (
            'base = "npu-base"\n[dma]\nmax_dims = 9\n',
            "config FILE: field dma.max_dims: expected an integer from 1 to 8, got 9",
        ),
        (
            'base = "npu-edge"\n[matrix]\ninput_types = ["i8", "bf16"]\n',
            "config FILE: field energy.mac.bf16: missing (expected a non-negative number)",
        ),
        (
            'base = "npu-base"\n[energy.mac]\nf64 = 5.0\n',
            "config FILE: unknown key 'energy.mac.f64'",
        ),
        (
            'base = "npu-base"\nvector = 3\n',
            "config FILE: field vector: expected a table, got 3",
        ),
        (
            'base = "npu-base"\n[vector.cycles]\nmatmul = 3\n',
            "config FILE: unknown key 'vector.cycles.matmul'",
        ),
        (
            'base = "npu-base"\n[host]\nelements_per_cycle = 0\n',
            "config FILE: field host.elements_per_cycle: expected a positive number, got 0",
        ),
        (
            'base = "npu-base"\n[host]\nlaunch_cycles = -1\n',
            "config FILE: field host.launch_cycles: expected a non-negative integer, got -1",
        ),
        (
            'base = "npu-base"\n[host]\nlaunch_cycles = 1.5\n',
            "config FILE: field host.launch_cycles: expected a non-negative integer, got 1.5",
        ),
        (
            'base = "npu-base"\n[host]\ncores = 4\n',
            "config FILE: unknown key 'host.cores'",
        ),
        (
            'base = "npu-base"\nhost = 4\n',
            "config FILE: field host: expected a table, got 4",
        ),
        ("clock_mhz = 100\n", "config FILE: field matrix: missing (expected a table)"),
        ("[matrix\nrows = 3\n", "config FILE: invalid TOML: "),
        (
            'base = "npu-bse"\n',
            "config FILE: field base: unknown preset 'npu-bse' (known: gemmini, npu-base, "
            "npu-edge, npu-server, sram-only, tpu-v1); did you mean 'npu-base'?",
        ),
        (
            "base = 3\n",
            "config FILE: field base: expected a preset name or a file path, got 3",
        ),
    ],
)
def test_validation_errors_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    assert _error(tmp_path, text).startswith(message)


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"^unknown preset 'npu-bse' \(known: gemmini, "):
        load_config("npu-bse")


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match=r"^config nowhere/x\.toml: no such file$"):
        load_config("nowhere/x.toml")


def test_full_file_without_base(tmp_path: Path) -> None:
    text = (hardware.PRESET_DIR / "npu-edge.toml").read_text().replace(
        'name = "npu-edge"\n', ""
    )
    config = load_config(_write(tmp_path, text, "my-npu.toml"))
    assert config.name == "my-npu"  # the file's stem when it has no `name`
    assert config.matrix == load_config("npu-edge").matrix


def test_host_table_is_optional_with_documented_defaults(tmp_path: Path) -> None:
    edge = (hardware.PRESET_DIR / "npu-edge.toml").read_text()
    without_host = edge[: edge.index("[host]")]
    config = load_config(_write(tmp_path, without_host, "no-host.toml"))
    assert config.host == hardware.DEFAULT_HOST == hardware.Host(2.0, 2000)
    partial = _write(tmp_path, without_host + "[host]\nlaunch_cycles = 0\n", "partial.toml")
    assert load_config(partial).host == hardware.Host(2.0, 0)


def test_weight_double_buffering_is_declared_per_design(tmp_path: Path) -> None:
    # The presets modelled on arrays that have it (TPU v1's paper, Gemmini's PE.scala)
    # and the stylised mid-size and large designs; the edge design keeps one register.
    declared = {name: load_config(name).matrix.weight_double_buffer for name in PRESETS}
    assert declared == {
        "gemmini": True,
        "npu-base": True,
        "npu-edge": False,
        "npu-server": True,
        "sram-only": True,
        "tpu-v1": True,
    }
    # A description that does not mention it keeps the serial array of SCALE-Sim.
    edge = (hardware.PRESET_DIR / "npu-edge.toml").read_text()
    without = edge.replace("weight_double_buffer = false", "")
    assert "weight_double_buffer" not in without.split("[vector]")[0]
    config = load_config(_write(tmp_path, without, "plain.toml"))
    assert config.matrix.weight_double_buffer is False
    flipped = derive_config(config, {"matrix.weight_double_buffer": True}, "plain-db")
    assert flipped.matrix.weight_double_buffer is True
    assert flipped.matrix.rows == config.matrix.rows


def test_presets_describe_their_hosts() -> None:
    hosts = {name: load_config(name).host for name in PRESETS}
    assert hosts["npu-base"] == hardware.DEFAULT_HOST
    assert (hosts["npu-edge"].elements_per_cycle, hosts["npu-edge"].launch_cycles) == (1, 500)
    # tpu-v1: 4 elements/ns and 5 us at 700 MHz.
    assert hosts["tpu-v1"].elements_per_cycle * 700 == pytest.approx(4000, rel=0.01)
    assert hosts["tpu-v1"].launch_cycles == 3500
    # Hosts behind PCIe or a network are slower to reach than one on the same chip.
    assert hosts["npu-server"].launch_cycles > hosts["npu-base"].launch_cycles
    assert hosts["sram-only"].launch_cycles > hosts["npu-server"].launch_cycles


def test_base_inherits_and_overrides(tmp_path: Path) -> None:
    parent = _write(tmp_path, 'base = "npu-base"\n[matrix]\nrows = 64\ncols = 64\n', "big.toml")
    child = _write(tmp_path, 'base = "big.toml"\n[sram.act]\nsize = "1 MiB"\n', "bigger.toml")
    config = load_config(child)
    assert (config.name, config.matrix.rows, config.sram.act.size) == ("bigger", 64, 1 << 20)
    assert config.sram.weight == load_config("npu-base").sram.weight
    assert load_config(parent).sram.act.size == 256 << 10


def test_base_cycle_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, 'base = "b.toml"\n', "a.toml")
    _write(tmp_path, 'base = "a.toml"\n', "b.toml")
    with pytest.raises(ConfigError, match="inherits from itself"):
        load_config(str(tmp_path / "a.toml"))


def test_edited_file_is_reloaded(tmp_path: Path) -> None:
    path = _write(tmp_path, 'base = "npu-base"\n[matrix]\nrows = 8\n')
    assert load_config(path).matrix.rows == 8
    Path(path).write_text('base = "npu-base"\n[matrix]\nrows = 16\n# longer\n')
    assert load_config(path).matrix.rows == 16


def test_default_config_is_npu_base_and_settable() -> None:
    assert hardware.resolve_config(None).name == "npu-base"
    try:
        hardware.set_default_config("tpu-v1")
        assert hardware.default_config().name == "tpu-v1"
        assert hardware.resolve_config("") is load_config("tpu-v1")
        assert hardware.resolve_config("npu-edge").name == "npu-edge"
        with pytest.raises(ConfigError):
            hardware.set_default_config("npu-bse")
        assert hardware.default_config_name() == "tpu-v1"
    finally:
        hardware.set_default_config(hardware.DEFAULT_PRESET)


def test_derive_and_register(tmp_path: Path) -> None:
    overrides = {"matrix.rows": 64, "sram.acc.size": 1 << 20}
    wide = derive_config(load_config("npu-base"), overrides, "wide")
    assert (wide.matrix.rows, wide.matrix.cols, wide.sram.acc.size) == (64, 32, 1 << 20)
    with pytest.raises(ConfigError, match=r"field matrix\.cols: expected a positive integer"):
        derive_config(wide, {"matrix.cols": 0}, "broken")
    hardware.register_config(wide)
    assert load_config("wide") is wide
    with pytest.raises(ConfigError, match="cannot replace the preset"):
        hardware.register_config(derive_config(wide, {}, "npu-base"))


def test_npu_opt_rejects_a_bad_config_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "npu_tools.npu_opt", "--config", "npu-bse"],
        input="",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("npu-opt: error: unknown preset 'npu-bse' (known: ")
    assert result.stderr.count("\n") == 1


def test_npu_opt_accepts_a_config_file(tmp_path: Path) -> None:
    path = _write(tmp_path, 'base = "gemmini"\n[matrix]\nrows = 32\n', "wide-gemmini.toml")
    result = subprocess.run(
        [sys.executable, "-m", "npu_tools.npu_opt", "--config", path],
        input='npu.program @p config "npu-base" {\n}\n',
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert 'npu.program @p config "npu-base"' in result.stdout
