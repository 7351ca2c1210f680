"""`npu-import`: an ONNX model to `nn` dialect text.

    npu-import model.onnx -o model.mlir [--input-shape input=1x3x224x224 ...]

The output is what `npu-opt` prints, weights included as `dense_resource` blobs in
the `{-# dialect_resources #-}` section. It is written to a temporary file next to
the destination and renamed into place only once everything succeeded, so a
failed import never leaves a partial file behind. Errors are one line
`npu-import: error: PLACE: message` and exit status 1.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.targets.mlir import MLIRTarget

from npu_dialect.errors import UserError
from npu_tools.diagnostics import guarded


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """`NAME=1x3x224x224` (an empty shape, `NAME=`, is a scalar)."""
    name, sep, dims = text.rpartition("=")
    try:
        if not sep or not name:
            raise ValueError
        shape = tuple(int(d) for d in dims.split("x")) if dims else ()
        if any(d < 0 for d in shape):
            raise ValueError
    except ValueError:
        raise UserError(
            f"--input-shape '{text}': expected NAME=DIMS with DIMS like 1x3x224x224"
        ) from None
    return name, shape


def module_text(module: ModuleOp) -> str:
    """The module as `npu-opt` prints it (blobs in `dialect_resources`)."""
    ctx = Context()
    ctx.load_dialect(Builtin)
    stream = io.StringIO()
    MLIRTarget().emit(ctx, module, stream)
    return stream.getvalue()


def write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(prefix=".npu-import-", dir=directory)
    except OSError as error:
        raise UserError(f"{path}: cannot write output: {error.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        # mkstemp makes the file private; the output gets the usual permissions.
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise UserError(f"{path}: cannot write output: {error.strerror}") from None


def run(args: argparse.Namespace) -> None:
    from npu_frontend.onnx_import import import_onnx

    shapes = dict(parse_input_shape(text) for text in args.input_shape)
    text = module_text(import_onnx(args.model, shapes))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="npu-import", description="Import an ONNX model as nn dialect IR."
    )
    parser.add_argument("model", help="the .onnx file")
    parser.add_argument(
        "-o", "--output", default=None, help="output .mlir file (default: standard output)"
    )
    parser.add_argument(
        "--input-shape",
        action="append",
        default=[],
        metavar="NAME=DIMS",
        help="fix the shape of a graph input, e.g. input=1x3x224x224 (repeatable); "
        "required for inputs with dynamic dimensions",
    )
    args = parser.parse_args(argv)
    guarded("npu-import", lambda: run(args))


if __name__ == "__main__":
    main()
