"""`canonicalize` on `nn` models: the patterns fire, and the interpreter computes the
same outputs before and after (rtol 1e-5, atol 1e-5 of the largest output)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.pattern_rewriter import PatternRewriteWalker
from xdsl.transforms.canonicalize import CanonicalizePass

from interpreter.executor import argument_names, find_function, run_function
from npu_dialect import nn
from npu_dialect.builder import ModelBuilder
from npu_dialect.nn.base import tensor_of
from npu_dialect.resources import numpy_dtype
from transforms.canonicalization import NNCanonicalizationPatterns, patterns_by_op, register
from transforms.canonicalization.conv_bn import FoldBatchNormIntoConv
from transforms.canonicalization.folding import FoldConstantOperands

RTOL = 1e-5
ATOL_FRACTION = 1e-5


def op_counts(module: ModuleOp) -> Counter[str]:
    return Counter(op.name for op in module.walk() if op.name.startswith("nn."))


def random_inputs(module: ModuleOp, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    func = find_function(module, "main")
    return {
        name: rng.standard_normal(arg_type.get_shape()).astype(numpy_dtype(arg_type.element_type))
        for name, arg_type in zip(argument_names(func), func.function_type.inputs, strict=True)
    }


def canonicalize_and_compare(module: ModuleOp, seed: int = 0) -> tuple[Counter[str], Counter[str]]:
    """Runs `module` before and after `canonicalize`, asserts equal outputs and
    returns the nn op counts before and after."""
    inputs = random_inputs(module, seed)
    expected = run_function(module, inputs)
    before = op_counts(module)
    CanonicalizePass().apply(Context(), module)
    module.verify()
    actual = run_function(module, inputs)
    assert list(actual) == list(expected)
    for name, reference in expected.items():
        atol = ATOL_FRACTION * float(np.abs(reference).max())
        np.testing.assert_allclose(actual[name], reference, rtol=RTOL, atol=atol, err_msg=name)
    return before, op_counts(module)


def batch_norm_params(rng: np.random.Generator, channels: int) -> list[np.ndarray]:
    """scale, bias, mean, var, all far from the identity so that a dropped term shows."""
    return [
        rng.uniform(0.5, 2.0, channels).astype(np.float32),
        rng.normal(0.0, 0.5, channels).astype(np.float32),
        rng.normal(0.0, 0.5, channels).astype(np.float32),
        rng.uniform(0.2, 3.0, channels).astype(np.float32),
    ]


# Registration.


def test_every_op_but_constant_carries_the_patterns_once() -> None:
    register()
    for op in nn.NN_OPS:
        traits = op.get_traits_of_type(NNCanonicalizationPatterns)
        assert len(traits) == (0 if op is nn.ConstantOp else 1), op.name
    table = patterns_by_op()
    assert set(table) == set(nn.NN_OPS) - {nn.ConstantOp}
    assert all(isinstance(patterns[0], FoldConstantOperands) for patterns in table.values())
    assert nn.BatchNormOp.get_traits_of_type(NNCanonicalizationPatterns)[0].get_patterns(
        nn.BatchNormOp
    ) == table[nn.BatchNormOp]
    assert any(isinstance(p, FoldBatchNormIntoConv) for p in table[nn.BatchNormOp])


# Convolution and batch norm.


CONV_CASES = [
    # channels in, out, kernel, strides, padding, dilations, groups, bias
    (3, 8, 3, (1, 1), (1, 1, 1, 1), (1, 1), 1, True),
    (3, 8, 3, (2, 2), (0, 0, 1, 1), (1, 1), 1, False),
    (4, 6, 3, (1, 2), (2, 1, 0, 2), (2, 1), 2, True),
    (8, 8, 3, (1, 1), (1, 1, 1, 1), (1, 1), 8, False),
    (8, 16, 1, (1, 1), (0, 0, 0, 0), (1, 1), 1, True),
]


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv_batch_norm_relu(case: int) -> None:
    cin, cout, k, strides, padding, dilations, groups, has_bias = CONV_CASES[case]
    rng = np.random.default_rng(case)
    b = ModelBuilder()
    x = b.input("x", (2, cin, 9, 10))
    weight = rng.normal(0.0, 0.5, (cout, cin // groups, k, k)).astype(np.float32)
    bias = rng.normal(0.0, 0.5, cout).astype(np.float32) if has_bias else None
    y = b.conv2d(x, weight, bias, strides, padding, dilations, groups)
    y = b.relu(b.batch_norm(y, *batch_norm_params(rng, cout), epsilon=1e-3))
    b.output("y", y)
    before, after = canonicalize_and_compare(b.build(), seed=case)
    assert before["nn.batch_norm"] == 1 and after["nn.batch_norm"] == 0
    assert after["nn.conv2d"] == 1 and after["nn.relu"] == 1


def test_conv_bias_add_then_batch_norm() -> None:
    """A per-channel constant added to the conv folds into the bias, then the batch
    norm into the weights: one conv is left."""
    rng = np.random.default_rng(1)
    b = ModelBuilder()
    x = b.input("x", (1, 4, 6, 6))
    y = b.conv2d(x, rng.normal(size=(5, 4, 3, 3)).astype(np.float32), padding=(1, 1, 1, 1))
    y = b.add(rng.normal(size=(5, 1, 1)).astype(np.float32), y)
    y = b.batch_norm(y, *batch_norm_params(rng, 5))
    b.output("y", y)
    _, after = canonicalize_and_compare(b.build())
    assert after == Counter({"nn.conv2d": 1, "nn.constant": 2})


def test_fully_connected_batch_norm() -> None:
    """matmul + bias + batch_norm (Keras Dense + BatchNormalization) and gemm +
    batch_norm both end as one gemm each."""
    rng = np.random.default_rng(2)
    b = ModelBuilder()
    x = b.input("x", (3, 8))
    y = b.add(b.matmul(x, rng.normal(size=(8, 6)).astype(np.float32)), np.float32(0.5))
    y = b.relu(b.batch_norm(y, *batch_norm_params(rng, 6)))
    weight, bias = rng.normal(size=(4, 6)), rng.normal(size=4)
    z = b.linear(y, weight.astype(np.float32), bias.astype(np.float32))
    z = b.batch_norm(z, *batch_norm_params(rng, 4))
    b.output("z", z)
    before, after = canonicalize_and_compare(b.build())
    assert before["nn.batch_norm"] == 2 and after["nn.batch_norm"] == 0
    assert after["nn.gemm"] == 2 and after["nn.matmul"] == 0 and after["nn.add"] == 0


def test_shared_conv_is_not_folded() -> None:
    """A conv that feeds a batch norm and something else keeps its weights."""
    rng = np.random.default_rng(3)
    b = ModelBuilder()
    x = b.input("x", (1, 2, 5, 5))
    y = b.conv2d(x, rng.normal(size=(3, 2, 3, 3)).astype(np.float32))
    b.output("bn", b.batch_norm(y, *batch_norm_params(rng, 3)))
    b.output("conv", y)
    _, after = canonicalize_and_compare(b.build())
    assert after["nn.batch_norm"] == 1


# Shape chains.


def random_shape_chain(
    rng: np.random.Generator, b: ModelBuilder, x: SSAValue, steps: int
) -> SSAValue:
    """A chain of random reshapes, transposes, flattens, squeezes and unsqueezes."""
    for _ in range(steps):
        shape = tuple(tensor_of(x).get_shape())
        kind = rng.integers(5)
        if kind == 0:
            x = b.transpose(x, [int(p) for p in rng.permutation(len(shape))])
        elif kind == 1:
            x = b.reshape(x, [int(d) for d in rng.permutation(shape)] + [1])
        elif kind == 2 and len(shape) > 1:
            x = b.flatten(x, int(rng.integers(len(shape) + 1)))
        elif kind == 3 and 1 in shape:
            x = b.squeeze(x, [shape.index(1)])
        else:
            x = b.unsqueeze(x, [int(rng.integers(len(shape) + 1))])
    return x


@pytest.mark.parametrize("seed", range(6))
def test_random_reshape_and_transpose_chains(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    x = b.input("x", (2, 3, 1, 4))
    y = random_shape_chain(rng, b, x, steps=8)
    b.output("y", b.relu(y))
    before, after = canonicalize_and_compare(b.build(), seed)
    moves = ("nn.reshape", "nn.transpose", "nn.flatten", "nn.squeeze", "nn.unsqueeze")
    assert sum(before[m] for m in moves) == 8
    # No two reshapes or two transposes in a row are left.
    assert after["nn.reshape"] <= after["nn.transpose"] + 1
    assert after["nn.flatten"] + after["nn.squeeze"] + after["nn.unsqueeze"] == 0


@pytest.mark.parametrize("seed", range(4))
def test_random_transpose_triples(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    y = b.input("x", (2, 3, 4, 5))
    for _ in range(3):
        y = b.transpose(y, [int(p) for p in rng.permutation(4)])
    b.output("y", y)
    _, after = canonicalize_and_compare(b.build(), seed)
    assert after["nn.transpose"] <= 1


def test_inverse_transposes_cancel() -> None:
    b = ModelBuilder()
    x = b.input("x", (2, 3, 4, 5))
    y = b.transpose(b.transpose(x, (0, 2, 3, 1)), (0, 3, 1, 2))
    b.output("y", b.add(y, np.float32(0.0)))
    _, after = canonicalize_and_compare(b.build())
    assert after == Counter()


# Algebraic identities and constant folding.


def test_activation_chains() -> None:
    b = ModelBuilder()
    x = b.input("x", (4, 16))
    y = b.relu(b.relu(b.clamp(x, -2.0, 6.0)))
    y = b.clamp(b.clamp(y, 0.5, 10.0), -1.0, 3.0)
    y = b.neg(b.neg(b.mul(b.sub(y, np.float32(0.0)), np.ones(16, np.float32))))
    b.output("y", y)
    _, after = canonicalize_and_compare(b.build())
    assert after == Counter({"nn.clamp": 1})


def test_constant_subgraph_is_folded() -> None:
    """A weight computed from constants (as exporters leave them) becomes one constant."""
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    x = b.input("x", (3, 6))
    w = b.constant(rng.normal(size=(2, 3, 4)).astype(np.float32))
    w = b.reshape(b.transpose(w, (2, 0, 1)), (4, 6))
    w = b.mul(w, rng.uniform(1, 2, size=(4, 1)).astype(np.float32))
    y = b.linear(x, w)
    b.output("y", y)
    _, after = canonicalize_and_compare(b.build())
    assert after == Counter({"nn.constant": 1, "nn.gemm": 1})


def test_fold_limit_and_data_errors() -> None:
    """Results above the limit and ops whose kernel fails are kept."""
    b = ModelBuilder()
    big = b.add(b.constant(np.ones((64, 64), np.float32)), np.float32(1.0))
    bad = b.div(b.constant(np.array([1, 2], np.int32)), np.array([1, 0], np.int32))
    b.output("big", big)
    b.output("bad", bad)
    module = b.build()
    PatternRewriteWalker(FoldConstantOperands(max_elements=64 * 64 - 1)).rewrite_module(module)
    assert op_counts(module) == Counter({"nn.constant": 4, "nn.add": 1, "nn.div": 1})
    PatternRewriteWalker(FoldConstantOperands(max_elements=64 * 64)).rewrite_module(module)
    assert op_counts(module)["nn.add"] == 0 and op_counts(module)["nn.div"] == 1
    returned = next(op for op in module.walk() if op.name == "func.return").operands[0].owner
    assert isinstance(returned, nn.ConstantOp)
    np.testing.assert_array_equal(returned.array(), np.full((64, 64), 2.0, np.float32))


# Whole models.


def example_model(name: str) -> Callable[[], ModuleOp]:
    def load() -> ModuleOp:
        from examples.models import MODELS
        from npu_frontend.onnx_import import import_onnx

        return import_onnx(MODELS[name]())

    return load


@pytest.mark.parametrize(
    "name, folded_norms",
    [
        ("resnet8", 7),
        ("mobilenet", 16),
        ("fc_autoencoder", 9),
        ("transformer", 0),
        pytest.param("resnet50", 53, marks=pytest.mark.slow),
    ],
)
def test_example_model(name: str, folded_norms: int) -> None:
    module = example_model(name)()
    before, after = canonicalize_and_compare(module)
    assert before["nn.batch_norm"] == folded_norms and after["nn.batch_norm"] == 0
    assert after["nn.flatten"] == 0
    canonical = str(module)
    CanonicalizePass().apply(Context(), module)
    assert str(module) == canonical
