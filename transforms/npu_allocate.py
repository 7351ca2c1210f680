"""`npu-allocate`: the DRAM memory plan of NPU programs, activations reused by liveness.

    npu-opt lowered.mlir -p 'npu-allocate,npu-schedule'

Tensors that share DRAM conflict, so the lowering's tokens no longer order every
conflicting pair afterwards: run `npu-schedule` after this pass (`npu-compile` does).
See docs/lowering.md, "DRAM allocation".
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.passes import ModulePass

from npu_dialect.errors import UserError
from npu_dialect.npu import DmaLoadOp, DmaStoreOp, DramKind, DramOp, HostOp, ProgramOp
from transforms.npu_schedule import reject_functions

SEGMENTS = (
    ("io", (DramKind.INPUT, DramKind.OUTPUT)),
    ("weights", (DramKind.WEIGHT,)),
    ("activations", (DramKind.SCRATCH,)),
)
"""The DRAM segments, in address order, and the kinds of tensor each holds."""


@dataclass
class Lifetime:
    """The instructions between which a scratch tensor's bytes must be kept."""

    first: int
    last: int


def lifetimes(program: ProgramOp) -> dict[str, Lifetime]:
    """For every scratch tensor an instruction touches, the first and last such
    instruction; a tensor first read before it is written relies on starting as
    zeros, so it lives from the start of the program."""
    scratch = {
        t.sym_name.data for t in program.dram_tensors() if t.kind_enum == DramKind.SCRATCH
    }
    spans: dict[str, Lifetime] = {}
    for index, op in enumerate(program.instructions()):
        if isinstance(op, DmaLoadOp):
            touched = [(op.dram.root_reference.data, False)]
        elif isinstance(op, DmaStoreOp):
            touched = [(op.dram.root_reference.data, True)]
        elif isinstance(op, HostOp):
            outputs = set(op.output_names)
            touched = [(name, False) for name in op.input_names]
            touched += [(name, True) for name in outputs - set(op.input_names)]
        else:
            continue
        for name, writes in touched:
            if name not in scratch:
                continue
            span = spans.get(name)
            if span is None:
                spans[name] = Lifetime(index if writes else 0, index)
            else:
                span.last = index
    return spans


def _align(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


def pack_intervals(
    items: list[tuple[str, int, Lifetime]], alignment: int
) -> tuple[dict[str, int], int]:
    """Offsets (from 0) for (name, bytes, lifetime) items such that items whose
    lifetimes overlap get disjoint byte ranges: largest first, each at the lowest
    aligned offset free of the items placed before it that are live at the same time
    (greedy first fit by offset). Returns the offsets and the total size."""
    placed: list[tuple[int, int, Lifetime]] = []
    offsets: dict[str, int] = {}
    order = sorted(items, key=lambda item: (-item[1], item[2].first, item[0]))
    for name, size, span in order:
        busy = sorted(
            (start, end)
            for start, end, other in placed
            if other.first <= span.last and span.first <= other.last
        )
        offset = 0
        for start, end in busy:
            if offset + size <= start:
                break
            offset = max(offset, _align(end, alignment))
        offsets[name] = offset
        placed.append((offset, offset + size, span))
    return offsets, max((end for _, end, _ in placed), default=0)


def dram_footprint(program: ProgramOp) -> int:
    """Bytes of DRAM the program's tensors span (the end of the highest one)."""
    return max((t.offset_bytes + t.nbytes for t in program.dram_tensors()), default=0)


def allocate_program(program: ProgramOp, alignment: int) -> None:
    """Lay out the program's DRAM tensors in the segments of `SEGMENTS`."""
    tensors = program.dram_tensors()
    spans = lifetimes(program)
    base = 0
    for _, kinds in SEGMENTS:
        members = [t for t in tensors if t.kind_enum in kinds]
        if kinds == (DramKind.SCRATCH,):
            # An untouched scratch tensor is never accessed: any offset does.
            items = [
                (t.sym_name.data, t.nbytes, spans.get(t.sym_name.data, Lifetime(-1, -1)))
                for t in members
            ]
            offsets, size = pack_intervals(items, alignment)
            for tensor in members:
                _move(tensor, base + offsets[tensor.sym_name.data])
        else:
            size = 0
            for tensor in members:
                _move(tensor, base + size)
                size = _align(size + tensor.nbytes, alignment)
        base = _align(base + size, alignment)


def _move(tensor: DramOp, offset: int) -> None:
    tensor.offset = IntegerAttr(offset, 64)


@dataclass(frozen=True)
class NPUAllocatePass(ModulePass):
    """Lays out the DRAM of every `npu.program` in three segments, each starting on an
    `alignment` boundary: inputs and outputs (declaration order), weights, then the
    activations (scratch tensors), where tensors whose lifetimes (first to last
    instruction touching them) do not overlap share bytes, placed largest first at the
    lowest free offset. Only `npu.dram` offsets change: instructions address tensors
    relative to their start. Tokens are left as they are, and they do not order the
    new conflicts between tensors sharing bytes: run `npu-schedule` afterwards."""

    name = "npu-allocate"

    alignment: int = 64
    """Byte alignment of every tensor: a power of two, at least 4 (an f32 or i32)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.alignment < 4 or self.alignment & (self.alignment - 1):
            raise UserError(
                f"alignment must be a power of two of at least 4 bytes, got {self.alignment}"
            )
        reject_functions(op)
        for program in op.ops:
            if isinstance(program, ProgramOp):
                allocate_program(program, self.alignment)
