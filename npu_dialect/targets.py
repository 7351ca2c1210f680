"""`npu-opt` output targets: NPU assembly (`-t npu-asm`) and binary (`-t npu-bin`).

    npu-opt prog.mlir -t npu-asm                          # weights inline as hex
    npu-opt prog.mlir -t 'npu-asm{weights="out/prog.weights.npz"}' -o out/prog.npuasm
    npu-opt prog.mlir -t npu-bin -o prog.npubin

The formats are specified in docs/npu_asm.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from npu_dialect.asm import emit_asm, encode_binary


@dataclass(frozen=True)
class NpuAsmTarget(Target):
    """The assembly listing; `weights` is `inline` or the `.npz` file to write them to.

    The listing names the weights file by its base name and is read back with the
    file beside it, so write both to one directory.
    """

    name = "npu-asm"

    weights: str = "inline"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        emit_asm(module, output, None if self.weights == "inline" else self.weights)


@dataclass(frozen=True)
class NpuBinTarget(Target):
    """The binary encoding, written to the text stream one character per byte.

    `Target.emit` writes text; `npu-opt` writes this target's output back as bytes
    (latin-1, which maps characters 0-255 to the same byte values).
    """

    name = "npu-bin"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(encode_binary(module).decode("latin-1"))
