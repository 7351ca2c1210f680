"""`npu-bisect`: find the first pass of a pipeline whose output diverges.

    npu-bisect MODEL.mlir --pipeline 'canonicalize,nn-quantize{calibration="c.npz"},...'
               [--inputs IN.npz | --seed N] [--tolerance T] [--entry main] [--config C]

The module is run as given (the reference), then after each pass of the pipeline in
turn, always on the same inputs, with the project's run driver (what `npu-run` does).
Each run is compared with the one before it: integer outputs exactly, float outputs
within a tolerance relative to the largest magnitude of the earlier output. By
default that is 1e-6 once the module is quantised to int8 (only float ops after the
last dequantize may differ), one unit in the last place of the coarsest float type
it computes in (fp8 0.125, bf16 2^-7, fp16 2^-10: `transforms.npu_compile.
FLOAT_TOLERANCES`, docs/lowering.md), else 1e-5 (f32 rewrites such as batch-norm folding);
`--tolerance` sets one for every pass. `npu-compile` in the pipeline is expanded into
the passes it runs. A pass that changes precision (`nn-quantize`,
`nn-convert-precision`) is expected to change the numbers: its error is shown and its
outputs become the reference for the rest. The table goes to stdout; the exit status
is 0 when every pass agrees, 2 when one diverges (it is named), 1 for bad input.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as npu-run (see there)

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
from xdsl.dialects.builtin import (  # noqa: E402
    BFloat16Type,
    Float8E4M3FNType,
    Float16Type,
    ModuleOp,
    TensorType,
)
from xdsl.passes import ModulePass, PassPipeline  # noqa: E402
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException  # noqa: E402

from npu_dialect.errors import UserError  # noqa: E402
from npu_dialect.npu import DramOp  # noqa: E402
from npu_tools.diagnostics import guarded, verify_module  # noqa: E402
from npu_tools.npu_run import build_context, load_module, read_inputs  # noqa: E402

TOOL = "npu-bisect"
PRECISION_PASSES = ("nn-quantize", "nn-convert-precision")
"""Passes whose purpose is to change the numbers."""

INT8_TOLERANCE = 1e-6
F32_TOLERANCE = 1e-5
QUANTISED_OPS = ("nn.quantize", "npu.requantize")
"""Ops that only an int8-quantised module contains."""
LOW_PRECISION_TYPES = {Float8E4M3FNType: "fp8", BFloat16Type: "bf16", Float16Type: "fp16"}
"""Float element types below f32, coarsest first, and their precision names."""

PassRegistry = Mapping[str, Callable[[], type[ModulePass]]]


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Upstream xDSL passes and the project's, as npu-opt knows them."""
    from xdsl.transforms import get_all_passes as upstream_passes

    from npu_tools.npu_opt import merge_registries
    from transforms import get_all_passes

    return merge_registries(upstream_passes(), get_all_passes(), "pass")


def parse_pipeline(
    spec: str, registry: PassRegistry, module: ModuleOp | None = None
) -> list[ModulePass]:
    """The passes of an `npu-opt -p` specification, `npu-compile` expanded (for
    `module`, which may be quantised already: then without nn-quantize)."""
    from transforms.npu_compile import NPUCompilePass, compile_pipeline, is_prequantized

    try:
        passes = PassPipeline.parse_spec(dict(registry), spec).passes
    except ArgSpecParseError as error:  # a BaseException
        problem = str(error).strip().splitlines()[-1].strip()
        raise UserError(f"--pipeline: {problem}") from None
    except (ValueError, TypeError) as error:
        raise UserError(f"--pipeline: {str(error).strip().splitlines()[0]}") from None
    expanded: list[ModulePass] = []
    for p in passes:
        if isinstance(p, NPUCompilePass):
            prequantized = module is not None and is_prequantized(module)
            expanded.extend(
                compile_pipeline(p.config, p.precision, p.calibration, p.stop_after, prequantized)
            )
        else:
            expanded.append(p)
    return expanded


@dataclass
class Step:
    """One row of the report: the run after `name` compared with the one before."""

    name: str
    tolerance: float | None
    error: float | None
    """Largest difference relative to the earlier output's largest magnitude (0:
    bit-identical); None for the reference run."""
    verdict: str
    """`reference`, `agrees`, `precision change` or `diverges`."""
    detail: str = ""


def structure_mismatch(
    actual: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray]
) -> str:
    """Why the two sets of outputs cannot be compared (names, shapes, dtypes), or ""."""
    if list(actual) != list(expected):
        return f"outputs {list(actual)} instead of {list(expected)}"
    for key, want in expected.items():
        got = np.asarray(actual[key])
        if got.shape != want.shape or got.dtype != want.dtype:
            return (
                f"output '{key}' is {got.dtype}{list(got.shape)} instead of "
                f"{want.dtype}{list(want.shape)}"
            )
    return ""


def difference(
    actual: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray], tolerance: float
) -> tuple[float, str]:
    """(largest relative error over float outputs, why the outputs diverge or "") for
    outputs of the same names, shapes and dtypes."""
    worst = 0.0
    for key, want in expected.items():
        got = np.asarray(actual[key])
        if want.dtype.kind in "iub":
            if not np.array_equal(got, want):
                count = int(np.sum(got != want))
                return worst, f"output '{key}' differs in {count} integer elements"
            continue
        wide, reference = got.astype(np.float64), want.astype(np.float64)
        if not np.array_equal(np.isnan(wide), np.isnan(reference)):
            return worst, f"output '{key}' has NaNs in other places"
        scale = max(float(np.nanmax(np.abs(reference), initial=0.0)), 1e-30)
        error = float(np.nanmax(np.abs(wide - reference), initial=0.0)) / scale
        worst = max(worst, error)
        if error > tolerance:
            return worst, f"output '{key}' differs by {error:.3g} of its largest magnitude"
    return worst, ""


def default_tolerance(module: ModuleOp) -> float:
    """The float tolerance for a pass applied to `module`: by the precision it
    computes in (the coarsest float type it has, `float_tolerance`)."""
    from transforms.npu_compile import float_tolerance

    found: set[type] = set()
    for op in module.walk():
        if op.name in QUANTISED_OPS:
            return INT8_TOLERANCE
        types = [op.tensor_type] if isinstance(op, DramOp) else op.result_types
        found.update(
            type(t.element_type)
            for t in types
            if isinstance(t, TensorType) and type(t.element_type) in LOW_PRECISION_TYPES
        )
    for element_type, precision in LOW_PRECISION_TYPES.items():
        if element_type in found:
            return float_tolerance(precision)
    return F32_TOLERANCE


def bisect(
    module: ModuleOp,
    passes: list[ModulePass],
    inputs: Mapping[str, np.ndarray] | None,
    tolerance: float | None = None,
    entry: str | None = None,
    seed: int = 0,
) -> list[Step]:
    """Run `module` and then each pass in turn on it (in place), comparing every run
    with the one before (`tolerance` None: `default_tolerance` of the module the pass
    gets); stop after the first pass that diverges (its step is last). Without
    `inputs`, every run draws the same inputs from `seed`."""
    from interpreter.driver import execute

    ctx = build_context()
    previous = execute(module, entry, inputs, seed=seed).outputs
    steps = [Step("input", None, None, "reference")]
    for p in passes:
        name = str(p.pipeline_pass_spec())
        allowed = default_tolerance(module) if tolerance is None else tolerance
        try:
            p.apply(ctx, module)
            verify_module(module, name)
        except (UserError, DiagnosticException) as error:
            first = str(error).strip().splitlines()[0]
            steps.append(Step(name, allowed, None, "diverges", f"the pass fails: {first}"))
            return steps
        outputs = execute(module, entry, inputs, seed=seed).outputs
        mismatch = structure_mismatch(outputs, previous)
        if mismatch:
            steps.append(Step(name, allowed, None, "diverges", mismatch))
            return steps
        error, why = difference(outputs, previous, allowed)
        if p.name in PRECISION_PASSES:
            steps.append(Step(name, allowed, error, "precision change"))
        elif why:
            steps.append(Step(name, allowed, error, "diverges", why))
            return steps
        else:
            steps.append(Step(name, allowed, error, "agrees"))
        previous = outputs
    return steps


def render(steps: list[Step]) -> str:
    """The report: pass, largest float error, tolerance, verdict."""
    width = max(len(step.name) for step in steps)
    lines = [f"{'pass':<{width}}  {'error':>13}  {'tolerance':>9}  verdict"]
    for step in steps:
        if step.error is None:
            error = "-"
        elif step.error == 0:
            error = "bit-identical"
        else:
            error = f"{step.error:.3g}"
        judged = step.tolerance is not None and step.verdict != "precision change"
        allowed = f"{step.tolerance:g}" if judged else "-"
        detail = f" ({step.detail})" if step.detail else ""
        lines.append(f"{step.name:<{width}}  {error:>13}  {allowed:>9}  {step.verdict}{detail}")
    last = steps[-1]
    if last.verdict == "diverges":
        lines.append(f"first diverging pass: {last.name}: {last.detail}")
    else:
        lines.append("no pass diverges")
    return "\n".join(lines)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=TOOL, description=__doc__.split("\n")[0])
    parser.add_argument("input", help=".mlir module to start from (any level)")
    parser.add_argument(
        "--pipeline", "-p", required=True, help="passes as for npu-opt -p (npu-compile is expanded)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--inputs", help=".npz file of inputs keyed by input name")
    source.add_argument("--seed", type=int, default=0, help="seed for random inputs (default 0)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        help="largest float difference, relative to the largest output magnitude "
        "(default: 1e-6 once quantised to int8, one ulp in fp8/bf16/fp16, else 1e-5)",
    )
    parser.add_argument(
        "--entry", default=None, help="function to run (default: main or the only one)"
    )
    parser.add_argument("--config", default=None, help="default hardware description for passes")
    return parser


def run(args: argparse.Namespace, registry: PassRegistry) -> int:
    if args.config is not None:
        from npu_dialect.hardware import set_default_config

        set_default_config(args.config)
    module = load_module(args.input)
    passes = parse_pipeline(args.pipeline, registry, module)
    inputs = read_inputs(args.inputs) if args.inputs else None
    steps = bisect(module, passes, inputs, args.tolerance, args.entry, args.seed)
    print(render(steps))
    return 2 if steps[-1].verdict == "diverges" else 0


def main(argv: list[str] | None = None, extra_passes: PassRegistry | None = None) -> None:
    """The command; `extra_passes` adds passes to the registry (e.g. one's own)."""
    args = make_parser().parse_args(argv)
    registry = {**available_passes(), **(extra_passes or {})}
    status = guarded(TOOL, lambda: run(args, registry))
    sys.stdout.flush()
    raise SystemExit(status)


if __name__ == "__main__":
    main()
