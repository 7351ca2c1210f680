"""The ONNX backend node tests, imported and run by the `nn` interpreter.

The installed onnx wheel does not ship `onnx/backend/test/data/node/*`; it ships the
generators those files are written from (`onnx.backend.test.case.node`), so the
cases are built in memory with `collect_testcases()` (the same models, inputs and
expected outputs). A case is selected when every op in its graph has a converter.

Each selected case has one expected outcome:

- it imports and its outputs match (floats within rtol 1e-4 / atol 1e-5 or the
  case's own looser tolerance, integers and bools exactly);
- its shape-like inputs (Reshape's shape, Slice's starts, the axes inputs, ...) are
  graph inputs, which a static compiler cannot accept: the importer must reject the
  case as shipped, and the case must pass once those inputs are made initializers
  holding the test data (`PARAMETER_SLOTS` says which inputs those are);
- it uses something the importer rejects on purpose: it is listed in `REJECTED`
  with the text the one-line error must contain.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from interpreter.executor import run_function
from npu_dialect.errors import UserError
from npu_frontend.onnx_import import import_onnx
from npu_frontend.onnx_ops import CONVERTERS

PARAMETER_SLOTS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,),
    "Slice": (1, 2, 3, 4),
    "Split": (1,),
    "Squeeze": (1,),
    "Unsqueeze": (1,),
    "Pad": (1, 2, 3),
    "ReduceMean": (1,),
    "ReduceSum": (1,),
    "ReduceMax": (1,),
    "Expand": (1,),
    "Range": (0, 1, 2),
    "ConstantOfShape": (0,),
}
"""Node inputs that must be known at import time: they set shapes, axes or bounds."""

SHAPE_READERS = ("Shape", "Size")
"""Ops whose result depends on their input's shape only, not its values."""

# Error text -> the cases whose import must fail with a one-line message containing
# it. The reasons: element types nn has no type for (uint16/32/64, float8, 4- and
# 2-bit types, strings, sequences, optionals); opsets older than 13; ops that have
# no nn op and are only evaluated at import (comparisons, Where, Floor, Ceil) applied
# to run-time values; 3-D pools; AveragePool dilations; Pad 'wrap'; MaxPool's
# Indices output; training-mode BatchNormalization and Dropout.
REJECTED: dict[str, tuple[str, ...]] = {
    "has element type uint16, which nn does not support": (
        "test_add_uint16",
        "test_div_uint16",
        "test_equal_uint16",
        "test_greater_equal_uint16_expanded",
        "test_greater_uint16",
        "test_less_equal_uint16_expanded",
        "test_less_uint16",
        "test_max_uint16",
        "test_min_uint16",
        "test_mul_uint16",
        "test_sub_uint16",
    ),
    "has element type uint32, which nn does not support": (
        "test_add_uint32",
        "test_div_uint32",
        "test_equal_uint32",
        "test_greater_equal_uint32_expanded",
        "test_greater_uint32",
        "test_less_equal_uint32_expanded",
        "test_less_uint32",
        "test_max_uint32",
        "test_min_uint32",
        "test_mul_uint32",
        "test_pow_types_float32_uint32",
        "test_sub_uint32",
    ),
    "has element type uint64, which nn does not support": (
        "test_add_uint64",
        "test_div_uint64",
        "test_equal_uint64",
        "test_greater_equal_uint64_expanded",
        "test_greater_uint64",
        "test_less_equal_uint64_expanded",
        "test_less_uint64",
        "test_max_uint64",
        "test_min_uint64",
        "test_mul_uint64",
        "test_pow_types_float32_uint64",
        "test_sub_uint64",
    ),
    "opset 7 is not supported": (
        "test_and2d",
        "test_and3d",
        "test_and4d",
        "test_and_bcast3v1d",
        "test_and_bcast3v2d",
        "test_and_bcast4v2d",
        "test_and_bcast4v3d",
        "test_and_bcast4v4d",
        "test_or2d",
        "test_or3d",
        "test_or4d",
        "test_or_bcast3v1d",
        "test_or_bcast3v2d",
        "test_or_bcast4v2d",
        "test_or_bcast4v3d",
        "test_or_bcast4v4d",
    ),
    "dilations [2, 2] are not supported for AveragePool": (
        "test_averagepool_2d_dilations",
    ),
    "only 1-D and 2-D average pools are supported": (
        "test_averagepool_3d_default",
        "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False",
        "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True",
        "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False",
        "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True",
        "test_averagepool_3d_dilations_small",
    ),
    "training_mode = 1 is not supported": (
        "test_batchnorm_epsilon_training_mode",
        "test_batchnorm_example_training_mode",
    ),
    "has element type float4e2m1, which nn does not support": (
        "test_cast_FLOAT16_to_FLOAT4E2M1",
        "test_cast_FLOAT4E2M1_to_FLOAT",
        "test_cast_FLOAT4E2M1_to_FLOAT16",
        "test_cast_FLOAT_to_FLOAT4E2M1",
        "test_castlike_FLOAT16_to_FLOAT4E2M1_expanded",
        "test_castlike_FLOAT4E2M1_to_FLOAT16_expanded",
        "test_castlike_FLOAT4E2M1_to_FLOAT_expanded",
        "test_castlike_FLOAT_to_FLOAT4E2M1_expanded",
    ),
    "has element type float8e4m3fn, which nn does not support": (
        "test_cast_FLOAT16_to_FLOAT8E4M3FN",
        "test_cast_FLOAT8E4M3FN_to_FLOAT",
        "test_cast_FLOAT8E4M3FN_to_FLOAT16",
        "test_cast_FLOAT_to_FLOAT8E4M3FN",
        "test_cast_no_saturate_FLOAT16_to_FLOAT8E4M3FN",
        "test_cast_no_saturate_FLOAT_to_FLOAT8E4M3FN",
        "test_castlike_FLOAT16_to_FLOAT8E4M3FN_expanded",
        "test_castlike_FLOAT8E4M3FN_to_FLOAT16_expanded",
        "test_castlike_FLOAT8E4M3FN_to_FLOAT_expanded",
        "test_castlike_FLOAT_to_FLOAT8E4M3FN_expanded",
        "test_castlike_no_saturate_FLOAT16_to_FLOAT8E4M3FN_expanded",
        "test_castlike_no_saturate_FLOAT_to_FLOAT8E4M3FN_expanded",
    ),
    "has element type float8e4m3fnuz, which nn does not support": (
        "test_cast_FLOAT16_to_FLOAT8E4M3FNUZ",
        "test_cast_FLOAT8E4M3FNUZ_to_FLOAT",
        "test_cast_FLOAT8E4M3FNUZ_to_FLOAT16",
        "test_cast_FLOAT_to_FLOAT8E4M3FNUZ",
        "test_cast_no_saturate_FLOAT16_to_FLOAT8E4M3FNUZ",
        "test_cast_no_saturate_FLOAT_to_FLOAT8E4M3FNUZ",
        "test_castlike_FLOAT16_to_FLOAT8E4M3FNUZ_expanded",
        "test_castlike_FLOAT8E4M3FNUZ_to_FLOAT16_expanded",
        "test_castlike_FLOAT8E4M3FNUZ_to_FLOAT_expanded",
        "test_castlike_FLOAT_to_FLOAT8E4M3FNUZ_expanded",
        "test_castlike_no_saturate_FLOAT16_to_FLOAT8E4M3FNUZ_expanded",
        "test_castlike_no_saturate_FLOAT_to_FLOAT8E4M3FNUZ_expanded",
    ),
    "has element type float8e5m2, which nn does not support": (
        "test_cast_FLOAT16_to_FLOAT8E5M2",
        "test_cast_FLOAT8E5M2_to_FLOAT",
        "test_cast_FLOAT8E5M2_to_FLOAT16",
        "test_cast_FLOAT_to_FLOAT8E5M2",
        "test_cast_no_saturate_FLOAT16_to_FLOAT8E5M2",
        "test_cast_no_saturate_FLOAT_to_FLOAT8E5M2",
        "test_castlike_FLOAT16_to_FLOAT8E5M2_expanded",
        "test_castlike_FLOAT8E5M2_to_FLOAT16_expanded",
        "test_castlike_FLOAT8E5M2_to_FLOAT_expanded",
        "test_castlike_FLOAT_to_FLOAT8E5M2_expanded",
        "test_castlike_no_saturate_FLOAT16_to_FLOAT8E5M2_expanded",
        "test_castlike_no_saturate_FLOAT_to_FLOAT8E5M2_expanded",
    ),
    "has element type float8e5m2fnuz, which nn does not support": (
        "test_cast_FLOAT16_to_FLOAT8E5M2FNUZ",
        "test_cast_FLOAT8E5M2FNUZ_to_FLOAT",
        "test_cast_FLOAT8E5M2FNUZ_to_FLOAT16",
        "test_cast_FLOAT_to_FLOAT8E5M2FNUZ",
        "test_cast_no_saturate_FLOAT16_to_FLOAT8E5M2FNUZ",
        "test_cast_no_saturate_FLOAT_to_FLOAT8E5M2FNUZ",
        "test_castlike_FLOAT16_to_FLOAT8E5M2FNUZ_expanded",
        "test_castlike_FLOAT8E5M2FNUZ_to_FLOAT16_expanded",
        "test_castlike_FLOAT8E5M2FNUZ_to_FLOAT_expanded",
        "test_castlike_FLOAT_to_FLOAT8E5M2FNUZ_expanded",
        "test_castlike_no_saturate_FLOAT16_to_FLOAT8E5M2FNUZ_expanded",
        "test_castlike_no_saturate_FLOAT_to_FLOAT8E5M2FNUZ_expanded",
    ),
    "has element type int2, which nn does not support": (
        "test_cast_FLOAT16_to_INT2",
        "test_cast_FLOAT_to_INT2",
        "test_cast_INT2_to_FLOAT",
        "test_cast_INT2_to_FLOAT16",
        "test_cast_INT2_to_INT8",
        "test_castlike_FLOAT16_to_INT2_expanded",
        "test_castlike_FLOAT_to_INT2_expanded",
        "test_castlike_INT2_to_FLOAT16_expanded",
        "test_castlike_INT2_to_FLOAT_expanded",
        "test_castlike_INT2_to_INT8_expanded",
    ),
    "has element type int4, which nn does not support": (
        "test_cast_FLOAT16_to_INT4",
        "test_cast_FLOAT_to_INT4",
        "test_cast_INT4_to_FLOAT",
        "test_cast_INT4_to_FLOAT16",
        "test_cast_INT4_to_INT8",
        "test_castlike_FLOAT16_to_INT4_expanded",
        "test_castlike_FLOAT_to_INT4_expanded",
        "test_castlike_INT4_to_FLOAT16_expanded",
        "test_castlike_INT4_to_FLOAT_expanded",
        "test_castlike_INT4_to_INT8_expanded",
    ),
    "has element type uint2, which nn does not support": (
        "test_cast_FLOAT16_to_UINT2",
        "test_cast_FLOAT_to_UINT2",
        "test_cast_UINT2_to_FLOAT",
        "test_cast_UINT2_to_FLOAT16",
        "test_cast_UINT2_to_UINT8",
        "test_castlike_FLOAT16_to_UINT2_expanded",
        "test_castlike_FLOAT_to_UINT2_expanded",
        "test_castlike_UINT2_to_FLOAT16_expanded",
        "test_castlike_UINT2_to_FLOAT_expanded",
        "test_castlike_UINT2_to_UINT8_expanded",
    ),
    "has element type uint4, which nn does not support": (
        "test_cast_FLOAT16_to_UINT4",
        "test_cast_FLOAT_to_UINT4",
        "test_cast_UINT4_to_FLOAT",
        "test_cast_UINT4_to_FLOAT16",
        "test_cast_UINT4_to_UINT8",
        "test_castlike_FLOAT16_to_UINT4_expanded",
        "test_castlike_FLOAT_to_UINT4_expanded",
        "test_castlike_UINT4_to_FLOAT16_expanded",
        "test_castlike_UINT4_to_FLOAT_expanded",
        "test_castlike_UINT4_to_UINT8_expanded",
    ),
    "has element type float8e8m0, which nn does not support": (
        "test_cast_e8m0_FLOAT16_to_FLOAT8E8M0",
        "test_cast_e8m0_FLOAT8E8M0_to_FLOAT",
        "test_cast_e8m0_FLOAT8E8M0_to_FLOAT16",
        "test_cast_e8m0_FLOAT_to_FLOAT8E8M0",
    ),
    "ONNX operator Ceil is supported only on inputs known at import time": (
        "test_ceil",
        "test_ceil_example",
    ),
    "ONNX operator Less is supported only on inputs known at import time": (
        "test_clip_default_int8_max_expanded",
        "test_clip_default_int8_min_expanded",
        "test_clip_default_max_expanded",
        "test_clip_default_min_expanded",
        "test_clip_example_expanded",
        "test_clip_expanded",
        "test_clip_inbounds_expanded",
        "test_clip_min_greater_than_max_expanded",
        "test_clip_outbounds_expanded",
        "test_clip_splitbounds_expanded",
        "test_less",
        "test_less_bcast",
        "test_less_equal_bcast_expanded",
        "test_less_equal_expanded",
        "test_less_equal_int16_expanded",
        "test_less_equal_int8_expanded",
        "test_less_equal_uint8_expanded",
        "test_less_int16",
        "test_less_int8",
        "test_less_uint8",
    ),
    "opset 11 is not supported": (
        "test_dropout_default_old",
        "test_dropout_random_old",
    ),
    "ONNX operator Equal is supported only on inputs known at import time": (
        "test_equal",
        "test_equal_bcast",
        "test_equal_int16",
        "test_equal_int8",
        "test_equal_uint8",
    ),
    "has element type string, which nn does not support": (
        "test_equal_string",
        "test_equal_string_broadcast",
    ),
    "ONNX operator Floor is supported only on inputs known at import time": (
        "test_floor",
        "test_floor_example",
    ),
    "ONNX operator Greater is supported only on inputs known at import time": (
        "test_greater",
        "test_greater_bcast",
        "test_greater_equal_bcast_expanded",
        "test_greater_equal_expanded",
        "test_greater_equal_int16_expanded",
        "test_greater_equal_int8_expanded",
        "test_greater_equal_uint8_expanded",
        "test_greater_int16",
        "test_greater_int8",
        "test_greater_uint8",
    ),
    "is not a tensor (optional_type)": (
        "test_identity_opt",
    ),
    "is not a tensor (sequence_type)": (
        "test_identity_sequence",
    ),
    "only 1-D and 2-D max pools are supported": (
        "test_maxpool_3d_default",
        "test_maxpool_3d_dilations",
        "test_maxpool_3d_dilations_use_ref_impl",
        "test_maxpool_3d_dilations_use_ref_impl_large",
    ),
    "output 1 ('z') is not supported": (
        "test_maxpool_with_argmax_2d_precomputed_pads",
        "test_maxpool_with_argmax_2d_precomputed_strides",
    ),
    "opset 1 is not supported": (
        "test_not_2d",
        "test_not_3d",
        "test_not_4d",
    ),
    "training_mode input 't' must be known at import time": (
        "test_training_dropout",
        "test_training_dropout_default",
        "test_training_dropout_default_mask",
        "test_training_dropout_mask",
        "test_training_dropout_zero_ratio",
        "test_training_dropout_zero_ratio_mask",
    ),
    "ONNX operator Where is supported only on inputs known at import time": (
        "test_where_example",
        "test_where_long_example",
    ),
    "mode 'wrap' is not supported": (
        "test_wrap_pad",
    ),
}


def _load_cases() -> list[object]:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    return [
        case
        for case in cases
        if all(
            node.domain in ("", "ai.onnx") and node.op_type in CONVERTERS
            for node in case.model.graph.node  # type: ignore[attr-defined]
        )
    ]


CASES = {case.name: case for case in _load_cases()}  # type: ignore[attr-defined]
EXPECTED_ERROR = {name: text for text, names in REJECTED.items() for name in names}


def as_array(value: object) -> np.ndarray:
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    return np.asarray(value)


def parameter_inputs(graph: onnx.GraphProto) -> set[str]:
    """Graph inputs that a `PARAMETER_SLOTS` input is computed from."""
    producers = {name: node for node in graph.node for name in node.output}
    pending = [
        node.input[slot]
        for node in graph.node
        for slot in PARAMETER_SLOTS.get(node.op_type, ())
        if slot < len(node.input) and node.input[slot]
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        producer = producers.get(name)
        if producer is not None and producer.op_type not in SHAPE_READERS:
            pending.extend(i for i in producer.input if i)
    return seen & {i.name for i in graph.input}


def freeze(model: onnx.ModelProto, values: dict[str, np.ndarray]) -> onnx.ModelProto:
    """`model` with the graph inputs in `values` turned into initializers."""
    frozen = onnx.ModelProto()
    frozen.CopyFrom(model)
    kept = [i for i in frozen.graph.input if i.name not in values]
    del frozen.graph.input[:]
    frozen.graph.input.extend(kept)
    frozen.graph.initializer.extend(
        numpy_helper.from_array(array, name) for name, array in values.items()
    )
    return frozen


def check_outputs(
    case: object, got: dict[str, np.ndarray], expected: Sequence[object]
) -> None:
    graph = case.model.graph  # type: ignore[attr-defined]
    rtol = max(case.rtol, 1e-4)  # type: ignore[attr-defined]
    atol = max(case.atol, 1e-5)  # type: ignore[attr-defined]
    for output, want in zip(graph.output, expected):
        want = as_array(want)
        value = got[output.name]
        assert value.dtype == want.dtype, f"{output.name}: {value.dtype}, expected {want.dtype}"
        assert value.shape == want.shape, f"{output.name}: {value.shape}, expected {want.shape}"
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(value, want, err_msg=output.name)
        else:
            np.testing.assert_allclose(
                value.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol,
                equal_nan=True, err_msg=output.name,
            )


@pytest.mark.parametrize("name", sorted(CASES))
def test_node_case(name: str) -> None:
    case = CASES[name]
    model: onnx.ModelProto = case.model  # type: ignore[attr-defined]
    graph = model.graph
    initializers = {i.name for i in graph.initializer}
    input_names = [i.name for i in graph.input if i.name not in initializers]
    frozen_names = parameter_inputs(graph)
    for inputs, outputs in case.data_sets:  # type: ignore[attr-defined]
        values = dict(zip(input_names, (as_array(v) for v in inputs)))
        if frozen_names:
            with pytest.raises(UserError) as shipped:
                import_onnx(model)
            if name not in EXPECTED_ERROR:
                assert "known at import time" in str(shipped.value)
            model_under_test = freeze(model, {n: values.pop(n) for n in frozen_names})
        else:
            model_under_test = model
        if name in EXPECTED_ERROR:
            with pytest.raises(UserError) as error:
                import_onnx(model_under_test)
            assert EXPECTED_ERROR[name] in str(error.value)
            assert "\n" not in str(error.value)
            return
        module = import_onnx(model_under_test)
        check_outputs(case, run_function(module, values), outputs)


def test_rejection_list_names_selected_cases() -> None:
    unknown = sorted(set(EXPECTED_ERROR) - set(CASES))
    assert not unknown, f"REJECTED names cases that are not selected: {unknown}"
