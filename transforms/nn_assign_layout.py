"""`nn-assign-layout`: the memory layout of every activation and weight, for the NPU.

    npu-opt model.mlir -p nn-assign-layout
    npu-opt model.mlir -p 'nn-assign-layout{activations=nchw weights=model}'

Like XLA's layout assignment, the pass leaves every op's logical shape and meaning as
it is and records, on the op that computes a value, the order its dims are stored in:
the discardable attribute `nn.layout` (`npu_dialect.nn.LAYOUT_ATTR`, outermost dim
first). `convert-nn-to-npu` gives each value a DRAM tensor of that order and reads it
through strided DMA descriptors, so an `nn` module with layouts runs in `npu-run`
exactly as without them.

- activations=nhwc (default): a rank-4 value that only spatial ops read (convolution
  inputs, pooling, batch norm, elementwise, quantize/dequantize/requantize/qadd) is
  stored NHWC (`array<i64: 0, 2, 3, 1>`): the HWC window a convolution or pooling tile
  loads is then `rows` runs of `width * channels` contiguous elements, with the
  channels (the matrix unit's reduction dim) innermost, instead of single elements
  `H * W` apart. A value that a view (reshape, flatten, transpose, ...), a product, a
  concat or the function's return reads stays row-major, so those read it in place.
- activations=nchw: every activation row-major (a baseline to measure against).
- weights=matrix (default): convolution weights (OIHW) are stored HWIO
  (`array<i64: 2, 3, 1, 0>`), the [KH, KW, C, O] boxes `npu.conv2d` reads, and the
  transposed `b` of an `nn.gemm` with `trans_b` as [K, N] (`array<i64: 1, 0>`): the
  lowering writes the constant in that order at compile time.
- weights=model: weights as the model stores them (the DMA reads them strided).

Function arguments and results keep the user's row-major layout; views, constants
that are not weights and multi-result ops get no attribute. The pass decides every
layout again on each run (it removes attributes it would not set). Values inside
`nn.fused` groups are judged by their users across the group boundary, so the pass
runs before or after `nn-fuse-epilogue` alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.nn import LAYOUT_ATTR, set_layout
from transforms.lowering.movement import VIEW_OPS

NHWC = (0, 2, 3, 1)
"""`nn.layout` of an NCHW activation stored NHWC."""
HWIO = (2, 3, 1, 0)
"""`nn.layout` of OIHW convolution weights stored HWIO."""
TRANSPOSED = (1, 0)
"""`nn.layout` of a [N, K] gemm `b` (trans_b) stored [K, N]."""

ACTIVATION_LAYOUTS = ("nhwc", "nchw")
WEIGHT_LAYOUTS = ("matrix", "model")

_CONVS = (nn.Conv2DOp, nn.QConv2DOp)
_SPATIAL = (
    nn.MaxPool2DOp,
    nn.AvgPool2DOp,
    nn.GlobalAvgPoolOp,
    nn.BatchNormOp,
    nn.BinaryOperation,
    nn.UnaryOperation,
    nn.ClampOp,
    nn.PreluOp,
    nn.CastOp,
    nn.QuantizeOp,
    nn.DequantizeOp,
    nn.RequantizeOp,
    nn.QAddOp,
)
"""Ops that read a rank-4 operand by spatial (HWC) tiles, besides convolutions."""
_VIEWS = (*VIEW_OPS, nn.SliceOp)
"""Ops whose result the lowering makes a view of the operand's bytes when it can."""


Use = tuple[Operation, int]
"""An op reading a value and the operand index it reads it at."""


def consumers(value: SSAValue) -> list[Use]:
    """The ops that read `value`, looking through `nn.fused` boundaries: a group's
    operand is read by the ops that read its region argument, and a value the group
    yields by the readers of the group's result."""
    found: list[Use] = []
    for use in value.uses:
        user = use.operation
        if isinstance(user, nn.FusedOp):
            found += consumers(user.body.block.args[use.index])
        elif isinstance(user, nn.YieldOp):
            group = user.parent_op()
            assert isinstance(group, nn.FusedOp)
            found += consumers(group.result)
        else:
            found.append((user, use.index))
    return found


def _rank(value: SSAValue) -> int:
    value_type = value.type
    return len(value_type.get_shape()) if isinstance(value_type, TensorType) else -1


def _reads_spatially(use: Use) -> bool:
    user, index = use
    if isinstance(user, _CONVS):
        return index == 0
    return isinstance(user, _SPATIAL)


def _is_conv_weight(use: Use) -> bool:
    user, index = use
    return isinstance(user, _CONVS) and index == 1


def _is_transposed_gemm_b(use: Use) -> bool:
    user, index = use
    return isinstance(user, nn.GemmOp) and index == 1 and bool(user.trans_b.value.data)


@dataclass(frozen=True)
class NNAssignLayoutPass(ModulePass):
    """Sets `nn.layout` on the ops of every function: NHWC activations and HWIO /
    [K, N] weights by default (see the module doc and docs/lowering.md, "Layout
    assignment")."""

    name = "nn-assign-layout"

    activations: str = "nhwc"
    """nhwc: rank-4 activations read only by spatial ops stored NHWC; nchw: row-major."""
    weights: str = "matrix"
    """matrix: conv weights HWIO, transposed gemm weights [K, N]; model: as given."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.activations not in ACTIVATION_LAYOUTS:
            raise UserError(
                f"activations must be one of {', '.join(ACTIVATION_LAYOUTS)}, "
                f"got '{self.activations}'"
            )
        if self.weights not in WEIGHT_LAYOUTS:
            raise UserError(
                f"weights must be one of {', '.join(WEIGHT_LAYOUTS)}, got '{self.weights}'"
            )
        for inner in op.walk():
            if isinstance(inner, nn.FusedOp):
                inner.attributes.pop(LAYOUT_ATTR, None)  # its inner ops carry them
            elif inner.dialect_name() == "nn" and len(inner.results) == 1:
                set_layout(inner, self.layout(inner))

    def layout(self, op: Operation) -> tuple[int, ...] | None:
        """The layout for the result of `op` (None: row-major)."""
        if isinstance(op, _VIEWS):
            return None
        value = op.results[0]
        uses = consumers(value)
        if not uses:
            return None
        rank = _rank(value)
        if self.weights == "matrix":
            if rank == 4 and all(_is_conv_weight(u) for u in uses):
                return HWIO
            if rank == 2 and all(_is_transposed_gemm_b(u) for u in uses):
                return TRANSPOSED
        if isinstance(op, nn.ConstantOp) or self.activations != "nhwc" or rank != 4:
            return None
        return NHWC if all(_reads_spatially(u) for u in uses) else None
