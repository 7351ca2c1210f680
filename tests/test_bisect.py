"""npu-bisect names the first pass whose output diverges.

The broken passes are defined here and given to the command as extra passes; they
are not in the project's registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from test_lowering import function
from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i32
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from interpreter.driver import input_signature, random_tensor
from npu_dialect import nn
from npu_dialect.npu import RequantizeOp
from npu_tools.npu_bisect import main
from npu_tools.npu_import import module_text
from transforms import get_all_passes


@dataclass(frozen=True)
class DropFirstReluPass(ModulePass):
    """Broken on purpose: removes the first `nn.relu` of the module."""

    name = "test-drop-first-relu"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        relu = next(o for o in op.walk() if isinstance(o, nn.ReluOp))
        relu.results[0].replace_all_uses_with(relu.operands[0])
        Rewriter.erase_op(relu)


@dataclass(frozen=True)
class NudgeZeroPointPass(ModulePass):
    """Broken on purpose: moves the output zero point of the last `npu.requantize` to
    int8 by one, a change of one int8 step in its tile."""

    name = "test-nudge-zero-point"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        last = [
            o for o in op.walk() if isinstance(o, RequantizeOp) and o.dest.type_name == "i8"
        ][-1]
        last.output_zp = IntegerAttr(last.output_zp.value.data + 1, i32)


@dataclass(frozen=True)
class FailingPass(ModulePass):
    """Broken on purpose: its verifier-breaking rewrite is caught after it runs."""

    name = "test-unverifiable"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        relu = next(o for o in op.walk() if isinstance(o, nn.ReluOp))
        relu.operands = [function(op).body.block.args[0]] * 2


BROKEN = {p.name: (lambda p=p: p) for p in (DropFirstReluPass, NudgeZeroPointPass, FailingPass)}


@pytest.fixture(scope="module")
def lenet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """LeNet-5 as a .mlir file, and a calibration file for it."""
    from test_lowering import _example

    folder = tmp_path_factory.mktemp("lenet")
    module = _example("lenet5")
    path = folder / "lenet5.mlir"
    path.write_text(module_text(module))
    rng = np.random.default_rng(2)
    signature = input_signature(function(module))
    calibration = folder / "calibration.npz"
    samples = {n: np.stack([random_tensor(t, rng) for _ in range(3)]) for n, t in signature}
    np.savez(calibration, **samples)
    return path, calibration


def bisect(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv, extra_passes=BROKEN)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_broken_passes_are_not_registered() -> None:
    assert not set(BROKEN) & set(get_all_passes())


def test_all_passes_agree(lenet: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    path, calibration = lenet
    status, out, _ = bisect(
        [str(path), "-p", f'npu-compile{{config=npu-base calibration="{calibration}"}}'], capsys
    )
    assert status == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == [
        "input",
        "canonicalize",
        f'nn-quantize{{calibration="{calibration}"}}',
        "nn-assign-layout",
        "nn-fuse-epilogue",
        'convert-nn-to-npu{config="npu-base"}',
        "npu-allocate",
        "npu-schedule",
    ]
    assert lines[3].endswith("precision change")
    assert all(line.endswith("agrees") for line in lines[4:-1])
    assert lines[-1] == "no pass diverges"


def test_names_a_float_pass_that_diverges(
    lenet: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = lenet
    pipeline = (
        "canonicalize,nn-convert-precision{precision=bf16},test-drop-first-relu,"
        "convert-nn-to-npu{config=npu-base},npu-allocate,npu-schedule"
    )
    status, out, _ = bisect([str(path), "-p", pipeline, "--seed", "3"], capsys)
    assert status == 2
    lines = out.splitlines()
    assert lines[-2].startswith("test-drop-first-relu") and "diverges" in lines[-2]
    assert lines[-1].startswith("first diverging pass: test-drop-first-relu: output '")


def test_names_an_int8_pass_off_by_one_step(
    lenet: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """One int8 step in one tile: found because, once quantised, outputs must agree
    to 1e-6 (the float tolerance would let it through)."""
    path, calibration = lenet
    pipeline = (
        f'canonicalize,nn-quantize{{calibration="{calibration}"}},'
        "convert-nn-to-npu{config=npu-base},"
        "npu-allocate,test-nudge-zero-point,npu-schedule"
    )
    status, out, _ = bisect([str(path), "-p", pipeline], capsys)
    assert status == 2
    last = out.splitlines()[-1]
    assert last.startswith("first diverging pass: test-nudge-zero-point: output '"), last
    status, out, _ = bisect([str(path), "-p", pipeline, "--tolerance", "0.5"], capsys)
    assert status == 0, out


def test_a_pass_that_breaks_the_ir(
    lenet: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = lenet
    status, out, _ = bisect([str(path), "-p", "canonicalize,test-unverifiable"], capsys)
    assert status == 2
    last = out.splitlines()[-1]
    assert last.startswith("first diverging pass: test-unverifiable: the pass fails:")


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (
            "canonicalize,no-such-pass",
            "npu-bisect: error: --pipeline: Unrecognized passes: ['no-such-pass']",
        ),
        ("npu-compile{stop-after=later}", "npu-bisect: error: stop-after must be one of"),
    ],
)
def test_bad_pipelines(
    pipeline: str, message: str, lenet: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = bisect([str(lenet[0]), "-p", pipeline], capsys)
    assert status == 1 and not out
    assert err.startswith(message) and len(err.strip().splitlines()) == 1
