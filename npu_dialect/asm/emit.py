"""The NPU assembly printer: one `npu.program` per section, one instruction per line.

The listing is exact: `parse.py` reads it back to the same ops (docs/npu_asm.md).
Weights (`dense_resource` blobs) go either inline into the `.data` section as hex or
into an `.npz` file beside the listing that `.data "NAME.npz"` names.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import IO

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, DenseResourceAttr, ModuleOp

from npu_dialect.asm.syntax import (
    BY_OP_NAME,
    FORMAT_VERSION,
    attr_dict_text,
    float_text,
    instruction_fields,
    origin_text,
    quote,
    region_text,
    resource_keys,
    splat_element,
    symbol_text,
)
from npu_dialect.errors import UserError
from npu_dialect.npu import DramOp, NpuInstruction, ProgramOp, TileAttr, type_name
from npu_dialect.resources import STORAGE

ORIGIN_COLUMN = 96
"""Instructions are padded to this width before their `; origin` comment."""


class Blob:
    """A `dense_resource` blob: its alignment and payload, from the blob storage."""

    def __init__(self, key: str):
        text = STORAGE.lookup(key)
        if not text:
            raise UserError(f"dense_resource '{key}' has no data")
        if len(text) < 10 or len(text) % 2:
            raise UserError(f"dense_resource '{key}' is not a hex blob with an alignment")
        self.key = key
        self.alignment = int.from_bytes(bytes.fromhex(text[2:10]), "little")
        self.hex = text[10:]
        """The payload as hex digits (without the leading 0x)."""

    @property
    def size(self) -> int:
        return len(self.hex) // 2

    def payload(self) -> bytes:
        try:
            return bytes.fromhex(self.hex)
        except ValueError:
            raise UserError(f"dense_resource '{self.key}' holds malformed hex") from None


def programs_of(module: ModuleOp) -> list[ProgramOp]:
    """The module's programs; anything else cannot be assembled."""
    programs: list[ProgramOp] = []
    for op in module.ops:
        if not isinstance(op, ProgramOp):
            raise UserError(
                f"only npu.program ops can be emitted as NPU assembly or binary, "
                f"found '{op.name}' in the module"
            )
        programs.append(op)
    return programs


def module_blobs(programs: Iterable[ProgramOp]) -> list[Blob]:
    """The blobs the programs' weights refer to, in first-use order."""
    blobs: dict[str, Blob] = {}
    for program in programs:
        for op in program.body.block.ops:
            if isinstance(op, DramOp) and isinstance(op.value, DenseResourceAttr):
                keys: Iterable[str] = (op.value.resource_handle.data,)
            elif op.regions:
                keys = resource_keys(op.regions[0])
            else:
                continue
            for key in keys:
                if key not in blobs:
                    blobs[key] = Blob(key)
    return list(blobs.values())


def dram_value(dram: DramOp) -> DenseIntOrFPElementsAttr | DenseResourceAttr | None:
    """A weight's value, checked to have the tensor's type (both formats rely on it)."""
    value = dram.value
    if value is not None and value.type != dram.tensor_type:
        raise UserError(
            f"value of @{dram.sym_name.data} has type {value.type}, "
            f"expected {dram.tensor_type}"
        )
    return value


def shape_text(shape: Iterable[int], element: str) -> str:
    return "".join(f"{d}x" for d in shape) + element


def _list(values: Iterable[object]) -> str:
    return "[" + ", ".join(map(str, values)) + "]"


class AsmEmitter:
    """Formats instructions; tile texts are cached since programs reuse tiles a lot."""

    def __init__(self) -> None:
        self._tiles: dict[TileAttr, str] = {}

    def tile(self, tile: TileAttr) -> str:
        text = self._tiles.get(tile)
        if text is None:
            text = f"{tile.buffer_name}[{tile.addr:#x}] {shape_text(tile.dims, tile.type_name)}"
            if not tile.is_dense:
                text += " strided " + _list(tile.elem_strides)
            self._tiles[tile] = text
        return text

    def operation(self, op: NpuInstruction) -> str:
        """The mnemonic and operands of an instruction (without token, waits, origin)."""
        spec = BY_OP_NAME.get(op.name)
        if spec is None:
            raise UserError(f"'{op.name}' has no NPU assembly form")
        f = instruction_fields(spec, op)
        tile = self.tile
        match spec.mnemonic:
            case "dma_load":
                text = (
                    f"dma_load {symbol_text(f['dram'])}[{f['offset']}] strides "
                    f"{_list(f['strides'])} -> {tile(f['dest'])}"
                )
                if "pad" in f:
                    value = f["pad_value"]
                    number = float_text(value) if isinstance(value, float) else str(value)
                    text += f" pad {_list(f['pad'])} value {number}"
                return text
            case "dma_store":
                return (
                    f"dma_store {tile(f['source'])} -> {symbol_text(f['dram'])}"
                    f"[{f['offset']}] strides {_list(f['strides'])}"
                )
            case "matmul":
                text = f"matmul {tile(f['lhs'])}, {tile(f['rhs'])} -> {tile(f['dest'])}"
                return text + _matrix_options(f)
            case "conv2d":
                text = (
                    f"conv2d {tile(f['input'])}, {tile(f['weight'])} -> {tile(f['dest'])} "
                    f"strides {_list(f['strides'])} dilations {_list(f['dilations'])} "
                    f"groups {f['groups']}"
                )
                return text + _matrix_options(f)
            case "binary":
                return (
                    f"binary {f['kind'].value} {tile(f['lhs'])}, {tile(f['rhs'])} -> "
                    f"{tile(f['dest'])}"
                )
            case "unary":
                text = f"unary {f['kind'].value} {tile(f['input'])} -> {tile(f['dest'])}"
                if "params" in f:
                    text += " params " + _list(map(float_text, f["params"]))
                return text
            case "requantize":
                text = (
                    f"requantize {tile(f['input'])} -> {tile(f['dest'])} multiplier "
                    f"{_list(f['multiplier'])} shift {_list(f['shift'])} input_zp "
                    f"{f['input_zp']} output_zp {f['output_zp']}"
                )
                if "double_round" in f:
                    text += " double_round"
                if "clamp" in f:
                    text += " clamp " + _list(f["clamp"])
                return text
            case "pool":
                return (
                    f"pool {f['kind'].value} {tile(f['input'])} -> {tile(f['dest'])} kernel "
                    f"{_list(f['kernel'])} strides {_list(f['strides'])}"
                )
            case "reduce":
                return (
                    f"reduce {f['kind'].value} {tile(f['input'])} -> {tile(f['dest'])} "
                    f"axis {f['axis']}"
                )
            case "convert":
                text = f"convert {tile(f['input'])} -> {tile(f['dest'])}"
                return text + (" truncate" if "truncate" in f else "")
            case _:
                inputs = ", ".join(map(symbol_text, f["inputs"]))
                outputs = ", ".join(map(symbol_text, f["outputs"]))
                return f"host [{inputs}] -> [{outputs}]"

    def program(self, program: ProgramOp, out: IO[str]) -> None:
        out.write(f"\n.program {symbol_text(program.sym_name.data)} config ")
        out.write(quote(program.config.data) + "\n")
        if program.attributes:
            out.write(f".attributes {attr_dict_text(program.attributes)}\n")
        tokens: dict[object, str] = {}
        lines: list[str] = []
        for op in program.body.block.ops:
            if isinstance(op, DramOp):
                if tokens:
                    raise UserError(
                        f"npu.dram @{op.sym_name.data} follows an instruction; "
                        "DRAM tensors must be declared before the first instruction"
                    )
                lines.append(_dram_line(op))
            elif isinstance(op, NpuInstruction):
                if not tokens:
                    lines.append(".text")
                lines.append(self._instruction_line(op, tokens))
            else:
                raise UserError(f"'{op.name}' is not allowed in npu.program")
        if not tokens:
            lines.append(".text")
        lines.append(".end")
        out.write("\n".join(lines))
        out.write("\n")

    def _instruction_line(self, op: NpuInstruction, tokens: dict[object, str]) -> str:
        name = f"t{len(tokens)}"
        text = f"{name} = {self.operation(op)}"
        if op.waits:
            try:
                text += " wait " + ", ".join(tokens[w] for w in op.waits)
            except KeyError:
                raise UserError(
                    f"'{op.name}' waits on a token that no earlier instruction of the "
                    "program produces"
                ) from None
        tokens[op.token] = name
        origin = op.origin
        if origin is not None:
            text = f"{text:<{ORIGIN_COLUMN}} ; {origin_text(origin.data)}"
        if op.regions:
            text += "\n" + region_text(op.regions[0])
        return text


def _matrix_options(f: dict[str, object]) -> str:
    text = " accumulate" if "accumulate" in f else ""
    if "dataflow" in f:
        text += f" dataflow {f['dataflow'].value}"  # type: ignore[attr-defined]
    return text


def _dram_line(dram: DramOp) -> str:
    text = f".dram {symbol_text(dram.sym_name.data)} {dram.kind_enum.value}"
    if dram.key is not None:
        text += " " + quote(dram.key.data)
    element = type_name(dram.element_type)
    if not element:
        raise UserError(
            f"DRAM tensor @{dram.sym_name.data} has unsupported element type "
            f"{dram.element_type}"
        )
    text += f" at {dram.offset_bytes:#x} {shape_text(dram.shape, element)}"
    value = dram_value(dram)
    if isinstance(value, DenseResourceAttr):
        text += f" = resource {quote(value.resource_handle.data)}"
    elif isinstance(value, DenseIntOrFPElementsAttr):
        data = value.data.data
        element = splat_element(data, dram.num_elements)
        if element is not None:
            text += f" = dense splat 0x{element.hex()}"
        else:
            text += f" = dense 0x{data.hex()}"
    return text


def weights_array(blob: Blob, programs: Iterable[ProgramOp]) -> np.ndarray:
    """A blob as the typed array of the first weight using it, when it fits one.

    Readers only take the bytes back (`tobytes()`), so the typing is for people who
    open the `.npz`; types numpy cannot store (bf16, fp8) are kept as raw integers.
    """
    payload = blob.payload()
    for program in programs:
        for dram in program.dram_tensors():
            value = dram.value
            if isinstance(value, DenseResourceAttr) and value.resource_handle.data == blob.key:
                dtype = dram.dtype
                if dtype.kind == "V":
                    dtype = np.dtype(f"<u{dtype.itemsize}")
                if len(payload) == dram.nbytes:
                    return np.frombuffer(payload, dtype.newbyteorder("<")).reshape(dram.shape)
                return np.frombuffer(payload, np.uint8)
    return np.frombuffer(payload, np.uint8)


def emit_asm(module: ModuleOp, out: IO[str], weights: str | None = None) -> None:
    """Print `module` (only `npu.program` ops) as NPU assembly to `out`.

    With `weights` (a path ending in `.npz`), blobs are written to that file and the
    listing refers to it by its base name, to be read from beside the listing;
    otherwise they are inlined as hex. A module without blobs writes no file.
    """
    if weights is not None and not weights.endswith(".npz"):
        raise UserError(f"weights file '{weights}' must end in .npz")
    programs = programs_of(module)
    blobs = module_blobs(programs)
    out.write(f"; NPU assembly (docs/npu_asm.md)\n.version {FORMAT_VERSION}\n")
    if module.attributes:
        out.write(f".attributes {attr_dict_text(module.attributes)}\n")
    emitter = AsmEmitter()
    for program in programs:
        emitter.program(program, out)
    if not blobs:
        return
    if weights is None:
        out.write("\n.data\n")
        for blob in blobs:
            out.write(f".blob {quote(blob.key)} align {blob.alignment} size {blob.size} 0x")
            out.write(blob.hex)
            out.write("\n")
        return
    arrays = {blob.key: weights_array(blob, programs) for blob in blobs}
    write_npz(weights, arrays)
    out.write(f"\n.data {quote(os.path.basename(weights))}\n")
    for blob in blobs:
        out.write(f".blob {quote(blob.key)} align {blob.alignment} size {blob.size}\n")


def write_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UserError(f"{path}: directory {directory} does not exist")
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)


__all__ = ["AsmEmitter", "Blob", "emit_asm", "module_blobs", "programs_of"]
