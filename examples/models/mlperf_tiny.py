"""The four MLPerf Tiny v0.5+ reference models (Banbury et al., "MLPerf Tiny
Benchmark", NeurIPS Datasets and Benchmarks 2021), with the layer structure of
the reference Keras code in github.com/mlcommons/tiny:

- image classification: `resnet_v1_eembc` in
  benchmark/training/image_classification/keras_model.py
- keyword spotting: the `ds_cnn` branch of
  v0.1/training/keyword_spotting/keras_model.py
- visual wake words: `mobilenet_v1` in v0.1/benchmarks/visual_wake_words/vww_model.py
- anomaly detection: `get_model` in v0.1/benchmarks/anomaly_detection/keras_model.py

They are written as tf2onnx exports them, except that activations are NCHW:
Keras defaults are kept (convolutions and depthwise convolutions with a bias,
BatchNormalization epsilon 1e-3, `padding='same'` as explicit, possibly
asymmetric pads, `Dense` as MatMul + Add). Dropout is the identity at inference
and is left out. Weights are seeded, not trained.
"""

from __future__ import annotations

import onnx

from .graph import GraphBuilder, Pair

KERAS_EPSILON = 1e-3


def _conv_bn_relu(
    b: GraphBuilder, x: str, channels: int, kernel: int | Pair, stride: int, name: str
) -> str:
    y = b.conv(x, channels, kernel, stride=stride, padding="same", bias=True, name=name)
    return b.relu(b.batch_norm(y, epsilon=KERAS_EPSILON, name=f"{name}_bn"))


def _depthwise_bn_relu(b: GraphBuilder, x: str, stride: int, name: str) -> str:
    y = b.depthwise(x, 3, stride=stride, padding="same", bias=True, name=name)
    return b.relu(b.batch_norm(y, epsilon=KERAS_EPSILON, name=f"{name}_bn"))


def make_resnet8() -> onnx.ModelProto:
    """Image classification (CIFAR-10): ResNet-8 with 16/32/64 filters, a 1x1
    strided convolution on the shortcut of stacks 2 and 3, average pooling over
    the final 8x8 map and a softmax classifier over 10 classes."""
    b = GraphBuilder("resnet8", seed=801, doc="MLPerf Tiny image classification (ResNet-8).")
    x = b.input("input", (1, 3, 32, 32))
    x = _conv_bn_relu(b, x, 16, 3, 1, "conv")
    for stack, filters in enumerate((16, 32, 64)):
        stride = 1 if stack == 0 else 2
        with b.scope(f"stack{stack + 1}"):
            y = _conv_bn_relu(b, x, filters, 3, stride, "conv1")
            y = b.conv(y, filters, 3, padding="same", bias=True, name="conv2")
            y = b.batch_norm(y, epsilon=KERAS_EPSILON, name="conv2_bn")
            if stack > 0:
                x = b.conv(x, filters, 1, stride=stride, padding="same", bias=True, name="shortcut")
            x = b.relu(b.add(x, y))
    x = b.flatten(b.avg_pool(x, 8, stride=8))
    b.output(b.softmax(b.dense(x, 10, name="dense"), axis=1), "probabilities")
    return b.build()


def make_ds_cnn() -> onnx.ModelProto:
    """Keyword spotting (Speech Commands, 12 classes): DS-CNN on 49x10 MFCC
    features: a 10x4 stride-2 convolution with 64 filters, four depthwise
    separable blocks, 25x5 average pooling and a softmax classifier."""
    b = GraphBuilder("ds_cnn", seed=802, doc="MLPerf Tiny keyword spotting (DS-CNN).")
    x = b.input("mfcc", (1, 1, 49, 10))
    x = _conv_bn_relu(b, x, 64, (10, 4), 2, "conv")
    for block in range(4):
        with b.scope(f"block{block + 1}"):
            x = _depthwise_bn_relu(b, x, 1, "depthwise")
            x = _conv_bn_relu(b, x, 64, 1, 1, "pointwise")
    x = b.flatten(b.avg_pool(x, (25, 5), stride=(25, 5)))
    b.output(b.softmax(b.dense(x, 12, name="dense"), axis=1), "probabilities")
    return b.build()


def make_mobilenet_v1_025() -> onnx.ModelProto:
    """Visual wake words (person / no person): MobileNetV1 with width 0.25 on
    96x96x3 images: a stride-2 convolution with 8 filters, 13 depthwise
    separable layers up to 256 channels, 3x3 average pooling, softmax over 2."""
    b = GraphBuilder(
        "mobilenet_v1_025", seed=803, doc="MLPerf Tiny visual wake words (MobileNetV1 0.25)."
    )
    x = b.input("image", (1, 3, 96, 96))
    x = _conv_bn_relu(b, x, 8, 3, 2, "conv")
    # (stride of the depthwise conv, filters of the pointwise conv) per layer 2..14
    layers = [(1, 16), (2, 32), (1, 32), (2, 64), (1, 64), (2, 128)]
    layers += [(1, 128)] * 5 + [(2, 256), (1, 256)]
    for index, (stride, filters) in enumerate(layers):
        with b.scope(f"layer{index + 2}"):
            x = _depthwise_bn_relu(b, x, stride, "depthwise")
            x = _conv_bn_relu(b, x, filters, 1, 1, "pointwise")
    x = b.flatten(b.avg_pool(x, 3, stride=3))
    b.output(b.softmax(b.dense(x, 2, name="dense"), axis=1), "probabilities")
    return b.build()


def make_fc_autoencoder() -> onnx.ModelProto:
    """Anomaly detection (ToyADMOS): a fully connected autoencoder on 640
    features (5 frames of 128 log-mel bands): four 128-unit layers, an 8-unit
    bottleneck, four 128-unit layers, each Dense + BatchNormalization + ReLU,
    and a linear 640-unit reconstruction."""
    b = GraphBuilder(
        "fc_autoencoder", seed=804, doc="MLPerf Tiny anomaly detection (FC autoencoder)."
    )
    x = b.input("features", (1, 640))
    for index, units in enumerate((128, 128, 128, 128, 8, 128, 128, 128, 128)):
        y = b.dense(x, units, name=f"dense{index + 1}")
        x = b.relu(b.batch_norm(y, epsilon=KERAS_EPSILON, name=f"dense{index + 1}_bn"))
    b.output(b.dense(x, 640, name="reconstruction"), "reconstruction")
    return b.build()
