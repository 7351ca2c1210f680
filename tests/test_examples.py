"""The example models: well-formed, reproducible, and computed by the `nn`
interpreter (after `import_onnx`) as onnxruntime computes them."""

from __future__ import annotations

import json
import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from examples.models import LARGE_MODELS, MODELS
from examples.models.graph import same_pads
from examples.models.stats import model_stats

ROOT = Path(__file__).resolve().parent.parent
SMALL_MODELS = [name for name in MODELS if name not in LARGE_MODELS]

RTOL = 1e-4
ATOL_FRACTION = 1e-5
"""Absolute tolerance as a fraction of the largest reference output: float32
results of long dot products differ by ~1e-7 of the output scale between
correct implementations (onnxruntime's optimised graph vs its plain one), so
elements near zero are judged against the scale, not their own size."""


@functools.cache
def build(name: str) -> onnx.ModelProto:
    return MODELS[name]()


def seeded_inputs(model: onnx.ModelProto, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = {}
    for value in model.graph.input:
        shape = [dim.dim_value for dim in value.type.tensor_type.shape.dim]
        inputs[value.name] = rng.standard_normal(shape).astype(np.float32)
    return inputs


def onnxruntime_outputs(
    model: onnx.ModelProto, inputs: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in model.graph.output]
    return dict(zip(names, session.run(names, inputs), strict=True))


def assert_matches_onnxruntime(name: str) -> None:
    from interpreter.executor import run_function
    from npu_frontend.onnx_import import import_onnx

    model = build(name)
    inputs = seeded_inputs(model)
    expected = onnxruntime_outputs(model, inputs)
    module = import_onnx(model)
    actual = run_function(module, inputs)
    assert list(actual) == list(expected)
    for output, reference in expected.items():
        assert actual[output].shape == reference.shape
        assert actual[output].dtype == np.float32
        atol = ATOL_FRACTION * float(np.abs(reference).max())
        np.testing.assert_allclose(
            actual[output], reference, rtol=RTOL, atol=atol, err_msg=f"{name}: {output}"
        )


@pytest.mark.parametrize("name", SMALL_MODELS)
def test_small_model_matches_onnxruntime(name: str) -> None:
    assert_matches_onnxruntime(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE_MODELS)
def test_large_model_matches_onnxruntime(name: str) -> None:
    assert_matches_onnxruntime(name)


@pytest.mark.parametrize("name", SMALL_MODELS)
def test_model_is_static_batch_one_and_named_after_its_key(name: str) -> None:
    model = build(name)
    assert model.graph.name == name
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        assert all(dim.HasField("dim_value") for dim in dims), value.name
        assert dims[0].dim_value == 1, value.name


@pytest.mark.parametrize("name", SMALL_MODELS)
def test_model_is_deterministic(name: str) -> None:
    assert MODELS[name]().SerializeToString() == build(name).SerializeToString()


def test_seeded_outputs_are_informative() -> None:
    """Seeded weights must keep activations O(1): outputs neither vanish nor
    saturate a softmax, so the comparison with onnxruntime means something."""
    for name in SMALL_MODELS:
        model = build(name)
        for output, value in onnxruntime_outputs(model, seeded_inputs(model)).items():
            assert np.all(np.isfinite(value)), (name, output)
            assert 1e-2 < float(np.abs(value).max()) < 1e2, (name, output)
            assert float(value.std()) > 1e-3, (name, output)
            if output == "probabilities":
                assert float(value.max()) < 0.99, (name, output)


@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        # torchvision's `sum(p.numel() for p in model.parameters())`
        ("resnet18", 11_689_512),
        ("resnet50", 25_557_032),
        ("mobilenetv2", 3_504_872),
        # LeNet-5's classic count: conv 156 + 2,416, fc 48,120 + 10,164 + 850
        ("lenet5", 61_706),
    ],
)
def test_parameter_count_matches_the_reference(name: str, parameters: int) -> None:
    assert model_stats(build(name)).parameters == parameters


@pytest.mark.parametrize(
    ("name", "giga_macs"),
    # torchvision's model tables ("GFLOPS", counted as multiply-accumulates)
    [("resnet18", 1.81), ("resnet50", 4.09), ("mobilenetv2", 0.30)],
)
def test_mac_count_matches_the_reference(name: str, giga_macs: float) -> None:
    assert round(model_stats(build(name)).macs / 1e9, 2) == giga_macs


def test_transformer_computes_a_reshape_target_from_shape() -> None:
    """The exporter idiom Shape -> Gather -> Unsqueeze -> Concat -> Reshape is
    present, so the importer's constant folding of shape arithmetic is exercised."""
    nodes = build("transformer").graph.node
    producers = {output: node for node in nodes for output in node.output}
    reshape_targets = [producers.get(node.input[1]) for node in nodes if node.op_type == "Reshape"]
    computed = [t for t in reshape_targets if t is not None and t.op_type == "Concat"]
    assert computed
    gathered = [producers[name] for name in computed[0].input if name in producers]
    assert [node.op_type for node in gathered] == ["Unsqueeze", "Unsqueeze"]
    assert producers[producers[gathered[0].input[0]].input[0]].op_type == "Shape"


def test_transformer_opsets() -> None:
    ops17 = {node.op_type for node in build("transformer").graph.node}
    ops20 = {node.op_type for node in build("transformer_opset20").graph.node}
    assert build("transformer").opset_import[0].version == 17
    assert {"Erf", "LayerNormalization", "Softmax"} <= ops17 and "Gelu" not in ops17
    assert build("transformer_opset20").opset_import[0].version == 20
    assert "Gelu" in ops20 and "Erf" not in ops20


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pads"),
    [
        # TensorFlow 'same': output ceil(size / stride), the odd pad at the end.
        ((32, 32), (3, 3), (2, 2), (0, 0, 1, 1)),
        ((32, 32), (3, 3), (1, 1), (1, 1, 1, 1)),
        ((49, 10), (10, 4), (2, 2), (4, 1, 5, 1)),
        ((32, 32), (1, 1), (2, 2), (0, 0, 0, 0)),
    ],
)
def test_same_padding_follows_tensorflow(
    size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int], pads: tuple[int, ...]
) -> None:
    assert same_pads(size, kernel, stride) == pads


def test_build_script_writes_identical_files(tmp_path: Path) -> None:
    script = ROOT / "examples" / "build_models.py"
    for run in ("a", "b"):
        command = [sys.executable, str(script), "--out", str(tmp_path / run)]
        subprocess.run([*command, "--only", "lenet5", "ds_cnn"], check=True, capture_output=True)
    for name in ("lenet5", "ds_cnn"):
        first = (tmp_path / "a" / f"{name}.onnx").read_bytes()
        assert first == (tmp_path / "b" / f"{name}.onnx").read_bytes()
        assert first == build(name).SerializeToString()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["ds_cnn.onnx", "lenet5.onnx"]


def test_builder_example_matches_numpy() -> None:
    from examples.builder_mlp import WIDTHS, build_module, make_weights, numpy_forward
    from interpreter.executor import run_function

    weights = make_weights(seed=3)
    features = np.random.default_rng(4).standard_normal((1, WIDTHS[0])).astype(np.float32)
    actual = run_function(build_module(weights), {"features": features})["probabilities"]
    np.testing.assert_allclose(actual, numpy_forward(weights, features), rtol=1e-5, atol=1e-7)


def test_builder_example_writes_a_runnable_module(tmp_path: Path) -> None:
    module_file = tmp_path / "mlp.mlir"
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "builder_mlp.py"), "--out", str(module_file)],
        check=True,
        capture_output=True,
    )
    run = subprocess.run(
        [str(Path(sys.executable).parent / "npu-run"), str(module_file), "--seed", "0"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert 'output "probabilities": 1x10 float32' in run.stdout


def test_demo_runs_the_tools_and_agrees_with_onnxruntime(tmp_path: Path) -> None:
    demo = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    for command in ("$ npu-import", "$ npu-opt", "$ npu-run"):
        assert command in demo.stdout
    assert "vs onnxruntime" in demo.stdout and "(ok)" in demo.stdout
    assert (tmp_path / "resnet8.nn-outputs.npz").exists()
    assert "npu-compile{config=npu-base precision=int8" in demo.stdout
    assert "SQNR" in demo.stdout and "top-1 same" in demo.stdout
    report = json.loads((tmp_path / "resnet8.report.json").read_text())
    assert report["cycles"] >= report["roofline_cycles"] > 0
