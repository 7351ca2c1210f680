"""Models exported by torch.onnx.export (legacy and dynamo exporters) import, and the
`nn` interpreter computes what onnxruntime computes on the exported file.

Needs torch (and onnxscript for the dynamo exporter), which are not dependencies of
the package; the models and export settings are in examples/export_torch_models.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from examples.export_torch_models import MODELS, export  # noqa: E402
from interpreter.executor import run_function  # noqa: E402
from npu_dialect.errors import UserError  # noqa: E402
from npu_frontend.onnx_import import import_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning"
)

BATCH = 3
"""Differs from the export example's batch, so a batch size baked in anywhere shows."""


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Path]:
    directory = tmp_path_factory.mktemp("torch_models")
    paths = {}
    for name in MODELS:
        for dynamo in (False, True):
            if dynamo:
                pytest.importorskip("onnxscript")
            path = directory / f"{name}_{'dynamo' if dynamo else 'legacy'}.onnx"
            export(name, dynamo, path)
            paths[name, dynamo] = path
    return paths


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_export_matches_onnxruntime(
    exported: dict[tuple[str, bool], Path], name: str, dynamo: bool
) -> None:
    path = exported[name, dynamo]
    shape = (BATCH, *MODELS[name][1][1:])
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)

    module = import_onnx(path, {"input": shape})
    got = run_function(module, {"input": x})

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (expected,) = session.run(["output"], {"input": x})
    assert set(got) == {"output"}
    assert got["output"].shape == expected.shape
    np.testing.assert_allclose(got["output"], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_dynamic_batch_needs_input_shape(
    exported: dict[tuple[str, bool], Path], dynamo: bool
) -> None:
    with pytest.raises(UserError, match=r"graph input 'input' has dynamic shape .*--input-shape"):
        import_onnx(exported["cnn", dynamo])
