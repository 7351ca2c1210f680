"""The NPU assembly reader: `grammar.lark` (LALR) with actions that build `npu` ops.

The actions run inside the parser (no parse tree is built), and tiles, which
programs repeat a lot, are decoded once per distinct text. Every error is a
`UserError` of one line, `FILE:LINE:COL: message`; parsed ops get that place as
their location, so verifier messages point into the listing too.
"""

from __future__ import annotations

import os
import re
import threading
from enum import Enum
from functools import cache
from math import prod
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from xdsl.dialects.builtin import (
    BFloat16Type,
    BytesAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FileLineColLoc,
    Float8E4M3FNType,
    Float16Type,
    Float32Type,
    IntAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.utils.exceptions import ParseError, VerifyException

from npu_dialect.asm.syntax import (
    BY_MNEMONIC,
    FORMAT_VERSION,
    InstructionSpec,
    build_instruction,
    float_value,
    gc_paused,
    origin_value,
    parse_attr_dict,
    parse_region,
    symbol_name,
    unquote,
)
from npu_dialect.errors import UserError
from npu_dialect.hardware import BUFFER_NAMES
from npu_dialect.npu import (
    ELEMENT_TYPE_NAMES,
    Dataflow,
    DramKind,
    DramKindAttr,
    DramOp,
    NpuInstruction,
    ProgramOp,
    TileAttr,
)
from npu_dialect.resources import STORAGE

GRAMMAR = Path(__file__).with_name("grammar.lark")

ELEMENT_TYPES: dict[str, Attribute] = {
    "i8": IntegerType(8),
    "ui8": IntegerType(8, Signedness.UNSIGNED),
    "i16": IntegerType(16),
    "i32": IntegerType(32),
    "f8E4M3FN": Float8E4M3FNType(),
    "f16": Float16Type(),
    "bf16": BFloat16Type(),
    "f32": Float32Type(),
}
assert tuple(ELEMENT_TYPES) == ELEMENT_TYPE_NAMES

_TILE = re.compile(
    r"(\w+)\[([^\]]*)\][ \t]+(\w+)(?:[ \t]+strided[ \t]*(\[[^\]]*\]))?\Z"
)
_SHAPE = re.compile(r"((?:[0-9]+x)*)([A-Za-z][A-Za-z0-9]*)\Z")
_SYMBOL_ITEM = re.compile(r'\s*(@(?:[A-Za-z_][\w$.-]*|"(?:[^"\\]|\\.)*"))\s*(?:,|\Z)')
_DRAM_REF = re.compile(r"(@.*)\[([^\]]*)\]\Z")

# What to call terminals in "expected ..." messages (keywords are spelled out).
_TERMINAL_NAMES = {
    "TOKEN": "a token name",
    "NAME": "a name",
    "SYMBOL": "a symbol (@name)",
    "STRING": "a string",
    "NUMBER": "a number",
    "HEX": "hex data (0x...)",
    "SHAPED": "a shape (e.g. 64x64xi8)",
    "ATTR_DICT": "an attribute dictionary",
    "ORIGIN": "'; origin'",
    "TILE": "a tile (e.g. act[0x0] 64x64xi8)",
    "DRAM_REF": "a DRAM reference (e.g. @x[0])",
    "LIST": "a list (e.g. [64, 1])",
    "REGION": "a region ({ on a line of its own)",
    "_NL": "end of line",
    "$END": "end of file",
}
_MNEMONIC_TERMINALS = {f"_{spec.mnemonic.upper()}" for spec in BY_MNEMONIC.values()}


class AsmError(UserError):
    """A problem in an assembly file, at a line and column."""


def _fail(token: Token, message: str) -> NoReturn:
    raise _Located(token, message)


class _Located(Exception):
    """Raised by the actions; the reader adds the file name and fixes the line."""

    def __init__(
        self, token: Token, message: str, line: int | None = None, column: int | None = None
    ):
        super().__init__(message)
        self.line = line or token.line or 1
        self.column = column or token.column or 1
        self.message = message


def _first_line(error: ParseError) -> str:
    message = error.msg.strip()
    return message.splitlines()[0] if message else "bad syntax"


def parse_int(token: Token, text: str | None = None) -> int:
    text = (token if text is None else text).strip()
    try:
        negative = text.startswith("-")
        digits = text.lstrip("+-")
        if digits.startswith("0x"):
            value = int(digits[2:], 16)
        else:
            value = int(digits, 10)
    except ValueError:
        _fail(token, f"expected an integer, got '{text}'")
    return -value if negative else value


def parse_float(token: Token, text: str | None = None) -> float:
    text = (token if text is None else text).strip()
    try:
        return float_value(text)
    except ValueError:
        _fail(token, f"expected a number, got '{text}'")


def parse_list(
    token: Token, text: str | None = None, floats: bool = False
) -> tuple[int, ...] | tuple[float, ...]:
    inner = (token if text is None else text).strip()[1:-1].strip()
    if not inner:
        return ()
    parse = parse_float if floats else parse_int
    return tuple(parse(token, item) for item in inner.split(","))


def parse_shape(token: Token, text: str | None = None) -> tuple[tuple[int, ...], Attribute]:
    text = token if text is None else text
    match = _SHAPE.match(text)
    if match is None:
        _fail(token, f"expected a shape such as 64x64xi8, got '{text}'")
    element = ELEMENT_TYPES.get(match.group(2))
    if element is None:
        _fail(
            token,
            f"unsupported element type '{match.group(2)}' "
            f"(expected one of {', '.join(ELEMENT_TYPE_NAMES)})",
        )
    dims = tuple(int(d) for d in match.group(1).split("x")[:-1])
    return dims, element


def parse_enum(token: Token, enum: type[Enum], what: str) -> Enum:
    try:
        return enum(str(token))
    except ValueError:
        known = ", ".join(e.value for e in enum)
        _fail(token, f"unknown {what} '{token}' (expected one of {known})")


_Result = tuple[InstructionSpec, dict[str, object]]
"""What an instruction rule's action returns: the instruction's spec and fields."""


class _Blob:
    def __init__(self, key: Token, alignment: int, size: int, hex_data: Token | None):
        self.key = key
        self.alignment = alignment
        self.size = size
        self.hex_data = hex_data


class Builder(Transformer):
    """Parser actions: each rule's callback gets its kept children, in order."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.begin("<asm>", ".")

    def begin(self, name: str, directory: str) -> None:
        self.name = StringAttr(name)
        self.directory = directory
        self.tiles: dict[str, TileAttr] = {}
        self.tokens: dict[str, SSAValue] = {}
        self.drams: set[str] = set()
        self.resources: list[tuple[Token, str]] = []

    def _location(self, token: Token) -> FileLineColLoc:
        # The reader put a newline before the text: lark's line 2 is the file's line 1.
        line, column = (token.line or 2) - 1, token.column or 1
        return FileLineColLoc(self.name, IntAttr(line), IntAttr(column))

    # -- header and structure ----------------------------------------------------

    def version(self, children: list[Token]) -> None:
        (number,) = children
        if parse_int(number) != FORMAT_VERSION:
            _fail(
                number,
                f"unsupported NPU assembly version {number} "
                f"(this reader knows version {FORMAT_VERSION})",
            )

    def attributes(self, children: list[Token]) -> dict[str, Attribute]:
        (text,) = children
        try:
            return parse_attr_dict(str(text))
        except ParseError as error:
            _fail(text, f"bad attribute dictionary: {_first_line(error)}")

    def program_header(self, children: list[Any]) -> tuple[Token, str, dict[str, Attribute]]:
        symbol, config, attributes = children
        self.tokens = {}
        self.drams = set()
        return symbol, unquote(config), attributes or {}

    def program(self, children: list[Any]) -> ProgramOp:
        (symbol, config, attributes), *ops = children
        program = ProgramOp.create(
            properties={
                "sym_name": StringAttr(symbol_name(symbol)),
                "config": StringAttr(config),
            },
            attributes=attributes,
            regions=[Region(Block(ops))],
        )
        program.location = self._location(symbol)
        return program

    def start(self, children: list[Any]) -> ModuleOp:
        _, attributes, *programs, data = children
        self._load_blobs(data)
        return ModuleOp(programs, attributes or {})

    # -- DRAM tensors --------------------------------------------------------------

    def dram(self, children: list[Any]) -> DramOp:
        symbol, kind, key, offset, shaped, value, _comment = children
        name = symbol_name(symbol)
        if name in self.drams:
            _fail(symbol, f"DRAM tensor @{name} is declared twice")
        self.drams.add(name)
        dims, element = parse_shape(shaped)
        tensor_type = TensorType(element, dims)
        properties: dict[str, Attribute] = {
            "sym_name": StringAttr(name),
            "kind": DramKindAttr(parse_enum(kind, DramKind, "DRAM kind")),
        }
        if key is not None:
            properties["key"] = StringAttr(unquote(key))
        properties["offset"] = IntegerAttr(parse_int(offset), 64)
        properties["type"] = tensor_type
        if value is not None:
            kind_of_value, splat, token = value
            if kind_of_value == "dense":
                try:
                    data = bytes.fromhex(token[2:])
                except ValueError:
                    _fail(token, "dense data must be an even number of hex digits")
                if splat is not None:
                    data *= prod(dims)
                properties["value"] = DenseIntOrFPElementsAttr(tensor_type, BytesAttr(data))
            else:
                handle = unquote(token)
                self.resources.append((token, handle))
                properties["value"] = DenseResourceAttr.from_params(handle, tensor_type)
        op = DramOp.create(properties=properties)
        op.location = self._location(symbol)
        return op

    def dense_value(self, children: list[Token]) -> tuple[str, Token | None, Token]:
        splat, data = children
        return "dense", splat, data

    def resource_value(self, children: list[Token]) -> tuple[str, None, Token]:
        return "resource", None, children[0]

    # -- instructions ----------------------------------------------------------------

    def instruction(self, children: list[Any]) -> NpuInstruction:
        token, (spec, fields), waits, origin, region = children
        if region is not None:
            if spec.mnemonic != "host":
                _fail(region, f"{spec.mnemonic} instructions have no region")
            fields["body"] = self._region(region)
        elif spec.mnemonic == "host":
            _fail(token, "a host instruction needs its region on the next lines")
        values: list[SSAValue] = []
        for wait in waits or ():
            value = self.tokens.get(wait)
            if value is None:
                _fail(wait, f"undefined token '{wait}' (tokens must be defined before use)")
            values.append(value)
        if token in self.tokens:
            _fail(token, f"token '{token}' is defined twice")
        op = build_instruction(
            spec, fields, values, origin_value(origin) if origin is not None else None
        )
        op.location = self._location(token)
        self.tokens[str(token)] = op.token
        return op

    def waits(self, children: list[Token]) -> list[Token]:
        return children

    def _region(self, token: Token) -> Region:
        try:
            return parse_region(str(token))
        except ParseError as error:
            place = error.span.get_location()
            line = (token.line or 2) + place.line - 1
            column = place.col if place.line > 1 else (token.column or 1) + place.col - 1
            raise _Located(token, _first_line(error), line, column) from None

    def _tile(self, token: Token) -> TileAttr:
        tile = self.tiles.get(token)
        if tile is not None:
            return tile
        match = _TILE.match(token)
        if match is None:
            _fail(token, f"bad tile '{token}' (expected e.g. act[0x0] 64x64xi8)")
        buffer, address, shaped, strides = match.groups()
        if buffer not in BUFFER_NAMES:
            known = ", ".join(BUFFER_NAMES)
            _fail(token, f"unknown buffer '{buffer}' (expected one of {known})")
        dims, element = parse_shape(token, shaped)
        stride_values = parse_list(token, strides) if strides else None
        try:
            tile = TileAttr(buffer, parse_int(token, address), dims, element, stride_values)
        except VerifyException as error:
            _fail(token, f"bad tile '{token}': {error}")
        self.tiles[str(token)] = tile
        return tile

    def _dram_ref(self, token: Token) -> tuple[str, int]:
        match = _DRAM_REF.match(token)
        assert match is not None, "the DRAM_REF terminal guarantees the shape"
        try:
            name = symbol_name(match.group(1))
        except ValueError:
            _fail(token, f"bad symbol in '{token}'")
        if name not in self.drams:
            _fail(token, f"@{name} is not a DRAM tensor declared in this program")
        return name, parse_int(token, match.group(2))

    def _result(self, mnemonic: str, fields: dict[str, object]) -> _Result:
        return BY_MNEMONIC[mnemonic], fields

    def dma_load(self, c: list[Any]) -> _Result:
        ref, strides, dest, pad, value = c
        name, offset = self._dram_ref(ref)
        tile = self._tile(dest)
        fields: dict[str, object] = {
            "dram": name,
            "offset": offset,
            "strides": parse_list(strides),
            "dest": tile,
        }
        if pad is not None:
            fields["pad"] = parse_list(pad)
            if tile.type_name in ("i8", "ui8", "i16", "i32"):
                fields["pad_value"] = parse_int(value)
            else:
                fields["pad_value"] = parse_float(value)
        return self._result("dma_load", fields)

    def dma_store(self, c: list[Any]) -> _Result:
        source, ref, strides = c
        name, offset = self._dram_ref(ref)
        fields = {
            "source": self._tile(source),
            "dram": name,
            "offset": offset,
            "strides": parse_list(strides),
        }
        return self._result("dma_store", fields)

    def _matrix(
        self, fields: dict[str, object], accumulate: Token | None, dataflow: Token | None
    ) -> dict[str, object]:
        if accumulate is not None:
            fields["accumulate"] = True
        if dataflow is not None:
            fields["dataflow"] = parse_enum(dataflow, Dataflow, "dataflow")
        return fields

    def matmul(self, c: list[Any]) -> _Result:
        lhs, rhs, dest, accumulate, dataflow = c
        fields: dict[str, object] = {
            "lhs": self._tile(lhs),
            "rhs": self._tile(rhs),
            "dest": self._tile(dest),
        }
        return self._result("matmul", self._matrix(fields, accumulate, dataflow))

    def conv2d(self, c: list[Any]) -> _Result:
        input, weight, dest, strides, dilations, groups, accumulate, dataflow = c
        fields: dict[str, object] = {
            "input": self._tile(input),
            "weight": self._tile(weight),
            "dest": self._tile(dest),
            "strides": parse_list(strides),
            "dilations": parse_list(dilations),
            "groups": parse_int(groups),
        }
        return self._result("conv2d", self._matrix(fields, accumulate, dataflow))

    def _kind(self, mnemonic: str, token: Token) -> Enum:
        spec = BY_MNEMONIC[mnemonic]
        field = spec.enum_field
        assert field is not None and field.enum is not None
        return parse_enum(token, field.enum, f"{mnemonic} kind")

    def binary(self, c: list[Any]) -> _Result:
        kind, lhs, rhs, dest = c
        fields = {
            "kind": self._kind("binary", kind),
            "lhs": self._tile(lhs),
            "rhs": self._tile(rhs),
            "dest": self._tile(dest),
        }
        return self._result("binary", fields)

    def unary(self, c: list[Any]) -> _Result:
        kind, input, dest, params = c
        fields: dict[str, object] = {
            "kind": self._kind("unary", kind),
            "input": self._tile(input),
            "dest": self._tile(dest),
        }
        if params is not None:
            fields["params"] = parse_list(params, floats=True)
        return self._result("unary", fields)

    def requantize(self, c: list[Any]) -> _Result:
        input, dest, multiplier, shift, input_zp, output_zp, double_round, clamp = c
        fields: dict[str, object] = {
            "input": self._tile(input),
            "dest": self._tile(dest),
            "multiplier": parse_list(multiplier),
            "shift": parse_list(shift),
            "input_zp": parse_int(input_zp),
            "output_zp": parse_int(output_zp),
            "double_round": double_round is not None,
        }
        if clamp is not None:
            fields["clamp"] = parse_list(clamp)
        return self._result("requantize", fields)

    def pool(self, c: list[Any]) -> _Result:
        kind, input, dest, kernel, strides = c
        fields = {
            "kind": self._kind("pool", kind),
            "input": self._tile(input),
            "dest": self._tile(dest),
            "kernel": parse_list(kernel),
            "strides": parse_list(strides),
        }
        return self._result("pool", fields)

    def reduce(self, c: list[Any]) -> _Result:
        kind, input, dest, axis = c
        fields = {
            "kind": self._kind("reduce", kind),
            "input": self._tile(input),
            "dest": self._tile(dest),
            "axis": parse_int(axis),
        }
        return self._result("reduce", fields)

    def host(self, c: list[Any]) -> _Result:
        inputs, outputs = c
        fields = {"inputs": self._symbols(inputs), "outputs": self._symbols(outputs)}
        return self._result("host", fields)

    def _symbols(self, token: Token) -> tuple[str, ...]:
        inner = token[1:-1].strip()
        names: list[str] = []
        position = 0
        while position < len(inner):
            match = _SYMBOL_ITEM.match(inner, position)
            if match is None:
                _fail(token, f"expected a list of DRAM tensors such as [@x, @y], got '{token}'")
            name = symbol_name(match.group(1))
            if name not in self.drams:
                _fail(token, f"@{name} is not a DRAM tensor declared in this program")
            names.append(name)
            position = match.end()
        return tuple(names)

    def convert(self, c: list[Any]) -> _Result:
        input, dest, truncate = c
        fields = {
            "input": self._tile(input),
            "dest": self._tile(dest),
            "truncate": truncate is not None,
        }
        return self._result("convert", fields)

    # -- weights -----------------------------------------------------------------------

    def blob(self, children: list[Any]) -> _Blob:
        key, alignment, size, hex_data = children
        return _Blob(key, parse_int(alignment), parse_int(size), hex_data)

    def data(self, children: list[Any]) -> tuple[Token | None, list[_Blob]]:
        file, *blobs = children
        return file, blobs

    def _load_blobs(self, data: tuple[Token | None, list[_Blob]] | None) -> None:
        file, blobs = data if data is not None else (None, [])
        arrays: np.lib.npyio.NpzFile | None = None
        defined: set[str] = set()
        try:
            for blob in blobs:
                key = unquote(blob.key)
                if key in defined:
                    _fail(blob.key, f"blob {blob.key} is defined twice")
                defined.add(key)
                if blob.hex_data is not None:
                    digits = blob.hex_data[2:]
                    if len(digits) != 2 * blob.size:
                        _fail(
                            blob.hex_data,
                            f"blob {blob.key} has {len(digits)} hex digits, its size of "
                            f"{blob.size} bytes needs {2 * blob.size}",
                        )
                else:
                    if file is None:
                        _fail(
                            blob.key,
                            f"blob {blob.key} has no data and the .data section names no "
                            "weights file",
                        )
                    if arrays is None:
                        arrays = self._open_weights(file)
                    digits = self._weights_hex(arrays, file, blob, key)
                if not 0 <= blob.alignment < 1 << 32:
                    _fail(blob.key, f"blob alignment {blob.alignment} does not fit 32 bits")
                alignment = blob.alignment.to_bytes(4, "little").hex()
                STORAGE.declare_resource(key)
                STORAGE.parse_resource(key, f"0x{alignment}{digits}")
        finally:
            if arrays is not None:
                arrays.close()
        for token, handle in self.resources:
            if handle not in defined:
                _fail(token, f"resource {token} is not defined in the .data section")

    def _open_weights(self, file: Token) -> np.lib.npyio.NpzFile:
        path = os.path.join(self.directory, unquote(file))
        try:
            return np.load(path, allow_pickle=False)
        except FileNotFoundError:
            _fail(file, f"weights file {path} not found (it must be beside the listing)")
        except (OSError, ValueError) as error:
            _fail(file, f"weights file {path} is not a readable .npz file ({error})")

    def _weights_hex(
        self, arrays: np.lib.npyio.NpzFile, file: Token, blob: _Blob, key: str
    ) -> str:
        if key not in arrays.files:
            _fail(blob.key, f"weights file {unquote(file)} has no entry {blob.key}")
        array = np.asarray(arrays[key])
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        if len(data) != blob.size:
            _fail(
                blob.key,
                f"weights file entry {blob.key} has {len(data)} bytes, its size says "
                f"{blob.size}",
            )
        return data.hex()


_LOCK = threading.Lock()
_BUILDER = Builder()


@cache
def _parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(),
        parser="lalr",
        lexer="contextual",
        transformer=_BUILDER,
        maybe_placeholders=True,
        propagate_positions=False,
    )


def _describe(terminal: str, parser: Lark) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    definition = parser.get_terminal(terminal)
    pattern = definition.pattern
    text = pattern.value.replace("\\b", "").replace("\\.", ".")
    return f"'{text}'"


def _syntax_error(error: UnexpectedInput, text: str, parser: Lark) -> tuple[int, int, str]:
    line, column = error.line, error.column
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = sorted(error.accepts or error.expected)
        if token.type == "$END":
            what = "end of file"
        else:
            word = _word_at(text, token.start_pos) if token.start_pos is not None else token
            what = f"'{word}'"
            if expected and set(expected) <= _MNEMONIC_TERMINALS:
                names = ", ".join(sorted(BY_MNEMONIC))
                return line, column, f"unknown mnemonic {what} (expected one of {names})"
        names = ", ".join(dict.fromkeys(_describe(t, parser) for t in expected))
        return line, column, f"unexpected {what}" + (f" (expected {names})" if names else "")
    if isinstance(error, UnexpectedCharacters):
        word = _word_at(text, error.pos_in_stream)
        return line, column, f"unexpected '{word}'"
    assert isinstance(error, UnexpectedEOF)
    return line, column, "unexpected end of file"


def _word_at(text: str, position: int) -> str:
    match = re.compile(r"\w+|\S").match(text, position)
    return match.group(0) if match else text[position : position + 1]


def parse_asm(text: str, name: str = "<asm>", directory: str = ".") -> ModuleOp:
    """Parse NPU assembly; a weights file named by `.data` is read from `directory`.

    Raises `AsmError` (a `UserError`) with a one-line `NAME:LINE:COL: message`.
    """
    source = "\n" + text + ("" if text.endswith("\n") else "\n")
    parser = _parser()
    with _LOCK, gc_paused():
        _BUILDER.begin(name, directory)
        try:
            module = parser.parse(source)
        except _Located as error:
            raise AsmError(f"{name}:{error.line - 1}:{error.column}: {error.message}") from None
        except UnexpectedInput as error:
            line, column, message = _syntax_error(error, source, parser)
            raise AsmError(f"{name}:{line - 1}:{column}: {message}") from None
        finally:
            _BUILDER.begin(name, directory)
    assert isinstance(module, ModuleOp)
    return module


def parse_asm_bytes(data: bytes, path: str) -> ModuleOp:
    """Parse an `.npuasm` file's bytes; `path` names it in messages, and a weights
    file it names is read from beside it."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a text file") from None
    return parse_asm(text, path, os.path.dirname(os.path.abspath(path)))


def parse_asm_file(path: str) -> ModuleOp:
    """Read an `.npuasm` file (and the weights file beside it, if it names one)."""
    with open(path, "rb") as stream:
        return parse_asm_bytes(stream.read(), path)


__all__ = ["AsmError", "parse_asm", "parse_asm_bytes", "parse_asm_file"]
