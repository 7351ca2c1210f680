"""Compile and simulate the large and MLPerf Tiny models for every preset and precision.

Run: python benchmarks/compile_models.py [--models resnet18 ...] [--presets npu-base ...]
         [--precisions int8 ...] [--no-check] [--layers resnet18:npu-base:int8] [--json OUT]
Results are recorded in docs/lowering.md ("Benchmarks").

For each model (imported from examples.models once) and each preset whose matrix unit
takes the precision: `npu-compile`'s passes are applied one at a time and timed by
stage (the int8 calibration uses one seeded sample); the program is simulated
(numerics and timing); its outputs are compared with the `quantized` stage run by the
`nn` reference interpreter on the same inputs (int8: 1e-6 of the largest output, only
the float ops after the last dequantize may differ; fp8, bf16, fp16: one unit in the
last place at the largest output, transforms.npu_compile.FLOAT_TOLERANCES); cycles are
compared with the roofline bound of the report. `--layers` prints, for one
model:preset:precision, each layer's cycles and matrix-unit utilisation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as npu-run

import numpy as np  # noqa: E402
from xdsl.dialects.builtin import ModuleOp  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.common import calibration_and_inputs, machine  # noqa: E402
from examples.models import MODELS  # noqa: E402
from interpreter.driver import execute  # noqa: E402
from interpreter.report import Report  # noqa: E402
from interpreter.simulator import simulate_program  # noqa: E402
from npu_dialect.errors import UserError  # noqa: E402
from npu_dialect.hardware import load_config  # noqa: E402
from npu_dialect.npu import ProgramOp  # noqa: E402
from npu_frontend.onnx_import import import_onnx  # noqa: E402
from npu_tools.npu_run import build_context  # noqa: E402
from transforms.npu_compile import (  # noqa: E402
    FLOAT_TOLERANCES,
    PRECISIONS,
    STAGES,
    compile_pipeline,
)

DEFAULT_MODELS = (
    "resnet18",
    "resnet50",
    "mobilenetv2",
    "resnet8",
    "ds_cnn",
    "mobilenet_v1_025",
    "fc_autoencoder",
)
PRESETS = ("npu-edge", "npu-base", "tpu-v1", "gemmini", "npu-server", "sram-only")
TOLERANCE = {"int8": 1e-6, **FLOAT_TOLERANCES}


def relative_error(actual: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> float:
    worst = 0.0
    for key, want in expected.items():
        got = actual[key].astype(np.float64)
        reference = want.astype(np.float64)
        scale = max(float(np.max(np.abs(reference))), 1e-30)
        worst = max(worst, float(np.max(np.abs(got - reference))) / scale)
    return worst


def compile_stages(
    module: ModuleOp, config: str, precision: str, calibration: str
) -> tuple[dict[str, float], ModuleOp]:
    """Apply npu-compile's passes to `module` one by one: seconds per stage, and a copy
    of the module after `quantized` (the reference for the program)."""
    seconds: dict[str, float] = {}
    quantized = module
    done = 0
    for stage in STAGES:
        passes = compile_pipeline(config, precision, calibration, stage)[done:]
        done += len(passes)
        start = time.perf_counter()
        for p in passes:
            p.apply(build_context(), module)
        seconds[stage] = time.perf_counter() - start
        if stage == "quantized":
            quantized = module.clone()
    return seconds, quantized


def layer_table(report: Report) -> list[str]:
    """Each op with matrix work: cycles (first start to last end) and utilisation."""
    lines = [f"  {'layer':<48} {'cycles':>10} {'MACs':>13} {'matrix util':>11}"]
    for name, stats in report.ops.items():
        if stats.macs:
            utilisation = report.mac_utilization(stats.macs, stats.cycles)
            lines.append(
                f"  {name:<48} {stats.cycles:>10,} {stats.macs:>13,} {utilisation:>11.1%}"
            )
    return lines


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    folder = tempfile.mkdtemp(prefix="compile-models-")
    for name in args.models:
        start = time.perf_counter()
        imported = import_onnx(MODELS[name]())
        import_seconds = time.perf_counter() - start
        calibration = os.path.join(folder, f"{name}.npz")
        inputs = calibration_and_inputs(imported, calibration)
        print(f"{name}: imported in {import_seconds:.1f} s", flush=True)
        for preset in args.presets:
            matrix = load_config(preset).matrix
            for precision in args.precisions:
                if not matrix.supports(PRECISIONS[precision]):
                    continue
                module = imported.clone()
                try:
                    seconds, quantized = compile_stages(
                        module, preset, precision, calibration if precision == "int8" else ""
                    )
                    program = next(op for op in module.ops if isinstance(op, ProgramOp))
                    start = time.perf_counter()
                    outputs, report = simulate_program(program, inputs)
                    simulate_seconds = time.perf_counter() - start
                except UserError as failure:
                    rows.append(
                        {
                            "model": name,
                            "preset": preset,
                            "precision": precision,
                            "failure": str(failure),
                        }
                    )
                    print(f"  {preset:<10} {precision:<5} fails: {failure}", flush=True)
                    continue
                error = None
                if args.check:
                    expected = execute(quantized, inputs=inputs).outputs
                    error = relative_error(outputs, expected)
                row: dict[str, object] = {
                    "model": name,
                    "preset": preset,
                    "precision": precision,
                    "instructions": len(program.instructions()),
                    "compile_seconds": seconds,
                    "compile_total_seconds": sum(seconds.values()),
                    "simulate_seconds": simulate_seconds,
                    "cycles": report.cycles,
                    "roofline_cycles": report.roofline_cycles,
                    "roofline_bound": report.to_dict()["roofline"]["bound"],
                    "matrix_utilization": report.mac_utilization(
                        report.totals.macs, report.cycles
                    ),
                    "error": error,
                    "matches": None if error is None else error <= TOLERANCE[precision],
                }
                rows.append(row)
                verdict = "ok" if row["matches"] else "MISMATCH"
                check = "" if error is None else f"  error {error:.2g} ({verdict})"
                print(
                    f"  {preset:<10} {precision:<5} {row['instructions']:>6} instr  "
                    f"compile {row['compile_total_seconds']:6.2f} s "
                    f"(lowering {seconds['npu']:.2f}, "
                    f"allocate+schedule {seconds['allocated']:.2f})  "
                    f"simulate {simulate_seconds:5.2f} s  cycles {report.cycles:>12,}  "
                    f"/ roofline {report.cycles / report.roofline_cycles:5.2f}  "
                    f"matrix {row['matrix_utilization']:6.1%}{check}",
                    flush=True,
                )
                if f"{name}:{preset}:{precision}" in args.layers:
                    print("\n".join(layer_table(report)), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models", nargs="+", default=list(DEFAULT_MODELS), choices=sorted(MODELS)
    )
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=PRESETS)
    parser.add_argument(
        "--precisions", nargs="+", default=list(PRECISIONS), choices=list(PRECISIONS)
    )
    parser.add_argument(
        "--no-check", dest="check", action="store_false", help="skip the reference comparison"
    )
    parser.add_argument(
        "--layers", nargs="*", default=[], help="MODEL:PRESET:PRECISION to print per layer"
    )
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')}, {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    rows = run(args)
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(rows, stream, indent=2)
    failures = [r for r in rows if "failure" in r]
    mismatches = [r for r in rows if r.get("matches") is False]
    print(
        f"{len(rows) - len(failures)} compiled and simulated, {len(failures)} failed to "
        f"compile, {len(mismatches)} mismatches"
    )
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
