"""Matrix-unit instructions: a GEMM and an implicit-GEMM convolution on SRAM tiles.

Tiles may be many times the array size; the matrix unit folds them over the array
(the cost model charges the folds). `npu.conv2d` reads a window tile of the input in
HWC layout and never needs an im2col copy in DRAM or SRAM.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import I64, DenseArrayBase, IntegerAttr, UnitAttr, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from npu_dialect.hardware import ACCUMULATOR_TYPES
from npu_dialect.npu.attributes import Dataflow, DataflowAttr, TileAttr
from npu_dialect.npu.program import NpuInstruction, Target


def conv_output_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    """Output rows (or columns) of a valid convolution over an already padded window."""
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _shape(tile: TileAttr) -> str:
    return "x".join(map(str, tile.dims))


class MatrixInstruction(NpuInstruction):
    """Shared operand rules: inputs in act/weight, accumulator tile in acc."""

    ENGINE: ClassVar[str] = "matrix"

    dest = prop_def(TileAttr)
    accumulate = opt_prop_def(UnitAttr)
    """Add to the accumulator tile instead of overwriting it."""
    dataflow = opt_prop_def(DataflowAttr)
    """The array's dataflow for this instruction; the config's default when absent."""

    @abstractmethod
    def inputs(self) -> tuple[TileAttr, TileAttr]:
        """The data tile (act) and the weight tile (weight)."""

    def reads(self) -> tuple[TileAttr, ...]:
        return (*self.inputs(), self.dest) if self.accumulate else self.inputs()

    def writes(self) -> tuple[TileAttr, ...]:
        return (self.dest,)

    def dataflow_name(self, target: Target) -> str:
        return self.dataflow.data.value if self.dataflow else target.config.matrix.dataflow

    def check_operands(self, target: Target, roles: tuple[str, str]) -> None:
        data, weights = self.inputs()
        target.check_tile(data, roles[0], buffers=("act",))
        target.check_tile(weights, roles[1], buffers=("weight",))
        target.check_tile(self.dest, "dest", buffers=("acc",), written=True)
        if data.type_name != weights.type_name:
            raise VerifyException(
                f"{roles[0]} type {data.type_name} and {roles[1]} type "
                f"{weights.type_name} differ"
            )
        matrix = target.config.matrix
        if not matrix.supports(data.type_name):
            raise VerifyException(
                f"{self.name.removeprefix('npu.')} input type {data.type_name} not supported "
                f"by matrix unit of config {target.config.name} "
                f"(supports {', '.join(matrix.input_types)})"
            )
        expected = ACCUMULATOR_TYPES[data.type_name]
        if self.dest.type_name != expected:
            raise VerifyException(
                f"dest type {self.dest.type_name} must be {expected}, the accumulator type "
                f"of {data.type_name}"
            )
        dataflow = self.dataflow_name(target)
        if dataflow not in matrix.dataflows:
            raise VerifyException(
                f"dataflow {dataflow} not supported by matrix unit of config "
                f"{target.config.name} (supports {', '.join(matrix.dataflows)})"
            )


def _matrix_properties(
    dest: TileAttr, accumulate: bool, dataflow: Dataflow | None
) -> dict[str, Attribute | None]:
    return {
        "dest": dest,
        "accumulate": UnitAttr() if accumulate else None,
        "dataflow": DataflowAttr(dataflow) if dataflow is not None else None,
    }


@irdl_op_definition
class MatmulOp(MatrixInstruction):
    """`dest[M, N] (+)= lhs[M, K] @ rhs[K, N]`; lhs in act, rhs in weight, dest in acc."""

    name = "npu.matmul"

    lhs = prop_def(TileAttr)
    rhs = prop_def(TileAttr)

    assembly_format = (
        "$lhs `,` $rhs `->` $dest (`accumulate` $accumulate^)? "
        "(`dataflow` $dataflow^)? (`after` $waits^)? attr-dict"
    )

    def __init__(
        self,
        lhs: TileAttr,
        rhs: TileAttr,
        dest: TileAttr,
        accumulate: bool = False,
        dataflow: Dataflow | None = None,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "lhs": lhs,
            "rhs": rhs,
            **_matrix_properties(dest, accumulate, dataflow),
        }
        super().__init__(properties, waits, origin)

    def inputs(self) -> tuple[TileAttr, TileAttr]:
        return self.lhs, self.rhs

    @property
    def gemm_shape(self) -> tuple[int, int, int]:
        """(M, K, N)."""
        return self.lhs.dims[0], self.lhs.dims[1], self.rhs.dims[1]

    @property
    def macs(self) -> int:
        m, k, n = self.gemm_shape
        return m * k * n

    def verify_on(self, target: Target) -> None:
        for role, tile in (("lhs", self.lhs), ("rhs", self.rhs), ("dest", self.dest)):
            if tile.rank != 2:
                raise VerifyException(f"{role} tile must be 2-d, got shape {_shape(tile)}")
        self.check_operands(target, ("lhs", "rhs"))
        (m, k), (k2, n) = self.lhs.dims, self.rhs.dims
        if k != k2:
            raise VerifyException(
                f"lhs is {_shape(self.lhs)} but rhs is {_shape(self.rhs)}: "
                f"inner dimensions {k} and {k2} differ"
            )
        if self.dest.dims != (m, n):
            raise VerifyException(
                f"dest is {_shape(self.dest)}, expected {m}x{n} (lhs rows x rhs columns)"
            )


@irdl_op_definition
class Conv2dOp(MatrixInstruction):
    """Implicit-GEMM convolution of an HWC window tile with HWIO weights.

    `dest[ho, wo, o] (+)= sum(input[ho*sh + kh*dh, wo*sw + kw*dw, g*Cg + c] *
    weight[kh, kw, c, o])` over kh, kw and c < Cg = C / groups, where
    g = o // (O / groups). The window is already padded (see `npu.dma_load`).
    """

    name = "npu.conv2d"

    input = prop_def(TileAttr)
    weight = prop_def(TileAttr)
    strides = prop_def(DenseArrayBase.constr(i64))
    dilations = prop_def(DenseArrayBase.constr(i64))
    groups = prop_def(IntegerAttr[I64])

    assembly_format = (
        "$input `,` $weight `->` $dest `strides` $strides `dilations` $dilations "
        "`groups` $groups (`accumulate` $accumulate^)? (`dataflow` $dataflow^)? "
        "(`after` $waits^)? attr-dict"
    )

    def __init__(
        self,
        input: TileAttr,
        weight: TileAttr,
        dest: TileAttr,
        strides: Sequence[int] = (1, 1),
        dilations: Sequence[int] = (1, 1),
        groups: int = 1,
        accumulate: bool = False,
        dataflow: Dataflow | None = None,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "input": input,
            "weight": weight,
            "strides": DenseArrayBase.from_list(i64, list(strides)),
            "dilations": DenseArrayBase.from_list(i64, list(dilations)),
            "groups": IntegerAttr(groups, 64),
            **_matrix_properties(dest, accumulate, dataflow),
        }
        super().__init__(properties, waits, origin)

    def inputs(self) -> tuple[TileAttr, TileAttr]:
        return self.input, self.weight

    @property
    def group_count(self) -> int:
        return self.groups.value.data

    @property
    def gemm_shape(self) -> tuple[int, int, int]:
        """(M, K, N) of one group's implicit GEMM: Ho*Wo, KH*KW*Cg, O/groups."""
        ho, wo, o = self.dest.dims
        kh, kw, cg, _ = self.weight.dims
        return ho * wo, kh * kw * cg, o // self.group_count

    @property
    def macs(self) -> int:
        m, k, n = self.gemm_shape
        return m * k * n * self.group_count

    def verify_on(self, target: Target) -> None:
        for role, tile, rank in (
            ("input", self.input, 3),
            ("weight", self.weight, 4),
            ("dest", self.dest, 3),
        ):
            if tile.rank != rank:
                raise VerifyException(
                    f"{role} tile must be {rank}-d, got shape {_shape(tile)}"
                )
        self.check_operands(target, ("input", "weight"))
        strides, dilations = self.strides.get_values(), self.dilations.get_values()
        for label, values in (("strides", strides), ("dilations", dilations)):
            if len(values) != 2 or min(values) < 1:
                raise VerifyException(f"{label} {list(values)} must be two integers >= 1")
        groups = self.group_count
        h, w, c = self.input.dims
        kh, kw, cg, o = self.weight.dims
        if groups < 1 or c % groups or o % groups:
            raise VerifyException(
                f"groups {groups} must be >= 1 and divide input channels {c} and "
                f"output channels {o}"
            )
        if cg != c // groups:
            raise VerifyException(
                f"weight has {cg} input channels per group, expected {c // groups} "
                f"({c} channels / {groups} groups)"
            )
        ho = conv_output_size(h, kh, strides[0], dilations[0])
        wo = conv_output_size(w, kw, strides[1], dilations[1])
        if ho < 1 or wo < 1:
            raise VerifyException(
                f"kernel {kh}x{kw} with dilations {list(dilations)} does not fit input "
                f"window {h}x{w}"
            )
        if self.dest.dims != (ho, wo, o):
            raise VerifyException(
                f"dest is {_shape(self.dest)}, expected {ho}x{wo}x{o}"
            )
