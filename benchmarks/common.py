"""Pieces the benchmarks share: the machine line of a result, seeded model inputs,
and onnxruntime's static quantizer as the anchor the project is compared with."""

from __future__ import annotations

import os
import platform
import tempfile

import numpy as np
import onnx
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp

from interpreter.driver import input_signature, random_tensor


def machine() -> str:
    """CPU model, core count and the Python and numpy versions, for the record."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as stream:
            names = [
                line.split(":", 1)[1].strip() for line in stream if line.startswith("model name")
            ]
        model = names[0] if names else model
    except OSError:
        pass
    python = platform.python_version()
    return f"{model}, {os.cpu_count()} cores, Python {python}, numpy {np.__version__}"


def samples_for(model: onnx.ModelProto, count: int, seed: int) -> list[dict[str, np.ndarray]]:
    """`count` seeded standard-normal input dicts for the model's graph inputs."""
    rng = np.random.default_rng(seed)
    initializers = {tensor.name for tensor in model.graph.initializer}
    shapes = {
        graph_input.name: tuple(d.dim_value for d in graph_input.type.tensor_type.shape.dim)
        for graph_input in model.graph.input
        if graph_input.name not in initializers
    }
    return [
        {name: rng.standard_normal(shape).astype(np.float32) for name, shape in shapes.items()}
        for _ in range(count)
    ]


def calibration_and_inputs(
    module: ModuleOp, path: str
) -> dict[str, np.ndarray]:
    """Seed-0 draws for the module's function: one calibration sample written to
    `path` (.npz, leading sample axis), then the inputs to run, which are returned."""
    function = next(op for op in module.ops if isinstance(op, FuncOp))
    rng = np.random.default_rng(0)
    signature = input_signature(function)
    np.savez(path, **{n: random_tensor(t, rng)[None] for n, t in signature})
    return {n: random_tensor(t, rng) for n, t in signature}


def onnxruntime_quantized(
    model: onnx.ModelProto,
    calibration: list[dict[str, np.ndarray]],
    quant_format: str = "qdq",
    activations: str = "int8",
) -> onnx.ModelProto:
    """`model` quantised by onnxruntime's `quantize_static`: `quant_format` qdq or
    qoperator, int8 per-channel weights, `activations` int8 or uint8, MinMax."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.samples = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.samples, None)

    with tempfile.TemporaryDirectory() as directory:
        source, target = os.path.join(directory, "in.onnx"), os.path.join(directory, "out.onnx")
        onnx.save(model, source)
        quantize_static(
            source,
            target,
            Reader(),
            quant_format=QuantFormat.QDQ if quant_format == "qdq" else QuantFormat.QOperator,
            per_channel=True,
            activation_type=QuantType.QInt8 if activations == "int8" else QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
        return onnx.load(target)
