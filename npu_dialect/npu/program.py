"""The program container, its DRAM tensors and the base class of all instructions.

An `npu.program` holds, in order, the `npu.dram` declarations (its DRAM layout) and then
the instructions. Its `config` names the hardware description every verifier checks
against; instructions reach it through their parent, so one module may hold programs
for different designs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    I64,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    IntegerAttr,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_attr_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

from npu_dialect.hardware import ConfigError, HardwareConfig, load_config
from npu_dialect.npu.attributes import (
    DramKind,
    DramKindAttr,
    TileAttr,
    TokenType,
    element_dtype,
    strides_overlap,
    type_name,
)
from npu_dialect.resources import elements_array


@irdl_op_definition
class ProgramOp(IRDLOperation):
    """A complete NPU program: DRAM layout first, then instructions in program order."""

    name = "npu.program"

    sym_name = prop_def(SymbolNameConstraint())
    config = prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(SymbolOpInterface(), SymbolTable(), NoTerminator(), IsolatedFromAbove())

    def __init__(self, sym_name: str, config: str, ops: Sequence[Operation] = ()):
        super().__init__(
            properties={"sym_name": StringAttr(sym_name), "config": StringAttr(config)},
            regions=[Region(Block(ops))],
        )

    @classmethod
    def parse(cls, parser: Parser) -> ProgramOp:
        sym_name = parser.parse_symbol_name().data
        parser.parse_keyword("config")
        config = parser.parse_str_literal(" (hardware description)")
        attributes = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region()
        # `{}` parses as a region without blocks; a program always has its one block.
        if not region.blocks:
            region.add_block(Block())
        return cls.create(
            properties={"sym_name": StringAttr(sym_name), "config": StringAttr(config)},
            attributes=dict(attributes.data) if attributes is not None else {},
            regions=[region],
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" config ")
        printer.print_string_literal(self.config.data)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_empty_block=False)

    def hardware(self) -> HardwareConfig:
        """The hardware description named by `config` (raises `ConfigError`)."""
        return load_config(self.config.data)

    def dram_tensors(self) -> list[DramOp]:
        return [op for op in self.body.block.ops if isinstance(op, DramOp)]

    def instructions(self) -> list[NpuInstruction]:
        return [op for op in self.body.block.ops if isinstance(op, NpuInstruction)]

    def lookup_dram(self, name: str) -> DramOp | None:
        # Declarations precede instructions, so the scan stops at the first instruction.
        for op in self.body.block.ops:
            if not isinstance(op, DramOp):
                return None
            if op.sym_name.data == name:
                return op
        return None

    def verify_(self) -> None:
        try:
            self.hardware()
        except ConfigError as error:
            raise VerifyException(str(error)) from None
        seen_instruction = False
        for op in self.body.block.ops:
            if isinstance(op, DramOp):
                if seen_instruction:
                    raise VerifyException(
                        f"npu.dram @{op.sym_name.data} follows an instruction; "
                        "DRAM tensors must be declared before the first instruction"
                    )
            elif isinstance(op, NpuInstruction):
                seen_instruction = True
            else:
                raise VerifyException(
                    f"'{op.name}' is not allowed in npu.program "
                    "(only npu.dram declarations and npu instructions)"
                )
        self._verify_layout()

    def _verify_layout(self) -> None:
        """DRAM tensors must not overlap, except scratch tensors among themselves."""
        spans = sorted(
            ((op.offset_bytes, op.offset_bytes + op.nbytes, op) for op in self.dram_tensors()),
            key=lambda span: span[:2],
        )
        for index, (start, end, op) in enumerate(spans):
            for other_start, _, other in spans[index + 1 :]:
                if other_start >= end:
                    break
                if op.kind_enum == DramKind.SCRATCH and other.kind_enum == DramKind.SCRATCH:
                    continue
                raise VerifyException(
                    f"DRAM tensors @{op.sym_name.data} [{start}, {end}) and "
                    f"@{other.sym_name.data} [{other_start}, {other.offset_bytes + other.nbytes}) "
                    "overlap (only scratch tensors may share DRAM)"
                )


@irdl_op_definition
class DramOp(IRDLOperation):
    """A tensor in DRAM: dense, row-major, little-endian, at byte `offset`."""

    name = "npu.dram"

    sym_name = prop_def(SymbolNameConstraint())
    kind = prop_def(DramKindAttr)
    key = opt_prop_def(StringAttr)
    offset = prop_def(IntegerAttr[I64])
    tensor_type = prop_def(TensorType, prop_name="type")
    value = opt_prop_def(DenseIntOrFPElementsAttr | DenseResourceAttr)

    traits = traits_def(SymbolOpInterface(), HasParent(ProgramOp))

    assembly_format = "$sym_name $kind ($key^)? `at` $offset `:` $type (`=` $value^)? attr-dict"

    def __init__(
        self,
        sym_name: str,
        kind: DramKind,
        offset: int,
        tensor_type: TensorType,
        key: str | None = None,
        value: DenseIntOrFPElementsAttr | DenseResourceAttr | None = None,
    ):
        super().__init__(
            properties={
                "sym_name": StringAttr(sym_name),
                "kind": DramKindAttr(kind),
                "offset": IntegerAttr(offset, 64),
                "type": tensor_type,
            }
        )
        if key is not None:
            self.key = StringAttr(key)
        if value is not None:
            self.value = value

    @property
    def kind_enum(self) -> DramKind:
        return self.kind.data

    @property
    def io_key(self) -> str:
        """The `.npz` key of an input or output: `key` if given, else the symbol name."""
        return self.key.data if self.key is not None else self.sym_name.data

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.tensor_type.get_shape())

    @property
    def element_type(self) -> Attribute:
        return self.tensor_type.element_type

    @property
    def dtype(self) -> np.dtype:
        return element_dtype(self.element_type)

    @property
    def num_elements(self) -> int:
        return prod(self.shape)

    @property
    def offset_bytes(self) -> int:
        return self.offset.value.data

    @property
    def nbytes(self) -> int:
        return self.num_elements * self.dtype.itemsize if self.tensor_type_ok() else 0

    def tensor_type_ok(self) -> bool:
        return bool(type_name(self.element_type)) and all(d >= 0 for d in self.shape)

    def data(self) -> np.ndarray:
        """The weight's values (`kind = weight` only)."""
        assert self.value is not None
        return np.asarray(elements_array(self.value), dtype=self.dtype)

    def verify_(self) -> None:
        name = f"@{self.sym_name.data}"
        if not type_name(self.element_type):
            raise VerifyException(
                f"DRAM tensor {name} has unsupported element type {self.element_type}"
            )
        if any(d < 0 for d in self.shape):
            raise VerifyException(f"DRAM tensor {name} must have a static shape")
        is_weight = self.kind_enum == DramKind.WEIGHT
        if is_weight and self.value is None:
            raise VerifyException(f"weight tensor {name} needs a value")
        if not is_weight and self.value is not None:
            raise VerifyException(f"{self.kind_enum.value} tensor {name} cannot have a value")
        if self.value is not None and self.value.type != self.tensor_type:
            raise VerifyException(
                f"value of {name} has type {self.value.type}, expected {self.tensor_type}"
            )
        offset = self.offset_bytes
        itemsize = self.dtype.itemsize
        if offset < 0 or offset % itemsize:
            raise VerifyException(
                f"DRAM offset {offset} of {name} must be a non-negative multiple of "
                f"its {itemsize}-byte element size"
            )
        program = self.parent_op()
        if isinstance(program, ProgramOp):
            config = program_config(program)
            if offset + self.nbytes > config.dram.size:
                raise VerifyException(
                    f"DRAM tensor {name} [{offset}, {offset + self.nbytes}) exceeds the "
                    f"{config.dram.size} bytes of DRAM in config {config.name}"
                )


def program_config(program: ProgramOp) -> HardwareConfig:
    try:
        return program.hardware()
    except ConfigError as error:
        raise VerifyException(str(error)) from None


@dataclass(frozen=True)
class Target:
    """What an instruction verifies against: its program's config and DRAM tensors."""

    config: HardwareConfig
    program: ProgramOp

    def dram(self, ref: SymbolRefAttr) -> DramOp:
        name = ref.root_reference.data
        op = self.program.lookup_dram(name) if not ref.nested_references.data else None
        if op is None:
            raise VerifyException(f"@{name} is not an npu.dram tensor of this program")
        return op

    def check_tile(
        self,
        tile: TileAttr,
        role: str,
        buffers: Sequence[str] | None = None,
        written: bool = False,
    ) -> None:
        """Buffer, bounds and alignment of `tile`; written tiles must not self-overlap."""
        if buffers is not None and tile.buffer_name not in buffers:
            expected = " or ".join(f"'{b}'" for b in buffers)
            raise VerifyException(
                f"{role} tile must be in buffer {expected}, got '{tile.buffer_name}'"
            )
        buffer = self.config.sram.buffer(tile.buffer_name)
        if tile.end > buffer.size:
            raise VerifyException(
                f"{role} tile {tile.describe()} exceeds buffer '{buffer.name}' of "
                f"{buffer.size} bytes in config {self.config.name}"
            )
        if tile.addr % buffer.alignment:
            raise VerifyException(
                f"{role} tile address {tile.addr:#x} not aligned to {buffer.alignment} "
                f"bytes of buffer '{buffer.name}' in config {self.config.name}"
            )
        if tile.addr % tile.itemsize:
            raise VerifyException(
                f"{role} tile address {tile.addr:#x} not aligned to the "
                f"{tile.itemsize}-byte size of {tile.type_name}"
            )
        if written and strides_overlap(tile.dims, tile.elem_strides):
            raise VerifyException(
                f"{role} tile strides {list(tile.elem_strides)} make elements of shape "
                f"{list(tile.dims)} overlap"
            )


class NpuInstruction(IRDLOperation, ABC):
    """An instruction: waits on tokens, runs on one engine, produces a token."""

    ENGINE: ClassVar[str]
    """`dma_load`, `dma_store`, `matrix` or `vector`."""

    waits = var_operand_def(TokenType)
    token = result_def(TokenType())
    origin = opt_attr_def(StringAttr)
    """The model op (`nn` op name or ONNX node) this instruction was lowered from."""

    traits = traits_def(HasParent(ProgramOp))

    def __init__(
        self,
        properties: dict[str, Attribute | None],
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        super().__init__(
            operands=[waits],
            result_types=[TokenType()],
            properties={k: v for k, v in properties.items() if v is not None},
            attributes={"origin": StringAttr(origin)} if origin is not None else {},
        )

    @abstractmethod
    def reads(self) -> tuple[TileAttr, ...]:
        """The SRAM tiles the instruction reads."""

    @abstractmethod
    def writes(self) -> tuple[TileAttr, ...]:
        """The SRAM tiles the instruction writes."""

    @abstractmethod
    def verify_on(self, target: Target) -> None:
        """Checks against the hardware description and the program's DRAM tensors."""

    def verify_(self) -> None:
        program = self.parent_op()
        if isinstance(program, ProgramOp):
            self.verify_on(Target(program_config(program), program))
