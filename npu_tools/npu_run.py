"""`npu-run`: execute a module (any level) or an NPU assembly file.

    npu-run IN [--entry main] [--inputs IN.npz | --seed N] [--outputs OUT.npz]
               [--config C] [--report-json R.json] [--trace T.json]

Inputs and outputs are keyed by the graph's input and output names (`nn.name`).
Without `--inputs`, inputs are drawn from a seeded generator (`--seed`, default 0).
The outputs are always summarised on stdout; NPU-level runs also print the cost report.
"""

from __future__ import annotations

import os

# One BLAS thread: the simulator's tile products are small and numerous, and on a busy
# 2-core machine OpenBLAS's threads made conv-shaped products up to 40x slower
# (benchmarks/simulator_throughput.py). Set the variable yourself to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import io
import sys
import tempfile
from collections.abc import Mapping

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from npu_dialect.errors import UserError
from npu_dialect.npz import read_npz
from npu_dialect.universe import PROGRAM_SUFFIXES
from npu_tools.diagnostics import guarded, parse_module, verify_module

TOOL = "npu-run"


def build_context() -> Context:
    """A context that knows upstream dialects and the project's."""
    from xdsl.dialects import get_all_dialects

    from npu_dialect.universe import get_all_dialects as project_dialects

    ctx = Context()
    for name, factory in {**get_all_dialects(), **project_dialects()}.items():
        ctx.register_dialect(name, factory)
    return ctx


def load_module(path: str) -> ModuleOp:
    """Parse and verify an `.mlir` file or an NPU assembly or binary file."""
    with open(path, "rb") as stream:
        data = stream.read()
    if path.endswith(PROGRAM_SUFFIXES):
        from npu_dialect.asm import load_program

        module = load_program(path, data)
    else:
        try:
            text = data.decode()
        except UnicodeDecodeError:
            raise UserError(f"{path}: not a text file") from None
        module = parse_module(build_context(), text, path)
    verify_module(module, path)
    return module


def read_inputs(path: str) -> dict[str, np.ndarray]:
    return read_npz(path)


def _write_atomically(path: str, data: bytes) -> None:
    """Write via a temporary file, so a failure never leaves a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UserError(f"{path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_outputs(path: str, outputs: Mapping[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(v) for k, v in outputs.items()})
    _write_atomically(path, buffer.getvalue())


def write_text(path: str, text: str) -> None:
    _write_atomically(path, text.encode())


def summarise(outputs: Mapping[str, np.ndarray]) -> str:
    lines: list[str] = []
    for name, value in outputs.items():
        value = np.asarray(value)
        shape = "x".join(str(d) for d in value.shape) or "scalar"
        lines.append(f'output "{name}": {shape} {value.dtype}')
        body = np.array2string(
            value.astype(np.float64) if value.dtype.kind == "V" else value,
            precision=6,
            threshold=64,
            edgeitems=4,
            suppress_small=False,
            max_line_width=100,
        )
        lines.extend("  " + line for line in body.splitlines())
    return "\n".join(lines)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=TOOL, description=__doc__.split("\n")[0])
    parser.add_argument("input", help=".mlir module (any level), .npuasm or .npubin program")
    parser.add_argument(
        "--entry",
        default=None,
        help="function or program to run (default: main, or the only one in the module)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--inputs", help=".npz file of inputs keyed by input name")
    source.add_argument("--seed", type=int, default=None, help="seed for random inputs")
    parser.add_argument("--outputs", help="write the outputs to this .npz file")
    parser.add_argument("--config", default=None, help="hardware preset or TOML file")
    parser.add_argument("--report-json", help="write the cost report as JSON")
    parser.add_argument("--trace", help="write a Chrome/Perfetto trace of the engines")
    parser.add_argument(
        "--quiet", action="store_true", help="do not print the outputs on stdout"
    )
    return parser


def run(args: argparse.Namespace) -> None:
    from interpreter.driver import execute

    module = load_module(args.input)
    inputs = read_inputs(args.inputs) if args.inputs else None
    result = execute(
        module,
        args.entry,
        inputs,
        seed=0 if args.seed is None else args.seed,
        config=args.config,
        want_trace=args.trace is not None,
    )
    if args.outputs:
        write_outputs(args.outputs, result.outputs)
    if result.report is not None:
        print(result.report.to_text())
        print()
        if args.report_json:
            write_text(args.report_json, result.report.to_json())
        if args.trace:
            write_text(args.trace, result.report.trace_json())
    elif args.report_json or args.trace:
        raise UserError(
            f"{args.input}: --report-json and --trace need an NPU-level program; "
            "this module runs at the nn level"
        )
    if not args.quiet:
        print(summarise(result.outputs))


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    guarded(TOOL, lambda: run(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
