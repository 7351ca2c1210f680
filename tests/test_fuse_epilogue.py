"""nn-fuse-epilogue: the fused modules compute what they computed, and lower to the
same NPU programs.

- the example models, in f32 (canonicalized), int8 (nn-quantize) and bf16
  (nn-convert-precision), give bit-identical outputs with the reference interpreter
  before and after the pass (the region runs the same ops);
- the groups follow the pass's rules on them (at most `max-epilogue-ops`, no residual
  add with `residual=false`, nothing left unfused that could have been);
- `convert-nn-to-npu` gives exactly the same program for the fused module (in memory
  and after printing and parsing it back) as for the unfused one; in fp8 the
  `origin` labels of ops without a name, which are numbered by position, may differ
  where a group moved after its shortcut.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_lowering import function, random_inputs
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from interpreter.driver import input_signature, random_tensor
from interpreter.executor import run_function
from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_tools.diagnostics import parse_module
from npu_tools.npu_import import module_text
from npu_tools.npu_run import build_context
from transforms import get_all_passes
from transforms.convert_nn_to_npu import ConvertNNToNPUPass
from transforms.nn_convert_precision import NNConvertPrecisionPass
from transforms.nn_fuse_epilogue import NNFuseEpiloguePass, channel_axis, epilogue_stage
from transforms.nn_quantize import NNQuantizePass
from transforms.npu_compile import compile_pipeline

MODELS = ("lenet5", "resnet8", "mlp", "transformer", "mobilenet")
PRECISIONS = ("f32", "int8", "bf16", "fp8")


def test_registered() -> None:
    assert get_all_passes()["nn-fuse-epilogue"]() is NNFuseEpiloguePass
    assert NNFuseEpiloguePass.name == "nn-fuse-epilogue"


@pytest.fixture(scope="module")
def unfused(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], ModuleOp]:
    """The example models after `npu-compile`'s `quantized` stage without its last
    pass (nn-fuse-epilogue), per precision; f32 is the `nn` stage."""
    from examples.models import MODELS as ONNX_MODELS
    from npu_frontend.onnx_import import import_onnx

    folder = tmp_path_factory.mktemp("calibration")
    modules = {}
    for name in MODELS:
        imported = import_onnx(ONNX_MODELS[name]())
        rng = np.random.default_rng(11)
        signature = input_signature(function(imported))
        calibration = str(folder / f"{name}.npz")
        samples = {n: np.stack([random_tensor(t, rng) for _ in range(4)]) for n, t in signature}
        np.savez(calibration, **samples)
        for precision in PRECISIONS:
            if precision == "f32":
                passes = compile_pipeline("npu-base", "bf16", stop_after="nn")
            else:
                options = {"calibration": calibration} if precision == "int8" else {}
                passes = compile_pipeline("npu-base", precision, stop_after="quantized", **options)
                assert passes[-1].name == "nn-fuse-epilogue"
                passes = passes[:-1]
            module = imported.clone()
            for inner in passes:
                inner.apply(build_context(), module)
            modules[(name, precision)] = module
    return modules


def fused(module: ModuleOp, fuse: ModulePass | None = None) -> ModuleOp:
    copy = module.clone()
    (fuse or NNFuseEpiloguePass()).apply(build_context(), copy)
    copy.verify()
    return copy


def groups(module: ModuleOp) -> list[nn.FusedOp]:
    return [op for op in module.walk() if isinstance(op, nn.FusedOp)]


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("name", MODELS)
def test_outputs_unchanged(
    name: str, precision: str, unfused: dict[tuple[str, str], ModuleOp]
) -> None:
    module = unfused[(name, precision)]
    result = fused(module)
    assert groups(result), "every example model has a conv or product with an epilogue"
    inputs = random_inputs(module, seed=4)
    entry = function(module).sym_name.data
    expected = run_function(module, inputs, entry=entry)
    actual = run_function(result, inputs, entry=entry)
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_array_equal(actual[key], value, err_msg=f"{name} {precision} {key}")


def _anchors_left(module: ModuleOp, fuse: NNFuseEpiloguePass) -> list[Operation]:
    """Anchors outside any group whose single user could have joined one."""
    left = []
    for op in function(module).body.block.ops:
        if not isinstance(op, nn.ANCHOR_OPS) or op.results[0].uses.get_length() != 1:
            continue
        user = next(iter(op.results[0].uses)).operation
        if epilogue_stage(user, op.results[0], channel_axis(op), fuse.residual) is not None:
            left.append(op)
    return left


def _outside(group: nn.FusedOp, value: SSAValue) -> SSAValue:
    """The value outside the group that a region argument is bound to."""
    if isinstance(value, BlockArgument) and value.block is group.body.block:
        return group.inputs[value.index]
    return value


@pytest.mark.parametrize(
    "fuse",
    [NNFuseEpiloguePass(), NNFuseEpiloguePass(max_epilogue_ops=1), NNFuseEpiloguePass(residual=False)],
    ids=["default", "max1", "no-residual"],
)
@pytest.mark.parametrize("precision", PRECISIONS)
def test_groups_follow_the_options(
    precision: str, fuse: NNFuseEpiloguePass, unfused: dict[tuple[str, str], ModuleOp]
) -> None:
    """At most max-epilogue-ops per group, other operands of the anchor's shape or one
    value per channel, no residual add with residual=false, and no anchor left out
    whose single user could have joined it."""
    residual_blocks = 0
    for name in MODELS:
        result = fused(unfused[(name, precision)], fuse)
        for group in groups(result):
            assert 1 <= len(group.epilogue) <= fuse.max_epilogue_ops
            anchor = group.anchor
            shape = anchor.results[0].type.get_shape()
            axis = channel_axis(anchor)
            value = anchor.results[0]
            for op in group.epilogue:
                for operand in op.operands:
                    if operand is value:
                        continue
                    other = operand.type.get_shape()
                    offset = len(shape) - len(other)
                    per_channel = offset >= 0 and all(
                        size == 1 for dim, size in enumerate(other) if dim + offset != axis
                    )
                    assert other == shape or per_channel, f"{name}: {op.name} {other}"
                    outside = _outside(group, operand)
                    computed = not isinstance(outside.owner, nn.ConstantOp)
                    if not fuse.residual and isinstance(op, (nn.AddOp, nn.SubOp)):
                        assert not computed, f"{name}: residual {op.name}"
                    if isinstance(op, (nn.AddOp, nn.SubOp, nn.QAddOp)) and computed:
                        residual_blocks += 1
                assert not (isinstance(op, nn.QAddOp) and not fuse.residual), name
                value = op.results[0]
        assert not _anchors_left(result, fuse), name
    if not fuse.residual:
        assert residual_blocks == 0
    elif fuse.max_epilogue_ops > 1:
        # Every shortcut add of the models joins a group: resnet8's three blocks, the
        # transformer's two post-norm residuals, mobilenet's two inverted residuals.
        assert residual_blocks == 7


@pytest.mark.parametrize(
    "change", [NNQuantizePass(calibration="c.npz"), NNConvertPrecisionPass(precision="bf16")]
)
def test_precision_passes_come_first(
    change: ModulePass, unfused: dict[tuple[str, str], ModuleOp]
) -> None:
    module = fused(unfused[("lenet5", "f32")])
    with pytest.raises(UserError, match="^@main has nn.fused groups: change the precision"):
        change.apply(build_context(), module)


def test_idempotent(unfused: dict[tuple[str, str], ModuleOp]) -> None:
    once = fused(unfused[("resnet8", "int8")])
    twice = fused(once)
    assert twice.is_structurally_equivalent(once)


def lowered(module: ModuleOp, config: str) -> str:
    copy = module.clone()
    ConvertNNToNPUPass(config=config).apply(build_context(), copy)
    copy.verify()
    return str(copy)


POSITIONAL_ORIGIN = re.compile(r' \{origin = "[^"]*#[^"]*"\}')


@pytest.mark.parametrize("precision", ("int8", "bf16", "fp8"))
@pytest.mark.parametrize("name", MODELS)
def test_lowered_programs_identical(
    name: str, precision: str, unfused: dict[tuple[str, str], ModuleOp]
) -> None:
    """The lowering puts the groups back and fuses the same chains: the same program,
    instruction for instruction, also after printing and parsing the fused module."""
    module = unfused[(name, precision)]
    expected = lowered(module, "npu-base")
    result = fused(module)
    reparsed = parse_module(build_context(), module_text(result), f"{name}.mlir")
    assert groups(reparsed)

    def labels_by_name(program: str) -> str:
        # fp8 leaves resnet8's convolutions unnamed: their labels are positions, and
        # the second conv of a downsampling block moves after its shortcut.
        return POSITIONAL_ORIGIN.sub("", program) if precision == "fp8" else program

    for program in (lowered(result, "npu-base"), lowered(reparsed, "npu-base")):
        assert labels_by_name(program) == labels_by_name(expected)
