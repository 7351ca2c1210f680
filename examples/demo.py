"""The end-to-end demo that `make demo` runs.

    python examples/demo.py --out DIR [--model resnet8]

Builds a bundled example model (the MLPerf Tiny ResNet-8 by default) as ONNX in
DIR, then drives the real command-line tools on it, as a user would:

    npu-import   ONNX -> nn dialect
    npu-opt      -p canonicalize
    npu-run      the nn module on seeded inputs (an .npz), outputs to an .npz
    npu-opt      -p 'npu-compile{config=npu-base precision=int8 calibration=...}'
    npu-run      the NPU program: exact simulation plus the cycle/energy report

and compares the outputs with onnxruntime's: the nn level within 1e-4, the int8
NPU program by SQNR against fp32 (at least 25 dB) and top-1. It prints each
command it ran and what it measured, and exits with status 1 if a command fails
or a result is off. A further stage is one more `Step` appended to the list in `pipeline()`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.models import MODELS  # noqa: E402
from examples.models.stats import model_stats  # noqa: E402

RTOL = 1e-4
CONFIG = "npu-base"
CALIBRATION_SAMPLES = 16
# int8 against fp32: the example models keep 30-39 dB (docs/quantization.md).
MIN_SQNR_DB = 25.0
ATOL_FRACTION = 1e-5
"""Tolerances of tests/test_examples.py: relative, plus absolute as a fraction
of the largest reference output."""


class DemoFailure(Exception):
    """A step failed; the message says which and why."""


@dataclass
class Step:
    """One command of the demo, optionally followed by a check of what it wrote.

    `check` returns a one-line summary (e.g. the error against the reference) or
    raises DemoFailure."""

    title: str
    argv: list[str]
    check: Callable[[], str] | None = None
    outcome: str = ""
    """What `check` reported, once the step has run."""


@dataclass
class Workspace:
    """The files of one demo run, all inside `out`."""

    out: Path
    model: str

    def path(self, suffix: str) -> Path:
        return self.out / f"{self.model}{suffix}"


def tool(name: str) -> str:
    """The project's command next to this interpreter (the virtual environment),
    else the one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise DemoFailure(f"command '{name}' not found; is the project installed (make setup)?")
    return found


def shown(path: str | Path) -> str:
    """`path` relative to the working directory if it lies below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def display(argv: list[str]) -> str:
    """The command as a user would type it: tool names bare, paths relative."""
    arguments = [shown(arg) if os.path.isabs(arg) else arg for arg in argv[1:]]
    return shlex.join([Path(argv[0]).name, *arguments])


def count_ops(path: Path) -> Callable[[], str]:
    """A check that summarises the `nn` ops of the module written to `path`."""

    def check() -> str:
        names = re.findall(r"= (nn\.\w+)", path.read_text())
        counts = sorted(Counter(names).items(), key=lambda item: (-item[1], item[0]))
        listed = ", ".join(f"{count} {name}" for name, count in counts)
        return f"{shown(path)}: {len(names)} nn ops ({listed})"

    return check


def compare(outputs: Path, reference: dict[str, np.ndarray]) -> Callable[[], str]:
    """A check that `outputs` (an .npz) holds the reference outputs within tolerance."""

    def check() -> str:
        with np.load(outputs) as data:
            actual = {key: data[key] for key in data.files}
        if sorted(actual) != sorted(reference):
            raise DemoFailure(f"{outputs}: outputs {sorted(actual)}, expected {sorted(reference)}")
        lines = []
        for name, expected in reference.items():
            got = actual[name]
            if got.shape != expected.shape:
                raise DemoFailure(
                    f"{outputs}: '{name}' has shape {got.shape}, expected {expected.shape}"
                )
            error = np.abs(got.astype(np.float64) - expected)
            scale = float(np.abs(expected).max())
            nonzero = expected != 0
            relative = 0.0
            if nonzero.any():
                relative = float((error[nonzero] / np.abs(expected[nonzero])).max())
            within = bool(np.all(error <= RTOL * np.abs(expected) + ATOL_FRACTION * scale))
            lines.append(
                f"'{name}' vs onnxruntime: max abs error {error.max():.2e}, "
                f"max relative error {relative:.2e} ({'ok' if within else 'MISMATCH'})"
            )
            if not within:
                raise DemoFailure("; ".join(lines))
        return "; ".join(lines)

    return check


def accuracy(outputs: Path, reference: dict[str, np.ndarray]) -> Callable[[], str]:
    """A check that int8 `outputs` keep at least MIN_SQNR_DB of the fp32 reference."""

    def check() -> str:
        with np.load(outputs) as data:
            actual = {key: data[key] for key in data.files}
        lines = []
        for name, expected in reference.items():
            got = actual[name].astype(np.float64)
            noise = float(np.sum((got - expected) ** 2))
            signal = float(np.sum(expected.astype(np.float64) ** 2))
            sqnr = 10 * np.log10(signal / noise) if noise > 0 else float("inf")
            top1 = "same" if np.argmax(got) == np.argmax(expected) else "different"
            lines.append(f"'{name}' vs onnxruntime fp32: SQNR {sqnr:.1f} dB, top-1 {top1}")
            if sqnr < MIN_SQNR_DB:
                raise DemoFailure("; ".join(lines) + f" (below {MIN_SQNR_DB} dB)")
        return "; ".join(lines)

    return check


def both(*checks: Callable[[], str]) -> Callable[[], str]:
    return lambda: "\n    ".join(check() for check in checks)


def cycles(report: Path) -> Callable[[], str]:
    def check() -> str:
        data = json.loads(report.read_text())
        return (
            f"{data['cycles']:,} cycles ({data['time_us']:.1f} us at {data['clock_mhz']:.0f} MHz), "
            f"roofline {data['roofline_cycles']:,}, {data['macs']:,} MACs, "
            f"{data['energy_pj'] / 1e6:.1f} uJ -> {shown(report)}"
        )

    return check


def prepare(work: Workspace, seed: int) -> dict[str, np.ndarray]:
    """Write the ONNX model and seeded inputs; return onnxruntime's outputs."""
    model = MODELS[work.model]()
    work.path(".onnx").write_bytes(model.SerializeToString())
    rng = np.random.default_rng(seed)
    inputs = {}
    for value in model.graph.input:
        shape = [dim.dim_value for dim in value.type.tensor_type.shape.dim]
        inputs[value.name] = rng.standard_normal(shape).astype(np.float32)
    np.savez(work.path(".inputs.npz"), **inputs)
    calibration_rng = np.random.default_rng(seed + 1000)
    np.savez(
        work.path(".calibration.npz"),
        **{
            name: calibration_rng.standard_normal((CALIBRATION_SAMPLES, *value.shape))
            .astype(np.float32)
            for name, value in inputs.items()
        },
    )
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [value.name for value in model.graph.output]
    reference = dict(zip(names, session.run(names, inputs), strict=True))
    np.savez(work.path(".reference.npz"), **reference)
    stats = model_stats(model)
    print(
        f"model {work.model}: {stats.parameters:,} parameters, {stats.macs:,} MACs "
        f"-> {shown(work.path('.onnx'))}"
    )
    print(f"inputs (seed {seed}) -> {shown(work.path('.inputs.npz'))}")
    print(f"onnxruntime outputs -> {shown(work.path('.reference.npz'))}")
    return reference


def pipeline(work: Workspace, reference: dict[str, np.ndarray]) -> list[Step]:
    onnx_file, inputs = work.path(".onnx"), work.path(".inputs.npz")
    nn_file, canonical = work.path(".nn.mlir"), work.path(".canonical.mlir")
    nn_outputs = work.path(".nn-outputs.npz")
    program, npu_outputs = work.path(".npu.mlir"), work.path(".npu-outputs.npz")
    report = work.path(".report.json")
    compile_spec = (
        f"npu-compile{{config={CONFIG} precision=int8 "
        f'calibration="{work.path(".calibration.npz")}"}}'
    )
    return [
        Step(
            "import the ONNX model",
            [tool("npu-import"), str(onnx_file), "-o", str(nn_file)],
            check=count_ops(nn_file),
        ),
        Step(
            "canonicalize",
            [tool("npu-opt"), str(nn_file), "-p", "canonicalize", "-o", str(canonical)],
            check=count_ops(canonical),
        ),
        Step(
            "run at the nn level",
            [
                tool("npu-run"),
                str(canonical),
                *("--inputs", str(inputs), "--outputs", str(nn_outputs), "--quiet"),
            ],
            check=compare(nn_outputs, reference),
        ),
        Step(
            f"compile for the NPU ({CONFIG}, int8)",
            [tool("npu-opt"), str(canonical), "-p", compile_spec, "-o", str(program)],
        ),
        Step(
            "simulate on the NPU",
            [
                tool("npu-run"),
                str(program),
                *("--inputs", str(inputs), "--outputs", str(npu_outputs)),
                *("--report-json", str(report), "--quiet"),
            ],
            check=both(accuracy(npu_outputs, reference), cycles(report)),
        ),
    ]


def run_step(step: Step) -> None:
    print(f"\n== {step.title}")
    print(f"$ {display(step.argv)}")
    start = time.perf_counter()
    completed = subprocess.run(step.argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    output = (completed.stdout + completed.stderr).strip()
    if output:
        print("\n".join("  " + line for line in output.splitlines()))
    if completed.returncode != 0:
        raise DemoFailure(f"'{Path(step.argv[0]).name}' exited with status {completed.returncode}")
    print(f"  ({elapsed:.2f} s)")
    if step.check is not None:
        step.outcome = step.check()
        print(f"  {step.outcome}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="directory for every file the demo writes")
    parser.add_argument(
        "--model", default="resnet8", choices=sorted(MODELS), help="example model to run"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    args = parser.parse_args(argv)

    work = Workspace(Path(args.out).resolve(), args.model)
    work.out.mkdir(parents=True, exist_ok=True)
    try:
        reference = prepare(work, args.seed)
        steps = pipeline(work, reference)
        for step in steps:
            run_step(step)
    except DemoFailure as failure:
        print(f"\ndemo: error: {failure}", file=sys.stderr)
        return 1
    print("\n== summary")
    for step in steps:
        print(f"$ {display(step.argv)}")
        if step.outcome:
            print(f"    {step.outcome}")
    print(f"all {len(steps)} steps passed; files in {shown(work.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
