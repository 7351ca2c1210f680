"""Precision vs accuracy vs cycles vs energy on one NPU design.

    python benchmarks/precision_tradeoff.py [--config npu-base] [--models resnet,transformer]
                                            [--samples 4] [--plot docs/img/precision_tradeoff.png]

For each model and each precision (int8, fp8, fp16, bf16) the fp32 model is compiled
with `npu-compile` down to the final `allocated` stage, and the NPU program is
simulated on seeded evaluation inputs. Accuracy is the output SQNR of the simulated NPU
against the fp32 reference interpreter; cycles and energy come from the simulator's
report for one inference. Calibration (int8, fp8) uses 32 seeded samples disjoint from
the evaluation samples. Results are recorded in docs/quantization.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.common import machine  # noqa: E402
from examples.models import MODELS  # noqa: E402
from interpreter.driver import execute  # noqa: E402
from interpreter.executor import run_function  # noqa: E402
from npu_frontend.onnx_import import import_onnx  # noqa: E402
from npu_tools.npu_quant_report import sqnr_db  # noqa: E402
from npu_tools.npu_run import build_context  # noqa: E402
from transforms.npu_compile import compile_pipeline  # noqa: E402

PRECISIONS = ("int8", "fp8", "fp16", "bf16")
CALIBRATION_SAMPLES = 32


@dataclass
class Point:
    model: str
    precision: str
    sqnr_db: float
    cycles: int
    energy_uj: float
    instructions: int
    compile_s: float



def measure(name: str, config: str, samples: int, workdir: str) -> list[Point]:
    model = MODELS[name]()
    reference_module = import_onnx(model)
    func = next(op for op in reference_module.walk() if op.name == "func.func")
    shapes = {
        arg_name: tuple(arg.type.get_shape())
        for arg_name, arg in zip(
            [a.data["nn.name"].data for a in func.arg_attrs.data], func.body.block.args
        )
    }
    rng = np.random.default_rng(2024)
    calibration = os.path.join(workdir, f"{name}.calibration.npz")
    np.savez(
        calibration,
        **{
            k: rng.standard_normal((CALIBRATION_SAMPLES, *shape)).astype(np.float32)
            for k, shape in shapes.items()
        },
    )
    evaluation = [
        {k: rng.standard_normal(shape).astype(np.float32) for k, shape in shapes.items()}
        for _ in range(samples)
    ]
    references = [run_function(reference_module, inputs) for inputs in evaluation]
    points = []
    for precision in PRECISIONS:
        module = import_onnx(model)
        start = time.perf_counter()
        needs_calibration = precision in ("int8", "fp8")
        passes = compile_pipeline(config, precision, calibration if needs_calibration else "")
        for compile_pass in passes:
            compile_pass.apply(build_context(), module)
        compile_s = time.perf_counter() - start
        signal = noise = 0.0
        report = None
        for inputs, reference in zip(evaluation, references):
            result = execute(module, None, inputs)
            report = result.report
            for key, want in reference.items():
                got = np.asarray(result.outputs[key], dtype=np.float64)
                want = want.astype(np.float64)
                signal += float(np.sum(want**2))
                noise += float(np.sum((got - want) ** 2))
        data = json.loads(report.to_json())
        points.append(
            Point(
                name,
                precision,
                sqnr_db(signal, noise),
                int(data["cycles"]),
                float(data["energy_pj"]) / 1e6,
                int(data["instructions"]),
                compile_s,
            )
        )
        print(
            f"{name:12} {precision:5} SQNR {points[-1].sqnr_db:6.1f} dB  "
            f"{points[-1].cycles:>10,} cycles  {points[-1].energy_uj:9.2f} uJ",
            flush=True,
        )
    return points


def markdown(points: list[Point], config: str) -> str:
    lines = [
        f"| model | precision | output SQNR (dB) | cycles on {config} | energy (uJ) | instructions |",
        "|---|---|---|---|---|---|",
    ]
    for p in points:
        lines.append(
            f"| {p.model} | {p.precision} | {p.sqnr_db:.1f} | {p.cycles:,} | "
            f"{p.energy_uj:.2f} | {p.instructions:,} |"
        )
    return "\n".join(lines)


def plot(points: list[Point], path: str, config: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = sorted({p.model for p in points})
    figure, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4.2))
    axes = np.atleast_1d(axes)
    for axis, model in zip(axes, models):
        chosen = [p for p in points if p.model == model]
        scatter = axis.scatter(
            [p.cycles for p in chosen],
            [p.sqnr_db for p in chosen],
            s=[40 + 8 * p.energy_uj / max(q.energy_uj for q in chosen) * 30 for p in chosen],
            c=[p.energy_uj for p in chosen],
            cmap="viridis",
        )
        for p in chosen:
            axis.annotate(p.precision, (p.cycles, p.sqnr_db), textcoords="offset points",
                          xytext=(6, 4))
        axis.set_title(f"{model} on {config}")
        axis.set_xlabel("cycles per inference")
        axis.set_ylabel("output SQNR vs fp32 (dB)")
        axis.grid(alpha=0.3)
        figure.colorbar(scatter, ax=axis, label="energy (uJ)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="npu-base")
    parser.add_argument("--models", default="resnet,transformer")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--plot", default=None, help="write a PNG plot (needs matplotlib)")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')}, {machine()}")
    points: list[Point] = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.models.split(","):
            points.extend(measure(name, args.config, args.samples, workdir))
    print()
    print(markdown(points, args.config))
    if args.plot:
        plot(points, args.plot, args.config)
        print(f"\nplot written to {args.plot}")


if __name__ == "__main__":
    main()
