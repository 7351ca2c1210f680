"""Numerics of the `npu` dialect: every instruction on numpy byte arrays.

DRAM and each SRAM buffer are `uint8` arrays; an instruction reads and writes typed,
strided numpy views of them (the byte layout of `TileAttr.view`), always as whole-tile
numpy calls. The exact semantics implemented here are docs/npu_dialect.md, sections 5
to 8; timing is not computed here (see `interpreter.cost_model`).

Execution is a direct dispatch loop, `KERNELS[type(op)](op, machine)`, rather than the
xDSL `Interpreter`. Tokens carry no values, so the interpreter's SSA environment buys
nothing, and its per-op overhead (about 12 us per op measured on this machine for a
trivial `arith.addi`) would dominate programs of 10^4-10^5 small instructions. The loop
costs well under a microsecond per instruction; the rest is building the views, which
`Machine.tile` caches per tile attribute (programs reuse the same SRAM slots).

Integer matrix products are exact and fast: int8 x int8 products are at most 2^14 in
magnitude, so float32 BLAS sums of up to 1024 of them (< 2^24) are exact integers;
longer K is split into chunks of 1024 whose int32 results add with wrap-around, which
is exactly the specified `wrap(old + S, i32)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, SymbolRefAttr

from interpreter.kernels.quant import tosa_rescale
from npu_dialect.hardware import HardwareConfig
from npu_dialect.npu import (
    BinaryKind,
    BinaryOp,
    Conv2dOp,
    ConvertOp,
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    DramOp,
    HostOp,
    MatmulOp,
    NpuInstruction,
    PoolKind,
    PoolOp,
    ProgramOp,
    ReduceKind,
    ReduceOp,
    RequantizeOp,
    TileAttr,
    UnaryKind,
    UnaryOp,
)

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_I32 = np.dtype(np.int32)
_I64 = np.dtype(np.int64)
_F8 = np.dtype(ml_dtypes.float8_e4m3fn)
_F8_MAX = 448.0
_INT8_CHUNK = 1024
"""K per float32 matmul: 1024 * 128 * 128 = 2^24, the last exact float32 integer."""


# Numeric conventions (docs/npu_dialect.md, section 5).


def is_integer(dtype: np.dtype) -> bool:
    return dtype.kind in "iu"


def to_float(value: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Round to float32, clip to the fp8 range (NaN stays NaN), round to `dtype`."""
    rounded = np.asarray(value).astype(_F32)
    if dtype == _F8:
        rounded = np.clip(rounded, -_F8_MAX, _F8_MAX)
    return rounded.astype(dtype, copy=False)


def saturate(value: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Integers clipped to the range of integer type `dtype`."""
    info = np.iinfo(dtype)
    return np.clip(value, info.min, info.max).astype(dtype)


def wrap(value: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Integers modulo 2^bits as two's complement (numpy's int64 cast)."""
    return np.asarray(value).astype(dtype)


def int8_matmul(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """`wrap(lhs @ rhs, i32)` of int8 matrices, exactly, through float32 BLAS."""
    depth = lhs.shape[1]
    lhs32, rhs32 = lhs.astype(_F32), rhs.astype(_F32)
    result = np.matmul(lhs32[:, :_INT8_CHUNK], rhs32[:_INT8_CHUNK]).astype(_I32)
    for start in range(_INT8_CHUNK, depth, _INT8_CHUNK):
        stop = start + _INT8_CHUNK
        result += np.matmul(lhs32[:, start:stop], rhs32[start:stop]).astype(_I32)
    return result


def accumulate(dest: np.ndarray, product: np.ndarray, add: bool) -> None:
    """Store an exact sum of products: int32 wraps, floats round once to f32."""
    if is_integer(dest.dtype):
        product = product.astype(_I32)
        if add:
            np.add(dest, product, out=dest)
        else:
            dest[...] = product
    elif add:
        dest[...] = (dest.astype(_F64) + product).astype(_F32)
    else:
        dest[...] = product.astype(_F32)


# The machine: DRAM and SRAM as byte arrays.


class Machine:
    """The memories of one run: DRAM segments and the SRAM buffers, as uint8 arrays.

    DRAM is materialised only where tensors live: overlapping tensors (scratch
    tensors may share bytes) form one segment, disjoint ones separate segments, so a
    tensor at a high offset does not cost a huge allocation.
    """

    def __init__(self, program: ProgramOp, config: HardwareConfig):
        self.sram = {buffer.name: np.zeros(buffer.size, np.uint8) for buffer in config.sram}
        self.tensors: dict[str, tuple[DramOp, np.ndarray, int]] = {}
        """symbol -> (declaration, segment, byte offset of element 0 in the segment)."""
        self._views: dict[TileAttr, np.ndarray] = {}
        tensors = sorted(program.dram_tensors(), key=lambda t: t.offset_bytes)
        index = 0
        while index < len(tensors):
            start = tensors[index].offset_bytes
            end = start + tensors[index].nbytes
            group = [tensors[index]]
            index += 1
            while index < len(tensors) and tensors[index].offset_bytes < end:
                end = max(end, tensors[index].offset_bytes + tensors[index].nbytes)
                group.append(tensors[index])
                index += 1
            segment = np.zeros(end - start, np.uint8)
            for tensor in group:
                self.tensors[tensor.sym_name.data] = (tensor, segment, tensor.offset_bytes - start)
        for tensor in program.dram_tensors():
            if tensor.kind_enum == DramKind.WEIGHT:
                self.tensor_array(tensor.sym_name.data)[...] = tensor.data().reshape(tensor.shape)

    def tensor_array(self, name: str) -> np.ndarray:
        """A DRAM tensor as a writable array of its shape and dtype."""
        tensor, segment, base = self.tensors[name]
        return np.ndarray(tensor.shape, tensor.dtype, buffer=segment, offset=base)

    def dram_window(
        self, ref: SymbolRefAttr, offset: int, shape: Sequence[int], strides: Sequence[int]
    ) -> np.ndarray | None:
        """The elements a DMA descriptor addresses (None when it addresses none)."""
        if 0 in shape:
            return None
        tensor, segment, base = self.tensors[ref.root_reference.data]
        itemsize = tensor.dtype.itemsize
        return np.ndarray(
            tuple(shape),
            tensor.dtype,
            buffer=segment,
            offset=base + offset * itemsize,
            strides=tuple(s * itemsize for s in strides),
        )

    def tile(self, tile: TileAttr) -> np.ndarray:
        """The tile as a writable view of its SRAM buffer (cached per attribute)."""
        view = self._views.get(tile)
        if view is None:
            itemsize = tile.itemsize
            view = np.ndarray(
                tile.dims,
                tile.dtype,
                buffer=self.sram[tile.buffer_name],
                offset=tile.addr,
                strides=tuple(s * itemsize for s in tile.elem_strides),
            )
            self._views[tile] = view
        return view


# DMA.


def _pad_scalar(value: IntegerAttr | FloatAttr, dtype: np.dtype) -> Any:
    if isinstance(value, FloatAttr):
        return to_float(np.float64(value.value.data), dtype)
    return wrap(np.int64(value.value.data), dtype)


def run_dma_load(op: DmaLoadOp, machine: Machine) -> None:
    dest = machine.tile(op.dest)
    strides = op.strides.get_values()
    offset = op.offset.value.data
    if op.pad is None:
        source = machine.dram_window(op.dram, offset, dest.shape, strides)
        if source is not None:
            dest[...] = source
        return
    assert op.pad_value is not None
    lo, hi, box = op.pad_lo, op.pad_hi, op.box
    dest[...] = _pad_scalar(op.pad_value, dest.dtype)
    source = machine.dram_window(op.dram, offset, box, strides)
    if source is not None:
        dest[tuple(slice(a, n - b) for a, b, n in zip(lo, hi, dest.shape))] = source


def run_dma_store(op: DmaStoreOp, machine: Machine) -> None:
    source = machine.tile(op.source)
    target = machine.dram_window(
        op.dram, op.offset.value.data, source.shape, op.strides.get_values()
    )
    assert target is not None
    target[...] = source


# Matrix unit.


def run_matmul(op: MatmulOp, machine: Machine) -> None:
    lhs, rhs, dest = machine.tile(op.lhs), machine.tile(op.rhs), machine.tile(op.dest)
    if is_integer(lhs.dtype):
        product = int8_matmul(lhs, rhs)
    else:
        product = np.matmul(lhs.astype(_F64), rhs.astype(_F64))
    accumulate(dest, product, op.accumulate is not None)


def _depthwise(
    window: np.ndarray, weight: np.ndarray, op: Conv2dOp, shape: tuple[int, ...]
) -> np.ndarray:
    """One input channel per group: KH*KW shifted elementwise products (exact in
    int64 or float64), much faster than one tiny GEMM per channel."""
    (sh, sw), (dh, dw) = op.strides.get_values(), op.dilations.get_values()
    ho, wo, out_channels = shape
    kh, kw = weight.shape[:2]
    wide = _I64 if is_integer(window.dtype) else _F64
    # Output channel o reads input channel o // (O / groups).
    channels = np.arange(out_channels) // (out_channels // op.group_count)
    source = window[:, :, channels].astype(wide)
    total = np.zeros(shape, wide)
    for i in range(kh):
        rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
        for j in range(kw):
            cols = slice(j * dw, j * dw + (wo - 1) * sw + 1, sw)
            total += source[rows, cols] * weight[i, j, 0].astype(wide)
    return total


def run_conv2d(op: Conv2dOp, machine: Machine) -> None:
    """Implicit GEMM per group over the HWC window: the [Ho*Wo, KH*KW*Cg] patches
    are gathered once from a strided view (in the window's own type) and multiplied
    like `npu.matmul`."""
    window, weight = machine.tile(op.input), machine.tile(op.weight)
    dest = machine.tile(op.dest)
    ho, wo, out_channels = dest.shape
    kh, kw, group_channels, _ = weight.shape
    groups = op.group_count
    if group_channels == 1 and groups > 1:
        accumulate(dest, _depthwise(window, weight, op, dest.shape), op.accumulate is not None)
        return
    (sh, sw), (dh, dw) = op.strides.get_values(), op.dilations.get_values()
    span = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
    patches = np.lib.stride_tricks.sliding_window_view(window, span, axis=(0, 1))
    patches = patches[: (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw, :, ::dh, ::dw]
    patches = patches.transpose(0, 1, 3, 4, 2)  # [Ho, Wo, KH, KW, C]
    depth = kh * kw * group_channels
    group_outputs = out_channels // groups
    products = []
    for g in range(groups):
        lhs = patches[..., g * group_channels : (g + 1) * group_channels].reshape(ho * wo, depth)
        rhs = weight[..., g * group_outputs : (g + 1) * group_outputs].reshape(depth, group_outputs)
        if is_integer(lhs.dtype):
            products.append(int8_matmul(lhs, rhs))
        else:
            products.append(np.matmul(lhs.astype(_F64), rhs.astype(_F64)))
    product = products[0] if groups == 1 else np.concatenate(products, axis=1)
    accumulate(dest, product.reshape(dest.shape), op.accumulate is not None)


# Vector unit.

_ARITHMETIC: dict[BinaryKind, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    BinaryKind.ADD: np.add,
    BinaryKind.SUB: np.subtract,
    BinaryKind.MUL: np.multiply,
    BinaryKind.DIV: np.divide,
    BinaryKind.POW: np.power,
    BinaryKind.MAX: np.maximum,
    BinaryKind.MIN: np.minimum,
}


def run_binary(op: BinaryOp, machine: Machine) -> None:
    lhs, rhs, dest = machine.tile(op.lhs), machine.tile(op.rhs), machine.tile(op.dest)
    kind = op.kind.data
    function = _ARITHMETIC[kind]
    if kind in (BinaryKind.MAX, BinaryKind.MIN):
        # Exact in every type; float64 holds every tile value (and NaN propagates).
        wide = _I64 if is_integer(dest.dtype) else _F64
        dest[...] = function(lhs.astype(wide), rhs.astype(wide)).astype(dest.dtype)
    elif is_integer(dest.dtype):
        dest[...] = wrap(function(lhs.astype(_I64), rhs.astype(_I64)), dest.dtype)
    else:
        dest[...] = to_float(function(lhs.astype(_F64), rhs.astype(_F64)), dest.dtype)


_erf = np.frompyfunc(math.erf, 1, 1)


def _math_erf(x: np.ndarray) -> np.ndarray:
    """`math.erf` elementwise (the specified erf, bit for bit)."""
    return np.asarray(_erf(x), dtype=_F64)


_FLOAT_UNARY: dict[UnaryKind, Callable[[np.ndarray, tuple[float, ...]], np.ndarray]] = {
    UnaryKind.RELU: lambda x, p: np.maximum(x, 0.0),
    UnaryKind.NEG: lambda x, p: -x,
    UnaryKind.ABS: lambda x, p: np.abs(x),
    UnaryKind.COPY: lambda x, p: x,
    UnaryKind.CLAMP: lambda x, p: np.minimum(np.maximum(x, p[0]), p[1]),
    UnaryKind.LEAKY_RELU: lambda x, p: np.where(x >= 0, x, p[0] * x),
    UnaryKind.HARD_SIGMOID: lambda x, p: np.maximum(0.0, np.minimum(1.0, p[0] * x + p[1])),
    UnaryKind.HARD_SWISH: lambda x, p: x * np.maximum(0.0, np.minimum(1.0, x / 6 + 0.5)),
    UnaryKind.SIGMOID: lambda x, p: 1 / (1 + np.exp(-x)),
    UnaryKind.TANH: lambda x, p: np.tanh(x),
    UnaryKind.EXP: lambda x, p: np.exp(x),
    UnaryKind.LOG: lambda x, p: np.log(x),
    UnaryKind.SQRT: lambda x, p: np.sqrt(x),
    UnaryKind.RSQRT: lambda x, p: 1 / np.sqrt(x),
    UnaryKind.RECIPROCAL: lambda x, p: 1 / x,
    UnaryKind.ERF: lambda x, p: _math_erf(x),
    UnaryKind.GELU: lambda x, p: 0.5 * x * (1 + _math_erf(x / math.sqrt(2))),
    UnaryKind.GELU_TANH: lambda x, p: 0.5
    * x
    * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * np.power(x, 3)))),
    UnaryKind.ELU: lambda x, p: np.where(x > 0, x, p[0] * (np.exp(x) - 1)),
}


def _integer_unary(kind: UnaryKind, x: np.ndarray, params: tuple[float, ...]) -> np.ndarray:
    wide = x.astype(_I64)
    match kind:
        case UnaryKind.RELU:
            return np.maximum(x, 0).astype(x.dtype)
        case UnaryKind.NEG:
            return wrap(-wide, x.dtype)
        case UnaryKind.ABS:
            return wrap(np.abs(wide), x.dtype)
        case UnaryKind.CLAMP:
            # Bounds past the type's range clamp to it (nothing else is representable).
            info = np.iinfo(x.dtype)
            low = min(max(int(params[0]), info.min), info.max)
            high = min(max(int(params[1]), info.min), info.max)
            return np.clip(wide, low, high).astype(x.dtype)
        case UnaryKind.COPY:
            return x.copy()
        case _:
            raise ValueError(f"unary {kind.value} is not defined on integers")


def run_unary(op: UnaryOp, machine: Machine) -> None:
    source, dest = machine.tile(op.input), machine.tile(op.dest)
    kind, params = op.kind.data, op.param_values
    if is_integer(dest.dtype):
        dest[...] = _integer_unary(kind, source, params)
    else:
        dest[...] = to_float(_FLOAT_UNARY[kind](source.astype(_F64), params), dest.dtype)


def run_requantize(op: RequantizeOp, machine: Machine) -> None:
    """TOSA RESCALE, by the kernel the `nn` interpreter uses too (bit-identical levels)."""
    source, dest = machine.tile(op.input), machine.tile(op.dest)
    dest[...] = tosa_rescale(
        source,
        op.multiplier.get_values(),
        op.shift.get_values(),
        input_zp=op.input_zp.value.data,
        output_zp=op.output_zp.value.data,
        double_round=op.double_round is not None,
        clamp=op.clamp.get_values() if op.clamp is not None else None,
        dtype=dest.dtype,
    )


def run_pool(op: PoolOp, machine: Machine) -> None:
    source, dest = machine.tile(op.input), machine.tile(op.dest)
    (kh, kw), (sh, sw) = op.kernel.get_values(), op.strides.get_values()
    ho, wo, _ = dest.shape
    kind = op.kind.data
    integer = is_integer(source.dtype)
    wide = source.astype(_I64 if integer else _F64)
    cells = [
        wide[i : i + (ho - 1) * sh + 1 : sh, j : j + (wo - 1) * sw + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    total = cells[0].copy()
    combine = np.maximum if kind == PoolKind.MAX else np.add
    for cell in cells[1:]:
        combine(total, cell, out=total)
    if kind == PoolKind.AVG:
        total = total / (kh * kw)
    if integer:
        dest[...] = wrap(total, dest.dtype)
    elif kind == PoolKind.MAX:
        dest[...] = total.astype(dest.dtype)
    else:
        dest[...] = to_float(total, dest.dtype)


def run_reduce(op: ReduceOp, machine: Machine) -> None:
    source, dest = machine.tile(op.input), machine.tile(op.dest)
    axis = op.axis.value.data
    integer = is_integer(source.dtype)
    wide = source.astype(_I64 if integer else _F64)
    match op.kind.data:
        case ReduceKind.SUM:
            total = wide.sum(axis=axis, keepdims=True)
            dest[...] = wrap(total, dest.dtype) if integer else to_float(total, dest.dtype)
        case ReduceKind.MAX:
            dest[...] = wide.max(axis=axis, keepdims=True).astype(dest.dtype)
        case ReduceKind.MIN:
            dest[...] = wide.min(axis=axis, keepdims=True).astype(dest.dtype)


def run_convert(op: ConvertOp, machine: Machine) -> None:
    source, dest = machine.tile(op.input), machine.tile(op.dest)
    if is_integer(source.dtype):
        if is_integer(dest.dtype):
            dest[...] = saturate(source.astype(_I64), dest.dtype)
        else:
            dest[...] = to_float(source.astype(_F64), dest.dtype)
    elif not is_integer(dest.dtype):
        dest[...] = to_float(source, dest.dtype)
    else:
        wide = source.astype(_F64)
        rounded = np.trunc(wide) if op.truncate is not None else np.rint(wide)
        rounded[np.isnan(rounded)] = 0
        info = np.iinfo(dest.dtype)
        dest[...] = np.clip(rounded, info.min, info.max).astype(dest.dtype)


def run_host_instruction(op: HostOp, machine: Machine) -> None:
    """`npu.host`: whole DRAM tensors through the `nn` reference (interpreter.host)."""
    from interpreter.host import run_host

    def write(name: str, value: np.ndarray) -> None:
        target = machine.tensor_array(name)
        target[...] = value.reshape(target.shape)

    run_host(op, machine.tensor_array, write)


KERNELS: dict[type[NpuInstruction], Callable[[Any, Machine], None]] = {
    DmaLoadOp: run_dma_load,
    DmaStoreOp: run_dma_store,
    MatmulOp: run_matmul,
    Conv2dOp: run_conv2d,
    BinaryOp: run_binary,
    UnaryOp: run_unary,
    RequantizeOp: run_requantize,
    PoolOp: run_pool,
    ReduceOp: run_reduce,
    ConvertOp: run_convert,
    HostOp: run_host_instruction,
}
"""The numerics of each instruction class: `kernel(op, machine)`."""


def run_program(
    program: ProgramOp, config: HardwareConfig, inputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Execute `program` in program order; return its output tensors by `.npz` key.

    `inputs` maps each input tensor's symbol name to an array of its shape and dtype
    (checked by the caller, `interpreter.simulator`).
    """
    machine = Machine(program, config)
    for name, value in inputs.items():
        machine.tensor_array(name)[...] = value
    with np.errstate(all="ignore"):
        for op in program.instructions():
            KERNELS[type(op)](op, machine)
    return {
        tensor.io_key: machine.tensor_array(tensor.sym_name.data).copy()
        for tensor in program.dram_tensors()
        if tensor.kind_enum == DramKind.OUTPUT
    }
