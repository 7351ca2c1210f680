"""convert-nn-to-npu: the simulated NPU program computes what the `nn` function does.

Every case runs the `nn` function with the reference interpreter and the lowered
`npu.program` with the simulator on the same inputs. Integer (int8) paths must be
bit-identical; float paths agree within `FLOAT_TOLERANCE` (f32 vector work: the NPU
rounds once from float64 where numpy rounds in float32) or `BF16_TOLERANCE` (low
precision products: the reference sums in f32 BLAS, the NPU exactly in float64, and a
sum that lands on the other side of a bf16/f16/fp8 rounding boundary, of the product's
result or of the next layer's input cast, moves by one ulp of that type, which then
propagates). Both are relative to the largest magnitude of the reference output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import BFloat16Type, ModuleOp, TensorType, f32, i8, i32
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.transforms.canonicalize import CanonicalizePass

from interpreter.driver import input_signature, random_tensor
from interpreter.executor import run_function
from interpreter.simulator import simulate_numerics
from npu_dialect import nn
from npu_dialect.builder import ModelBuilder
from npu_dialect.errors import UserError
from npu_dialect.npu import (
    Conv2dOp,
    DmaLoadOp,
    DmaStoreOp,
    HostOp,
    NpuInstruction,
    ProgramOp,
)
from npu_tools.npu_run import build_context
from transforms import get_all_passes
from transforms.convert_nn_to_npu import ConvertNNToNPUPass

FLOAT_TOLERANCE = 1e-6
BF16_TOLERANCE = 5e-3
ALL_PRESETS = ("npu-edge", "npu-base", "tpu-v1", "gemmini", "npu-server", "sram-only")


# Helpers.


def function(module: ModuleOp) -> FuncOp:
    return next(op for op in module.ops if isinstance(op, FuncOp))


def random_inputs(module: ModuleOp, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: random_tensor(t, rng) for name, t in input_signature(function(module))}


def lower(module: ModuleOp, config: str = "npu-base") -> ProgramOp:
    """A lowered copy of `module`'s function (the module itself is kept)."""
    copy = module.clone()
    ConvertNNToNPUPass(config=config).apply(Context(), copy)
    copy.verify()
    program = next(op for op in copy.ops if isinstance(op, ProgramOp))
    program.detach()
    return program


def compare(
    module: ModuleOp,
    config: str = "npu-base",
    tolerance: float = FLOAT_TOLERANCE,
    inputs: dict[str, np.ndarray] | None = None,
) -> ProgramOp:
    """Lower `module` for `config`, run both levels, check every output; the program."""
    inputs = random_inputs(module) if inputs is None else inputs
    expected = run_function(module, inputs, entry=function(module).sym_name.data)
    program = lower(module, config)
    actual = simulate_numerics(program, inputs)
    assert actual.keys() == expected.keys()
    for name, want in expected.items():
        got = actual[name]
        assert got.shape == want.shape and got.dtype == want.dtype, name
        if want.dtype.kind in "iub" or tolerance == 0:
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            scale = max(float(np.max(np.abs(want.astype(np.float64)))), 1e-30)
            error = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
            assert error <= tolerance * scale, f"{name}: error {error:.3g} vs scale {scale:.3g}"
    return program


def to_bf16(module: ModuleOp) -> ModuleOp:
    """Products in bf16, the rest in f32: each conv/matmul/gemm of f32 values takes
    bf16 operands (constants converted, others cast) and its bf16 result is cast back
    to f32. (The shape of what a precision conversion produces; the lowering is
    checked against the `nn` semantics of exactly this module.)"""
    bf16 = BFloat16Type()
    products = (nn.Conv2DOp, nn.MatmulOp, nn.GemmOp)
    for op in [op for op in module.walk() if isinstance(op, products)]:
        operands = []
        for value in op.operands:
            if isinstance(value.owner, nn.ConstantOp):
                array = np.asarray(value.owner.array()).astype(ml_dtypes.bfloat16)
                new: Operation = nn.ConstantOp.from_array(array, bf16)
            else:
                new = nn.CastOp(value, bf16)
            Rewriter.insert_op(new, InsertPoint.before(op))
            operands.append(new.results[0])
        result_type = op.results[0].type
        assert isinstance(result_type, TensorType)
        product = type(op).create(
            operands=operands,
            result_types=[TensorType(bf16, result_type.get_shape())],
            attributes=dict(op.attributes),
        )
        Rewriter.insert_op(product, InsertPoint.before(op))
        product.results[0].name_hint = op.results[0].name_hint
        back = nn.CastOp(product.results[0], f32)
        Rewriter.insert_op(back, InsertPoint.before(op))
        op.results[0].replace_all_uses_with(back.results[0])
        Rewriter.erase_op(op)
    module.verify()
    return module


def quantize(module: ModuleOp, tmp_path: Path, samples: int = 4) -> ModuleOp:
    """`canonicalize, nn-quantize` with calibration samples drawn like the inputs."""
    from transforms.nn_quantize import NNQuantizePass

    rng = np.random.default_rng(11)
    signature = input_signature(function(module))
    data = {n: np.stack([random_tensor(t, rng) for _ in range(samples)]) for n, t in signature}
    path = tmp_path / "calibration.npz"
    np.savez(path, **data)
    CanonicalizePass().apply(build_context(), module)
    NNQuantizePass(calibration=str(path)).apply(build_context(), module)
    module.verify()
    return module


def expose_integers(module: ModuleOp) -> ModuleOp:
    """Return, besides the outputs, every integer tensor a dequantize reads, so that
    the integer path is compared bit for bit even when the outputs are float."""
    func = function(module)
    block = func.body.block
    returned = block.last_op
    assert isinstance(returned, ReturnOp)
    extra: list[SSAValue] = []
    for op in block.ops:
        if op.name == "nn.dequantize" and op.operands[0] not in extra:
            extra.append(op.operands[0])
    names = [attr for attr in (func.res_attrs.data if func.res_attrs else ())]
    values = [*returned.arguments, *extra]
    Rewriter.replace_op(returned, ReturnOp(*values))
    from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, FunctionType, StringAttr

    attrs = list(names) + [
        DictionaryAttr({"nn.name": StringAttr(f"integer{index}")}) for index in range(len(extra))
    ]
    if not names:
        attrs = [
            DictionaryAttr({"nn.name": StringAttr(f"result{index}")})
            for index in range(len(returned.arguments))
        ] + attrs[len(names) :]
    func.res_attrs = ArrayAttr(attrs)
    func.function_type = FunctionType.from_lists(
        func.function_type.inputs.data, [v.type for v in values]
    )
    module.verify()
    return module


# The pass and its registry entry.


def test_registered() -> None:
    assert get_all_passes()["convert-nn-to-npu"]() is ConvertNNToNPUPass
    assert ConvertNNToNPUPass.name == "convert-nn-to-npu"


# Convolutions.


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32)


def conv_case(
    channels: int = 8,
    out: int = 16,
    size: int = 12,
    kernel: int = 3,
    stride: int = 1,
    padding: tuple[int, int, int, int] = (1, 1, 1, 1),
    dilation: int = 1,
    groups: int = 1,
    bias: bool = True,
    after: Callable[[ModelBuilder, SSAValue, SSAValue], SSAValue] | None = None,
) -> ModuleOp:
    rng = np.random.default_rng(3)
    b = ModelBuilder("main")
    x = b.input("x", (1, channels, size, size))
    weight = _weights(rng, (out, channels // groups, kernel, kernel))
    bias_values = rng.standard_normal(out).astype(np.float32) if bias else None
    y = b.conv2d(
        x,
        b.constant(weight),
        None if bias_values is None else b.constant(bias_values),
        strides=(stride, stride),
        padding=padding,
        dilations=(dilation, dilation),
        groups=groups,
    )
    if after is not None:
        y = after(b, y, x)
    b.output("y", y)
    return b.build()


CONV_CASES: dict[str, Callable[[], ModuleOp]] = {
    "3x3": lambda: conv_case(after=lambda b, y, x: b.relu(y)),
    "stride2-asymmetric": lambda: conv_case(stride=2, padding=(0, 1, 1, 0), size=13),
    "dilated": lambda: conv_case(dilation=2, padding=(2, 2, 2, 2), bias=False),
    "1x1-wide": lambda: conv_case(channels=96, out=80, kernel=1, padding=(0, 0, 0, 0), size=9),
    "grouped": lambda: conv_case(channels=8, out=12, groups=4),
    "depthwise-relu6": lambda: conv_case(
        channels=24, out=24, groups=24, after=lambda b, y, x: b.relu6(y)
    ),
    "depthwise-multiplier": lambda: conv_case(channels=6, out=12, groups=6, stride=2),
    "residual": lambda: conv_case(
        channels=16, out=16, after=lambda b, y, x: b.relu(b.add(b.relu(y), x))
    ),
}


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_bf16(case: str) -> None:
    compare(to_bf16(CONV_CASES[case]()), tolerance=BF16_TOLERANCE)


def test_large_conv_is_tiled_and_double_buffered() -> None:
    """A conv whose output exceeds an accumulator slot: several output tiles, windows
    alternating between two act slots, and the same numbers."""
    module = to_bf16(conv_case(channels=32, out=64, size=40, after=lambda b, y, x: b.relu(y)))
    program = compare(module, "npu-base", BF16_TOLERANCE)
    windows = [op.input.addr for op in program.instructions() if isinstance(op, Conv2dOp)]
    accumulators = [op.dest.addr for op in program.instructions() if isinstance(op, Conv2dOp)]
    assert len(windows) > 2
    assert len(set(windows)) == 2 and windows[0] != windows[1]
    assert len(set(accumulators)) == 2


# Products.


def _linear(rng: np.random.Generator, trans_a: bool, alpha: float, beta: float) -> ModuleOp:
    b = ModelBuilder("main")
    x = b.input("x", (40, 24) if trans_a else (24, 40))
    weight = _weights(rng, (40, 36))
    c = rng.standard_normal((24, 36)).astype(np.float32)
    y = b.gemm(x, b.constant(weight), b.constant(c), alpha=alpha, beta=beta, trans_a=trans_a)
    b.output("y", b.tanh(y))
    return b.build()


def _attention() -> ModuleOp:
    b = ModelBuilder("main")
    q = b.input("q", (2, 4, 16, 8))
    k = b.input("k", (2, 4, 16, 8))
    scores = b.matmul(q, b.transpose(k, (0, 1, 3, 2)))
    b.output("p", b.softmax(b.mul(scores, 0.35), axis=3))
    return b.build()


def _vector_matmul() -> ModuleOp:
    rng = np.random.default_rng(5)
    b = ModelBuilder("main")
    x = b.input("x", (3, 20))
    b.output("y", b.matmul(x, b.constant(_weights(rng, (20,)))))
    return b.build()


PRODUCT_CASES: dict[str, Callable[[], ModuleOp]] = {
    "gemm-trans-a-alpha-beta": lambda: _linear(np.random.default_rng(1), True, 0.5, 2.0),
    "gemm": lambda: _linear(np.random.default_rng(2), False, 1.0, 1.0),
    "attention": _attention,
    "matrix-vector": _vector_matmul,
}


@pytest.mark.parametrize("case", PRODUCT_CASES)
def test_products_bf16(case: str) -> None:
    compare(to_bf16(PRODUCT_CASES[case]()), tolerance=BF16_TOLERANCE)


# Vector-unit ops and data movement, in f32 (no product: any preset runs them).


def _single(shape: tuple[int, ...], body: Callable[[ModelBuilder, SSAValue], SSAValue]) -> ModuleOp:
    b = ModelBuilder("main")
    x = b.input("x", shape)
    b.output("y", body(b, x))
    return b.build()


_RNG = np.random.default_rng(9)
VECTOR_CASES: dict[str, Callable[[], ModuleOp]] = {
    "max-pool-ceil": lambda: _single(
        (1, 8, 11, 11),
        lambda b, x: b.max_pool2d(x, (3, 3), (2, 2), padding=(1, 1, 0, 0), ceil_mode=True),
    ),
    "avg-pool-excluding-pad": lambda: _single(
        (1, 4, 10, 10), lambda b, x: b.avg_pool2d(x, (3, 3), (2, 2), padding=(1, 1, 1, 1))
    ),
    "avg-pool-including-pad": lambda: _single(
        (1, 4, 10, 10),
        lambda b, x: b.avg_pool2d(
            x, (3, 3), (1, 1), padding=(1, 1, 1, 1), count_include_pad=True
        ),
    ),
    "global-avg-pool": lambda: _single((1, 16, 7, 7), lambda b, x: b.global_avg_pool(b.relu(x))),
    "softmax-inner-axis": lambda: _single((2, 5, 3, 4), lambda b, x: b.softmax(x, axis=1)),
    "layer-norm-two-dims": lambda: _single(
        (3, 4, 8),
        lambda b, x: b.layer_norm(
            x, _RNG.standard_normal((4, 8)).astype(np.float32), np.ones((4, 8), np.float32), axis=1
        ),
    ),
    "reductions": lambda: _single(
        (3, 4, 5),
        lambda b, x: b.add(b.reduce_sum(x, (1,)), b.reduce_max(x, (1,))),
    ),
    "activations": lambda: _single(
        (4, 33),
        lambda b, x: b.hard_sigmoid(
            b.elu(b.leaky_relu(b.gelu(b.hard_swish(b.clamp(x, -1.5, 2.0))), 0.2), 0.7)
        ),
    ),
    "gelu-tanh-erf-exp-sqrt": lambda: _single(
        (5, 6),
        lambda b, x: b.sqrt(b.exp(b.erf(b.gelu(x, approximate="tanh")))),
    ),
    "broadcast-both-sides": lambda: _single(
        (4, 1), lambda b, x: b.div(b.sub(x, _RNG.standard_normal((1, 5)).astype(np.float32)), 3.0)
    ),
    "min-max-pow-prelu": lambda: _single(
        (2, 3, 6),
        lambda b, x: b.prelu(
            b.pow(b.max(b.min(x, 1.0), 0.1), 1.5), np.linspace(-1, 1, 6).astype(np.float32)
        ),
    ),
    "batch-norm": lambda: _single(
        (1, 3, 4, 4),
        lambda b, x: b.batch_norm(
            b.abs(x),
            np.array([1.0, 2.0, 0.5], np.float32),
            np.array([0.1, 0.0, -0.2], np.float32),
            np.array([0.3, 0.5, 1.0], np.float32),
            np.array([1.0, 4.0, 0.25], np.float32),
        ),
    ),
    "movement": lambda: _single(
        (2, 6, 4),
        lambda b, x: b.concat(
            [
                b.transpose(b.slice(x, (0, 1, 0), (2, 6, 4), steps=(1, 2, 1)), (0, 2, 1)),
                b.reshape(b.split(x, 1, (3, 3))[1], (2, 4, 3)),
            ],
            axis=1,
        ),
    ),
    "pad-squeeze": lambda: _single(
        (1, 3, 4),
        lambda b, x: b.unsqueeze(b.pad(b.squeeze(b.neg(x), (0,)), (1, 0, 2, 1), value=-2.0), (0,)),
    ),
    "nhwc-flatten": lambda: _single(
        (1, 4, 3, 3), lambda b, x: b.flatten(b.max_pool2d(b.relu(x), (2, 2), (1, 1)))
    ),
}


@pytest.mark.parametrize("case", VECTOR_CASES)
def test_vector_ops(case: str) -> None:
    compare(VECTOR_CASES[case](), "npu-edge")


def test_host_fallback() -> None:
    """Ops the NPU cannot compute as `nn` defines them run in `npu.host` regions."""
    b = ModelBuilder("main")
    x = b.input("x", (6, 5))
    rows = b.gather(b.relu(x), np.array([[4, 0], [2, 5]], np.int32), axis=0)
    numbers = b.cast(b.abs(b.mul(x, 10.0)), i32)
    b.output("rows", b.sigmoid(rows))
    b.output("quotient", b.div(numbers, b.constant(np.full((6, 5), 3, np.int32))))
    b.output("mirror", b.pad(x, (1, 2, 0, 1), mode="reflect"))
    small = b.cast(b.clamp(x, -3.0, 3.0), i8)
    kernel = np.full((2, 1, 3, 3), 50, np.int8)
    b.output("wrapping", b.conv2d(b.reshape(small, (1, 1, 6, 5)), kernel))
    program = compare(b.build(), "npu-base")
    hosted = [op for op in program.instructions() if isinstance(op, HostOp)]
    assert len({op.attributes["origin"].data for op in hosted}) == 4


def test_returned_views_and_inputs_are_copied() -> None:
    b = ModelBuilder("main")
    x = b.input("x", (3, 4))
    b.output("same", x)
    b.output("transposed", b.transpose(x, (1, 0)))
    b.output("twice", b.transpose(x, (1, 0)))
    compare(b.build(), "npu-edge", 0)


# int8.


def _quantizable(rng: np.random.Generator) -> ModuleOp:
    b = ModelBuilder("main")
    x = b.input("x", (1, 8, 10, 10))
    y = b.relu(b.conv2d(x, b.constant(_weights(rng, (16, 8, 3, 3))), padding=(1, 1, 1, 1)))
    z = b.conv2d(y, b.constant(_weights(rng, (16, 1, 3, 3))), padding=(1, 1, 1, 1), groups=16)
    y = b.relu(b.add(z, y))
    y = b.max_pool2d(y, (2, 2), (2, 2))
    y = b.linear(b.flatten(y), _weights(rng, (10, 400)), rng.standard_normal(10).astype(np.float32))
    b.output("y", y)
    return b.build()


@pytest.mark.parametrize("config", ALL_PRESETS)
def test_int8_bit_exact(config: str, tmp_path: Path) -> None:
    module = expose_integers(quantize(_quantizable(np.random.default_rng(4)), tmp_path))
    names = {op.name for op in module.walk()}
    assert {"nn.qconv2d", "nn.qadd", "nn.qmatmul", "nn.requantize"} <= names
    compare(module, config, tolerance=0)


# Example models.

EXAMPLE_MODELS = ("lenet5", "resnet8", "mlp", "mobilenet", "transformer")
PRECISION_PRESETS = {
    "bf16": ("npu-base", "npu-server", "sram-only"),
    "fp16": ("npu-base", "sram-only"),
    "fp8": ("npu-base", "npu-server"),
}
"""Every preset whose matrix unit takes each float precision."""


def _example(name: str) -> ModuleOp:
    from examples.models import MODELS
    from npu_frontend.onnx_import import import_onnx

    module = import_onnx(MODELS[name]())
    CanonicalizePass().apply(build_context(), module)
    return module


@pytest.fixture(scope="module")
def bf16_models() -> dict[str, ModuleOp]:
    """The example models with bf16 products rounded to bf16 (`to_bf16`)."""
    return {name: to_bf16(_example(name)) for name in EXAMPLE_MODELS}


@pytest.mark.parametrize("config", PRECISION_PRESETS["bf16"])
@pytest.mark.parametrize("name", EXAMPLE_MODELS)
def test_example_models_bf16(name: str, config: str, bf16_models: dict[str, ModuleOp]) -> None:
    compare(bf16_models[name], config, BF16_TOLERANCE)


@pytest.fixture(scope="module")
def precision_models() -> dict[tuple[str, str], ModuleOp]:
    """The example models after `nn-convert-precision` (f32 accumulation)."""
    from transforms.nn_convert_precision import NNConvertPrecisionPass

    models = {}
    for name in EXAMPLE_MODELS:
        for precision in PRECISION_PRESETS:
            module = _example(name)
            NNConvertPrecisionPass(precision=precision).apply(build_context(), module)
            models[(name, precision)] = module
    return models


@pytest.mark.parametrize(
    ("precision", "config"),
    [(p, c) for p, configs in PRECISION_PRESETS.items() for c in configs],
)
@pytest.mark.parametrize("name", EXAMPLE_MODELS)
def test_example_models_converted_precision(
    name: str,
    precision: str,
    config: str,
    precision_models: dict[tuple[str, str], ModuleOp],
) -> None:
    compare(precision_models[(name, precision)], config, BF16_TOLERANCE)


def test_unsupported_precision_is_an_error(
    precision_models: dict[tuple[str, str], ModuleOp],
) -> None:
    message = "of type f8E4M3FN are not supported by the matrix unit of config sram-only"
    with pytest.raises(UserError, match=message):
        lower(precision_models[("mlp", "fp8")], "sram-only")


@pytest.fixture(scope="module")
def int8_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleOp]:
    path = tmp_path_factory.mktemp("calibration")
    return {name: expose_integers(quantize(_example(name), path)) for name in EXAMPLE_MODELS}


@pytest.mark.parametrize("config", ALL_PRESETS)
@pytest.mark.parametrize("name", EXAMPLE_MODELS)
def test_example_models_int8(name: str, config: str, int8_models: dict[str, ModuleOp]) -> None:
    """Integer tensors bit for bit; the float ops after the last dequantize (softmax,
    layer norm) within FLOAT_TOLERANCE."""
    module = int8_models[name]
    inputs = random_inputs(module, seed=2)
    expected = run_function(module, inputs)
    program = lower(module, config)
    actual = simulate_numerics(program, inputs)
    for key, want in expected.items():
        if want.dtype.kind == "f":
            scale = float(np.max(np.abs(want)))
            assert float(np.max(np.abs(actual[key] - want))) <= FLOAT_TOLERANCE * scale, key
        else:
            np.testing.assert_array_equal(actual[key], want, err_msg=key)


# Properties of the programs.


def _byte_sets(op: NpuInstruction, program: ProgramOp) -> list[tuple[str, frozenset[int], bool]]:
    """(space, exact set of bytes, writes) of every access of `op`."""
    accesses: list[tuple[str, frozenset[int], bool]] = []
    for tiles, writes in ((op.reads(), False), (op.writes(), True)):
        for tile in tiles:
            index = np.indices(tile.dims).reshape(tile.rank, -1)
            elements = (np.array(tile.elem_strides)[:, None] * index).sum(axis=0)
            start = tile.addr + elements * tile.itemsize
            cells = (start[:, None] + np.arange(tile.itemsize)[None, :]).reshape(-1)
            accesses.append((tile.buffer_name, frozenset(cells.tolist()), writes))
    if isinstance(op, (DmaLoadOp, DmaStoreOp)):
        tensor = program.lookup_dram(op.dram.root_reference.data)
        assert tensor is not None
        dims = op.box if isinstance(op, DmaLoadOp) else op.source.dims
        index = np.indices(dims).reshape(len(dims), -1)
        strides = np.array(op.strides.get_values())[:, None]
        elements = op.offset.value.data + (strides * index).sum(axis=0)
        writes = isinstance(op, DmaStoreOp)
        accesses.append((f"@{tensor.sym_name.data}", frozenset(elements.tolist()), writes))
    if isinstance(op, HostOp):
        for name in op.input_names:
            accesses.append((f"@{name}", frozenset([-1]), False))
        for name in op.output_names:
            accesses.append((f"@{name}", frozenset([-1]), True))
    return accesses


def check_synchronised(program: ProgramOp) -> int:
    """Every pair of conflicting instructions is ordered by tokens or by one in-order
    engine (docs/npu_dialect.md, "Meaning of a program"); the number of such pairs."""
    config = program.hardware()
    single = {
        "matrix": True,
        "vector": True,
        "host": True,
        "dma_load": config.dma.load_engines == 1,
        "dma_store": config.dma.store_engines == 1,
    }
    instructions = program.instructions()
    position = {op: i for i, op in enumerate(instructions)}
    before: list[set[int]] = []
    for i, op in enumerate(instructions):
        reach: set[int] = set()
        for token in op.waits:
            j = position[token.owner]
            reach |= {j} | before[j]
        if single[op.ENGINE]:
            for j in range(i - 1, -1, -1):
                if instructions[j].ENGINE == op.ENGINE:
                    reach |= {j} | before[j]
                    break
        before.append(reach)
    accesses = [_byte_sets(op, program) for op in instructions]
    pairs = 0
    for b in range(len(instructions)):
        for a in range(b):
            conflict = any(
                space_a == space_b and (w_a or w_b) and not bytes_a.isdisjoint(bytes_b)
                for space_a, bytes_a, w_a in accesses[a]
                for space_b, bytes_b, w_b in accesses[b]
            )
            if conflict:
                pairs += 1
                assert a in before[b], (
                    f"instruction {b} ({instructions[b].name}) conflicts with {a} "
                    f"({instructions[a].name}) but does not wait for it"
                )
    return pairs


@pytest.mark.parametrize(
    "module",
    [
        lambda: to_bf16(CONV_CASES["residual"]()),
        lambda: to_bf16(conv_case(channels=32, out=64, size=24)),
        lambda: to_bf16(PRODUCT_CASES["attention"]()),
        VECTOR_CASES["layer-norm-two-dims"],
    ],
)
@pytest.mark.parametrize("config", ["npu-base", "two-dma-engines"])
def test_tokens_order_every_conflict(module: Callable[[], ModuleOp], config: str) -> None:
    """Also with two load and two store engines, where DMAs need tokens among
    themselves."""
    if config == "two-dma-engines":
        from npu_dialect.hardware import derive_config, load_config, register_config

        changes = {"dma.load_engines": 2, "dma.store_engines": 2}
        register_config(derive_config(load_config("npu-base"), changes, config))
    program = lower(module(), config)
    assert check_synchronised(program) > 0


def test_origins_name_model_ops(bf16_models: dict[str, ModuleOp]) -> None:
    """Every instruction names the model op it came from: named ops by their result
    name (the ONNX importer's), the others by op name and position."""
    module = bf16_models["resnet8"]
    ops = [op for op in function(module).body.block.ops if not isinstance(op, nn.ConstantOp)]
    program = lower(module, "npu-base")
    origins = [op.attributes.get("origin") for op in program.instructions()]
    assert all(origin is not None for origin in origins)
    distinct = {origin.data for origin in origins if origin is not None}
    assert len(distinct) <= len(ops)
    convs = [op.results[0].name_hint for op in ops if isinstance(op, nn.Conv2DOp)]
    assert convs and set(convs) <= distinct


def test_int8_report_names_model_ops(int8_models: dict[str, ModuleOp]) -> None:
    """`nn-quantize` keeps the float ops' result names: in the report of lowered int8
    resnet8, the rows with matrix work are exactly the float model's conv and gemm
    layers by their ONNX names, and each requantisation row is `<name>_q` of a float
    op's name (the layer's int8 result)."""
    from interpreter.simulator import simulate_program

    float_names = {
        op.results[0].name_hint
        for op in function(_example("resnet8")).body.block.ops
        if op.results and op.results[0].name_hint
    }
    layers = {
        op.results[0].name_hint
        for op in function(_example("resnet8")).body.block.ops
        if isinstance(op, (nn.Conv2DOp, nn.GemmOp, nn.MatmulOp))
    }
    module = int8_models["resnet8"]
    _, report = simulate_program(lower(module, "npu-base"), random_inputs(module))
    matrix_rows = {name for name, stats in report.ops.items() if stats.macs}
    assert matrix_rows == layers
    assert sum("conv" in name.lower() for name in matrix_rows) == len(layers) - 1
    requantize_rows = [name for name in report.ops if name.endswith("_q")]
    assert len(requantize_rows) >= len(layers)
    assert {name.removesuffix("_q") for name in requantize_rows} <= float_names
