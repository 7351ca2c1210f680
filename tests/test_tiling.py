"""Convolution tiling: a legal tiling is found on every preset whenever one exists.

ResNet-18's convolutions (the 7x7/2 stem, the 3x3 layers of every stage, the 1x1/2
downsamples) as int8 `nn.qconv2d` + `nn.requantize`, lowered for every preset; on
tpu-v1 the 3x3 kernels of 256 and 512 channels exceed the 256 KiB weight FIFO even one
array-wide tile at a time, so the search falls back to input-channel chunks that
accumulate. The fallback layers are simulated and compared bit for bit with the `nn`
reference.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, i8, i32

from interpreter.executor import run_function
from interpreter.simulator import simulate_numerics
from npu_dialect import nn
from npu_dialect.builder import ModelBuilder
from npu_dialect.errors import UserError
from npu_dialect.hardware import derive_config, load_config, register_config
from npu_dialect.npu import Conv2dOp, ProgramOp
from transforms.convert_nn_to_npu import ConvertNNToNPUPass
from transforms.lowering.conv import ConvShape, choose_tiling

ALL_PRESETS = ("npu-edge", "npu-base", "tpu-v1", "gemmini", "npu-server", "sram-only")

RESNET18_CONVS: dict[str, tuple[int, int, int, int, int]] = {
    "stem-7x7s2": (3, 224, 64, 7, 2),
    "3x3-64": (64, 56, 64, 3, 1),
    "3x3-128s2": (64, 56, 128, 3, 2),
    "3x3-128": (128, 28, 128, 3, 1),
    "3x3-256s2": (128, 28, 256, 3, 2),
    "3x3-256": (256, 14, 256, 3, 1),
    "3x3-512s2": (256, 14, 512, 3, 2),
    "3x3-512": (512, 7, 512, 3, 1),
    "1x1-128s2": (64, 56, 128, 1, 2),
    "1x1-256s2": (128, 28, 256, 1, 2),
    "1x1-512s2": (256, 14, 512, 1, 2),
}
"""(input channels, input size, output channels, kernel, stride) of each distinct
convolution of ResNet-18 at 224x224 (padding kernel // 2)."""


@cache
def qconv_layer(channels: int, size: int, out: int, kernel: int, stride: int) -> ModuleOp:
    """An int8 conv layer as `nn-quantize` makes it: `nn.qconv2d` (input zero point
    -3, an i32 bias) and a per-channel `nn.requantize` to int8 with a ReLU clamp."""
    rng = np.random.default_rng(channels * 1000 + out + kernel)
    b = ModelBuilder("main")
    x = b.input("x", (1, channels, size, size), i8)
    weights = rng.integers(-127, 128, (out, channels, kernel, kernel)).astype(np.int8)
    weight = b.constant(weights, i8)
    bias = b.constant(rng.integers(-5000, 5000, out).astype(np.int32), i32)
    pad = kernel // 2
    conv = nn.QConv2DOp(x, weight, bias, (stride, stride), (pad,) * 4, (1, 1), 1, -3)
    b.block.add_op(conv)
    # Multipliers near 2^30.5 with shift 44 scale the accumulators by about 1 / 10^4,
    # which keeps these random layers' outputs spread over the int8 range.
    multipliers = [int(m) for m in rng.integers(1 << 30, 1 << 31, out)]
    requantize = nn.RequantizeOp(
        conv.results[0], multipliers, [44] * out, axis=1, output_zp=-128, clamp=(-128, 127)
    )
    b.block.add_op(requantize)
    b.output("y", requantize.results[0])
    return b.build()


def lower(module: ModuleOp, config: str) -> ProgramOp:
    copy = module.clone()
    ConvertNNToNPUPass(config=config).apply(Context(), copy)
    copy.verify()
    return next(op for op in copy.ops if isinstance(op, ProgramOp))


def layer_macs(channels: int, size: int, out: int, kernel: int, stride: int) -> int:
    out_size = (size + 2 * (kernel // 2) - kernel) // stride + 1
    return out_size * out_size * out * kernel * kernel * channels


def program_macs(program: ProgramOp) -> int:
    total = 0
    for op in program.instructions():
        if isinstance(op, Conv2dOp):
            m, k, n = op.gemm_shape
            total += m * k * n
    return total


@pytest.mark.parametrize("config", ALL_PRESETS)
@pytest.mark.parametrize("case", RESNET18_CONVS)
def test_resnet18_convs_lower_on_every_preset(case: str, config: str) -> None:
    """Every layer lowers, and its `npu.conv2d` instructions together compute each
    product of the layer exactly once (no tile missing or repeated)."""
    shape = RESNET18_CONVS[case]
    program = lower(qconv_layer(*shape), config)
    assert program_macs(program) == layer_macs(*shape)


def _shape(channels: int, size: int, out: int, kernel: int, stride: int) -> ConvShape:
    pad = kernel // 2
    out_size = (size + 2 * pad - kernel) // stride + 1
    return ConvShape(
        1, channels, size, size, out, kernel, kernel, out_size, out_size,
        (stride, stride), (1, 1), (pad,) * 4, 1, 1, 1,
    )  # fmt: skip


@pytest.mark.parametrize("case", ["3x3-256s2", "3x3-512"])
def test_tpu_v1_splits_input_channels_bit_exact(case: str) -> None:
    """On tpu-v1 no array-wide tile of these kernels fits the weight FIFO: the chosen
    tiling has input-channel chunks narrower than the array, both weight slots fit,
    and the accumulated result is bit-identical to the reference."""
    config = load_config("tpu-v1")
    shape = RESNET18_CONVS[case]
    tiling = choose_tiling(config, _shape(*shape), [])
    assert tiling is not None
    assert tiling.c < min(shape[0], config.matrix.rows)
    assert 2 * shape[3] ** 2 * tiling.c * tiling.o <= config.sram.weight.size
    module = qconv_layer(*shape)
    inputs = {"x": np.random.default_rng(1).integers(-128, 128, (1, *shape[:2], shape[1]), np.int8)}
    expected = run_function(module, inputs)["y"]
    program = lower(module, "tpu-v1")
    convs = [op for op in program.instructions() if isinstance(op, Conv2dOp)]
    assert any(op.accumulate is not None for op in convs)
    actual = simulate_numerics(program, inputs)["y"]
    assert len(np.unique(expected)) > 32  # not saturated to a few values
    np.testing.assert_array_equal(actual, expected)


def _tiny_weight_buffer(size: int) -> str:
    name = f"npu-base-weight-{size}"
    register_config(derive_config(load_config("npu-base"), {"sram.weight.size": size}, name))
    return name


def test_a_weight_buffer_below_one_array_tile_still_lowers() -> None:
    """1 KiB of weight buffer on a 32x32 array: not even a 3x3 x 32 x 32 tile (9 KiB)
    fits, yet the layer lowers to narrower tiles and computes the same numbers."""
    config = _tiny_weight_buffer(1024)
    module = qconv_layer(32, 6, 32, 3, 1)
    inputs = {"x": np.random.default_rng(2).integers(-128, 128, (1, 32, 6, 6), np.int8)}
    program = lower(module, config)
    for op in program.instructions():
        if isinstance(op, Conv2dOp):
            assert 2 * op.weight.nbytes <= 1024
    np.testing.assert_array_equal(
        simulate_numerics(program, inputs)["y"], run_function(module, inputs)["y"]
    )


def test_no_tiling_is_an_error() -> None:
    """A weight buffer of one 64-byte slot cannot hold two slots of even one channel of
    a 3x3 kernel: the lowering says so, naming the op and the config."""
    config = _tiny_weight_buffer(64)
    message = f"'nn.qconv2d' op has no tiling that fits the SRAM of config {config}"
    with pytest.raises(UserError, match=message):
        lower(qconv_layer(32, 6, 32, 3, 1), config)
