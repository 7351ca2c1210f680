"""Vector-unit instructions: elementwise ops, pooling and reductions.

Each instruction reads whole source tiles before writing its destination, so a
destination may alias a source. Exact numerics are in docs/npu_dialect.md; each
instruction's `op_class` names the `vector.cycles` entry the cost model charges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, f64, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from npu_dialect.npu.attributes import (
    FLOAT_TYPE_NAMES,
    INTEGER_TYPE_NAMES,
    BinaryKind,
    BinaryKindAttr,
    PoolKind,
    PoolKindAttr,
    ReduceKind,
    ReduceKindAttr,
    TileAttr,
    UnaryKind,
    UnaryKindAttr,
)
from npu_dialect.npu.program import NpuInstruction, Target

# Arithmetic types of the vector unit; fp8 is a storage type (convert it first).
VECTOR_TYPE_NAMES = ("i8", "ui8", "i16", "i32", "f16", "bf16", "f32")
# Unary kinds that are defined on integers; all others need a float type.
INTEGER_UNARY_KINDS = (
    UnaryKind.RELU,
    UnaryKind.NEG,
    UnaryKind.ABS,
    UnaryKind.COPY,
    UnaryKind.CLAMP,
)
TRANSCENDENTAL_UNARY_KINDS = (
    UnaryKind.SIGMOID,
    UnaryKind.TANH,
    UnaryKind.EXP,
    UnaryKind.LOG,
    UnaryKind.SQRT,
    UnaryKind.RSQRT,
    UnaryKind.RECIPROCAL,
    UnaryKind.ERF,
    UnaryKind.GELU,
    UnaryKind.GELU_TANH,
    UnaryKind.ELU,
)
UNARY_PARAMS: dict[UnaryKind, tuple[str, ...]] = {
    UnaryKind.CLAMP: ("min", "max"),
    UnaryKind.LEAKY_RELU: ("alpha",),
    UnaryKind.ELU: ("alpha",),
    UnaryKind.HARD_SIGMOID: ("alpha", "beta"),
}


def _shape(tile: TileAttr) -> str:
    return "x".join(map(str, tile.dims))


def require_type(tile: TileAttr, role: str, allowed: Sequence[str], what: str) -> None:
    if tile.type_name not in allowed:
        raise VerifyException(
            f"{role} type {tile.type_name} not supported by {what} (supports {', '.join(allowed)})"
        )


def require_same_shape(source: TileAttr, dest: TileAttr) -> None:
    if source.dims != dest.dims:
        raise VerifyException(
            f"input shape {_shape(source)} and dest shape {_shape(dest)} differ"
        )


def _accumulating_dest(source: TileAttr, dest: TileAttr, what: str) -> None:
    """Sums of integers are i32; sums of floats are f32 or the input's own type."""
    if source.type_name in INTEGER_TYPE_NAMES:
        allowed: tuple[str, ...] = ("i32",)
    else:
        allowed = tuple(dict.fromkeys(("f32", source.type_name)))
    if dest.type_name not in allowed:
        raise VerifyException(
            f"{what} of {source.type_name} must produce {' or '.join(allowed)}, "
            f"got {dest.type_name}"
        )


class VectorInstruction(NpuInstruction):
    ENGINE: ClassVar[str] = "vector"
    OP_CLASS: ClassVar[str]
    """The `vector.cycles` entry of the config this instruction is charged."""

    dest = prop_def(TileAttr)

    def writes(self) -> tuple[TileAttr, ...]:
        return (self.dest,)

    @property
    def op_class(self) -> str:
        return self.OP_CLASS


class VectorMapInstruction(VectorInstruction):
    """A vector instruction that reads one `input` tile and writes `dest`."""

    input = prop_def(TileAttr)

    def reads(self) -> tuple[TileAttr, ...]:
        return (self.input,)

    def check_tiles(self, target: Target) -> None:
        """Checks that the input and dest tiles fit the target's buffers."""
        target.check_tile(self.input, "input")
        target.check_tile(self.dest, "dest", written=True)


@irdl_op_definition
class BinaryOp(VectorInstruction):
    """`dest = lhs <kind> rhs` elementwise, with numpy broadcasting of size-1 dims."""

    name = "npu.binary"

    kind = prop_def(BinaryKindAttr)
    lhs = prop_def(TileAttr)
    rhs = prop_def(TileAttr)

    assembly_format = "$kind $lhs `,` $rhs `->` $dest (`after` $waits^)? attr-dict"

    def __init__(
        self,
        kind: BinaryKind,
        lhs: TileAttr,
        rhs: TileAttr,
        dest: TileAttr,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "kind": BinaryKindAttr(kind),
            "lhs": lhs,
            "rhs": rhs,
            "dest": dest,
        }
        super().__init__(properties, waits, origin)

    @property
    def op_class(self) -> str:
        slow = self.kind.data in (BinaryKind.DIV, BinaryKind.POW)
        return "transcendental" if slow else "binary"

    def reads(self) -> tuple[TileAttr, ...]:
        return self.lhs, self.rhs

    def verify_on(self, target: Target) -> None:
        target.check_tile(self.lhs, "lhs")
        target.check_tile(self.rhs, "rhs")
        target.check_tile(self.dest, "dest", written=True)
        kind = self.kind.data
        require_type(self.dest, "dest", VECTOR_TYPE_NAMES, "the vector unit")
        for role, tile in (("lhs", self.lhs), ("rhs", self.rhs)):
            if tile.type_name != self.dest.type_name:
                raise VerifyException(
                    f"{role} type {tile.type_name} differs from dest type {self.dest.type_name}"
                )
            if tile.rank != self.dest.rank or any(
                n not in (1, d) for n, d in zip(tile.dims, self.dest.dims)
            ):
                raise VerifyException(
                    f"{role} shape {_shape(tile)} does not broadcast to dest shape "
                    f"{_shape(self.dest)}"
                )
        float_only = kind in (BinaryKind.DIV, BinaryKind.POW)
        if float_only and self.dest.type_name not in FLOAT_TYPE_NAMES:
            raise VerifyException(
                f"binary {kind.value} needs a float type, got {self.dest.type_name}"
            )


@irdl_op_definition
class UnaryOp(VectorMapInstruction):
    """`dest = f(input)` elementwise; `params` carries clamp bounds, alpha, beta."""

    name = "npu.unary"

    kind = prop_def(UnaryKindAttr)
    params = opt_prop_def(DenseArrayBase.constr(f64))

    assembly_format = "$kind $input `->` $dest (`params` $params^)? (`after` $waits^)? attr-dict"

    def __init__(
        self,
        kind: UnaryKind,
        input: TileAttr,
        dest: TileAttr,
        params: Sequence[float] = (),
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "kind": UnaryKindAttr(kind),
            "input": input,
            "dest": dest,
            "params": DenseArrayBase.from_list(f64, list(params)) if params else None,
        }
        super().__init__(properties, waits, origin)

    @property
    def param_values(self) -> tuple[float, ...]:
        return self.params.get_values() if self.params is not None else ()

    @property
    def op_class(self) -> str:
        return "transcendental" if self.kind.data in TRANSCENDENTAL_UNARY_KINDS else "unary"

    def verify_on(self, target: Target) -> None:
        self.check_tiles(target)
        kind = self.kind.data
        require_type(self.input, "input", VECTOR_TYPE_NAMES, "the vector unit")
        if self.input.type_name != self.dest.type_name:
            raise VerifyException(
                f"input type {self.input.type_name} differs from dest type "
                f"{self.dest.type_name} (use npu.convert to change types)"
            )
        require_same_shape(self.input, self.dest)
        is_float = self.input.type_name in FLOAT_TYPE_NAMES
        if not is_float and kind not in INTEGER_UNARY_KINDS:
            raise VerifyException(
                f"unary {kind.value} needs a float type, got {self.input.type_name}"
            )
        names = UNARY_PARAMS.get(kind, ())
        params = self.param_values
        if len(params) != len(names):
            expected = f"{len(names)} params ({', '.join(names)})" if names else "no params"
            raise VerifyException(f"unary {kind.value} takes {expected}, got {len(params)}")
        if kind == UnaryKind.CLAMP:
            if params[0] > params[1]:
                raise VerifyException(f"clamp min {params[0]} exceeds max {params[1]}")
            if not is_float and not all(float(p).is_integer() for p in params):
                raise VerifyException(
                    f"clamp bounds {list(params)} of an integer tile must be integers"
                )


@irdl_op_definition
class PoolOp(VectorMapInstruction):
    """Max / sum / average over KHxKW windows of an HWC tile (padding done by DMA)."""

    name = "npu.pool"

    kind = prop_def(PoolKindAttr)
    kernel = prop_def(DenseArrayBase.constr(i64))
    strides = prop_def(DenseArrayBase.constr(i64))

    assembly_format = (
        "$kind $input `->` $dest `kernel` $kernel `strides` $strides (`after` $waits^)? attr-dict"
    )

    OP_CLASS: ClassVar[str] = "pool"

    def __init__(
        self,
        kind: PoolKind,
        input: TileAttr,
        dest: TileAttr,
        kernel: Sequence[int],
        strides: Sequence[int],
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "kind": PoolKindAttr(kind),
            "input": input,
            "dest": dest,
            "kernel": DenseArrayBase.from_list(i64, list(kernel)),
            "strides": DenseArrayBase.from_list(i64, list(strides)),
        }
        super().__init__(properties, waits, origin)

    def verify_on(self, target: Target) -> None:
        self.check_tiles(target)
        kind = self.kind.data
        require_type(self.input, "input", VECTOR_TYPE_NAMES, "the vector unit")
        for role, tile in (("input", self.input), ("dest", self.dest)):
            if tile.rank != 3:
                raise VerifyException(
                    f"{role} tile must be 3-d (HWC), got shape {_shape(tile)}"
                )
        kernel, strides = self.kernel.get_values(), self.strides.get_values()
        for label, values in (("kernel", kernel), ("strides", strides)):
            if len(values) != 2 or min(values) < 1:
                raise VerifyException(f"{label} {list(values)} must be two integers >= 1")
        if kind == PoolKind.MAX:
            if self.dest.type_name != self.input.type_name:
                raise VerifyException(
                    f"max pool of {self.input.type_name} must produce {self.input.type_name}, "
                    f"got {self.dest.type_name}"
                )
        elif kind == PoolKind.AVG and self.input.type_name not in FLOAT_TYPE_NAMES:
            raise VerifyException(
                f"avg pool needs a float type, got {self.input.type_name} (use sum and requantize)"
            )
        else:
            _accumulating_dest(self.input, self.dest, f"{kind.value} pool")
        h, w, c = self.input.dims
        if kernel[0] > h or kernel[1] > w:
            raise VerifyException(
                f"kernel {kernel[0]}x{kernel[1]} does not fit input window {h}x{w}"
            )
        expected = ((h - kernel[0]) // strides[0] + 1, (w - kernel[1]) // strides[1] + 1, c)
        if self.dest.dims != expected:
            raise VerifyException(
                f"dest is {_shape(self.dest)}, expected {'x'.join(map(str, expected))}"
            )


@irdl_op_definition
class ReduceOp(VectorMapInstruction):
    """Sum / max / min along one axis; dest keeps the axis with size 1."""

    name = "npu.reduce"

    kind = prop_def(ReduceKindAttr)
    axis = prop_def(IntegerAttr.constr(type=i64))

    assembly_format = "$kind $input `->` $dest `axis` $axis (`after` $waits^)? attr-dict"

    OP_CLASS: ClassVar[str] = "reduce"

    def __init__(
        self,
        kind: ReduceKind,
        input: TileAttr,
        dest: TileAttr,
        axis: int,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "kind": ReduceKindAttr(kind),
            "input": input,
            "dest": dest,
            "axis": IntegerAttr(axis, 64),
        }
        super().__init__(properties, waits, origin)

    def verify_on(self, target: Target) -> None:
        self.check_tiles(target)
        require_type(self.input, "input", VECTOR_TYPE_NAMES, "the vector unit")
        axis = self.axis.value.data
        if not 0 <= axis < self.input.rank:
            raise VerifyException(f"axis {axis} out of range for rank {self.input.rank}")
        if self.kind.data == ReduceKind.SUM:
            _accumulating_dest(self.input, self.dest, "sum")
        elif self.dest.type_name != self.input.type_name:
            raise VerifyException(
                f"{self.kind.data.value} of {self.input.type_name} must produce "
                f"{self.input.type_name}, got {self.dest.type_name}"
            )
        expected = tuple(1 if i == axis else d for i, d in enumerate(self.input.dims))
        if self.dest.dims != expected:
            raise VerifyException(
                f"dest is {_shape(self.dest)}, expected {'x'.join(map(str, expected))}"
            )
