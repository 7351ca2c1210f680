"""Speed of the NPU assembly and binary formats against MLIR text.

Run: python benchmarks/asm_throughput.py [--quick]
Results are recorded in docs/npu_asm.md ("Speed").

A generated program of N instructions (a mix of DMA loads, matmuls, requantizes and
vector adds with varied addresses, wait lists and origins, as a tiled model has) and
one weight tensor of W bytes. Each step is timed once, in a fresh process state
apart from lark's grammar, which is compiled before timing.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import tempfile
import time
from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType, i8, i32
from xdsl.ir import Operation
from xdsl.printer import Printer

from npu_dialect.asm import decode_binary, emit_asm, encode_binary, parse_asm
from npu_dialect.asm.parse import _parser
from npu_dialect.npu import (
    BinaryKind,
    BinaryOp,
    DmaLoadOp,
    DramKind,
    DramOp,
    MatmulOp,
    ProgramOp,
    RequantizeOp,
    TileAttr,
)
from npu_dialect.resources import resource_attr
from npu_tools.diagnostics import parse_module
from npu_tools.npu_run import build_context


def build(instructions: int, weight_bytes: int) -> ModuleOp:
    rows = weight_bytes // 64
    weights = np.random.default_rng(0).integers(-128, 128, (rows, 64), dtype=np.int8)
    w_type = TensorType(i8, [rows, 64])
    ops: list[Operation] = [
        DramOp("x", DramKind.INPUT, 0, TensorType(i8, [64, 64])),
        DramOp("w", DramKind.WEIGHT, 1 << 20, w_type, value=resource_attr(weights, w_type)),
    ]
    previous: list[Operation] = []
    for i in range(instructions):
        origin = f"/layer{i // 40}/conv/Conv"
        act = TileAttr("act", (i % 16) * 4096, [64, 64], i8)
        acc = TileAttr("acc", (i % 8) * 16384, [64, 64], i32)
        out = TileAttr("act", 0x20000, [64, 64], i8)
        match i % 4:
            case 0:
                op: Operation = DmaLoadOp("w", (i * 4096) % (rows * 64 - 4096), [64, 1], act,
                                          waits=previous, origin=origin)
            case 1:
                op = MatmulOp(act, TileAttr("weight", 0, [64, 64], i8), acc, accumulate=True,
                              waits=previous, origin=origin)
            case 2:
                op = RequantizeOp(acc, out, [1 << 30], [33], waits=previous, origin=origin)
            case _:
                op = BinaryOp(BinaryKind.ADD, out, TileAttr("act", 0x20000, [1, 64], i8), out,
                              waits=previous, origin=origin)
        ops.append(op)
        previous = [op]
    return ModuleOp([ProgramOp("main", "npu-base", ops)])


def timed(label: str, body: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = body()
    print(f"  {label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def run(instructions: int, weight_bytes: int) -> None:
    print(f"{instructions} instructions, {weight_bytes / 1e6:.0f} MB of weights")
    module = build(instructions, weight_bytes)
    _parser()
    with tempfile.TemporaryDirectory() as tmp:
        def emit(weights: str | None) -> str:
            stream = io.StringIO()
            emit_asm(module, stream, weights)
            return stream.getvalue()

        inline = timed("emit asm (weights inline)", lambda: emit(None))
        listing = timed("emit asm (weights file)", lambda: emit(os.path.join(tmp, "w.npz")))
        timed("parse asm (weights inline)", lambda: parse_asm(inline, "p.npuasm"))  # type: ignore[arg-type]
        timed("parse asm (weights file)", lambda: parse_asm(listing, "p.npuasm", tmp))  # type: ignore[arg-type]
        data = timed("encode binary", lambda: encode_binary(module))
        timed("decode binary", lambda: decode_binary(data))  # type: ignore[arg-type]

        def print_mlir() -> str:
            ctx = build_context()
            ctx.load_registered_dialect("builtin")  # holds the blobs the printer writes
            stream = io.StringIO()
            printer = Printer(stream=stream)
            printer.print_op(module)
            printer.print_metadata(ctx.loaded_dialects)
            return stream.getvalue()

        text = timed("print MLIR (for comparison)", print_mlir)
        timed("parse MLIR (for comparison)", lambda: parse_module(build_context(), text, "p"))  # type: ignore[arg-type]
        print(f"  sizes: listing {len(listing) / 1e6:.1f} MB (+ weights file), "  # type: ignore[arg-type]
              f"inline {len(inline) / 1e6:.1f} MB, binary {len(data) / 1e6:.1f} MB, "  # type: ignore[arg-type]
              f"MLIR {len(text) / 1e6:.1f} MB")  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10^4 instructions, 1 MB only")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    run(10_000, 1_000_000)
    if not args.quick:
        run(10_000, 25_000_000)
        run(50_000, 25_000_000)


if __name__ == "__main__":
    main()
