"""Types and attributes of the `npu` dialect: the token type, SRAM tiles and enums.

The byte layout a tile describes is defined here once (`TileAttr.view`), so that the
simulator, the emitters and the verifiers agree on it; docs/npu_dialect.md states it
in prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    Float8E4M3FNType,
    Float16Type,
    Float32Type,
    IntAttr,
    IntegerType,
    Signedness,
    StringAttr,
)
from xdsl.dialects.utils import EnumAttribute
from xdsl.ir import Attribute, ParametrizedAttribute, SpacedOpaqueSyntaxAttribute, TypeAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum

from npu_dialect.hardware import BUFFER_NAMES

# Element types an SRAM tile or DRAM tensor may hold, by MLIR spelling.
_DTYPES: dict[str, np.dtype] = {
    "i8": np.dtype(np.int8),
    "ui8": np.dtype(np.uint8),
    "i16": np.dtype(np.int16),
    "i32": np.dtype(np.int32),
    "f8E4M3FN": np.dtype(ml_dtypes.float8_e4m3fn),
    "f16": np.dtype(np.float16),
    "bf16": np.dtype(ml_dtypes.bfloat16),
    "f32": np.dtype(np.float32),
}
ELEMENT_TYPE_NAMES = tuple(_DTYPES)
INTEGER_TYPE_NAMES = ("i8", "ui8", "i16", "i32")
FLOAT_TYPE_NAMES = ("f8E4M3FN", "f16", "bf16", "f32")


def type_name(element_type: Attribute) -> str:
    """The MLIR spelling of a supported element type, or '' for any other type."""
    match element_type:
        case IntegerType():
            width = element_type.width.data
            unsigned = element_type.signedness.data == Signedness.UNSIGNED
            signed = element_type.signedness.data == Signedness.SIGNLESS
            if unsigned and width == 8:
                return "ui8"
            if signed and width in (8, 16, 32):
                return f"i{width}"
        case Float8E4M3FNType():
            return "f8E4M3FN"
        case Float16Type():
            return "f16"
        case BFloat16Type():
            return "bf16"
        case Float32Type():
            return "f32"
    return ""


def element_dtype(element_type: Attribute) -> np.dtype:
    """The numpy dtype of a supported element type (little-endian, as in SRAM/DRAM)."""
    return _DTYPES[type_name(element_type)]


def dense_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """Row-major element strides of `shape`."""
    strides: list[int] = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))


def strides_overlap(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """Whether two different indices may reach one element (a sufficient test).

    Sorted by stride, each dimension must step over the whole extent of the ones
    below it; layouts that pass are injective, which is what writes need.
    """
    dims = sorted((s, n) for s, n in zip(strides, shape) if n > 1)
    extent = 1
    for stride, size in dims:
        if stride < extent:
            return True
        extent = stride * size
    return False


def _tile_problem(
    buffer: str,
    address: int,
    shape: tuple[int, ...],
    element_type: Attribute,
    strides: tuple[int, ...],
) -> str:
    """What is wrong with a tile's parameters regardless of the hardware, or ''."""
    if buffer not in BUFFER_NAMES:
        return f"unknown buffer '{buffer}' (expected one of {', '.join(BUFFER_NAMES)})"
    if address < 0:
        return f"tile address {address} is negative"
    if not shape or min(shape) < 1:
        return f"tile shape {list(shape)} must have sizes >= 1"
    if not type_name(element_type):
        return (
            f"tile element type {element_type} is not one of {', '.join(ELEMENT_TYPE_NAMES)}"
        )
    if strides and len(strides) != len(shape):
        return f"tile has {len(strides)} strides for rank {len(shape)}"
    if strides and min(strides) < 1:
        return f"tile strides {list(strides)} must be >= 1"
    return ""


@irdl_attr_definition
class TokenType(ParametrizedAttribute, TypeAttribute):
    """A dependency token: produced by one instruction, awaited by later ones."""

    name = "npu.token"


@irdl_attr_definition
class TileAttr(ParametrizedAttribute):
    """An n-d tile in an on-chip SRAM buffer.

    `#npu.tile<act[0x400], 64x128xi8>` is 64 rows of 128 i8 elements starting at byte
    0x400 of buffer `act`, row-major; `, strides [256, 1]` gives other element strides
    (e.g. a 128-column slice of 256-column rows). Dense strides are stored as `[]`.
    """

    name = "npu.tile"

    buffer: StringAttr
    address: IntAttr
    shape: ArrayAttr[IntAttr]
    element_type: Attribute
    strides: ArrayAttr[IntAttr]

    def __init__(
        self,
        buffer: str,
        address: int,
        shape: Sequence[int],
        element_type: Attribute,
        strides: Sequence[int] | None = None,
    ):
        if strides is not None and tuple(strides) == dense_strides(shape):
            strides = None
        super().__init__(
            StringAttr(buffer),
            IntAttr(address),
            ArrayAttr(IntAttr(d) for d in shape),
            element_type,
            ArrayAttr(IntAttr(s) for s in strides or ()),
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        start = parser.pos
        with parser.in_angle_brackets():
            buffer = parser.parse_identifier(" (buffer name)")
            with parser.in_square_brackets():
                address = parser.parse_integer(
                    allow_boolean=False, allow_negative=False, context_msg=" (byte address)"
                )
            parser.parse_punctuation(",")
            shape, element_type = parser.parse_ranked_shape()
            strides: list[int] = []
            if parser.parse_optional_punctuation(","):
                parser.parse_keyword("strides")
                strides = parser.parse_comma_separated_list(
                    parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
                )
        if strides == list(dense_strides(shape)):
            strides = []
        problem = _tile_problem(buffer, address, tuple(shape), element_type, tuple(strides))
        if problem:
            parser.raise_error(problem, start, parser.pos)
        return (
            StringAttr(buffer),
            IntAttr(address),
            ArrayAttr(IntAttr(d) for d in shape),
            element_type,
            ArrayAttr(IntAttr(s) for s in strides),
        )

    def print_parameters(self, printer: Printer) -> None:
        dims = "x".join(str(d) for d in self.dims)
        printer.print_string(f"<{self.buffer.data}[{self.address.data:#x}], {dims}x")
        printer.print_attribute(self.element_type)
        if self.strides.data:
            printer.print_string(", strides [" + ", ".join(map(str, self.elem_strides)) + "]")
        printer.print_string(">")

    def verify(self) -> None:
        strides = tuple(s.data for s in self.strides.data)
        problem = _tile_problem(
            self.buffer.data, self.address.data, self.dims, self.element_type, strides
        )
        if problem:
            raise VerifyException(problem)

    @property
    def buffer_name(self) -> str:
        return self.buffer.data

    @property
    def addr(self) -> int:
        return self.address.data

    @property
    def dims(self) -> tuple[int, ...]:
        return tuple(d.data for d in self.shape.data)

    @property
    def rank(self) -> int:
        return len(self.shape.data)

    @property
    def elem_strides(self) -> tuple[int, ...]:
        if self.strides.data:
            return tuple(s.data for s in self.strides.data)
        return dense_strides(self.dims)

    @property
    def is_dense(self) -> bool:
        return not self.strides.data

    @property
    def type_name(self) -> str:
        return type_name(self.element_type)

    @property
    def dtype(self) -> np.dtype:
        return element_dtype(self.element_type)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def num_elements(self) -> int:
        return prod(self.dims)

    @property
    def nbytes(self) -> int:
        """Bytes of data the tile holds (what an access moves)."""
        return self.num_elements * self.itemsize

    @property
    def span(self) -> int:
        """Bytes from the first to one past the last element the tile touches."""
        last = sum((d - 1) * s for d, s in zip(self.dims, self.elem_strides))
        return (last + 1) * self.itemsize

    @property
    def end(self) -> int:
        return self.addr + self.span

    def with_address(self, address: int) -> TileAttr:
        return TileAttr(self.buffer_name, address, self.dims, self.element_type, self.elem_strides)

    def view(self, buffer: np.ndarray) -> np.ndarray:
        """The tile as a (writable) strided numpy view of a buffer's uint8 array."""
        window = buffer[self.addr : self.end].view(self.dtype)
        byte_strides = tuple(s * self.itemsize for s in self.elem_strides)
        return np.lib.stride_tricks.as_strided(window, self.dims, byte_strides)

    def describe(self) -> str:
        """`act[0x400 + 8192 bytes]`, as used in verifier messages."""
        return f"{self.buffer_name}[{self.addr:#x} + {self.span} bytes]"


class DramKind(StrEnum):
    INPUT = "input"
    OUTPUT = "output"
    WEIGHT = "weight"
    SCRATCH = "scratch"


class Dataflow(StrEnum):
    WS = "ws"
    OS = "os"


class BinaryKind(StrEnum):
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV = "div"
    MAX = "max"
    MIN = "min"
    POW = "pow"


class UnaryKind(StrEnum):
    RELU = "relu"
    NEG = "neg"
    ABS = "abs"
    COPY = "copy"
    CLAMP = "clamp"
    LEAKY_RELU = "leaky_relu"
    HARD_SIGMOID = "hard_sigmoid"
    HARD_SWISH = "hard_swish"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    EXP = "exp"
    LOG = "log"
    SQRT = "sqrt"
    RSQRT = "rsqrt"
    RECIPROCAL = "reciprocal"
    ERF = "erf"
    GELU = "gelu"
    GELU_TANH = "gelu_tanh"
    ELU = "elu"


class PoolKind(StrEnum):
    MAX = "max"
    SUM = "sum"
    AVG = "avg"


class ReduceKind(StrEnum):
    SUM = "sum"
    MAX = "max"
    MIN = "min"


@irdl_attr_definition
class DramKindAttr(EnumAttribute[DramKind], SpacedOpaqueSyntaxAttribute):
    name = "npu.dram_kind"


@irdl_attr_definition
class DataflowAttr(EnumAttribute[Dataflow], SpacedOpaqueSyntaxAttribute):
    name = "npu.dataflow"


@irdl_attr_definition
class BinaryKindAttr(EnumAttribute[BinaryKind], SpacedOpaqueSyntaxAttribute):
    name = "npu.binary_kind"


@irdl_attr_definition
class UnaryKindAttr(EnumAttribute[UnaryKind], SpacedOpaqueSyntaxAttribute):
    name = "npu.unary_kind"


@irdl_attr_definition
class PoolKindAttr(EnumAttribute[PoolKind], SpacedOpaqueSyntaxAttribute):
    name = "npu.pool_kind"


@irdl_attr_definition
class ReduceKindAttr(EnumAttribute[ReduceKind], SpacedOpaqueSyntaxAttribute):
    name = "npu.reduce_kind"
