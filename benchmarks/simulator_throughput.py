"""Throughput of the NPU simulator: int8 MACs and instructions per wall-second.

Run: python benchmarks/simulator_throughput.py [--quick]
Results are recorded in docs/cost_model.md ("Simulator throughput").

Generated int8 programs, tiled the way a compiler would, with double-buffered SRAM
slots and tokens for every hazard:

- `large`: a 2048 x 2048 x 2048 GEMM `y = requantize(a @ b)` (8.6 G MACs) in big
  tiles on `tpu-v1` (few instructions, each millions of MACs): MAC throughput;
- `small`: a 512 x 512 x 512 GEMM in 32 x 32 x 32 tiles on `npu-base` (12 800
  instructions of 32 K MACs or 1 KiB each): per-instruction overhead;
- `conv`: a ResNet-50 3x3 convolution (56 x 56, 64 -> 64 channels, 116 M MACs) as
  `npu.conv2d` on 4-row output tiles whose windows are padded DMA loads from the
  NCHW input, on `npu-base`: the throughput a ResNet-50 run sees.

Each is timed for numerics alone, timing alone (cost model + scheduler + report) and
both, best of a few runs; building the program is not timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, TensorType, i8, i32
from xdsl.ir import Operation

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.common import machine  # noqa: E402
from interpreter.simulator import (
    program_inputs,
    simulate_numerics,
    simulate_program,
    simulate_timing,
)
from npu_dialect.npu import (
    Conv2dOp,
    DmaLoadOp,
    DmaStoreOp,
    DramKind,
    DramOp,
    MatmulOp,
    MatrixInstruction,
    NpuInstruction,
    ProgramOp,
    RequantizeOp,
    TileAttr,
)
from npu_dialect.resources import elements_attr


@dataclass
class Hazards:
    """Tokens for every read-after-write, write-after-read and write-after-write
    hazard on SRAM slots (identified by buffer and address)."""

    writer: dict[tuple[str, int], NpuInstruction] = field(default_factory=dict)
    readers: dict[tuple[str, int], list[NpuInstruction]] = field(default_factory=dict)

    def waits(self, reads: list[TileAttr], writes: list[TileAttr]) -> list[Operation]:
        deps: list[Operation] = []
        for tile in reads + writes:
            slot = (tile.buffer_name, tile.addr)
            if slot in self.writer:
                deps.append(self.writer[slot])
        for tile in writes:
            deps.extend(self.readers.get((tile.buffer_name, tile.addr), []))
        return list({id(d): d for d in deps}.values())

    def record(self, op: NpuInstruction) -> NpuInstruction:
        for tile in op.reads():
            self.readers.setdefault((tile.buffer_name, tile.addr), []).append(op)
        for tile in op.writes():
            self.writer[tile.buffer_name, tile.addr] = op
            self.readers[tile.buffer_name, tile.addr] = []
        return op


def gemm_program(
    config: str, m: int, k: int, n: int, tm: int, tk: int, tn: int, seed: int = 0
) -> ProgramOp:
    """`y = requantize(a @ b)` with a [M, K] input and [K, N] weight, in tm x tk x tn
    tiles; lhs/rhs/acc slots alternate between two addresses (double buffering)."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(-128, 128, (k, n), dtype=np.int8)
    ops: list[Operation] = [
        DramOp("a", DramKind.INPUT, 0, TensorType(i8, [m, k])),
        DramOp(
            "b",
            DramKind.WEIGHT,
            m * k,
            TensorType(i8, [k, n]),
            value=elements_attr(weight, TensorType(i8, [k, n])),
        ),
        DramOp("y", DramKind.OUTPUT, m * k + k * n, TensorType(i8, [m, n])),
    ]
    hazards = Hazards()

    def emit(op: NpuInstruction) -> None:
        ops.append(hazards.record(op))

    step = 0
    for i in range(0, m, tm):
        for j in range(0, n, tn):
            acc = TileAttr("acc", (step % 2) * tm * tn * 4, [tm, tn], i32)
            for kk in range(0, k, tk):
                lhs = TileAttr("act", (step % 2) * tm * tk, [tm, tk], i8)
                rhs = TileAttr("weight", (step % 2) * tk * tn, [tk, tn], i8)
                emit(DmaLoadOp("a", i * k + kk, [k, 1], lhs, waits=hazards.waits([], [lhs])))
                emit(DmaLoadOp("b", kk * n + j, [n, 1], rhs, waits=hazards.waits([], [rhs])))
                waits = hazards.waits([lhs, rhs], [acc])
                emit(MatmulOp(lhs, rhs, acc, accumulate=kk > 0, waits=waits))
                step += 1
            out = TileAttr("act", 2 * tm * tk + (step % 2) * tm * tn, [tm, tn], i8)
            emit(RequantizeOp(acc, out, [1 << 30], [40], waits=hazards.waits([acc], [out])))
            emit(DmaStoreOp(out, "y", i * n + j, [n, 1], waits=hazards.waits([out], [])))
    program = ProgramOp("gemm", config, ops)
    program.verify()
    return program


def conv_program(size: int = 56, channels: int = 64, rows: int = 4, seed: int = 0) -> ProgramOp:
    """A 3x3, stride 1, pad 1 int8 convolution of an NCHW input to NHWC, on npu-base."""
    rng = np.random.default_rng(seed)
    shape = [3, 3, channels, channels]
    weight = rng.integers(-128, 128, shape, dtype=np.int8)
    image = size * size
    ops: list[Operation] = [
        DramOp("a", DramKind.INPUT, 0, TensorType(i8, [1, channels, size, size])),
        DramOp(
            "w",
            DramKind.WEIGHT,
            channels * image,
            TensorType(i8, shape),
            value=elements_attr(weight, TensorType(i8, shape)),
        ),
        DramOp("y", DramKind.OUTPUT, 2 * channels * image, TensorType(i8, [size, size, channels])),
    ]
    hazards = Hazards()

    def emit(op: NpuInstruction) -> None:
        ops.append(hazards.record(op))

    kernel = TileAttr("weight", 0, shape, i8)
    emit(DmaLoadOp("w", 0, [3 * channels * channels, channels * channels, channels, 1], kernel))
    window_bytes = (rows + 2) * (size + 2) * channels
    out_bytes = rows * size * channels
    for step, top in enumerate(range(0, size, rows)):
        slot = step % 2
        pad_top, pad_bottom = int(top == 0), int(top + rows == size)
        window = TileAttr("act", slot * window_bytes, [rows + 2, size + 2, channels], i8)
        emit(
            DmaLoadOp(
                "a",
                (top - 1 + pad_top) * size,
                [size, 1, image],
                window,
                pad=[pad_top, 1, 0, pad_bottom, 1, 0],
                pad_value=IntegerAttr(0, i8),
                waits=hazards.waits([], [window]),
            )
        )
        acc = TileAttr("acc", slot * out_bytes * 4, [rows, size, channels], i32)
        emit(Conv2dOp(window, kernel, acc, waits=hazards.waits([window, kernel], [acc])))
        out = TileAttr("act", 2 * window_bytes + slot * out_bytes, [rows, size, channels], i8)
        emit(RequantizeOp(acc, out, [1 << 30], [42], waits=hazards.waits([acc], [out])))
        emit(
            DmaStoreOp(
                out, "y", top * size * channels, [size * channels, channels, 1],
                waits=hazards.waits([out], []),
            )
        )
    program = ProgramOp("conv", "npu-base", ops)
    program.verify()
    return program



def best_of(runs: int, body: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(name: str, program: ProgramOp, runs: int) -> None:
    instructions = program.instructions()
    macs = sum(op.macs for op in instructions if isinstance(op, MatrixInstruction))
    rng = np.random.default_rng(1)
    inputs = {
        key: rng.integers(-128, 128, tensor_type.get_shape(), dtype=np.int8)
        for key, tensor_type in program_inputs(program)
    }
    numerics = best_of(runs, lambda: simulate_numerics(program, inputs))
    timing = best_of(runs, lambda: simulate_timing(program))
    both = best_of(runs, lambda: simulate_program(program, inputs))
    count = len(instructions)
    print(f"{name}: {count} instructions, {macs / 1e9:.3f} G MACs ({program.config.data})")
    print(
        f"  numerics: {numerics:.3f} s = {macs / numerics / 1e9:.2f} G int8 MAC/s, "
        f"{count / numerics:.0f} instr/s"
    )
    print(f"  timing:   {timing:.3f} s = {count / timing:.0f} instr/s")
    print(
        f"  both:     {both:.3f} s = {macs / both / 1e9:.2f} G int8 MAC/s, "
        f"{count / both:.0f} instr/s ({both / count * 1e6:.1f} us/instr)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller programs, one run")
    parser.add_argument("--runs", type=int, default=3, help="report the best of this many")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')}, {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    runs = 1 if args.quick else args.runs
    size = 512 if args.quick else 2048
    measure("large", gemm_program("tpu-v1", size, size, size, size // 2, 512, 256), runs)
    small = 256 if args.quick else 512
    measure("small", gemm_program("npu-base", small, small, small, 32, 32, 32), runs)
    measure("conv", conv_program(28 if args.quick else 56), runs)


if __name__ == "__main__":
    main()
