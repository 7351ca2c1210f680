"""Calibration: run the float model on sample inputs and record each tensor's range.

The samples come from a `.npz` file keyed by input name (the function arguments'
`nn.name`), each array with a leading sample axis. The reference interpreter runs the
function once per sample with a listener that sees every op's results, so every float
SSA value of the function gets a `TensorStats`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter
from xdsl.ir import Operation, SSAValue

from interpreter.executor import argument_names, run_function
from npu_dialect.errors import UserError
from npu_dialect.nn import FusedOp
from npu_dialect.npz import read_npz
from npu_dialect.resources import numpy_dtype

SAMPLE_LIMIT = 1 << 18
"""Values kept per tensor for the percentile and entropy methods (a strided subset of
each sample when the samples hold more); minmax keeps none."""

METHODS = ("minmax", "percentile", "entropy")
HISTOGRAM_BINS = 2048
"""Bins of |x| for the entropy method (TensorRT's choice)."""


@dataclass
class TensorStats:
    """The values one tensor took over the calibration samples."""

    minimum: float = math.inf
    maximum: float = -math.inf
    kept: list[np.ndarray] = field(default_factory=list)

    def add(self, values: np.ndarray, per_sample_limit: int) -> None:
        """Record `values`, keeping at most `per_sample_limit` of them (0: none)."""
        flat = values.astype(np.float32, copy=False).ravel()
        flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            return
        self.minimum = min(self.minimum, float(flat.min()))
        self.maximum = max(self.maximum, float(flat.max()))
        if per_sample_limit > 0:
            step = max(1, -(-flat.size // per_sample_limit))
            self.kept.append(flat[::step].copy())

    def range(self, method: str, percentile: float, symmetric: bool) -> tuple[float, float]:
        """[low, high] to quantise, by `method` (see METHODS); with `symmetric`, the
        magnitude bound M as [-M, M]."""
        if self.minimum > self.maximum:
            return 0.0, 0.0
        if method == "minmax":
            low, high = self.minimum, self.maximum
        else:
            values = np.concatenate(self.kept)
            if method == "percentile":
                if symmetric:
                    bound = float(np.percentile(np.abs(values), percentile))
                    return -bound, bound
                low = float(np.percentile(values, 100.0 - percentile))
                high = float(np.percentile(values, percentile))
            else:
                bound = entropy_threshold(np.abs(values[values != 0]))
                low, high = max(self.minimum, -bound), min(self.maximum, bound)
        if symmetric:
            bound = max(-low, high)
            return -bound, bound
        return low, high


def entropy_threshold(magnitudes: np.ndarray, levels: int = 128) -> float:
    """The clipping threshold of |x| that minimises the KL divergence between the
    histogram of |x| and its `levels`-level quantisation (TensorRT's entropy
    calibration, Migacz, "8-bit Inference with TensorRT", GTC 2017)."""
    top = float(magnitudes.max()) if magnitudes.size else 0.0
    if top == 0.0:
        return 0.0
    histogram, edges = np.histogram(magnitudes, bins=HISTOGRAM_BINS, range=(0.0, top))
    histogram = histogram.astype(np.float64)
    best_bins, best_divergence = HISTOGRAM_BINS, math.inf
    for bins in range(levels, HISTOGRAM_BINS + 1, 16):
        # P: the histogram clipped at `bins`, the clipped mass added to the last bin;
        # Q: the first `bins` bins merged into `levels` chunks, each spread evenly
        # over the bins where P is non-zero.
        reference = histogram[:bins].copy()
        reference[-1] += histogram[bins:].sum()
        starts = np.linspace(0, bins, levels + 1).astype(np.int64)[:-1]
        occupied = reference > 0
        totals = np.add.reduceat(histogram[:bins], starts)
        counts = np.add.reduceat(occupied.astype(np.float64), starts)
        spread = np.divide(totals, counts, out=np.zeros_like(totals), where=counts > 0)
        candidate = np.repeat(spread, np.diff(np.append(starts, bins))) * occupied
        if candidate.sum() == 0:
            continue
        p = reference[occupied] / reference.sum()
        q = candidate[occupied] / candidate.sum()
        if not np.all(q > 0):
            continue
        divergence = float(np.sum(p * np.log(p / q)))
        if divergence < best_divergence:
            best_bins, best_divergence = bins, divergence
    return float(edges[best_bins])


def load_samples(
    path: str, func: FuncOp, what: str = "calibration file"
) -> list[dict[str, np.ndarray]]:
    """The samples of a calibration file (or another sample file: `what` names it in
    messages) for `func`, one input dict per sample.

    Raises UserError naming the file for a missing or unreadable file, keys that do
    not match the inputs, shapes without the leading sample axis or with differing
    sample counts, and non-numeric data. Float data converts to the input's float type.
    """
    where = f"{what} '{path}'"
    arrays = read_npz(path, where)
    names = argument_names(func)
    types = dict(zip(names, func.function_type.inputs.data, strict=True))
    unexpected = sorted(set(arrays) - set(names))
    if unexpected:
        raise UserError(
            f"{where}: no input named '{unexpected[0]}' (the inputs are {', '.join(names)})"
        )
    missing = [name for name in names if name not in arrays]
    if missing:
        raise UserError(f"{where}: input '{missing[0]}' is missing")
    counts: set[int] = set()
    converted: dict[str, np.ndarray] = {}
    for name in names:
        array, arg_type = arrays[name], types[name]
        assert isinstance(arg_type, TensorType)
        shape = tuple(arg_type.get_shape())
        if array.ndim != len(shape) + 1 or tuple(array.shape[1:]) != shape:
            got = "x".join(map(str, array.shape)) or "scalar"
            expected = "x".join(map(str, shape))
            raise UserError(
                f"{where}: input '{name}' has shape {got}, expected N x {expected} "
                "(a leading sample axis)"
            )
        dtype = numpy_dtype(arg_type.element_type)
        if array.dtype != dtype and not (array.dtype.kind == "f" and dtype.kind == "f"):
            raise UserError(f"{where}: input '{name}' has dtype {array.dtype}, expected {dtype}")
        counts.add(array.shape[0])
        converted[name] = array.astype(dtype, copy=False)
    if len(counts) > 1:
        raise UserError(f"{where}: the inputs have different sample counts {sorted(counts)}")
    count = counts.pop() if counts else 1
    if count == 0:
        raise UserError(f"{where}: holds no samples")
    return [{name: converted[name][index] for name in names} for index in range(count)]


class _StatsListener(Interpreter.Listener):
    def __init__(self, stats: dict[SSAValue, TensorStats], per_sample_limit: int):
        self.stats = stats
        self.per_sample_limit = per_sample_limit

    def did_interpret_op(self, op: Operation, results: tuple[object, ...]) -> None:
        for result, value in zip(op.results, results, strict=True):
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                self.stats.setdefault(result, TensorStats()).add(value, self.per_sample_limit)


def calibrate(
    module: ModuleOp,
    func: FuncOp,
    samples: list[dict[str, np.ndarray]],
    keep_values: bool = True,
) -> dict[SSAValue, TensorStats]:
    """Statistics of every float value of `func` (arguments and op results) over the
    samples, from the reference interpreter; without `keep_values` only the min and
    max (enough for the minmax method)."""
    stats: dict[SSAValue, TensorStats] = {}
    per_sample_limit = max(1, SAMPLE_LIMIT // len(samples)) if keep_values else 0
    listener = _StatsListener(stats, per_sample_limit)
    names = argument_names(func)
    for sample in samples:
        for name, argument in zip(names, func.body.block.args, strict=True):
            if sample[name].dtype.kind == "f":
                stats.setdefault(argument, TensorStats()).add(sample[name], per_sample_limit)
        run_function(module, sample, entry=func.sym_name.data, listeners=[listener])
    return stats


def entry_function(module: ModuleOp) -> FuncOp:
    """The function a pass quantises: the module's only function, else @main. Its ops
    must not be in `nn.fused` groups yet: the quantisers rewrite single ops."""
    func = _entry(module)
    if any(isinstance(op, FusedOp) for op in func.body.block.ops):
        raise UserError(
            f"@{func.sym_name.data} has nn.fused groups: change the precision before "
            "nn-fuse-epilogue"
        )
    return func


def _entry(module: ModuleOp) -> FuncOp:
    functions = [op for op in module.ops if isinstance(op, FuncOp) and op.body.blocks]
    if len(functions) == 1:
        return functions[0]
    for func in functions:
        if func.sym_name.data == "main":
            return func
    raise UserError("the module must have one function or a function @main")
