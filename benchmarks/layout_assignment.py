"""What `nn-assign-layout` changes: DRAM access runs, cycles and outputs, per model.

Run: python benchmarks/layout_assignment.py [--models resnet18 ...] [--presets npu-base]
         [--precisions int8 bf16]
Results are recorded in docs/lowering.md ("Layout assignment").

Each model is compiled twice with `npu-compile`'s passes: as they are (NHWC
activations, HWIO / [K, N] weights) and with `nn-assign-layout{activations=nchw
weights=model}` (every tensor row-major, as the model gives it). Both programs are
simulated on the same seeded inputs. Per program: DMA descriptors, the contiguous DRAM
runs they touch (a run is a stretch of consecutive addresses one descriptor reads or
writes; a DRAM burst cannot span two), the mean run length in bytes, cycles, and
whether the outputs are bit-identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from math import prod

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as npu-run

import numpy as np
from xdsl.dialects.builtin import ModuleOp

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.common import calibration_and_inputs, machine
from examples.models import MODELS
from interpreter.simulator import simulate_program
from npu_dialect.npu import DmaLoadOp, DmaStoreOp, ProgramOp
from npu_frontend.onnx_import import import_onnx
from npu_tools.npu_run import build_context
from transforms.nn_assign_layout import NNAssignLayoutPass
from transforms.npu_compile import compile_pipeline

DEFAULT_MODELS = ("resnet8", "ds_cnn", "mobilenet_v1_025", "resnet18")
ROW_MAJOR = NNAssignLayoutPass(activations="nchw", weights="model")


@dataclass(frozen=True)
class Access:
    """The DRAM side of a program's DMA descriptors."""

    descriptors: int
    runs: int
    nbytes: int

    @property
    def mean_run_bytes(self) -> float:
        return self.nbytes / self.runs if self.runs else 0.0


def contiguous_runs(box: tuple[int, ...], strides: tuple[int, ...]) -> int:
    """How many stretches of consecutive elements a box with these DRAM strides is:
    the innermost dims merge while each one's stride is the size of those inside."""
    dims = [(n, s) for n, s in zip(box, strides) if n != 1]
    run = 1
    while dims and dims[-1][1] == run:
        run *= dims.pop()[0]
    return prod(box) // run if run else 0


def dram_access(program: ProgramOp) -> Access:
    descriptors = runs = nbytes = 0
    for op in program.body.block.ops:
        if isinstance(op, DmaLoadOp):
            box, tile = op.box, op.dest
        elif isinstance(op, DmaStoreOp):
            tile = op.source
            box = tuple(tile.dims)
        else:
            continue
        strides = tuple(op.strides.get_values())
        descriptors += 1
        runs += contiguous_runs(box, strides)
        nbytes += prod(box) * tile.itemsize
    return Access(descriptors, runs, nbytes)


def compile_program(
    module: ModuleOp, preset: str, precision: str, calibration: str, row_major: bool
) -> ProgramOp:
    passes = compile_pipeline(preset, precision, calibration if precision == "int8" else "")
    if row_major:
        passes = [ROW_MAJOR if p.name == ROW_MAJOR.name else p for p in passes]
    for p in passes:
        p.apply(build_context(), module)
    return next(op for op in module.ops if isinstance(op, ProgramOp))


def compare(name: str, preset: str, precision: str) -> dict[str, object]:
    """Both layouts of one model: access statistics, cycles, identical outputs."""
    imported = import_onnx(MODELS[name]())
    calibration = os.path.join(tempfile.mkdtemp(prefix="layout-"), f"{name}.npz")
    inputs = calibration_and_inputs(imported, calibration)
    row: dict[str, object] = {"model": name, "preset": preset, "precision": precision}
    outputs = []
    for label, row_major in (("assigned", False), ("row_major", True)):
        program = compile_program(imported.clone(), preset, precision, calibration, row_major)
        result, report = simulate_program(program, inputs)
        access = dram_access(program)
        row[label] = {
            "descriptors": access.descriptors,
            "runs": access.runs,
            "mean_run_bytes": access.mean_run_bytes,
            "cycles": report.cycles,
        }
        outputs.append(result)
    row["identical"] = all(
        np.array_equal(outputs[0][key], outputs[1][key]) for key in outputs[0]
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models", nargs="+", default=list(DEFAULT_MODELS), choices=sorted(MODELS)
    )
    parser.add_argument("--presets", nargs="+", default=["npu-base"])
    parser.add_argument("--precisions", nargs="+", default=["int8", "bf16"])
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')}, {machine()}")
    header = (
        f"{'model':<18} {'preset':<10} {'prec':<5} {'layout':<10} {'DMAs':>6} "
        f"{'DRAM runs':>11} {'bytes/run':>9} {'cycles':>11}  identical"
    )
    print(header)
    for name in args.models:
        for preset in args.presets:
            for precision in args.precisions:
                row = compare(name, preset, precision)
                for label in ("assigned", "row_major"):
                    stats = row[label]
                    assert isinstance(stats, dict)
                    print(
                        f"{name:<18} {preset:<10} {precision:<5} {label:<10} "
                        f"{stats['descriptors']:>6,} {stats['runs']:>11,} "
                        f"{stats['mean_run_bytes']:>9.1f} {stats['cycles']:>11,}  "
                        f"{row['identical']}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
