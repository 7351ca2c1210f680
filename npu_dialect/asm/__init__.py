"""NPU assembly text and binary: emission, parsing and decoding (docs/npu_asm.md).

`emit_asm` / `parse_asm` convert between a module of `npu.program` ops and the
assembly listing, `encode_binary` / `decode_binary` between it and the binary
encoding; both round trips give back structurally identical ops.
"""

from xdsl.dialects.builtin import ModuleOp

from npu_dialect.asm.binary import decode_binary, encode_binary, parse_bin_file
from npu_dialect.asm.emit import emit_asm
from npu_dialect.asm.parse import AsmError, parse_asm, parse_asm_bytes, parse_asm_file
from npu_dialect.universe import PROGRAM_SUFFIXES


def load_program(path: str, data: bytes) -> ModuleOp:
    """The module of an `.npubin` file's bytes, or else of an `.npuasm` file's text.

    `path` names the file in messages; an assembly file's weights file is read from
    beside it.
    """
    if path.endswith(".npubin"):
        return decode_binary(data, path)
    return parse_asm_bytes(data, path)


__all__ = [
    "PROGRAM_SUFFIXES",
    "AsmError",
    "decode_binary",
    "emit_asm",
    "encode_binary",
    "load_program",
    "parse_asm",
    "parse_asm_bytes",
    "parse_asm_file",
    "parse_bin_file",
]
