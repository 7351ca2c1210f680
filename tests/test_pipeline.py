"""npu-compile: equal at every stage.

Each example model goes through `npu-compile` once per `stop-after` stage; the module
after every stage runs with the project's run driver (`interpreter.driver.execute`, what
`npu-run` calls) on the same inputs, and each stage is compared with the one before:

- `nn` (canonicalized) against the imported model: rtol/atol 1e-5 of the largest
  output, as tests/test_canonicalize.py;
- `quantized` against `nn`: a change of precision, not an equality; bounded by
  PRECISION_ERROR as a sanity check (docs/quantization.md has the accuracy);
- `npu` against `quantized`: int8 bit-identical on every integer tensor (the
  float ops after the last dequantize, softmax and layer norm, within
  FLOAT_TOLERANCE), float precisions within one unit in the last place of the
  precision at the largest output (`float_tolerance`, docs/lowering.md, "Equal at
  every stage");
- `allocated` against `npu`: bit-identical (allocation and scheduling change no
  instruction's numbers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_lowering import (
    FLOAT_TOLERANCE,
    expose_integers,
    function,
    random_inputs,
)
from xdsl.dialects.builtin import ModuleOp

from interpreter.driver import execute, input_signature, random_tensor
from npu_dialect.errors import UserError
from npu_dialect.npu import ProgramOp
from npu_tools.npu_run import build_context
from transforms import get_all_passes
from transforms.npu_compile import (
    STAGES,
    NPUCompilePass,
    compile_pipeline,
    float_tolerance,
    native_precision,
    pipeline_spec,
)

MODELS = ("lenet5", "resnet8", "mlp", "transformer")
CANONICAL_TOLERANCE = 1e-5
PRECISION_ERROR = {"int8": 0.15, "fp8": 0.15, "bf16": 1e-2, "fp16": 1e-2}
"""Largest error of the precision change relative to the largest output (sanity bound;
observed at most 0.09 for fp8, 0.05 for int8, 5e-3 for bf16 on these models)."""
CASES = [("npu-base", "int8"), ("npu-base", "bf16"), ("npu-server", "fp8")]


def test_registered() -> None:
    assert get_all_passes()["npu-compile"]() is NPUCompilePass


@pytest.fixture(scope="module")
def imported() -> dict[str, ModuleOp]:
    """The example models as imported, before any pass."""
    from examples.models import MODELS as ONNX_MODELS
    from npu_frontend.onnx_import import import_onnx

    return {name: import_onnx(ONNX_MODELS[name]()) for name in MODELS}


@pytest.fixture(scope="module")
def calibration(
    imported: dict[str, ModuleOp], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """A calibration file of four samples per model."""
    folder = tmp_path_factory.mktemp("calibration")
    rng = np.random.default_rng(7)
    files = {}
    for name, module in imported.items():
        signature = input_signature(function(module))
        data = {n: np.stack([random_tensor(t, rng) for _ in range(4)]) for n, t in signature}
        files[name] = str(folder / f"{name}.npz")
        np.savez(files[name], **data)
    return files


def compiled(
    module: ModuleOp, stage: str, config: str, precision: str, calibration: str
) -> ModuleOp:
    """`module` after npu-compile up to `stage` (the calibration is used for int8 only)."""
    copy = module.clone()
    NPUCompilePass(
        config=config,
        precision=precision,
        calibration=calibration if precision == "int8" else "",
        stop_after=stage,
    ).apply(build_context(), copy)
    copy.verify()
    return copy


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(expected.astype(np.float64)))), 1e-30)
    return float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64)))) / scale


def compare(
    actual: dict[str, np.ndarray], expected: dict[str, np.ndarray], tolerance: float, what: str
) -> None:
    assert actual.keys() == expected.keys(), what
    for key, want in expected.items():
        got = actual[key]
        assert got.shape == want.shape and got.dtype == want.dtype, f"{what}: {key}"
        if tolerance == 0 or want.dtype.kind in "iub":
            np.testing.assert_array_equal(got, want, err_msg=f"{what}: {key}")
        else:
            error = relative_error(got, want)
            assert error <= tolerance, f"{what}: {key} differs by {error:.3g} of its scale"


@pytest.mark.parametrize(("config", "precision"), CASES)
@pytest.mark.parametrize("name", MODELS)
def test_equal_at_every_stage(
    name: str,
    config: str,
    precision: str,
    imported: dict[str, ModuleOp],
    calibration: dict[str, str],
) -> None:
    module = imported[name]
    inputs = random_inputs(module, seed=3)
    previous = execute(module, inputs=inputs).outputs
    tolerances = {
        "nn": CANONICAL_TOLERANCE,
        "quantized": PRECISION_ERROR[precision],
        "npu": FLOAT_TOLERANCE if precision == "int8" else float_tolerance(precision),
        "allocated": 0,
    }
    for stage in STAGES:
        stage_module = compiled(module, stage, config, precision, calibration[name])
        is_program = any(isinstance(op, ProgramOp) for op in stage_module.ops)
        assert is_program == (stage in ("npu", "allocated")), stage
        outputs = execute(stage_module, inputs=inputs).outputs
        compare(outputs, previous, tolerances[stage], f"{name} {precision} stage {stage}")
        previous = outputs


@pytest.mark.parametrize("name", MODELS)
def test_int8_integer_tensors_bit_identical(
    name: str, imported: dict[str, ModuleOp], calibration: dict[str, str]
) -> None:
    """After `quantized`, every integer tensor a dequantize reads is made an output,
    and the rest of the same pass list runs one pass at a time: each integer tensor
    stays bit-identical after every pass."""
    config, precision = "npu-base", "int8"
    module = compiled(imported[name], "quantized", config, precision, calibration[name])
    expose_integers(module)
    inputs = random_inputs(module, seed=5)
    expected = execute(module, inputs=inputs).outputs
    integers = [key for key, value in expected.items() if value.dtype.kind in "iu"]
    assert integers
    done = len(compile_pipeline(config, precision, calibration[name], "quantized"))
    for inner in compile_pipeline(config, precision, calibration[name])[done:]:
        inner.apply(build_context(), module)
        module.verify()
        outputs = execute(module, inputs=inputs).outputs
        for key in integers:
            np.testing.assert_array_equal(
                outputs[key], expected[key], err_msg=f"{inner.name}: {key}"
            )


def test_pass_list_one_by_one_is_npu_compile(
    imported: dict[str, ModuleOp], calibration: dict[str, str]
) -> None:
    """The passes of compile_pipeline, applied one by one, give exactly the module
    npu-compile gives; pipeline_spec prints them as an npu-opt -p argument that parses
    back to the same list."""
    from npu_tools.npu_opt import NpuOptMain

    module = imported["resnet8"]
    passes = compile_pipeline("npu-base", "int8", calibration["resnet8"])
    one_by_one = module.clone()
    for inner in passes:
        inner.apply(build_context(), one_by_one)
    whole = compiled(module, "allocated", "npu-base", "int8", calibration["resnet8"])
    assert one_by_one.is_structurally_equivalent(whole)
    spec = pipeline_spec(passes)
    assert spec.startswith("canonicalize,nn-quantize{calibration=")
    assert spec.endswith("convert-nn-to-npu{config=\"npu-base\"},npu-allocate,npu-schedule")
    main = NpuOptMain(args=["-p", spec])
    assert [str(p.pipeline_pass_spec()) for p in main.pipeline.passes] == [
        str(p.pipeline_pass_spec()) for p in passes
    ]


@pytest.mark.parametrize(
    ("config", "native"),
    [
        ("npu-edge", "int8"),
        ("npu-base", "int8"),
        ("tpu-v1", "int8"),
        ("gemmini", "int8"),
        ("npu-server", "bf16"),
        ("sram-only", "int8"),
    ],
)
def test_native_precision(config: str, native: str) -> None:
    """The default precision of each preset, as documented in docs/lowering.md."""
    from npu_dialect.hardware import load_config

    assert native_precision(load_config(config)) == native
    passes = compile_pipeline(config, calibration="c.npz" if native == "int8" else "")
    assert passes[1].name == ("nn-quantize" if native == "int8" else "nn-convert-precision")


def test_stages_cut_the_pass_list() -> None:
    names = [[p.name for p in compile_pipeline("npu-server", stop_after=s)] for s in STAGES]
    assert names == [
        ["canonicalize"],
        ["canonicalize", "nn-convert-precision", "nn-assign-layout", "nn-fuse-epilogue"],
        [
            "canonicalize",
            "nn-convert-precision",
            "nn-assign-layout",
            "nn-fuse-epilogue",
            "convert-nn-to-npu",
        ],
        [
            "canonicalize",
            "nn-convert-precision",
            "nn-assign-layout",
            "nn-fuse-epilogue",
            "convert-nn-to-npu",
            "npu-allocate",
            "npu-schedule",
        ],
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"stop_after": "lowered"},
            "stop-after must be one of nn, quantized, npu, allocated, got 'lowered'",
        ),
        ({"config": "npu-base", "precision": "int8"}, "precision=int8 needs calibration=FILE.npz"),
        ({"config": "npu-bse"}, "unknown preset 'npu-bse'"),
        (
            {"config": "gemmini", "precision": "fp16"},
            "precision fp16 is not supported by the matrix unit of config gemmini",
        ),
    ],
)
def test_bad_options(options: dict[str, str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        compile_pipeline(**options)


def test_errors_name_the_inner_pass(tmp_path: Path, imported: dict[str, ModuleOp]) -> None:
    module = imported["mlp"].clone()
    missing = str(tmp_path / "missing.npz")
    with pytest.raises(UserError, match=r"^nn-quantize: calibration file .*missing.npz"):
        NPUCompilePass(precision="int8", calibration=missing).apply(build_context(), module)

