"""nn-assign-layout end to end: the same numbers in any layout, far fewer DRAM runs.

The pass's IR output and diagnostics are checked in
tests/filecheck/transforms/nn_assign_layout*.mlir; stage-by-stage equality with the
pass in the pipeline in tests/test_pipeline.py. Here: compiled with the assigned
layouts and with every tensor row-major, real models give bit-identical simulated
outputs, and the assigned layouts turn single-element DRAM accesses into long runs.
"""

from __future__ import annotations

import pytest

from benchmarks.layout_assignment import compare, contiguous_runs


def test_contiguous_runs() -> None:
    assert contiguous_runs((4, 8), (8, 1)) == 1  # one dense block
    assert contiguous_runs((4, 8), (16, 1)) == 4  # rows of a wider tensor
    assert contiguous_runs((3, 3, 16), (1, 24, 36)) == 144  # NCHW window: elements
    assert contiguous_runs((3, 3, 16), (96, 16, 1)) == 3  # NHWC window: one run a row
    assert contiguous_runs((1, 5, 1), (7, 1, 3)) == 1  # unit dims do not break a run


@pytest.mark.parametrize(("name", "precision"), [("lenet5", "int8"), ("resnet8", "bf16")])
def test_layouts_change_access_not_numbers(name: str, precision: str) -> None:
    row = compare(name, "npu-base", precision)
    assigned, row_major = row["assigned"], row["row_major"]
    assert isinstance(assigned, dict) and isinstance(row_major, dict)
    assert row["identical"]
    assert assigned["descriptors"] == row_major["descriptors"]
    assert assigned["runs"] * 10 < row_major["runs"]
    assert assigned["mean_run_bytes"] > 10 * row_major["mean_run_bytes"]
