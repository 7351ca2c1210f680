"""Quantisation parameters: activation scales and zero points, int8 weights, and the
integer multipliers that requantise between them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.ir import SSAValue

from interpreter.kernels.quant import quantize_multiplier
from npu_dialect import nn

QMIN, QMAX = -128, 127
"""The int8 range of activations."""
WIDE_STEPS = 256
"""Steps of a wide (i32) result per step of its int8 form: 16 significant bits over
the calibrated range, and no saturation outside it."""
WEIGHT_MAX = 127
"""Weights are symmetric in [-127, 127], so that -w is always representable."""
CLIP_RATIOS = np.linspace(1.0, 0.5, 26)
"""Candidate clipping points of a weight channel, as fractions of its largest magnitude."""


@dataclass(frozen=True)
class QuantParams:
    """real = scale * (q - zero_point), q in int8; `scale` is an f32 value."""

    scale: float
    zero_point: int

    @staticmethod
    def from_range(low: float, high: float, symmetric: bool) -> QuantParams:
        """Parameters whose int8 grid covers [low, high] and holds 0 exactly.

        Asymmetric: the 256 steps span [min(low, 0), max(high, 0)]. Symmetric: zero
        point 0 and 127 steps up to max(|low|, |high|) (TFLite's convention). An
        empty range (a tensor that is always 0) gets scale 1.
        """
        low, high = min(float(low), 0.0), max(float(high), 0.0)
        if symmetric:
            magnitude = max(-low, high)
            return QuantParams(_f32_scale(magnitude / QMAX), 0)
        scale = _f32_scale((high - low) / (QMAX - QMIN))
        zero_point = int(np.clip(round(QMIN - low / scale), QMIN, QMAX))
        return QuantParams(scale, zero_point)

    def quantize_real(self, value: float, bounds: tuple[int, int] = (QMIN, QMAX)) -> int:
        """The integer nearest `value` (for clamp bounds), saturated to `bounds`."""
        return int(np.clip(np.rint(value / self.scale) + self.zero_point, *bounds))

    def widened(self) -> QuantParams:
        """The parameters of the wide (i32) form of this tensor: zero point 0 and
        WIDE_STEPS steps per int8 step."""
        return QuantParams(float(np.float32(self.scale / WIDE_STEPS)), 0)


def _f32_scale(scale: float) -> float:
    scale = float(np.float32(scale))
    return scale if scale > 0 and np.isfinite(scale) else 1.0


def quantize_weights(weight: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel symmetric int8 weights along `axis`: (int8 weights, float64 scales).

    Each channel's scale is the one of CLIP_RATIOS x max|w| / 127 with the smallest
    squared rounding error (clipping a few outliers for a finer step, as an MSE
    observer does); an all-zero channel gets scale 1.
    """
    weight = np.moveaxis(weight.astype(np.float64), axis, 0)
    channels = weight.reshape(weight.shape[0], -1)
    magnitude = np.abs(channels).max(axis=1, initial=0.0)
    best_scales = np.where(magnitude > 0, magnitude / WEIGHT_MAX, 1.0)
    best_error = np.full(len(channels), np.inf)
    for ratio in CLIP_RATIOS:
        scales = np.where(magnitude > 0, ratio * magnitude / WEIGHT_MAX, 1.0)
        levels = np.clip(np.rint(channels / scales[:, None]), -WEIGHT_MAX, WEIGHT_MAX)
        error = np.sum((levels * scales[:, None] - channels) ** 2, axis=1)
        better = error < best_error
        best_scales = np.where(better, scales, best_scales)
        best_error = np.where(better, error, best_error)
    quantized = np.clip(np.rint(channels / best_scales[:, None]), -WEIGHT_MAX, WEIGHT_MAX)
    quantized = np.moveaxis(quantized.reshape(weight.shape), 0, axis)
    return quantized.astype(np.int8), best_scales


def quantize_bias(bias: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """int32 bias at the accumulator's scales (input scale x weight scale), saturated."""
    info = np.iinfo(np.int32)
    return np.clip(np.rint(bias.astype(np.float64) / scales), info.min, info.max)


def multipliers(reals: np.ndarray) -> tuple[list[int], list[int]]:
    """TOSA (multiplier, shift) lists for real requantisation scales; one entry when
    all channels agree."""
    pairs = [quantize_multiplier(float(real)) for real in np.atleast_1d(reals)]
    if all(pair == pairs[0] for pair in pairs):
        pairs = pairs[:1]
    return [m for m, _ in pairs], [s for _, s in pairs]


TRANSPARENT_OPS: tuple[type[nn.NNOperation], ...] = (
    nn.ReshapeOp,
    nn.FlattenOp,
    nn.SqueezeOp,
    nn.UnsqueezeOp,
    nn.TransposeOp,
    nn.SliceOp,
    nn.MaxPool2DOp,
)
"""Ops that move or select int8 values without changing their meaning: they run on
the int8 tensor and keep its parameters."""


def params_of(value: SSAValue) -> QuantParams | None:
    """The parameters of an int8 value of a quantised module: from the op that made
    it (`nn.quantize`, `nn.requantize`/`nn.qadd` with `output_scale`), looking through
    the ops of `TRANSPARENT_OPS` and `nn.clamp`; None when they are not recorded."""
    owner = value.owner
    while isinstance(owner, (*TRANSPARENT_OPS, nn.ClampOp)):
        owner = owner.operands[0].owner
    if isinstance(owner, nn.QuantizeOp):
        return QuantParams(owner.scale.value.data, owner.zero_point.value.data)
    if isinstance(owner, (nn.RequantizeOp, nn.QAddOp)) and owner.output_scale is not None:
        return QuantParams(owner.output_scale.value.data, owner.output_zp.value.data)
    return None
