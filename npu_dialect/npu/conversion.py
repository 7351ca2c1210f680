"""Vector-unit type conversions: integer requantisation and element type conversion.

Exact numerics (TOSA RESCALE rounding, float rounding and saturation) are in
docs/npu_dialect.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import I32, DenseArrayBase, IntegerAttr, UnitAttr, i8, i32, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from npu_dialect.npu.attributes import FLOAT_TYPE_NAMES, INTEGER_TYPE_NAMES, TileAttr
from npu_dialect.npu.program import Target
from npu_dialect.npu.vector import VectorMapInstruction, require_same_shape, require_type

# TOSA: zero points are 0 except for 8-bit tensors.
_ZERO_POINT_RANGES = {"i8": (-128, 127), "ui8": (0, 255)}


@irdl_op_definition
class RequantizeOp(VectorMapInstruction):
    """TOSA RESCALE (scale32): integer rescale with zero points, rounding, saturation."""

    name = "npu.requantize"

    multiplier = prop_def(DenseArrayBase.constr(i32))
    shift = prop_def(DenseArrayBase.constr(i8))
    input_zp = prop_def(IntegerAttr[I32])
    output_zp = prop_def(IntegerAttr[I32])
    double_round = opt_prop_def(UnitAttr)
    clamp = opt_prop_def(DenseArrayBase.constr(i64))

    assembly_format = (
        "$input `->` $dest `multiplier` $multiplier `shift` $shift `input_zp` $input_zp "
        "`output_zp` $output_zp (`double_round` $double_round^)? (`clamp` $clamp^)? "
        "(`after` $waits^)? attr-dict"
    )

    OP_CLASS: ClassVar[str] = "requantize"

    def __init__(
        self,
        input: TileAttr,
        dest: TileAttr,
        multiplier: Sequence[int],
        shift: Sequence[int],
        input_zp: int = 0,
        output_zp: int = 0,
        double_round: bool = False,
        clamp: tuple[int, int] | None = None,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "input": input,
            "dest": dest,
            "multiplier": DenseArrayBase.from_list(i32, list(multiplier)),
            "shift": DenseArrayBase.from_list(i8, list(shift)),
            "input_zp": IntegerAttr(input_zp, 32),
            "output_zp": IntegerAttr(output_zp, 32),
            "double_round": UnitAttr() if double_round else None,
            "clamp": DenseArrayBase.from_list(i64, list(clamp)) if clamp is not None else None,
        }
        super().__init__(properties, waits, origin)

    def verify_on(self, target: Target) -> None:
        self.check_tiles(target)
        require_type(self.input, "input", INTEGER_TYPE_NAMES, "requantize")
        require_type(self.dest, "dest", INTEGER_TYPE_NAMES, "requantize")
        require_same_shape(self.input, self.dest)
        multiplier = self.multiplier.get_values()
        shift = self.shift.get_values()
        channels = self.input.dims[-1]
        if len(multiplier) not in (1, channels):
            raise VerifyException(
                f"multiplier has {len(multiplier)} entries, expected 1 (per tensor) or "
                f"{channels} (per channel of the last dim)"
            )
        if len(shift) != len(multiplier):
            raise VerifyException(
                f"shift has {len(shift)} entries but multiplier has {len(multiplier)}"
            )
        if min(multiplier) < 0:
            raise VerifyException(f"multiplier {min(multiplier)} is negative")
        if min(shift) < 2 or max(shift) > 62:
            raise VerifyException(
                f"shift values must be in [2, 62], got {min(shift)}..{max(shift)}"
            )
        for role, tile, zp in (
            ("input", self.input, self.input_zp.value.data),
            ("output", self.dest, self.output_zp.value.data),
        ):
            low, high = _ZERO_POINT_RANGES.get(tile.type_name, (0, 0))
            if not low <= zp <= high:
                raise VerifyException(
                    f"{role}_zp {zp} out of range [{low}, {high}] for {tile.type_name}"
                )
        if self.clamp is not None:
            bounds = self.clamp.get_values()
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise VerifyException(f"clamp {list(bounds)} must be [min, max] with min <= max")


@irdl_op_definition
class ConvertOp(VectorMapInstruction):
    """Element type conversion (rounding and saturation rules in docs/npu_dialect.md)."""

    name = "npu.convert"

    truncate = opt_prop_def(UnitAttr)
    """Float-to-integer conversion rounds toward zero instead of to nearest-even."""

    assembly_format = "$input `->` $dest (`truncate` $truncate^)? (`after` $waits^)? attr-dict"

    OP_CLASS: ClassVar[str] = "convert"

    def __init__(
        self,
        input: TileAttr,
        dest: TileAttr,
        truncate: bool = False,
        waits: Sequence[SSAValue | Operation] = (),
        origin: str | None = None,
    ):
        properties: dict[str, Attribute | None] = {
            "input": input,
            "dest": dest,
            "truncate": UnitAttr() if truncate else None,
        }
        super().__init__(properties, waits, origin)

    def verify_on(self, target: Target) -> None:
        self.check_tiles(target)
        require_same_shape(self.input, self.dest)
        float_to_int = (
            self.input.type_name in FLOAT_TYPE_NAMES and self.dest.type_name in INTEGER_TYPE_NAMES
        )
        if self.truncate is not None and not float_to_int:
            raise VerifyException(
                f"truncate only applies to float-to-integer conversion, not "
                f"{self.input.type_name} to {self.dest.type_name}"
            )
