"""`npu-quant-report`: where a low-precision model loses accuracy, layer by layer.

    npu-quant-report MODEL.mlir --inputs IN.npz --precision int8 --calibration C.npz
                     [--method percentile] [--json OUT.json]

MODEL.mlir is a float `nn` module. It is canonicalized (the fp32 reference) and
lowered to the precision the way `npu-compile` does it (`nn-quantize` for int8,
`nn-convert-precision` for bf16, fp16 and fp8); both run in the reference interpreter
on every sample of IN.npz (keyed by input name, leading sample axis). The table gives,
for every named value of the reference that the low-precision model still computes,
the SQNR of the low-precision value against the fp32 one over all samples, and for the
outputs the SQNR and the top-1 agreement (argmax over the last dim).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter
from xdsl.ir import Operation, SSAValue
from xdsl.transforms.canonicalize import CanonicalizePass

from interpreter.executor import result_names, run_function
from interpreter.kernels.quant import dequantize
from npu_dialect.errors import UserError
from npu_tools.diagnostics import guarded
from npu_tools.npu_run import load_module, write_text
from transforms.nn_convert_precision import NNConvertPrecisionPass
from transforms.nn_quantize import NNQuantizePass
from transforms.quantization.calibration import entry_function, load_samples
from transforms.quantization.params import params_of

TOOL = "npu-quant-report"
PRECISIONS = ("int8", "fp8", "fp16", "bf16")


def sqnr_db(signal_energy: float, noise_energy: float) -> float:
    """10 log10(signal / noise); inf when there is no noise."""
    if noise_energy == 0:
        return math.inf
    if signal_energy == 0:
        return -math.inf
    return 10.0 * math.log10(signal_energy / noise_energy)


def sqnr(reference: np.ndarray, test: np.ndarray) -> float:
    """SQNR of `test` against `reference`, in dB."""
    reference = np.asarray(reference, dtype=np.float64)
    error = reference - np.asarray(test, dtype=np.float64)
    return sqnr_db(float(np.sum(reference**2)), float(np.sum(error**2)))


def lower_precision(
    module: ModuleOp,
    precision: str,
    calibration: str | None = None,
    **options: object,
) -> tuple[ModuleOp, ModuleOp]:
    """(fp32 reference, low-precision module): canonicalized copies of `module`, the
    second lowered to `precision`. `options` go to `nn-quantize` (int8)."""
    if precision not in PRECISIONS:
        raise UserError(f"precision must be one of {', '.join(PRECISIONS)}, got '{precision}'")
    reference = module.clone()
    CanonicalizePass().apply(Context(), reference)
    lowered = reference.clone()
    if precision == "int8":
        if not calibration:
            raise UserError("precision int8 needs --calibration")
        NNQuantizePass(calibration=calibration, **options).apply(Context(), lowered)  # type: ignore[arg-type]
    else:
        # Only fp8 scales activations from samples; bf16 and fp16 need none.
        sample_file = calibration if precision == "fp8" and calibration else ""
        NNConvertPrecisionPass(precision=precision, calibration=sample_file).apply(
            Context(), lowered
        )
    return reference, lowered


class _Recorder(Interpreter.Listener):
    """Keeps every named op result of one run."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[SSAValue, np.ndarray]] = {}

    def did_interpret_op(self, op: Operation, results: tuple[object, ...]) -> None:
        for result, value in zip(op.results, results, strict=True):
            if result.name_hint and isinstance(value, np.ndarray):
                self.values[result.name_hint] = (result, value)


def _real(value: SSAValue, array: np.ndarray) -> np.ndarray | None:
    """The real values an array of the low-precision model stands for."""
    if array.dtype.kind in "iu":
        params = params_of(value)
        if params is None:
            return None
        return dequantize(array, params.scale, params.zero_point)
    return array.astype(np.float64)


@dataclass
class LayerRow:
    name: str
    op: str
    type: str
    sqnr_db: float


@dataclass
class OutputRow:
    name: str
    sqnr_db: float
    top1_agreement: float | None


@dataclass
class Report:
    precision: str
    samples: int
    layers: list[LayerRow]
    outputs: list[OutputRow]

    def to_text(self) -> str:
        width = max([len("layer"), *(len(row.name) for row in self.layers)])
        lines = [
            f"precision {self.precision}, {self.samples} samples",
            f"{'layer':<{width}}  {'op':<16} {'type':<8} {'SQNR dB':>8}",
        ]
        for row in self.layers:
            lines.append(f"{row.name:<{width}}  {row.op:<16} {row.type:<8} {row.sqnr_db:>8.1f}")
        lines.append("")
        for output in self.outputs:
            agreement = (
                "" if output.top1_agreement is None else f", top-1 agreement {output.top1_agreement:.1%}"
            )
            lines.append(f'output "{output.name}": SQNR {output.sqnr_db:.1f} dB{agreement}')
        return "\n".join(lines)

    def to_json(self) -> str:
        def finite(value: float | None) -> float | str | None:
            return value if value is None or math.isfinite(value) else str(value)

        data = asdict(self)
        for row in data["layers"]:
            row["sqnr_db"] = finite(row["sqnr_db"])
        for row in data["outputs"]:
            row["sqnr_db"] = finite(row["sqnr_db"])
        return json.dumps(data, indent=2)


def compare(
    reference: ModuleOp, lowered: ModuleOp, samples: Sequence[dict[str, np.ndarray]], precision: str
) -> Report:
    """Run both modules on every sample and compare named values and outputs."""
    entry = entry_function(reference).sym_name.data
    energies: dict[str, list[float]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    outputs: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for sample in samples:
        want, got = _Recorder(), _Recorder()
        expected = run_function(reference, sample, entry=entry, listeners=[want])
        actual = run_function(lowered, sample, entry=entry, listeners=[got])
        for name, (value, array) in want.values.items():
            if array.dtype.kind != "f" or value.owner.name == "nn.constant":
                continue
            match = got.values.get(f"{name}_q") or got.values.get(name)
            real = None if match is None else _real(*match)
            if real is None or real.shape != array.shape:
                continue
            reference_values = array.astype(np.float64)
            totals = energies.setdefault(name, [0.0, 0.0])
            totals[0] += float(np.sum(reference_values**2))
            totals[1] += float(np.sum((reference_values - real) ** 2))
            kinds[name] = (value.owner.name, str(match[0].type.element_type))  # type: ignore[union-attr]
        for name, value in expected.items():
            outputs.setdefault(name, []).append((value, actual[name]))
    layers = [
        LayerRow(name, kinds[name][0], kinds[name][1], sqnr_db(*energy))
        for name, energy in energies.items()
    ]
    rows = []
    for name in result_names(entry_function(reference)):
        pairs = outputs[name]
        want_all = np.concatenate([np.ravel(w) for w, _ in pairs])
        got_all = np.concatenate([np.ravel(g) for _, g in pairs])
        top1 = None
        if pairs[0][0].ndim >= 1 and pairs[0][0].shape[-1] > 1:
            agree = [np.argmax(w, axis=-1) == np.argmax(g, axis=-1) for w, g in pairs]
            top1 = float(np.mean(np.concatenate([np.ravel(a) for a in agree])))
        rows.append(OutputRow(name, sqnr(want_all, got_all), top1))
    return Report(precision, len(samples), layers, rows)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=TOOL, description=__doc__.split("\n")[0])
    parser.add_argument("model", help="float nn module (.mlir)")
    parser.add_argument("--inputs", required=True, help=".npz of evaluation samples")
    parser.add_argument("--precision", required=True, choices=PRECISIONS)
    parser.add_argument("--calibration", help=".npz of calibration samples (int8; fp8 optional)")
    parser.add_argument("--method", default="minmax", help="int8 range method: minmax, percentile or entropy")
    parser.add_argument("--percentile", type=float, default=99.99)
    parser.add_argument("--activations", default="asymmetric")
    parser.add_argument("--first-last-float", action="store_true")
    parser.add_argument("--json", help="write the report as JSON to this file")
    return parser


def run(args: argparse.Namespace) -> Report:
    module = load_module(args.model)
    options = {}
    if args.precision == "int8":
        options = {
            "method": args.method,
            "percentile": args.percentile,
            "activations": args.activations,
            "first_last_float": args.first_last_float,
        }
    reference, lowered = lower_precision(module, args.precision, args.calibration, **options)
    samples = load_samples(args.inputs, entry_function(reference), "inputs file")
    report = compare(reference, lowered, samples, args.precision)
    print(report.to_text())
    if args.json:
        write_text(args.json, report.to_json())
    return report


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    guarded(TOOL, lambda: run(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
