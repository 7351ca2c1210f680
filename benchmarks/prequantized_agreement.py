"""Pre-quantized ONNX models: our import against onnxruntime's int8 execution.

    python benchmarks/prequantized_agreement.py [--models mlp,resnet8] [--samples 16]

Each example model is prepared as onnxruntime documents it
(`quant_pre_process`: shape inference and its graph optimisations, which fold
BatchNormalization into the convolutions) and quantised by `quantize_static`
(per-channel int8 weights, MinMax calibration on seeded standard-normal samples) in
QDQ and QOperator form, with int8 and with uint8 activations. The quantised model is
imported (`npu_frontend.onnx_import`) and run by the `nn` interpreter, and run by
onnxruntime's CPU provider on other seeded samples, twice: with its default graph
optimisations, which execute a QDQ model with its integer kernels (QLinearConv,
QGemm, QLinearAdd, QLinearAveragePool, QLinearSoftmax, ...), and with optimisations
off, which executes a QDQ model as written (float ops between DequantizeLinear and
QuantizeLinear: the ONNX definition). Reported for each: the largest difference of
the outputs in steps (LSB) of the output's quantisation scale, and the fraction of
output values that differ. The results are recorded in docs/quantization.md,
"Pre-quantized models"; tests/test_prequantized.py runs the same functions.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.common import onnxruntime_quantized, samples_for  # noqa: E402
from examples.models import MODELS  # noqa: E402
from interpreter.executor import run_function  # noqa: E402
from npu_frontend.onnx_import import import_onnx  # noqa: E402

DEFAULT_MODELS = ("mlp", "lenet5", "resnet8", "resnet", "mobilenet")
FORMATS = ("qdq", "qoperator")
ACTIVATIONS = ("int8", "uint8")
CALIBRATION_SEED, EVALUATION_SEED = 1000, 1001


def preprocessed(model: onnx.ModelProto) -> onnx.ModelProto:
    """onnxruntime's recommended preparation for quantisation (`quant_pre_process`)."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as directory:
        source, target = os.path.join(directory, "in.onnx"), os.path.join(directory, "out.onnx")
        onnx.save(model, source)
        quant_pre_process(source, target)
        return onnx.load(target)


def quantized(
    model: onnx.ModelProto,
    calibration: list[dict[str, np.ndarray]],
    quant_format: str,
    activations: str,
) -> onnx.ModelProto:
    """`model` quantised by onnxruntime's `quantize_static` (see benchmarks/common.py)."""
    return onnxruntime_quantized(model, calibration, quant_format, activations)


def output_scale(model: onnx.ModelProto) -> float:
    """The quantisation step of the first graph output (it comes out of a
    DequantizeLinear with a constant scale in onnxruntime's quantised models)."""
    name = model.graph.output[0].name
    producer = next(node for node in model.graph.node if name in node.output)
    assert producer.op_type == "DequantizeLinear", producer.op_type
    scales = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    return float(scales[producer.input[1]])


def onnxruntime_outputs(
    model: onnx.ModelProto, samples: list[dict[str, np.ndarray]], optimize: bool = True
) -> list[np.ndarray]:
    """The first output of onnxruntime's CPU run of `model` on each sample, with its
    default graph optimisations or none."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return [session.run(None, sample)[0] for sample in samples]


@dataclass
class Agreement:
    """How our import of a quantised model agrees with one onnxruntime run of it."""

    max_lsb: int
    """The largest output difference in steps of the output scale."""
    differing: float
    """The fraction of output values that differ."""

    @staticmethod
    def of(got: list[np.ndarray], expected: list[np.ndarray], scale: float) -> Agreement:
        differences = [
            np.abs(g.astype(np.float64) - e.astype(np.float64)).ravel()
            for g, e in zip(got, expected)
        ]
        steps = np.concatenate(differences) / scale
        return Agreement(int(np.rint(steps.max())), float(np.mean(steps > 0.5)))

    def __str__(self) -> str:
        return f"{self.max_lsb} ({100 * self.differing:.1f}%)"


def agreement(
    model: onnx.ModelProto, samples: list[dict[str, np.ndarray]]
) -> tuple[Agreement, Agreement]:
    """Imports `model`, runs it with the `nn` interpreter and onnxruntime on
    `samples` and compares the first outputs: with onnxruntime's default
    optimisations, and with none."""
    module = import_onnx(model)
    got = [next(iter(run_function(module, sample).values())) for sample in samples]
    scale = output_scale(model)
    return (
        Agreement.of(got, onnxruntime_outputs(model, samples), scale),
        Agreement.of(got, onnxruntime_outputs(model, samples, optimize=False), scale),
    )


def measure(name: str, samples: int) -> dict[tuple[str, str], tuple[Agreement, Agreement]]:
    """Agreement of model `name` for every format and activation type."""
    model = preprocessed(MODELS[name]())
    calibration = samples_for(model, 8, CALIBRATION_SEED)
    evaluation = samples_for(model, samples, EVALUATION_SEED)
    return {
        (quant_format, activations): agreement(
            quantized(model, calibration, quant_format, activations), evaluation
        )
        for quant_format in FORMATS
        for activations in ACTIVATIONS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--samples", type=int, default=16)
    args = parser.parse_args()
    import onnxruntime

    columns = [(f, a) for f in FORMATS for a in ACTIVATIONS]
    print(
        f"# {platform.machine()}, onnxruntime {onnxruntime.__version__}, "
        f"{args.samples} evaluation samples; max LSB (share of differing outputs), "
        "against onnxruntime optimised / unoptimised"
    )
    print("| model | " + " | ".join(f"{f} {a}" for f, a in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name in args.models.split(","):
        results = measure(name, args.samples)
        cells = [f"{results[c][0]} / {results[c][1]}" for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
