"""The NPU binary format: a little-endian encoding of `npu.program` modules.

The layout is specified byte by byte in docs/npu_asm.md. The encoding is
deterministic (strings and blobs in first-use order, zero padding), so decoding
and encoding again gives identical bytes.
"""

from __future__ import annotations

import struct
import zlib
from enum import Enum
from math import prod
from typing import NamedTuple

from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.utils.exceptions import ParseError, VerifyException

from npu_dialect.asm.emit import dram_value, module_blobs, programs_of
from npu_dialect.asm.parse import ELEMENT_TYPES
from npu_dialect.asm.syntax import (
    BUFFER_CODES,
    BY_OP_NAME,
    BY_OPCODE,
    DRAM_KIND_CODES,
    ELEMENT_TYPE_CODES,
    FORMAT_VERSION,
    Field,
    FieldKind,
    InstructionSpec,
    attr_dict_text,
    build_instruction,
    enum_code,
    gc_paused,
    instruction_fields,
    parse_attr_dict,
    parse_region,
    region_text,
    splat_element,
)
from npu_dialect.errors import UserError
from npu_dialect.hardware import BUFFER_NAMES
from npu_dialect.npu import (
    ELEMENT_TYPE_NAMES,
    INTEGER_TYPE_NAMES,
    DramKind,
    DramKindAttr,
    DramOp,
    NpuInstruction,
    ProgramOp,
    TileAttr,
    type_name,
)
from npu_dialect.resources import STORAGE

MAGIC = b"\x89NPU\r\n\x1a\n"
"""As in PNG: a non-ASCII first byte and CR LF / Ctrl-Z / LF catch text-mode damage."""
MINOR_VERSION = 0
NONE = 0xFFFFFFFF
"""A string or index field that is absent."""
SECTIONS = (b"STRS", b"PROG", b"DRAM", b"INST", b"BLOB")
HEADER = struct.Struct("<8sHHIQII")
SECTION_HEADER = struct.Struct("<4sIQ")
PROGRAM_RECORD = struct.Struct("<IIIIII")
DRAM_RECORD = struct.Struct("<IBBBBIIq")
INSTRUCTION_HEADER = struct.Struct("<BBBBIII")
TILE_HEADER = struct.Struct("<BBBBIq")
BLOB_RECORD = struct.Struct("<IIQ")
U32 = struct.Struct("<I")
VALUE_NONE, VALUE_DENSE, VALUE_RESOURCE, VALUE_SPLAT = 0, 1, 2, 3
DRAM_KINDS = tuple(DramKind)


def _pad8(data: bytearray) -> None:
    data.extend(bytes(-len(data) % 8))


def _optional_fields(spec: InstructionSpec) -> list[Field]:
    return [f for f in spec.fields if f.optional]


# -- encoding --------------------------------------------------------------------------


class _Strings:
    """The string table: each string once, numbered in order of first use."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str | None) -> int:
        if text is None:
            return NONE
        return self.index.setdefault(text, len(self.index))

    def section(self) -> bytes:
        body = bytearray()
        for text in self.index:
            data = text.encode()
            body += U32.pack(len(data)) + data
        _pad8(body)
        return bytes(body)


def _encode_tile(out: bytearray, tile: TileAttr) -> None:
    buffer, element = BUFFER_CODES[tile.buffer_name], ELEMENT_TYPE_CODES[tile.type_name]
    out += TILE_HEADER.pack(buffer, element, tile.rank, 0 if tile.is_dense else 1, 0, tile.addr)
    out += struct.pack(f"<{tile.rank}q", *tile.dims)
    if not tile.is_dense:
        out += struct.pack(f"<{tile.rank}q", *tile.elem_strides)


def _dram_index(drams: dict[str, int], name: str, op: NpuInstruction) -> int:
    if name not in drams:
        raise UserError(f"'{op.name}' refers to @{name}, which is not a DRAM tensor of its program")
    return drams[name]


def _encode_field(
    out: bytearray,
    field: Field,
    value: object,
    fields: dict[str, object],
    op: NpuInstruction,
    drams: dict[str, int],
    strings: _Strings,
) -> None:
    match field.kind:
        case FieldKind.TILE:
            assert isinstance(value, TileAttr)
            _encode_tile(out, value)
        case FieldKind.DRAM:
            out += struct.pack("<II", _dram_index(drams, str(value), op), 0)
        case FieldKind.DRAMS:
            assert isinstance(value, tuple)
            indices = [_dram_index(drams, name, op) for name in value]
            out += struct.pack(f"<II{len(indices)}I", len(indices), 0, *indices)
            _pad8(out)
        case FieldKind.REGION:
            assert isinstance(value, Region)
            out += struct.pack("<II", strings(region_text(value)), 0)
        case FieldKind.INT:
            out += struct.pack("<q", value)
        case FieldKind.INTS | FieldKind.FLOATS:
            assert isinstance(value, tuple)
            code = "q" if field.kind == FieldKind.INTS else "d"
            out += struct.pack(f"<II{len(value)}{code}", len(value), 0, *value)
        case FieldKind.PAD_VALUE:
            dest = fields["dest"]
            assert isinstance(dest, TileAttr)
            out += struct.pack("<q" if dest.type_name in INTEGER_TYPE_NAMES else "<d", value)
        case FieldKind.FLAG | FieldKind.ENUM:
            pass  # in the record header


def _encode_instruction(
    out: bytearray,
    op: NpuInstruction,
    tokens: dict[SSAValue, int],
    drams: dict[str, int],
    strings: _Strings,
) -> None:
    spec = BY_OP_NAME.get(op.name)
    if spec is None:
        raise UserError(f"'{op.name}' has no NPU binary form")
    fields = instruction_fields(spec, op)
    flags = sum(1 << bit for bit, f in enumerate(_optional_fields(spec)) if f.name in fields)
    kind = 0
    enum_field = spec.enum_field
    if enum_field is not None and enum_field.name in fields:
        assert enum_field.enum is not None
        kind = enum_code(enum_field.enum, fields[enum_field.name])  # type: ignore[arg-type]
    if any(w not in tokens for w in op.waits):
        raise UserError(
            f"'{op.name}' waits on a token that no earlier instruction of the program produces"
        )
    waits = [tokens[w] for w in op.waits]
    origin = strings(op.origin.data if op.origin is not None else None)
    start = len(out)
    out += INSTRUCTION_HEADER.pack(spec.opcode, flags, kind, 0, origin, 0, len(waits))
    out += struct.pack(f"<{len(waits)}I", *waits)
    _pad8(out)
    for field in spec.fields:
        if field.name in fields:
            _encode_field(out, field, fields[field.name], fields, op, drams, strings)
    struct.pack_into("<I", out, start + 8, len(out) - start)


def _encode_dram(out: bytearray, dram: DramOp, strings: _Strings, blobs: dict[str, int]) -> None:
    element = type_name(dram.element_type)
    if not element:
        raise UserError(
            f"DRAM tensor @{dram.sym_name.data} has unsupported element type {dram.element_type}"
        )
    value = dram_value(dram)
    data = b""
    if isinstance(value, DenseResourceAttr):
        value_kind, reference = VALUE_RESOURCE, blobs[value.resource_handle.data]
    elif isinstance(value, DenseIntOrFPElementsAttr):
        data = value.data.data
        splat = splat_element(data, dram.num_elements)
        value_kind, data = (VALUE_DENSE, data) if splat is None else (VALUE_SPLAT, splat)
        reference = len(data)
    else:
        value_kind, reference = VALUE_NONE, 0
    shape = dram.shape
    out += DRAM_RECORD.pack(
        strings(dram.sym_name.data),
        DRAM_KIND_CODES[dram.kind_enum],
        ELEMENT_TYPE_CODES[element],
        value_kind,
        len(shape),
        strings(dram.key.data if dram.key is not None else None),
        reference,
        dram.offset_bytes,
    )
    out += struct.pack(f"<{len(shape)}q", *shape)
    out += data
    _pad8(out)


def encode_binary(module: ModuleOp) -> bytes:
    """The binary encoding of a module of `npu.program` ops (docs/npu_asm.md)."""
    try:
        return _encode_module(module)
    except struct.error as error:
        raise UserError(f"a value does not fit the NPU binary format ({error})") from None


def _encode_module(module: ModuleOp) -> bytes:
    programs = programs_of(module)
    strings = _Strings()
    module_attrs = strings(attr_dict_text(module.attributes)) if module.attributes else NONE
    blob_list = module_blobs(programs)
    blob_index = {blob.key: index for index, blob in enumerate(blob_list)}
    program_body, dram_body, instruction_body = bytearray(), bytearray(), bytearray()
    dram_count = instruction_count = 0
    for program in programs:
        name, config = strings(program.sym_name.data), strings(program.config.data)
        attrs = strings(attr_dict_text(program.attributes)) if program.attributes else NONE
        drams: dict[str, int] = {}
        tokens: dict[SSAValue, int] = {}
        for op in program.body.block.ops:
            if isinstance(op, DramOp):
                if tokens:
                    raise UserError(
                        f"npu.dram @{op.sym_name.data} follows an instruction; DRAM "
                        "tensors must be declared before the first instruction"
                    )
                drams.setdefault(op.sym_name.data, len(drams))
                _encode_dram(dram_body, op, strings, blob_index)
            elif isinstance(op, NpuInstruction):
                _encode_instruction(instruction_body, op, tokens, drams, strings)
                tokens[op.token] = len(tokens)
            else:
                raise UserError(f"'{op.name}' is not allowed in npu.program")
        program_body += PROGRAM_RECORD.pack(name, config, attrs, len(drams), len(tokens), 0)
        dram_count += len(drams)
        instruction_count += len(tokens)
    blob_body = bytearray()
    for blob in blob_list:
        payload = blob.payload()
        blob_body += BLOB_RECORD.pack(strings(blob.key), blob.alignment, len(payload))
        blob_body += payload
        _pad8(blob_body)
    bodies = (
        (len(strings.index), strings.section()),
        (len(programs), program_body),
        (dram_count, dram_body),
        (instruction_count, instruction_body),
        (len(blob_list), blob_body),
    )
    sections = bytearray()
    for tag, (count, body) in zip(SECTIONS, bodies):
        sections += SECTION_HEADER.pack(tag, count, len(body)) + body
    header = HEADER.pack(
        MAGIC,
        FORMAT_VERSION,
        MINOR_VERSION,
        len(SECTIONS),
        HEADER.size + len(sections),
        zlib.crc32(sections),
        module_attrs,
    )
    return header + bytes(sections)


# -- decoding --------------------------------------------------------------------------


class _Reader:
    """A cursor over the bytes; every read is bounds-checked."""

    def __init__(self, data: bytes, name: str):
        self.data = data
        self.name = name
        self.pos = 0

    def fail(self, message: str, at: int | None = None) -> UserError:
        return UserError(f"{self.name}: byte {self.pos if at is None else at:#x}: {message}")

    def unpack(self, layout: struct.Struct) -> tuple:  # type: ignore[type-arg]
        if self.pos + layout.size > len(self.data):
            raise self.fail("unexpected end of data")
        values = layout.unpack_from(self.data, self.pos)
        self.pos += layout.size
        return values

    def array(self, code: str, count: int) -> tuple:  # type: ignore[type-arg]
        return self.unpack(struct.Struct(f"<{count}{code}"))

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise self.fail("unexpected end of data")
        self.pos += size
        return self.data[self.pos - size : self.pos]

    def align(self) -> None:
        self.pos += -self.pos % 8


class _DramRecord(NamedTuple):
    start: int
    symbol: int
    kind: int
    element: int
    value_kind: int
    key: int
    reference: int
    offset: int
    shape: tuple[int, ...]
    data: bytes


class _Decoder:
    def __init__(self, data: bytes, name: str):
        self.reader = _Reader(data, name)
        self.strings: list[str] = []
        self.blob_keys: list[str] = []
        self.tiles: dict[bytes, TileAttr] = {}
        """Tiles by their encoding: programs repeat tiles, and building them is slow."""

    def decode(self) -> ModuleOp:
        r = self.reader
        name = r.name
        if len(r.data) < HEADER.size or r.data[:8] != MAGIC:
            raise UserError(f"{name}: not an NPU binary (bad magic number)")
        _, major, minor, section_count, size, crc, module_attrs = r.unpack(HEADER)
        if major != FORMAT_VERSION:
            raise UserError(
                f"{name}: NPU binary version {major}.{minor} is not supported "
                f"(this reader knows version {FORMAT_VERSION})"
            )
        if size != len(r.data):
            raise UserError(f"{name}: file has {len(r.data)} bytes, its header says {size}")
        if section_count != len(SECTIONS):
            raise UserError(
                f"{name}: expected {len(SECTIONS)} sections, the header says {section_count}"
            )
        if zlib.crc32(r.data[HEADER.size :]) != crc:
            raise UserError(f"{name}: checksum mismatch (the file is damaged)")
        self._strings()
        count, end = self._section(b"PROG")
        headers = [r.unpack(PROGRAM_RECORD) for _ in range(count)]
        self._end_section(end, b"PROG")
        dram_count, end = self._section(b"DRAM")
        if sum(h[3] for h in headers) != dram_count:
            raise r.fail("DRAM record count differs from the programs' total")
        drams = [self._dram_record() for _ in range(dram_count)]
        self._end_section(end, b"DRAM")
        instruction_count, instructions_end = self._section(b"INST")
        if sum(h[4] for h in headers) != instruction_count:
            raise r.fail("instruction count differs from the programs' total")
        # Blobs come last in the file but first in the module: DRAM values refer to them.
        instructions_start, r.pos = r.pos, instructions_end
        self._blobs()
        r.pos = instructions_start
        programs: list[ProgramOp] = []
        for name_index, config, attrs, n_drams, n_instructions, _ in headers:
            ops: list[DramOp | NpuInstruction] = [self._dram_op(d) for d in drams[:n_drams]]
            drams = drams[n_drams:]
            names = [op.sym_name.data for op in ops if isinstance(op, DramOp)]
            tokens: list[SSAValue] = []
            for _ in range(n_instructions):
                op = self._instruction(tokens, names)
                ops.append(op)
                tokens.append(op.token)
            properties: dict[str, Attribute] = {
                "sym_name": StringAttr(self._string(name_index)),
                "config": StringAttr(self._string(config)),
            }
            regions = [Region(Block(ops))]
            attributes = self._attributes(attrs)
            programs.append(
                ProgramOp.create(properties=properties, attributes=attributes, regions=regions)
            )
        self._end_section(instructions_end, b"INST")
        return ModuleOp(programs, self._attributes(module_attrs))

    # -- sections and tables ------------------------------------------------------------

    def _section(self, tag: bytes) -> tuple[int, int]:
        """Reads a section header; returns its entry count and where its body ends."""
        start = self.reader.pos
        found, count, size = self.reader.unpack(SECTION_HEADER)
        if found != tag:
            raise self.reader.fail(f"expected section {tag.decode()}, found {found!r}", start)
        return count, self.reader.pos + size

    def _end_section(self, end: int, tag: bytes) -> None:
        self.reader.align()
        if self.reader.pos != end:
            raise self.reader.fail(f"section {tag.decode()} does not end where its size says")

    def _strings(self) -> None:
        r = self.reader
        count, end = self._section(b"STRS")
        for _ in range(count):
            (length,) = r.unpack(U32)
            try:
                self.strings.append(r.take(length).decode())
            except UnicodeDecodeError:
                raise r.fail("string is not UTF-8") from None
        self._end_section(end, b"STRS")

    def _blobs(self) -> None:
        """Registers the blobs in the blob storage, as parsing MLIR text does."""
        r = self.reader
        count, end = self._section(b"BLOB")
        for _ in range(count):
            key_index, alignment, size = r.unpack(BLOB_RECORD)
            payload = r.take(size)
            r.align()
            key = self._string(key_index)
            STORAGE.declare_resource(key)
            STORAGE.parse_resource(key, "0x" + (alignment.to_bytes(4, "little") + payload).hex())
            self.blob_keys.append(key)
        self._end_section(end, b"BLOB")
        if r.pos != len(r.data):
            raise r.fail("trailing data after the last section")

    def _string(self, index: int) -> str:
        if index >= len(self.strings):
            raise self.reader.fail(f"string index {index} out of range")
        return self.strings[index]

    def _optional_string(self, index: int) -> str | None:
        return None if index == NONE else self._string(index)

    def _code(self, table: tuple[str, ...], code: int, what: str, at: int | None = None) -> str:
        if code >= len(table):
            raise self.reader.fail(f"unknown {what} code {code}", at)
        return table[code]

    def _attributes(self, index: int) -> dict[str, Attribute]:
        text = self._optional_string(index)
        if text is None:
            return {}
        try:
            return parse_attr_dict(text)
        except ParseError as error:
            raise self.reader.fail(f"bad attribute dictionary {text!r}: {error.msg}") from None

    # -- records ----------------------------------------------------------------------

    def _dram_record(self) -> _DramRecord:
        r = self.reader
        start = r.pos
        symbol, kind, element, value_kind, rank, key, reference, offset = r.unpack(DRAM_RECORD)
        shape = r.array("q", rank)
        data = r.take(reference) if value_kind in (VALUE_DENSE, VALUE_SPLAT) else b""
        r.align()
        return _DramRecord(
            start, symbol, kind, element, value_kind, key, reference, offset, shape, data
        )

    def _dram_op(self, record: _DramRecord) -> DramOp:
        at = record.start
        element = self._code(ELEMENT_TYPE_NAMES, record.element, "element type", at)
        tensor_type = TensorType(ELEMENT_TYPES[element], record.shape)
        if record.kind >= len(DRAM_KINDS):
            raise self.reader.fail(f"unknown DRAM kind code {record.kind}", at)
        properties: dict[str, Attribute] = {
            "sym_name": StringAttr(self._string(record.symbol)),
            "kind": DramKindAttr(DRAM_KINDS[record.kind]),
        }
        key = self._optional_string(record.key)
        if key is not None:
            properties["key"] = StringAttr(key)
        properties["offset"] = IntegerAttr(record.offset, 64)
        properties["type"] = tensor_type
        if record.value_kind in (VALUE_DENSE, VALUE_SPLAT):
            data = record.data
            if record.value_kind == VALUE_SPLAT:
                data *= prod(record.shape)
            properties["value"] = DenseIntOrFPElementsAttr(tensor_type, BytesAttr(data))
        elif record.value_kind == VALUE_RESOURCE:
            if record.reference >= len(self.blob_keys):
                raise self.reader.fail(f"blob index {record.reference} out of range", at)
            key = self.blob_keys[record.reference]
            properties["value"] = DenseResourceAttr.from_params(key, tensor_type)
        elif record.value_kind != VALUE_NONE:
            raise self.reader.fail(f"unknown DRAM value kind {record.value_kind}", at)
        return DramOp.create(properties=properties)

    def _tile(self) -> TileAttr:
        r = self.reader
        start = r.pos
        buffer, element, rank, strided, _, address = r.unpack(TILE_HEADER)
        size = 8 * rank * (2 if strided else 1)
        encoding = r.data[start : r.pos + size]
        cached = self.tiles.get(encoding)
        if cached is not None:
            r.pos += size
            return cached
        dims = r.array("q", rank)
        strides = r.array("q", rank) if strided else None
        buffer_name = self._code(BUFFER_NAMES, buffer, "buffer", start)
        element_type = ELEMENT_TYPES[self._code(ELEMENT_TYPE_NAMES, element, "element type")]
        try:
            tile = TileAttr(buffer_name, address, dims, element_type, strides)
        except VerifyException as error:
            raise r.fail(f"bad tile: {error}", start) from None
        self.tiles[encoding] = tile
        return tile

    def _instruction(self, tokens: list[SSAValue], drams: list[str]) -> NpuInstruction:
        r = self.reader
        start = r.pos
        opcode, flags, kind, _, origin, size, wait_count = r.unpack(INSTRUCTION_HEADER)
        spec = BY_OPCODE.get(opcode)
        if spec is None:
            raise r.fail(f"unknown opcode {opcode:#04x}", start)
        waits = r.array("I", wait_count)
        r.align()
        if any(w >= len(tokens) for w in waits):
            raise r.fail("an instruction waits on itself or a later instruction", start)
        present = {f.name for bit, f in enumerate(_optional_fields(spec)) if flags >> bit & 1}
        fields: dict[str, object] = {}
        for field in spec.fields:
            if not field.optional or field.name in present:
                fields[field.name] = self._field(field, fields, kind, drams)
        if r.pos - start != size:
            raise r.fail(f"instruction record size {size} differs from its contents", start)
        waited = [tokens[w] for w in waits]
        return build_instruction(spec, fields, waited, self._optional_string(origin))

    def _field(
        self, field: Field, fields: dict[str, object], kind: int, drams: list[str]
    ) -> object:
        r = self.reader
        match field.kind:
            case FieldKind.TILE:
                return self._tile()
            case FieldKind.DRAM:
                index, _ = r.array("I", 2)
                return self._dram_name(drams, index)
            case FieldKind.DRAMS:
                count, _ = r.array("I", 2)
                indices = r.array("I", count)
                r.align()
                return tuple(self._dram_name(drams, index) for index in indices)
            case FieldKind.REGION:
                index, _ = r.array("I", 2)
                try:
                    return parse_region(self._string(index))
                except ParseError as error:
                    raise r.fail(f"bad host region: {error.msg.strip().splitlines()[-1]}") from None
            case FieldKind.INT:
                return r.array("q", 1)[0]
            case FieldKind.INTS | FieldKind.FLOATS:
                count, _ = r.array("I", 2)
                return r.array("q" if field.kind == FieldKind.INTS else "d", count)
            case FieldKind.PAD_VALUE:
                dest = fields["dest"]
                assert isinstance(dest, TileAttr)
                return r.array("q" if dest.type_name in INTEGER_TYPE_NAMES else "d", 1)[0]
            case FieldKind.FLAG:
                return True
            case FieldKind.ENUM:
                assert field.enum is not None
                values: list[Enum] = list(field.enum)
                if kind >= len(values):
                    raise r.fail(f"unknown {field.name} code {kind}")
                return values[kind]

    def _dram_name(self, drams: list[str], index: int) -> str:
        if index >= len(drams):
            raise self.reader.fail(f"DRAM tensor index {index} out of range")
        return drams[index]


def decode_binary(data: bytes, name: str = "<binary>") -> ModuleOp:
    """The module an NPU binary encodes; `UserError` naming the byte offset if bad.

    Blobs are registered in the process's blob storage under their keys.
    """
    with gc_paused():
        return _Decoder(data, name).decode()


def parse_bin_file(path: str) -> ModuleOp:
    """Read an `.npubin` file."""
    with open(path, "rb") as stream:
        return decode_binary(stream.read(), path)
