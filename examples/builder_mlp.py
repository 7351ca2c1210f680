"""Write an `nn` model directly in Python with `ModelBuilder`, then run it.

    python examples/builder_mlp.py [--out mlp.mlir]

Builds a 64-128-64-10 perceptron (GELU, ReLU, softmax) with seeded weights, runs
it with the `nn` interpreter and checks the result against the same computation
written in plain numpy. With `--out`, also writes the module as `.mlir` text
(weights as `dense_resource` blobs), ready for `npu-opt` and `npu-run`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from interpreter.executor import run_function
from npu_dialect.builder import ModelBuilder

WIDTHS = (64, 128, 64, 10)


def make_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight [out, in], bias [out]) per layer, He-initialised."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(WIDTHS, WIDTHS[1:]):
        weight = rng.standard_normal((fan_out, fan_in)) * math.sqrt(2.0 / fan_in)
        bias = rng.uniform(-0.1, 0.1, fan_out)
        layers.append((weight.astype(np.float32), bias.astype(np.float32)))
    return layers


def build_module(weights: list[tuple[np.ndarray, np.ndarray]]) -> ModuleOp:
    b = ModelBuilder("main")
    x = b.input("features", (1, WIDTHS[0]))
    (w1, b1), (w2, b2), (w3, b3) = weights
    h = b.gelu(b.linear(x, w1, b1), approximate="tanh")
    h = b.relu(b.linear(h, w2, b2))
    b.output("probabilities", b.softmax(b.linear(h, w3, b3), axis=1))
    return b.build()


def numpy_forward(weights: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
    (w1, b1), (w2, b2), (w3, b3) = weights
    h = x @ w1.T + b1
    h = 0.5 * h * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h**3)))
    h = np.maximum(h @ w2.T + b2, 0.0)
    logits = h @ w3.T + b3
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="also write the module to this .mlir file")
    args = parser.parse_args(argv)

    weights = make_weights()
    module = build_module(weights)
    features = np.random.default_rng(1).standard_normal((1, WIDTHS[0])).astype(np.float32)
    probabilities = run_function(module, {"features": features})["probabilities"]
    expected = numpy_forward(weights, features)
    error = float(np.abs(probabilities - expected).max())

    print(module)
    print("probabilities:", np.array2string(probabilities[0], precision=4))
    print(f"max abs difference to numpy: {error:.2e}")
    if args.out:
        from npu_tools.npu_import import module_text

        Path(args.out).write_text(module_text(module))
        print(f"wrote {args.out}")
    return 0 if error < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
