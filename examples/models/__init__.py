"""The example models: `MODELS` maps each name to a function returning its
`onnx.ModelProto` (static shapes, batch 1, seeded weights, checked).

Import as `examples.models` with the repository root on `sys.path`
(tests/conftest.py and the scripts in examples/ arrange that).
"""

from __future__ import annotations

from collections.abc import Callable

import onnx

from .basic import (
    make_lenet5,
    make_mlp,
    make_mobilenet,
    make_resnet,
    make_transformer,
    make_transformer_opset20,
)
from .imagenet import make_mobilenetv2, make_resnet18, make_resnet50
from .mlperf_tiny import make_ds_cnn, make_fc_autoencoder, make_mobilenet_v1_025, make_resnet8

MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "mlp": make_mlp,
    "lenet5": make_lenet5,
    "resnet": make_resnet,
    "mobilenet": make_mobilenet,
    "transformer": make_transformer,
    "transformer_opset20": make_transformer_opset20,
    "resnet8": make_resnet8,
    "ds_cnn": make_ds_cnn,
    "mobilenet_v1_025": make_mobilenet_v1_025,
    "fc_autoencoder": make_fc_autoencoder,
    "resnet18": make_resnet18,
    "resnet50": make_resnet50,
    "mobilenetv2": make_mobilenetv2,
}

LARGE_MODELS = ("resnet18", "resnet50", "mobilenetv2")
"""ImageNet-sized models: seconds to build, minutes to interpret."""
