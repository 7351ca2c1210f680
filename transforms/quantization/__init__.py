"""Helpers of the `nn-quantize` pass: calibration (running the float model on sample
inputs and choosing ranges) and quantisation parameters (activation scales and zero
points, per-channel weights, requantisation multipliers)."""
