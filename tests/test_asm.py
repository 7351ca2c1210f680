"""NPU assembly and binary: exact round trips, weights files, error messages."""

from __future__ import annotations

import io
import math
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import FloatAttr, ModuleOp, TensorType, f32, i8, i16, i32
from xdsl.dialects.func import FuncOp
from xdsl.ir import Operation
from xdsl.printer import Printer
from xdsl.utils.arg_spec import parse_spec

from npu_dialect.asm import (
    AsmError,
    decode_binary,
    emit_asm,
    encode_binary,
    load_program,
    parse_asm,
    parse_asm_file,
    parse_bin_file,
)
from npu_dialect.asm.syntax import INSTRUCTIONS
from npu_dialect.errors import UserError
from npu_dialect.npu import (
    BinaryKind,
    Conv2dOp,
    DmaLoadOp,
    DramKind,
    DramOp,
    PoolKind,
    ProgramOp,
    ReduceKind,
    RequantizeOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
)
from npu_dialect.npu.vector import UNARY_PARAMS
from npu_dialect.resources import STORAGE
from npu_dialect.targets import NpuAsmTarget, NpuBinTarget
from npu_dialect.universe import get_all_targets
from npu_tools.diagnostics import parse_module
from npu_tools.npu_run import build_context

# Blobs of the test module; keys are unique to this file so other tests' blobs of
# the same name cannot interfere.
F32_BLOB = "asm_test_f32"
F32_DATA = np.arange(16, dtype=np.float32).reshape(4, 4) / 3
HOST_BLOB = "asm_test_host"
HOST_DATA = np.array([0.5, -1.5, 2.0, 1e-30], dtype=np.float32)


def _blob_hex(array: np.ndarray) -> str:
    return "0x" + (array.dtype.itemsize.to_bytes(4, "little") + array.tobytes()).hex()


def _unary_lines() -> list[str]:
    lines = []
    for kind in UnaryKind:
        params = UNARY_PARAMS.get(kind, ())
        text = f"npu.unary {kind.value} <act[0x0], 64xf32> -> <act[0x100], 64xf32>"
        if params:
            values = [-0.0, 6.5][: len(params)] if kind != UnaryKind.CLAMP else [-1.0, 6.0]
            text += " params [" + ", ".join(f"{v:e}" for v in values) + "]"
        lines.append(text)
    return lines


def _all_ops_text() -> str:
    """A module using every instruction, every kind, every optional part and odd names."""
    body = [
        'npu.dram @img input "image.0" at 0 : tensor<1x64x16x16xi8>',
        'npu.dram @"w eird" weight at 65536 : tensor<3x3x64x64xi8> = dense<2> : tensor<3x3x64x64xi8>',
        f"npu.dram @wf weight at 131072 : tensor<4x4xf32> = dense_resource<{F32_BLOB}> : tensor<4x4xf32>",
        "npu.dram @wl weight at 132096 : tensor<2x3xi16> = dense<[[1, -2, 3], [4, 5, -32768]]> : tensor<2x3xi16>",
        "npu.dram @wh weight at 133120 : tensor<2xbf16> = dense<[1.5, -2.0]> : tensor<2xbf16>",
        "npu.dram @out output at 262144 : tensor<16x16x64xf32>",
        "npu.dram @vec input at 1310720 : tensor<4x8xf32>",
        "npu.dram @u8 input at 1310848 : tensor<4x8xui8>",
        "npu.dram @tmp scratch at 2097152 : tensor<1024xi32>",
        "npu.dram @tmp2 scratch at 2097152 : tensor<4096xi8>",
        "%a = npu.dma_load @img[0] strides [16, 1, 256] -> <act[0x0], 18x18x64xi8> pad [1, 1, 0, 1, 1, 0] value -128 : i8",
        '%b = npu.dma_load @"w eird"[0] strides [12288, 4096, 64, 1] -> <weight[0x0], 3x3x64x64xi8> {origin = "/layer1/conv/Conv"}',
        "%c = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x64x64xi8> -> <acc[0x0], 16x16x64xi32> strides [1, 1] dilations [1, 1] groups 1 after %a, %b",
        "%d = npu.conv2d <act[0x0], 18x18x64xi8>, <weight[0x0], 3x3x16x64xi8> -> <acc[0x0], 8x8x64xi32> strides [2, 2] dilations [1, 1] groups 4 accumulate dataflow ws after %c",
        '%e = npu.matmul <act[0x0], 16x64xi8, strides [128, 1]>, <weight[0x0], 64x32xi8> -> <acc[0x0], 16x32xi32> accumulate after %d, %c, %a {origin = " leading and trailing "}',
        '%f = npu.dma_load @vec[1] strides [8, 1] -> <act[0x0], 4x8xf32> pad [0, 1, 0, 0] value 0xFF800000 : f32 {origin = "quote\\"inside; and a semicolon"}',
        '%g = npu.dma_load @vec[0] strides [0, 1] -> <act[0x200], 4x8xf32> pad [1, 0, 0, 0] value -0.000000e+00 : f32 {origin = ""}',
        '%h = npu.dma_load @u8[0] strides [8, 1] -> <act[0x400], 4x8xui8> pad [0, 0, 1, 0] value 255 : ui8 {origin = "unicode ü"}',
        "%i = npu.dma_load @wf[0] strides [4, 1] -> <act[0x800], 4x4xf32>",
        "%j = npu.dma_load @wl[0] strides [3, 1] -> <act[0xc00], 2x3xi16> pad [0, 0, 0, 0] value 7 : i16",
        "%k = npu.dma_load @wh[0] strides [1] -> <act[0xc40], 2xbf16> pad [0, 0] value 1.250000e+00 : bf16",
        *[
            f"npu.binary {kind.value} <act[0x0], 4x8xf32>, <act[0x40], 1x8xf32> -> <act[0x80], 4x8xf32>"
            for kind in BinaryKind
        ],
        *_unary_lines(),
        "npu.unary clamp <acc[0x0], 16x16x64xi32> -> <acc[0x0], 16x16x64xi32> params [0.000000e+00, 6.000000e+00] after %e",
        "npu.requantize <acc[0x0], 16x16x64xi32> -> <act[0x0], 16x16x64xi8> multiplier [1518500250] shift [38] input_zp 0 output_zp 5 double_round clamp [5, 127] after %e",
        "npu.requantize <act[0x0], 4x2xui8> -> <act[0x40], 4x2xi16> multiplier [2147483647, 0] shift [2, 62] input_zp 128 output_zp 0",
        *[
            f"npu.pool {kind.value} <act[0x0], 4x4x8xf32> -> <act[0x200], 2x2x8xf32> kernel [2, 2] strides [2, 2]"
            for kind in PoolKind
        ],
        *[
            f"npu.reduce {kind.value} <act[0x0], 4x64xf32> -> <act[0x400], 1x64xf32> axis 0"
            for kind in ReduceKind
        ],
        "npu.convert <acc[0x0], 16x16x64xi32> -> <act[0x0], 16x16x64xf32>",
        "npu.convert <act[0x0], 64xf32> -> <act[0x100], 64xi8> truncate",
        "npu.convert <act[0x0], 64xf32> -> <act[0x100], 64xf8E4M3FN>",
        "npu.convert <act[0x0], 64xf16> -> <act[0x100], 64xbf16>",
        "npu.dma_store <act[0x0], 16x16x64xf32> -> @out[0] strides [1024, 64, 1] after %e",
        "npu.dma_load @tmp[0] strides [0, 1] -> <acc[0x0], 16x64xi32>",
        "npu.dma_store <act[0x0], 64xi8> -> @tmp2[64] strides [1]",
        "%host = npu.host [@vec, @wf] -> [@tmp2] after %f {\n"
        "^bb0(%x: tensor<4x8xf32>, %w: tensor<4x4xf32>):\n"
        f"  %c4 = nn.constant dense_resource<{HOST_BLOB}> : tensor<4xf32>\n"
        "  %y = nn.constant dense<1> : tensor<4096xi8>\n"
        "  npu.host_yield %y : tensor<4096xi8>\n"
        '} {origin = "host fallback"}',
    ]
    gemmini = [
        "npu.dram @x input at 0 : tensor<16x16xi8>",
        "%l = npu.dma_load @x[0] strides [16, 1] -> <act[0x0], 16x16xi8>",
        "npu.matmul <act[0x0], 16x16xi8>, <weight[0x0], 16x16xi8> -> <acc[0x0], 16x16xi32> dataflow os after %l",
    ]
    programs = [
        ('@all config "npu-base" attributes {npu.note = [1, "two"]}', body),
        ('@second config "gemmini"', gemmini),
        ('@empty config "npu-edge"', []),
    ]
    text = 'builtin.module attributes {npu.module_note = "m"} {\n'
    for header, lines in programs:
        text += f"npu.program {header} {{\n" + "\n".join(lines) + "\n}\n"
    text += "}\n"
    text += "{-#\n  dialect_resources: {\n    builtin: {\n"
    text += f'      {F32_BLOB}: "{_blob_hex(F32_DATA)}",\n'
    text += f'      {HOST_BLOB}: "{_blob_hex(HOST_DATA)}"\n'
    text += "    }\n  }\n#-}\n"
    return text


def _parse_mlir(text: str) -> ModuleOp:
    module = parse_module(build_context(), text, "test.mlir")
    module.verify()
    return module


def _generic(module: Operation) -> str:
    """The generic form without SSA name hints (the formats number tokens t0, t1...)."""
    copy = module.clone()
    for op in copy.walk():
        for value in op.results:
            value.name_hint = None
        for region in op.regions:
            for block in region.blocks:
                for arg in block.args:
                    arg.name_hint = None
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=True).print_op(copy)
    return stream.getvalue()


def _asm(module: ModuleOp, weights: str | None = None) -> str:
    stream = io.StringIO()
    emit_asm(module, stream, weights)
    return stream.getvalue()


@pytest.fixture(scope="module")
def all_ops() -> ModuleOp:
    return _parse_mlir(_all_ops_text())


def test_the_test_module_uses_every_instruction_and_kind(all_ops: ModuleOp) -> None:
    names = {op.name for op in all_ops.walk()}
    assert {spec.op_class.name for spec in INSTRUCTIONS} <= names
    text = _asm(all_ops)
    for kind in [*BinaryKind, *UnaryKind, *PoolKind, *ReduceKind]:
        assert f" {kind.value} " in text
    for word in ("accumulate", "dataflow ws", "dataflow os", "double_round", "clamp [",
                 "truncate", "strided [128, 1]", "pad [", "params [", "dense splat 0x02",
                 "= dense 0x", "= resource", ".attributes {", "; host fallback"):
        assert word in text, word


def test_asm_round_trip_is_structurally_exact(all_ops: ModuleOp) -> None:
    text = _asm(all_ops)
    parsed = parse_asm(text, "all.npuasm")
    parsed.verify()
    assert _generic(parsed) == _generic(all_ops)
    assert _asm(parsed) == text


def test_binary_round_trip_is_structurally_exact_and_byte_identical(all_ops: ModuleOp) -> None:
    data = encode_binary(all_ops)
    decoded = decode_binary(data)
    decoded.verify()
    assert _generic(decoded) == _generic(all_ops)
    assert encode_binary(decoded) == data
    assert encode_binary(parse_asm(_asm(all_ops))) == data


def test_listing_shape(all_ops: ModuleOp) -> None:
    lines = _asm(all_ops).splitlines()
    assert lines[:3] == ["; NPU assembly (docs/npu_asm.md)", ".version 1",
                         '.attributes {npu.module_note = "m"}']
    assert '.program @all config "npu-base"' in lines
    assert '.dram @"w eird" weight at 0x10000 3x3x64x64xi8 = dense splat 0x02' in lines
    matmul = next(line for line in lines if " = matmul " in line)
    assert matmul.startswith(
        "t4 = matmul act[0x0] 16x64xi8 strided [128, 1], weight[0x0] 64x32xi8 -> "
        "acc[0x0] 16x32xi32 accumulate wait t3, t2, t0"
    )
    assert matmul.endswith('; " leading and trailing "')
    assert any(line.endswith("; /layer1/conv/Conv") for line in lines)
    assert any(line.endswith('; ""') for line in lines)


def _clear_blobs(*keys: str) -> None:
    """Forget blob data, so a test sees whether a reader restores it."""
    for key in keys:
        STORAGE._blob_storage[key] = ""  # pyright: ignore[reportPrivateUsage]


def _weights(module: ModuleOp) -> dict[str, np.ndarray]:
    return {
        op.sym_name.data: np.array(op.data())
        for op in module.walk()
        if isinstance(op, DramOp) and op.value is not None
    }


def _host_constant(module: ModuleOp) -> np.ndarray:
    from npu_dialect.resources import elements_array

    constant = next(op for op in module.walk() if op.name == "nn.constant")
    return np.array(elements_array(constant.value))  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["inline", "file", "binary"])
def test_readers_restore_blob_data(all_ops: ModuleOp, fmt: str, tmp_path: Path) -> None:
    expected = _weights(all_ops)
    assert np.array_equal(expected["wf"], F32_DATA)
    assert np.array_equal(_host_constant(all_ops), HOST_DATA)
    if fmt == "binary":
        path = tmp_path / "p.npubin"
        path.write_bytes(encode_binary(all_ops))
        _clear_blobs(F32_BLOB, HOST_BLOB)
        module = parse_bin_file(str(path))
    else:
        weights = str(tmp_path / "p.weights.npz") if fmt == "file" else None
        path = tmp_path / "p.npuasm"
        path.write_text(_asm(all_ops, weights))
        _clear_blobs(F32_BLOB, HOST_BLOB)
        module = parse_asm_file(str(path))
    actual = _weights(module)
    assert actual.keys() == expected.keys()
    for name in expected:
        assert actual[name].dtype == expected[name].dtype
        assert np.array_equal(actual[name], expected[name]), name
    assert np.array_equal(_host_constant(module), HOST_DATA)


def test_weights_file_holds_typed_arrays_by_blob_key(all_ops: ModuleOp, tmp_path: Path) -> None:
    weights = tmp_path / "w.npz"
    text = _asm(all_ops, str(weights))
    assert '.data "w.npz"' in text
    assert f'.blob "{F32_BLOB}" align 4 size 64\n' in text
    with np.load(weights) as data:
        assert sorted(data.files) == sorted([F32_BLOB, HOST_BLOB])
        assert data[F32_BLOB].dtype == np.float32
        assert np.array_equal(data[F32_BLOB], F32_DATA)
    assert "0x" + F32_DATA.tobytes().hex() not in text


def test_weights_file_is_read_from_beside_the_listing(all_ops: ModuleOp, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    listing = tmp_path / "sub" / "p.npuasm"
    listing.write_text(_asm(all_ops, str(tmp_path / "sub" / "p.weights.npz")))
    assert _generic(parse_asm_file(str(listing))) == _generic(all_ops)
    (tmp_path / "sub" / "p.weights.npz").unlink()
    with pytest.raises(AsmError, match=r"p\.npuasm:\d+:7: weights file .*p\.weights\.npz not found"):
        parse_asm_file(str(listing))


def test_constructor_built_ops_round_trip_structurally() -> None:
    """Builders order properties differently from the custom syntax; ops stay equal."""
    a = TileAttr("act", 0, [10, 10, 8], i8)
    w = TileAttr("weight", 0, [3, 3, 8, 16], i8)
    out = TileAttr("acc", 0, [8, 8, 16], i32)
    ops = [
        DramOp("x", DramKind.INPUT, 0, TensorType(i8, [10, 10, 8])),
        load := DmaLoadOp("x", 0, [80, 8, 1], a, origin="conv"),
        Conv2dOp(a, w, out, waits=[load], origin="conv"),
    ]
    module = ModuleOp([ProgramOp("p", "npu-base", ops)])
    for back in (parse_asm(_asm(module)), decode_binary(encode_binary(module))):
        assert back.is_structurally_equivalent(module)


_FLOATS = st.floats(width=64) | st.sampled_from([-0.0, math.inf, -math.inf, 5e-324])


@settings(max_examples=60, deadline=None)
@given(
    offset=st.integers(0, 2**40),
    strides=st.lists(st.integers(0, 2**40), min_size=2, max_size=2),
    pad=st.lists(st.integers(0, 3), min_size=4, max_size=4),
    pad_value=st.floats(width=32),
    params=st.lists(_FLOATS, min_size=0, max_size=3),
    multiplier=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1, max_size=4),
    zero_point=st.integers(-(2**31), 2**31 - 1),
    clamp=st.none() | st.tuples(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1)),
    address=st.integers(0, 2**20).map(lambda a: a * 4),
    origin=st.none() | st.text(max_size=12),
)
def test_field_values_round_trip(
    offset: int,
    strides: list[int],
    pad: list[int],
    pad_value: float,
    params: list[float],
    multiplier: list[int],
    zero_point: int,
    clamp: tuple[int, int] | None,
    address: int,
    origin: str | None,
) -> None:
    """Unverified but well-formed ops: every value must come back bit for bit."""
    tile = TileAttr("act", address, [5, 7], f32, [9, 1])
    itile = TileAttr("acc", address, [2, len(multiplier)], i32)
    ops = [
        DramOp("t", DramKind.SCRATCH, 0, TensorType(f32, [4])),
        load := DmaLoadOp("t", offset, strides, tile, pad, FloatAttr(pad_value, f32), origin=origin),
        UnaryOp(UnaryKind.LEAKY_RELU, tile, tile, params, waits=[load, load]),
        RequantizeOp(itile, itile.with_address(0), multiplier, [5] * len(multiplier),
                     zero_point, -zero_point - 1, True, clamp, origin=origin),
    ]
    module = ModuleOp([ProgramOp("p", "npu-base", ops)])
    expected = _generic(module)
    assert _generic(parse_asm(_asm(module))) == expected
    data = encode_binary(module)
    assert _generic(decode_binary(data)) == expected
    assert encode_binary(decode_binary(data)) == data


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


def test_special_floats_keep_their_bits() -> None:
    tile = TileAttr("act", 0, [4], f32)
    odd_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF0_0000_0000_0001))[0]
    params = [-0.0, math.nan, -math.nan, odd_nan, math.inf, 5e-324]
    module = ModuleOp([ProgramOp("p", "npu-base", [UnaryOp(UnaryKind.ELU, tile, tile, params)])])
    assert "params [-0.0, nan, nan:0xfff8000000000000, nan:0xfff0000000000001, inf, 5e-324]" in _asm(module)
    for back in (parse_asm(_asm(module)), decode_binary(encode_binary(module))):
        op = next(o for o in back.walk() if isinstance(o, UnaryOp))
        assert [_bits(v) for v in op.param_values] == [_bits(v) for v in params]


# -- errors ------------------------------------------------------------------------

_HEADER = '.program @p config "npu-base"\n.dram @x input at 0x0 64xi8\n.text\n'
_LOAD = "t0 = dma_load @x[0] strides [1] -> act[0x0] 64xi8"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("t0 = matmull act[0x0] 4xi8", "4:6: unknown mnemonic 'matmull' (expected one of"),
        ("t0 = dma_load @x[0] strides [1] -> foo[0x0] 64xi8",
         "4:36: unknown buffer 'foo' (expected one of act, weight, acc)"),
        ("t0 = dma_load @x[0] strides [1] -> act[0x0] 64xi7", "4:36: unsupported element type 'i7'"),
        ("t0 = dma_load @x[0] strides [1] -> act[0xZZ] 64xi8", "4:36: expected an integer, got '0xZZ'"),
        ("t0 = dma_load @x[0] strides [1] -> act[0x0] 0xi8",
         "4:36: bad tile 'act[0x0] 0xi8': tile shape [0] must have sizes >= 1"),
        ("t0 = dma_load @x[0] strides [1] -> act[0x0] 64xi8 strided [1, 1]",
         "4:36: bad tile 'act[0x0] 64xi8 strided [1, 1]': tile has 2 strides for rank 1"),
        (f"{_LOAD} wait t5", "4:56: undefined token 't5' (tokens must be defined before use)"),
        (f"{_LOAD} wait t0", "4:56: undefined token 't0'"),
        (f"{_LOAD}\n{_LOAD}", "5:1: token 't0' is defined twice"),
        ("t0 = dma_load @q[0] strides [1] -> act[0x0] 64xi8",
         "4:15: @q is not a DRAM tensor declared in this program"),
        (f"{_LOAD} truncate", "4:51: unexpected 'truncate' (expected"),
        (f"{_LOAD} !", "4:51: unexpected '!'"),
        ("t0 = binary foo act[0x0] 4xi8, act[0x0] 4xi8 -> act[0x0] 4xi8",
         "4:13: unknown binary kind 'foo' (expected one of add, sub, mul, div, max, min, pow)"),
        ("t0 = matmul act[0x0] 4x4xi8, weight[0x0] 4x4xi8 -> acc[0x0] 4x4xi32 dataflow xs",
         "4:78: unknown dataflow 'xs' (expected one of ws, os)"),
        ("t0 = host [@x] -> [@x]", "4:1: a host instruction needs its region on the next lines"),
        (f"{_LOAD}\n{{\n}}", "5:1: dma_load instructions have no region"),
        ("t0 = host [@x] -> [@x]\n{\n  npu.host_yield %v : tensor<64xi8>\n}",
         "7:2: values used but not defined: [%v]"),
    ],
)
def test_syntax_errors_are_one_line_with_place(body: str, message: str) -> None:
    with pytest.raises(AsmError) as info:
        parse_asm(_HEADER + body + "\n.end\n", "bad.npuasm")
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"bad.npuasm:{message}"), text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (".version 2\n", "bad.npuasm:1:10: unsupported NPU assembly version 2"),
        ('.program @p config "npu-base"\n.text\n', "bad.npuasm:2:6: unexpected end of file"),
        ('.program @p config "npu-base"\n.dram @x input at 0x0 64xi8\n.dram @x input at 0x40 64xi8\n'
         ".text\n.end\n",
         "bad.npuasm:3:7: DRAM tensor @x is declared twice"),
        ('.program @p config "npu-base"\n.dram @x inptu at 0x0 64xi8\n.text\n.end\n',
         "bad.npuasm:2:10: unknown DRAM kind 'inptu'"),
        ('.program @p config "npu-base"\n.dram @w weight at 0x0 4xi8 = resource "k"\n.text\n.end\n',
         'bad.npuasm:2:40: resource "k" is not defined in the .data section'),
        ('.data\n.blob "k" align 1 size 2 0x012\n',
         'bad.npuasm:2:26: blob "k" has 3 hex digits, its size of 2 bytes needs 4'),
        ('.data\n.blob "k" align 1 size 2\n', 'bad.npuasm:2:7: blob "k" has no data'),
        ('.attributes {a = }\n', "bad.npuasm:1:13: bad attribute dictionary"),
    ],
)
def test_structure_errors(text: str, message: str) -> None:
    with pytest.raises(AsmError) as info:
        parse_asm(text, "bad.npuasm")
    assert str(info.value).startswith(message), str(info.value)


def test_comments_blank_lines_and_crlf_are_accepted() -> None:
    text = (
        "; a listing written by hand\r\n\r\n  ; indented comment\r\n"
        '.program @p config "npu-base"\r\n.dram @x input at 0 64xi8\r\n.text\r\n'
        "; before the instruction\r\n"
        "t7 = dma_load @x[0x0] strides [1] -> act[0] 64xi8   ; model op\r\n"
        "  t9 = dma_store act[0x0] 64xi8 -> @x[0] strides [1] wait t7\r\n.end"
    )
    module = parse_asm(text)
    load, store = list(module.walk())[-2:]
    assert load.attributes["origin"].data == "model op"  # type: ignore[attr-defined]
    assert store.operands[0] is load.results[0]
    assert "origin" not in store.attributes


def test_parsed_ops_are_located_in_the_listing() -> None:
    module = parse_asm(_HEADER + "  " + _LOAD + "\n.end\n", "p.npuasm")
    load = next(op for op in module.walk() if isinstance(op, DmaLoadOp))
    assert (load.location.line.data, load.location.column.data) == (4, 3)  # type: ignore[attr-defined]


def test_binary_header_layout(all_ops: ModuleOp) -> None:
    data = encode_binary(all_ops)
    magic, major, minor, sections, size, crc = struct.unpack_from("<8sHHIQI", data)
    assert magic == b"\x89NPU\r\n\x1a\n"
    assert (major, minor, sections, size) == (1, 0, 5, len(data))
    assert crc == zlib.crc32(data[32:])
    assert data[32:36] == b"STRS"
    assert len(data) % 8 == 0


def _with_crc(data: bytearray) -> bytes:
    struct.pack_into("<I", data, 24, zlib.crc32(bytes(data[32:])))
    return bytes(data)


def test_binary_errors(all_ops: ModuleOp) -> None:
    data = encode_binary(all_ops)
    cases: list[tuple[bytes, str]] = [
        (b"hello", "not an NPU binary (bad magic number)"),
        (data[:100], f"file has 100 bytes, its header says {len(data)}"),
        (data[:40] + bytes([data[40] ^ 1]) + data[41:], "checksum mismatch"),
    ]
    newer = bytearray(data)
    struct.pack_into("<H", newer, 8, 2)
    cases.append((bytes(newer), "NPU binary version 2.0 is not supported"))
    # The first instruction of the first program is a dma_load (opcode 0x01).
    first = data.index(b"INST") + 16
    assert data[first] == 0x01
    bad_opcode = bytearray(data)
    bad_opcode[first] = 0x7F
    cases.append((_with_crc(bad_opcode), f"byte {first:#x}: unknown opcode 0x7f"))
    for blob, message in cases:
        with pytest.raises(UserError) as info:
            decode_binary(blob, "p.npubin")
        assert str(info.value).startswith("p.npubin: ") and message in str(info.value), info.value


def test_what_cannot_be_emitted_is_a_user_error() -> None:
    with pytest.raises(UserError, match="only npu.program ops .* found 'func.func'"):
        emit_asm(ModuleOp([FuncOp("f", ((), ()))]), io.StringIO())
    tile = TileAttr("act", 0, [4], f32)
    op = UnaryOp(UnaryKind.RELU, tile, tile)
    op.attributes["note"] = FloatAttr(1.0, f32)
    module = ModuleOp([ProgramOp("p", "npu-base", [op])])
    with pytest.raises(UserError, match="has attribute 'note'"):
        encode_binary(module)
    with pytest.raises(UserError, match="has attribute 'note'"):
        emit_asm(module, io.StringIO())


def test_targets_are_registered_by_name_and_take_options(all_ops: ModuleOp, tmp_path: Path) -> None:
    targets = get_all_targets()
    for name, factory in targets.items():
        assert factory().name == name
    assert targets["npu-asm"]() is NpuAsmTarget and targets["npu-bin"]() is NpuBinTarget
    weights = tmp_path / "t.npz"
    target = NpuAsmTarget.from_spec(parse_spec(f'npu-asm{{weights="{weights}"}}'))
    stream = io.StringIO()
    target.emit(build_context(), all_ops, stream)
    assert weights.exists() and '.data "t.npz"' in stream.getvalue()
    stream = io.StringIO()
    NpuBinTarget().emit(build_context(), all_ops, stream)
    assert stream.getvalue().encode("latin-1") == encode_binary(all_ops)


def test_load_program_dispatches_on_suffix(all_ops: ModuleOp) -> None:
    expected = _generic(all_ops)
    assert _generic(load_program("x.npubin", encode_binary(all_ops))) == expected
    assert _generic(load_program("x.npuasm", _asm(all_ops).encode())) == expected
    with pytest.raises(UserError, match="x.npuasm: not a text file"):
        load_program("x.npuasm", b"\xff\xfe")


def test_i16_and_conv_fields_survive() -> None:
    """Integer widths of properties (i16 pad, i32 zero points) are kept exactly."""
    tile = TileAttr("act", 0, [2, 3], i16)
    from xdsl.dialects.builtin import IntegerAttr

    ops = [
        DramOp("t", DramKind.SCRATCH, 0, TensorType(i16, [6])),
        DmaLoadOp("t", 0, [3, 1], tile, [0, 0, 1, 0], IntegerAttr(-32768, i16)),
    ]
    module = ModuleOp([ProgramOp("p", "npu-base", ops)])
    assert re.search(r"pad \[0, 0, 1, 0\] value -32768$", _asm(module), re.M)
    assert _generic(decode_binary(encode_binary(module))) == _generic(module)


def test_docs_hold_the_grammar_and_the_codes() -> None:
    """docs/npu_asm.md is the format's specification: it must match the code."""
    root = Path(__file__).resolve().parent.parent
    doc = (root / "docs" / "npu_asm.md").read_text()
    grammar = (root / "npu_dialect" / "asm" / "grammar.lark").read_text()
    assert f"```lark\n{grammar}```" in doc
    # Binary codes are enum positions; reordering an enum would change the format.
    from npu_dialect.hardware import BUFFER_NAMES
    from npu_dialect.npu import ELEMENT_TYPE_NAMES, Dataflow

    documented = {
        "Element types": ELEMENT_TYPE_NAMES,
        "Buffers": BUFFER_NAMES,
        "dataflow": [e.value for e in Dataflow],
        "binary": [e.value for e in BinaryKind],
        "unary": [e.value for e in UnaryKind],
        "pool": [e.value for e in PoolKind],
        "reduce": [e.value for e in ReduceKind],
    }
    codes = doc[doc.index("**Codes.**") : doc.index("**`INST`")]
    codes = " ".join(codes.split())
    for label, names in documented.items():
        listed = ", ".join(f"{code} `{name}`" for code, name in enumerate(names))
        assert f"{label}: {listed}" in codes or f"{label} {listed}" in codes, label
    kinds = ", ".join(f"{code} `{kind.value}`" for code, kind in enumerate(DramKind))
    assert kinds.replace(",", "") in doc.replace(",", "")
    for spec in INSTRUCTIONS:
        assert f"| `{spec.opcode:#04x}` | `{spec.mnemonic}` |" in doc
