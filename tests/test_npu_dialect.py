"""The `npu` dialect's Python API: builders, tile layout, engine metadata, verifiers."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, IntegerAttr, ModuleOp, TensorType, f32, i8, i32
from xdsl.parser import Parser
from xdsl.utils.exceptions import ParseError, VerifyException

from npu_dialect import hardware
from npu_dialect.npu import (
    NPU,
    BinaryKind,
    BinaryOp,
    Conv2dOp,
    ConvertOp,
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    DramOp,
    MatmulOp,
    ProgramOp,
    RequantizeOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
    strides_overlap,
)


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(NPU)
    return ctx


def _fc_program() -> ProgramOp:
    x = DramOp("x", DramKind.INPUT, 0, TensorType(i8, [32, 64]), key="input.1")
    y = DramOp("y", DramKind.OUTPUT, 4096, TensorType(i8, [32, 16]))
    a = TileAttr("act", 0, [32, 64], i8)
    b = TileAttr("weight", 0, [64, 16], i8)
    c = TileAttr("acc", 0, [32, 16], i32)
    out = TileAttr("act", 0x800, [32, 16], i8)
    load = DmaLoadOp("x", 0, [64, 1], a, origin="fc")
    matmul = MatmulOp(a, b, c, waits=[load], origin="fc")
    requant = RequantizeOp(c, out, [1 << 30], [33], output_zp=2, waits=[matmul])
    store = DmaStoreOp(out, "y", 0, [16, 1], waits=[requant])
    return ProgramOp("fc", "npu-base", [x, y, load, matmul, requant, store])


def test_builders_make_a_verifying_program_that_round_trips() -> None:
    program = _fc_program()
    module = ModuleOp([program])
    module.verify()
    text = str(module)
    assert 'npu.dram @x input "input.1" at 0 : tensor<32x64xi8>' in text
    assert "after %0 {origin = \"fc\"}" in text
    parsed = Parser(_context(), text).parse_module()
    parsed.verify()
    assert str(parsed) == text


def test_program_accessors() -> None:
    program = _fc_program()
    assert [op.sym_name.data for op in program.dram_tensors()] == ["x", "y"]
    assert program.lookup_dram("y") is program.dram_tensors()[1]
    assert program.lookup_dram("nope") is None
    assert program.dram_tensors()[0].io_key == "input.1"
    assert program.dram_tensors()[1].io_key == "y"
    assert program.hardware() is hardware.load_config("npu-base")
    engines = [op.ENGINE for op in program.instructions()]
    assert engines == ["dma_load", "matrix", "vector", "dma_store"]


def test_reads_writes_and_costs_metadata() -> None:
    a = TileAttr("act", 0, [8, 16], i8)
    b = TileAttr("weight", 0, [16, 4], i8)
    c = TileAttr("acc", 0, [8, 4], i32)
    overwrite = MatmulOp(a, b, c)
    accumulate = MatmulOp(a, b, c, accumulate=True)
    assert overwrite.reads() == (a, b) and overwrite.writes() == (c,)
    assert accumulate.reads() == (a, b, c)
    assert overwrite.gemm_shape == (8, 16, 4) and overwrite.macs == 8 * 16 * 4
    window = TileAttr("act", 0, [6, 6, 8], i8)
    weight = TileAttr("weight", 0, [3, 3, 4, 8], i8)
    conv = Conv2dOp(window, weight, TileAttr("acc", 0, [2, 2, 8], i32), strides=(2, 2), groups=2)
    assert conv.gemm_shape == (4, 36, 4) and conv.macs == 4 * 36 * 4 * 2
    t = TileAttr("act", 0, [4], f32)
    assert UnaryOp(UnaryKind.RELU, t, t).op_class == "unary"
    assert UnaryOp(UnaryKind.EXP, t, t).op_class == "transcendental"
    assert BinaryOp(BinaryKind.ADD, t, t, t).op_class == "binary"
    assert BinaryOp(BinaryKind.DIV, t, t, t).op_class == "transcendental"
    assert ConvertOp(t, TileAttr("act", 64, [4], i8)).op_class == "convert"


def test_tile_layout_and_numpy_view() -> None:
    buffer = np.zeros(256, dtype=np.uint8)
    # A 3x2 i32 slice of 4-column rows starting at byte 16.
    tile = TileAttr("act", 16, [3, 2], i32, strides=[4, 1])
    assert (tile.span, tile.end, tile.nbytes) == ((2 * 4 + 1 + 1) * 4, 56, 24)
    assert tile.describe() == "act[0x10 + 40 bytes]"
    view = tile.view(buffer)
    view[...] = np.arange(6, dtype=np.int32).reshape(3, 2) - 3
    words = buffer[16:64].view(np.int32)
    assert words.tolist() == [-3, -2, 0, 0, -1, 0, 0, 0, 1, 2, 0, 0]
    dense = TileAttr("act", 0, [2, 3], i8, strides=[3, 1])
    assert dense.is_dense and dense == TileAttr("act", 0, [2, 3], i8)
    assert str(TileAttr("acc", 64, [2, 2], i32, strides=[4, 1])) == (
        "#npu.tile<acc[0x40], 2x2xi32, strides [4, 1]>"
    )


def test_strides_overlap_detects_aliasing() -> None:
    assert not strides_overlap([4, 4], [4, 1])
    assert not strides_overlap([4, 4], [1, 4])  # transposed, still injective
    assert not strides_overlap([1, 4], [0, 1])  # a size-1 dim's stride is irrelevant
    assert strides_overlap([4, 4], [2, 1])
    assert strides_overlap([4, 4], [1, 1])


def test_bad_tile_is_a_parse_error_with_a_location() -> None:
    text = (
        'npu.program @p config "npu-base" {\n'
        "  %0 = npu.unary relu <buf[0x0], 4xf32> -> <act[0x0], 4xf32>\n}"
    )
    with pytest.raises(ParseError, match="unknown buffer 'buf'"):
        Parser(_context(), text).parse_module()


def test_element_alignment_is_checked_when_the_buffer_allows_any_address() -> None:
    loose = hardware.derive_config(
        hardware.load_config("npu-base"), {"sram.act.alignment": 1}, "npu-base-loose"
    )
    hardware.register_config(loose)
    src = TileAttr("act", 2, [4], f32)
    program = ProgramOp("p", "npu-base-loose", [UnaryOp(UnaryKind.RELU, src, src)])
    with pytest.raises(VerifyException, match="address 0x2 not aligned to the 4-byte size of f32"):
        ModuleOp([program]).verify()


def test_pad_value_must_match_the_tile_type() -> None:
    x = DramOp("x", DramKind.INPUT, 0, TensorType(i8, [4]))
    tile = TileAttr("act", 0, [6], i8)
    good = DmaLoadOp("x", 0, [1], tile, pad=[1, 1], pad_value=IntegerAttr(-128, i8))
    ModuleOp([ProgramOp("p", "npu-base", [x.clone(), good])]).verify()
    assert good.box == (4,) and good.pad_lo == (1,) and good.pad_hi == (1,)
    bad = DmaLoadOp("x", 0, [1], tile, pad=[1, 1], pad_value=IntegerAttr(0, i32))
    message = "pad value type i32 differs from tile element type i8"
    with pytest.raises(VerifyException, match=message):
        ModuleOp([ProgramOp("p", "npu-base", [x, bad])]).verify()
