"""What the assembly and the binary encoding share: instruction field tables,
codes, name quoting and the builders that turn fields back into `npu` ops.

An instruction is described by its fields, in the order the op's custom syntax
prints its properties; the binary encoder walks these tables, and both readers build
ops through `build_instruction`, so the two formats cannot drift apart and a decoded
op has the same properties, in the same order, as one parsed from `.mlir` text.
"""

from __future__ import annotations

import gc
import io
import json
import math
import re
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache

from xdsl.context import Context
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseResourceAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
    f64,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Region, SSAValue
from xdsl.parser import Parser
from xdsl.printer import Printer

from npu_dialect.errors import UserError
from npu_dialect.hardware import BUFFER_NAMES
from npu_dialect.npu import (
    ELEMENT_TYPE_NAMES,
    BinaryKind,
    BinaryKindAttr,
    BinaryOp,
    Conv2dOp,
    ConvertOp,
    Dataflow,
    DataflowAttr,
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    HostOp,
    MatmulOp,
    NpuInstruction,
    PoolKind,
    PoolKindAttr,
    PoolOp,
    ReduceKind,
    ReduceKindAttr,
    ReduceOp,
    RequantizeOp,
    TileAttr,
    TokenType,
    UnaryKind,
    UnaryKindAttr,
    UnaryOp,
)

FORMAT_VERSION = 1
"""Version of both the assembly syntax (`.version`) and the binary format."""

TOKEN_TYPE = TokenType()
UNIT = UnitAttr()


class FieldKind(Enum):
    TILE = "tile"
    DRAM = "dram"  # a DRAM tensor symbol
    INT = "int"  # IntegerAttr
    INTS = "ints"  # DenseArrayBase of integers
    FLOATS = "floats"  # DenseArrayBase of f64
    FLAG = "flag"  # UnitAttr
    ENUM = "enum"  # an npu enum attribute
    PAD_VALUE = "pad_value"  # IntegerAttr or FloatAttr of the dest tile's element type
    DRAMS = "drams"  # ArrayAttr of DRAM tensor symbols
    REGION = "region"  # the op's region (not a property), as MLIR text in both formats


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    optional: bool = False
    element: IntegerType | None = None
    """The integer type of INT and INTS fields."""
    enum: type[Enum] | None = None
    """The enum class of ENUM fields."""


@dataclass(frozen=True)
class InstructionSpec:
    mnemonic: str
    op_class: type[NpuInstruction]
    opcode: int
    fields: tuple[Field, ...]

    @property
    def enum_field(self) -> Field | None:
        return next((f for f in self.fields if f.kind == FieldKind.ENUM), None)


def _tile(name: str) -> Field:
    return Field(name, FieldKind.TILE)


def _ints(name: str, element: IntegerType = i64, optional: bool = False) -> Field:
    return Field(name, FieldKind.INTS, optional, element)


def _int(name: str, element: IntegerType = i64) -> Field:
    return Field(name, FieldKind.INT, element=element)


def _flag(name: str) -> Field:
    return Field(name, FieldKind.FLAG, optional=True)


_MATRIX_OPTIONS = (_flag("accumulate"), Field("dataflow", FieldKind.ENUM, True, enum=Dataflow))

# Opcodes are grouped by engine: 0x0_ DMA, 0x1_ matrix unit, 0x2_ vector unit, 0x3_ host.
INSTRUCTIONS: tuple[InstructionSpec, ...] = (
    InstructionSpec(
        "dma_load",
        DmaLoadOp,
        0x01,
        (
            Field("dram", FieldKind.DRAM),
            _int("offset"),
            _ints("strides"),
            _tile("dest"),
            _ints("pad", optional=True),
            Field("pad_value", FieldKind.PAD_VALUE, optional=True),
        ),
    ),
    InstructionSpec(
        "dma_store",
        DmaStoreOp,
        0x02,
        (_tile("source"), Field("dram", FieldKind.DRAM), _int("offset"), _ints("strides")),
    ),
    InstructionSpec(
        "matmul", MatmulOp, 0x10, (_tile("lhs"), _tile("rhs"), _tile("dest"), *_MATRIX_OPTIONS)
    ),
    InstructionSpec(
        "conv2d",
        Conv2dOp,
        0x11,
        (
            _tile("input"),
            _tile("weight"),
            _tile("dest"),
            _ints("strides"),
            _ints("dilations"),
            _int("groups"),
            *_MATRIX_OPTIONS,
        ),
    ),
    InstructionSpec(
        "binary",
        BinaryOp,
        0x20,
        (
            Field("kind", FieldKind.ENUM, enum=BinaryKind),
            _tile("lhs"),
            _tile("rhs"),
            _tile("dest"),
        ),
    ),
    InstructionSpec(
        "unary",
        UnaryOp,
        0x21,
        (
            Field("kind", FieldKind.ENUM, enum=UnaryKind),
            _tile("input"),
            _tile("dest"),
            Field("params", FieldKind.FLOATS, optional=True),
        ),
    ),
    InstructionSpec(
        "requantize",
        RequantizeOp,
        0x22,
        (
            _tile("input"),
            _tile("dest"),
            _ints("multiplier", i32),
            _ints("shift", i8),
            _int("input_zp", i32),
            _int("output_zp", i32),
            _flag("double_round"),
            _ints("clamp", optional=True),
        ),
    ),
    InstructionSpec(
        "pool",
        PoolOp,
        0x23,
        (
            Field("kind", FieldKind.ENUM, enum=PoolKind),
            _tile("input"),
            _tile("dest"),
            _ints("kernel"),
            _ints("strides"),
        ),
    ),
    InstructionSpec(
        "reduce",
        ReduceOp,
        0x24,
        (
            Field("kind", FieldKind.ENUM, enum=ReduceKind),
            _tile("input"),
            _tile("dest"),
            _int("axis"),
        ),
    ),
    InstructionSpec("convert", ConvertOp, 0x25, (_tile("input"), _tile("dest"), _flag("truncate"))),
    InstructionSpec(
        "host",
        HostOp,
        0x30,
        (
            Field("inputs", FieldKind.DRAMS),
            Field("outputs", FieldKind.DRAMS),
            Field("body", FieldKind.REGION),
        ),
    ),
)
BY_MNEMONIC = {spec.mnemonic: spec for spec in INSTRUCTIONS}
BY_OPCODE = {spec.opcode: spec for spec in INSTRUCTIONS}
BY_OP_NAME = {spec.op_class.name: spec for spec in INSTRUCTIONS}

_ENUM_ATTRS: dict[type[Enum], Callable[[Enum], Attribute]] = {
    Dataflow: DataflowAttr,  # type: ignore[dict-item]
    BinaryKind: BinaryKindAttr,  # type: ignore[dict-item]
    UnaryKind: UnaryKindAttr,  # type: ignore[dict-item]
    PoolKind: PoolKindAttr,  # type: ignore[dict-item]
    ReduceKind: ReduceKindAttr,  # type: ignore[dict-item]
}

# Codes of the binary format (docs/npu_asm.md); the assembly spells the names.
BUFFER_CODES = {name: code for code, name in enumerate(BUFFER_NAMES)}
ELEMENT_TYPE_CODES = {name: code for code, name in enumerate(ELEMENT_TYPE_NAMES)}
DRAM_KIND_CODES = {kind: code for code, kind in enumerate(DramKind)}


def enum_code(enum: type[Enum], value: Enum) -> int:
    return list(enum).index(value)


# -- names and strings ------------------------------------------------------------

_BARE_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_$.-]*\Z")


def quote(text: str) -> str:
    """A double-quoted string literal with JSON escapes (what STRING tokens hold)."""
    return json.dumps(text, ensure_ascii=False)


def unquote(literal: str) -> str:
    return json.loads(literal)


def symbol_text(name: str) -> str:
    return "@" + (name if _BARE_SYMBOL.match(name) else quote(name))


def symbol_name(token: str) -> str:
    return unquote(token[1:]) if token.startswith('@"') else token[1:]


def origin_text(origin: str) -> str:
    """An origin as written after `;`: verbatim unless that would not read back."""
    plain = (
        origin
        and origin == origin.strip()
        and not origin.startswith('"')
        and origin.isprintable()
    )
    return origin if plain else quote(origin)


def origin_value(comment: str) -> str:
    """The origin an instruction's `; ...` comment names."""
    text = comment[1:].strip()
    return unquote(text) if text.startswith('"') else text


def splat_element(data: bytes, count: int) -> bytes | None:
    """The one element `data` repeats `count > 1` times, if it is such a splat."""
    if count < 2 or len(data) % count:
        return None
    element = data[: len(data) // count]
    return element if data == element * count else None


_QUIET_NAN = struct.pack("<d", math.nan)


def float_text(value: float) -> str:
    """A double that reads back bit for bit: `repr`, or `nan:0x...` for other NaNs."""
    value = float(value)
    bits = struct.pack("<d", value)
    if math.isnan(value) and bits != _QUIET_NAN:
        return f"nan:0x{int.from_bytes(bits, 'little'):016x}"
    return repr(value)


def float_value(text: str) -> float:
    """Inverse of `float_text`; also takes integers (decimal or 0x hex). Raises ValueError."""
    if text.startswith("nan:"):
        return struct.unpack("<d", int(text[4:], 16).to_bytes(8, "little"))[0]
    digits = text.lstrip("+-")
    if digits.startswith("0x"):
        value = float(int(digits[2:], 16))
        return -value if text.startswith("-") else value
    return float(text)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Readers allocate hundreds of thousands of long-lived objects; the cyclic
    collector would scan them again and again (reading 5x the instructions took 8x
    the time), so it is paused while they run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- MLIR text: attribute dictionaries and host regions ---------------------------


@cache
def mlir_context() -> Context:
    """All dialects `npu-opt` knows, to read the MLIR text the formats embed."""
    from xdsl.dialects import get_all_dialects

    from npu_dialect.universe import get_all_dialects as project_dialects

    ctx = Context()
    for name, factory in {**get_all_dialects(), **project_dialects()}.items():
        ctx.register_dialect(name, factory)
    return ctx


def attr_dict_text(attributes: Mapping[str, Attribute]) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_attr_dict(attributes)
    text = stream.getvalue()
    if "\n" in text:
        raise UserError("attributes that print on several lines cannot be emitted")
    return text


def region_text(region: Region) -> str:
    """`{`, the region's block(s) and `}`, the braces alone on the first and last line."""
    stream = io.StringIO()
    Printer(stream=stream).print_region(region)
    return stream.getvalue()


def parse_attr_dict(text: str) -> dict[str, Attribute]:
    """Raises `ParseError` (with a span into `text`)."""
    return Parser(mlir_context(), text).parse_optional_attr_dict()


def parse_region(text: str) -> Region:
    """Raises `ParseError` (with a span into `text`)."""
    parser = Parser(mlir_context(), text)
    region = parser.parse_region()
    if parser.forward_ssa_references:
        names = ", ".join("%" + name for name in parser.forward_ssa_references)
        parser.raise_error(f"values used but not defined: [{names}]")
    return region


def resource_keys(region: Region) -> Iterator[str]:
    """`dense_resource` keys that ops of a region hold as properties or attributes."""
    for op in region.walk():
        for attr in (*op.properties.values(), *op.attributes.values()):
            if isinstance(attr, DenseResourceAttr):
                yield attr.resource_handle.data


# -- building ops from fields -------------------------------------------------------


def pad_value_attr(value: int | float, dest: TileAttr) -> Attribute:
    """A pad value as an attribute of the dest tile's element type."""
    if dest.type_name in ("i8", "ui8", "i16", "i32"):
        if not isinstance(value, int):
            raise UserError(f"pad value {value} of an integer tile must be an integer")
        return IntegerAttr(value, dest.element_type)
    return FloatAttr(float(value), dest.element_type)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _int_attr(value: int, element: IntegerType) -> IntegerAttr:
    return IntegerAttr(value, element)


@lru_cache(maxsize=4096)
def _array_attr(element: IntegerType, values: tuple[int, ...]) -> Attribute:
    return DenseArrayBase.from_list(element, values)  # type: ignore[call-overload]


@lru_cache(maxsize=256)
def _enum_attr(enum: type[Enum], value: Enum) -> Attribute:
    # Keyed by the enum class too: StrEnum members of different enums compare equal.
    return _ENUM_ATTRS[enum](value)


@lru_cache(maxsize=4096)
def _symbol_attr(name: str) -> SymbolRefAttr:
    return SymbolRefAttr(name)


def field_attr(field: Field, value: object, fields: dict[str, object]) -> Attribute:
    """The property attribute of one field value (as `instruction_fields` returns it).

    Attributes are immutable, and programs repeat the same strides and offsets
    thousands of times, so equal values share one attribute (building and verifying
    xDSL attributes is what reading costs most).
    """
    match field.kind:
        case FieldKind.TILE:
            assert isinstance(value, TileAttr)
            return value
        case FieldKind.DRAM:
            return _symbol_attr(str(value))
        case FieldKind.DRAMS:
            return ArrayAttr(_symbol_attr(name) for name in value)  # type: ignore[attr-defined]
        case FieldKind.INT:
            assert field.element is not None and isinstance(value, int)
            return _int_attr(value, field.element)
        case FieldKind.INTS:
            assert field.element is not None
            return _array_attr(field.element, tuple(value))  # type: ignore[arg-type]
        case FieldKind.FLOATS:
            # Not cached: -0.0 == 0.0 would share an attribute between them.
            floats = [float(v) for v in value]  # type: ignore[attr-defined]
            return DenseArrayBase.from_list(f64, floats)
        case FieldKind.FLAG:
            return UNIT
        case FieldKind.ENUM:
            assert field.enum is not None
            return _enum_attr(field.enum, value)  # type: ignore[arg-type]
        case FieldKind.PAD_VALUE:
            dest = fields["dest"]
            assert isinstance(dest, TileAttr) and isinstance(value, int | float)
            return pad_value_attr(value, dest)
        case FieldKind.REGION:
            raise AssertionError("a region is not a property")


def build_instruction(
    spec: InstructionSpec,
    fields: dict[str, object],
    waits: Sequence[SSAValue],
    origin: str | None,
) -> NpuInstruction:
    """The op for `fields` (absent optional fields: missing, None or False)."""
    properties: dict[str, Attribute] = {}
    regions: list[Region] = []
    for field in spec.fields:
        value = fields.get(field.name)
        if value is None or value is False:
            continue
        if field.kind == FieldKind.REGION:
            assert isinstance(value, Region)
            regions.append(value)
        else:
            properties[field.name] = field_attr(field, value, fields)
    return spec.op_class.create(
        operands=list(waits),
        result_types=[TOKEN_TYPE],
        properties=properties,
        attributes={"origin": StringAttr(origin)} if origin is not None else {},
        regions=regions,
    )


def instruction_fields(spec: InstructionSpec, op: NpuInstruction) -> dict[str, object]:
    """The field values of an op: tiles as TileAttr, numbers, lists, enums, flags.

    Raises `UserError` for what the formats cannot hold: attributes other than
    `origin`, or properties of unexpected kinds (only unverified IR has those).
    """
    extra = sorted(set(op.attributes) - {"origin"})
    if extra:
        raise UserError(
            f"'{op.name}' has attribute '{extra[0]}'; NPU assembly and binary keep only "
            "'origin' besides the instruction's properties"
        )
    unknown = sorted(set(op.properties) - {f.name for f in spec.fields})
    if unknown:
        raise UserError(f"'{op.name}' has unknown property '{unknown[0]}'")
    fields: dict[str, object] = {}
    for field in spec.fields:
        if field.kind == FieldKind.REGION:
            fields[field.name] = op.regions[0]
            continue
        attr = op.properties.get(field.name)
        if attr is None:
            if not field.optional:
                raise UserError(f"'{op.name}' lacks property '{field.name}'")
            continue
        fields[field.name] = _field_value(op, field, attr)
    return fields


def _field_value(op: NpuInstruction, field: Field, attr: Attribute) -> object:
    kind = field.kind
    if kind == FieldKind.TILE and isinstance(attr, TileAttr):
        return attr
    if kind == FieldKind.DRAM and isinstance(attr, SymbolRefAttr) and not attr.nested_references:
        return attr.root_reference.data
    if kind == FieldKind.DRAMS and isinstance(attr, ArrayAttr):
        refs = attr.data
        if all(isinstance(r, SymbolRefAttr) and not r.nested_references for r in refs):
            return tuple(r.root_reference.data for r in refs)  # type: ignore[attr-defined]
    if kind == FieldKind.INT and isinstance(attr, IntegerAttr):
        return attr.value.data
    if kind in (FieldKind.INTS, FieldKind.FLOATS) and isinstance(attr, DenseArrayBase):
        return attr.get_values()
    if kind == FieldKind.FLAG and isinstance(attr, UnitAttr):
        return True
    if kind == FieldKind.ENUM and isinstance(getattr(attr, "data", None), Enum):
        return attr.data  # type: ignore[attr-defined]
    if kind == FieldKind.PAD_VALUE and isinstance(attr, IntegerAttr | FloatAttr):
        dest = op.properties.get("dest")
        if isinstance(dest, TileAttr) and attr.type == dest.element_type:
            return attr.value.data
    raise UserError(f"'{op.name}' property '{field.name}' = {attr} cannot be encoded")
