"""Output SQNR of the example models at int8, fp8, fp16 and bf16, against fp32, with
onnxruntime's static quantizer (QDQ, per-channel, MinMax, int8) as the anchor.

    python benchmarks/quantization_accuracy.py [--models mlp,resnet] [--markdown]

Every model gets the same seeded standard-normal samples: a calibration set for
`nn-quantize`, `nn-convert-precision{precision=fp8}` and onnxruntime's
`quantize_static`, and a disjoint evaluation set. The SQNR is over all outputs of the
evaluation set (first graph output), each framework against its own fp32 run.
The results are recorded in docs/quantization.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.common import onnxruntime_quantized, samples_for  # noqa: E402
from examples.models import MODELS  # noqa: E402
from interpreter.executor import run_function  # noqa: E402
from npu_frontend.onnx_import import import_onnx  # noqa: E402
from npu_tools.npu_quant_report import lower_precision, sqnr  # noqa: E402
from transforms.quantization.calibration import entry_function  # noqa: E402

DEFAULT_MODELS = ("mlp", "lenet5", "resnet", "mobilenet", "transformer", "resnet8")
PRECISIONS = ("int8", "int8-percentile", "int8-entropy", "fp8", "fp16", "bf16")
"""int8 is nn-quantize's default (minmax); int8-METHOD uses another range method."""


@dataclass
class ModelAccuracy:
    name: str
    sqnr: dict[str, float] = field(default_factory=dict)
    """Output SQNR in dB by precision, plus "ort-int8" for onnxruntime."""
    seconds: float = 0.0


def _stack(samples: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.stack([s[name] for s in samples]) for name in samples[0]}


def onnxruntime_int8_sqnr(
    model: onnx.ModelProto,
    calibration: list[dict[str, np.ndarray]],
    evaluation: list[dict[str, np.ndarray]],
) -> float:
    """SQNR of onnxruntime's static int8 quantisation (QDQ, per-channel weights,
    MinMax calibration, int8 activations and weights) against its fp32 run."""
    import onnxruntime as ort

    quantized_model = onnxruntime_quantized(model, calibration)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    providers = ["CPUExecutionProvider"]
    reference = ort.InferenceSession(model.SerializeToString(), options, providers=providers)
    quantized = ort.InferenceSession(
        quantized_model.SerializeToString(), options, providers=providers
    )
    want = [reference.run(None, sample)[0] for sample in evaluation]
    got = [quantized.run(None, sample)[0] for sample in evaluation]
    return sqnr(np.concatenate([w.ravel() for w in want]), np.concatenate([g.ravel() for g in got]))


def measure(
    name: str,
    precisions: tuple[str, ...] = PRECISIONS,
    calibration_count: int = 32,
    evaluation_count: int = 16,
    seed: int = 1000,
    with_onnxruntime: bool = True,
) -> ModelAccuracy:
    """Output SQNR of model `name` at each precision (ours) and onnxruntime's int8."""
    start = time.perf_counter()
    model = MODELS[name]()
    calibration = samples_for(model, calibration_count, seed)
    evaluation = samples_for(model, evaluation_count, seed + 1)
    result = ModelAccuracy(name)
    module = import_onnx(model)
    with tempfile.TemporaryDirectory() as directory:
        calibration_path = os.path.join(directory, "calibration.npz")
        np.savez(calibration_path, **_stack(calibration))
        for precision in precisions:
            base, _, method = precision.partition("-")
            options = {"method": method} if method else {}
            reference, lowered = lower_precision(module, base, calibration_path, **options)
            entry = entry_function(reference).sym_name.data
            want, got = [], []
            for sample in evaluation:
                want.append(next(iter(run_function(reference, sample, entry).values())))
                got.append(next(iter(run_function(lowered, sample, entry).values())))
            result.sqnr[precision] = sqnr(
                np.concatenate([w.ravel() for w in want]), np.concatenate([g.ravel() for g in got])
            )
    if with_onnxruntime:
        result.sqnr["ort-int8"] = onnxruntime_int8_sqnr(model, calibration, evaluation)
    result.seconds = time.perf_counter() - start
    return result


def markdown_table(results: list[ModelAccuracy]) -> str:
    columns = ["int8", "ort-int8", "int8-percentile", "int8-entropy", "fp8", "fp16", "bf16"]
    header = (
        "| model | int8 (ours, minmax) | int8 (onnxruntime, minmax) | int8 (percentile 99.99) "
        "| int8 (entropy) | fp8 e4m3 | fp16 | bf16 |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for result in results:
        cells = [f"{result.sqnr[c]:.1f}" if c in result.sqnr else "-" for c in columns]
        lines.append(f"| {result.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--calibration-samples", type=int, default=32)
    parser.add_argument("--evaluation-samples", type=int, default=16)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()
    results = []
    for name in args.models.split(","):
        result = measure(name, PRECISIONS, args.calibration_samples, args.evaluation_samples)
        results.append(result)
        values = "  ".join(f"{k} {v:5.1f}" for k, v in result.sqnr.items())
        print(f"{name:12s} {values}  ({result.seconds:.1f} s)", flush=True)
    if args.markdown:
        print()
        print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
              f"{args.calibration_samples} calibration / {args.evaluation_samples} evaluation samples")
        print(markdown_table(results))


if __name__ == "__main__":
    main()
