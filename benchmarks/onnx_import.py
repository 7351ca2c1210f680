"""Time `npu-import` on a ResNet-50-sized model: import, print, parse back.

Run: python benchmarks/onnx_import.py [model-name]   (default resnet50)

The model comes from examples.models (seeded weights, 224x224 input). Measured
steps: building and saving the ONNX file; `import_onnx` on the file (protobuf load
included); printing the module as text with its `dialect_resources` blobs; the
whole `npu-import` command; and `npu-opt` parsing the text back (the command, which
also verifies and prints, and the parse alone).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import onnx
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from examples.models import MODELS  # noqa: E402
from examples.models.stats import parameter_count  # noqa: E402
from npu_dialect.nn import NN  # noqa: E402
from npu_frontend.onnx_import import import_onnx  # noqa: E402
from npu_tools.diagnostics import parse_module  # noqa: E402
from npu_tools.npu_import import module_text  # noqa: E402


def timed(label: str, action):  # noqa: ANN001, ANN201 - any callable, its result
    start = time.perf_counter()
    result = action()
    print(f"{label:<40} {time.perf_counter() - start:7.2f} s")
    return result


def main(name: str = "resnet50") -> None:
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as directory:
        onnx_path = os.path.join(directory, f"{name}.onnx")
        mlir_path = os.path.join(directory, f"{name}.mlir")
        model = timed("build the ONNX model", MODELS[name])
        timed("save it", lambda: onnx.save(model, onnx_path))
        print(f"{'parameters':<40} {parameter_count(model) / 1e6:7.2f} M")
        module = timed("import_onnx (file -> nn module)", lambda: import_onnx(onnx_path))
        text = timed("print (module -> text with blobs)", lambda: module_text(module))
        print(f"{'text size':<40} {len(text) / 1e6:7.1f} MB")
        timed(
            "npu-import command (load+import+write)",
            lambda: subprocess.run(
                [bin_dir / "npu-import", onnx_path, "-o", mlir_path], check=True
            ),
        )
        timed(
            "npu-opt command (parse+verify+print)",
            lambda: subprocess.run(
                [bin_dir / "npu-opt", mlir_path, "-o", os.devnull], check=True
            ),
        )
        ctx = Context()
        for dialect in (Builtin, Func, NN):
            ctx.load_dialect(dialect)
        timed("parse alone (text -> module)", lambda: parse_module(ctx, text, mlir_path))


if __name__ == "__main__":
    main(*sys.argv[1:])
