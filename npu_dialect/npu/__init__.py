"""The `npu` dialect: the NPU's instruction set (docs/npu_dialect.md).

Coarse, CISC-like instructions on on-chip SRAM tiles (DMA, matrix unit, vector unit)
ordered by explicit dependency tokens, inside an `npu.program` that holds the DRAM
layout and names the hardware description the verifiers check against.
"""

from xdsl.ir import Dialect

from npu_dialect.npu.attributes import (
    ELEMENT_TYPE_NAMES,
    FLOAT_TYPE_NAMES,
    INTEGER_TYPE_NAMES,
    BinaryKind,
    BinaryKindAttr,
    Dataflow,
    DataflowAttr,
    DramKind,
    DramKindAttr,
    PoolKind,
    PoolKindAttr,
    ReduceKind,
    ReduceKindAttr,
    TileAttr,
    TokenType,
    UnaryKind,
    UnaryKindAttr,
    dense_strides,
    element_dtype,
    strides_overlap,
    type_name,
)
from npu_dialect.npu.conversion import ConvertOp, RequantizeOp
from npu_dialect.npu.dma import DmaLoadOp, DmaStoreOp
from npu_dialect.npu.host import HostOp, HostYieldOp
from npu_dialect.npu.matrix import Conv2dOp, MatmulOp, MatrixInstruction, conv_output_size
from npu_dialect.npu.program import DramOp, NpuInstruction, ProgramOp, Target
from npu_dialect.npu.vector import (
    INTEGER_UNARY_KINDS,
    TRANSCENDENTAL_UNARY_KINDS,
    UNARY_PARAMS,
    VECTOR_TYPE_NAMES,
    BinaryOp,
    PoolOp,
    ReduceOp,
    UnaryOp,
    VectorInstruction,
)

NPU = Dialect(
    "npu",
    [
        ProgramOp,
        DramOp,
        DmaLoadOp,
        DmaStoreOp,
        MatmulOp,
        Conv2dOp,
        BinaryOp,
        UnaryOp,
        RequantizeOp,
        PoolOp,
        ReduceOp,
        ConvertOp,
        HostOp,
        HostYieldOp,
    ],
    [
        TokenType,
        TileAttr,
        DramKindAttr,
        DataflowAttr,
        BinaryKindAttr,
        UnaryKindAttr,
        PoolKindAttr,
        ReduceKindAttr,
    ],
)

__all__ = [
    "ELEMENT_TYPE_NAMES",
    "FLOAT_TYPE_NAMES",
    "INTEGER_TYPE_NAMES",
    "INTEGER_UNARY_KINDS",
    "NPU",
    "TRANSCENDENTAL_UNARY_KINDS",
    "UNARY_PARAMS",
    "VECTOR_TYPE_NAMES",
    "BinaryKind",
    "BinaryKindAttr",
    "BinaryOp",
    "Conv2dOp",
    "ConvertOp",
    "Dataflow",
    "DataflowAttr",
    "DmaLoadOp",
    "DmaStoreOp",
    "DramKind",
    "DramKindAttr",
    "DramOp",
    "HostOp",
    "HostYieldOp",
    "MatmulOp",
    "MatrixInstruction",
    "NpuInstruction",
    "PoolKind",
    "PoolKindAttr",
    "PoolOp",
    "ProgramOp",
    "ReduceKind",
    "ReduceKindAttr",
    "ReduceOp",
    "RequantizeOp",
    "Target",
    "TileAttr",
    "TokenType",
    "UnaryKind",
    "UnaryKindAttr",
    "UnaryOp",
    "VectorInstruction",
    "conv_output_size",
    "dense_strides",
    "element_dtype",
    "strides_overlap",
    "type_name",
]
