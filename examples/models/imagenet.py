"""ImageNet classifiers with torchvision's exact layer structure (and so its exact
parameter counts), at 224x224x3 with 1000 classes, weights seeded rather than
trained. BatchNormalization stays a separate op (an eval-mode export without
constant folding), so importer and fusion passes see it."""

from __future__ import annotations

import onnx

from .basic import basic_block
from .graph import GraphBuilder


def bottleneck(b: GraphBuilder, x: str, width: int, stride: int, name: str) -> str:
    """torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 conv)."""
    out = width * 4
    with b.scope(name):
        y = b.relu(b.batch_norm(b.conv(x, width, 1, name="conv1"), name="bn1"))
        y = b.conv(y, width, 3, stride=stride, padding=1, name="conv2")
        y = b.relu(b.batch_norm(y, name="bn2"))
        y = b.batch_norm(b.conv(y, out, 1, name="conv3"), name="bn3", gamma=(0.2, 0.5))
        shortcut = x
        if stride != 1 or b.shapes[x][1] != out:
            with b.scope("downsample"):
                shortcut = b.batch_norm(b.conv(x, out, 1, stride=stride, name="0"), name="1")
        return b.relu(b.add(y, shortcut))


def _resnet(name: str, seed: int, blocks: tuple[int, ...], use_bottleneck: bool) -> onnx.ModelProto:
    b = GraphBuilder(name, seed=seed, doc=f"torchvision {name} structure (He et al., 2016).")
    x = b.input("input", (1, 3, 224, 224))
    x = b.relu(b.batch_norm(b.conv(x, 64, 7, stride=2, padding=3, name="conv1"), name="bn1"))
    x = b.max_pool(x, 3, stride=2, padding=1)
    for stage, (count, width) in enumerate(zip(blocks, (64, 128, 256, 512))):
        for block in range(count):
            stride = 2 if stage > 0 and block == 0 else 1
            block_name = f"layer{stage + 1}.{block}"
            if use_bottleneck:
                x = bottleneck(b, x, width, stride, block_name)
            else:
                x = basic_block(b, x, width, stride, block_name)
    x = b.flatten(b.global_avg_pool(x))
    b.output(b.linear(x, 1000, name="fc"), "logits")
    return b.build()


def make_resnet18() -> onnx.ModelProto:
    """ResNet-18: basic blocks [2, 2, 2, 2], 11,689,512 parameters."""
    return _resnet("resnet18", 18, (2, 2, 2, 2), use_bottleneck=False)


def make_resnet50() -> onnx.ModelProto:
    """ResNet-50: bottleneck blocks [3, 4, 6, 3], 25,557,032 parameters."""
    return _resnet("resnet50", 50, (3, 4, 6, 3), use_bottleneck=True)


def inverted_residual_v2(
    b: GraphBuilder, x: str, expansion: int, out: int, stride: int, name: str
) -> str:
    """MobileNetV2 block: 1x1 expand + ReLU6, 3x3 depthwise + ReLU6, linear 1x1
    projection, identity shortcut when the shape is unchanged."""
    channels = b.shapes[x][1]
    with b.scope(name):
        y = x
        if expansion != 1:
            y = b.conv(y, channels * expansion, 1, name="conv.0.0")
            y = b.relu6(b.batch_norm(y, name="conv.0.1"))
        y = b.depthwise(y, 3, stride=stride, padding=1, name="conv.1.0")
        y = b.relu6(b.batch_norm(y, name="conv.1.1"))
        y = b.batch_norm(b.conv(y, out, 1, name="conv.2"), name="conv.3", gamma=(0.2, 0.5))
        if stride == 1 and channels == out:
            y = b.add(x, y)
        return y


def make_mobilenetv2() -> onnx.ModelProto:
    """MobileNetV2 (Sandler et al., 2018), width 1.0: 3,504,872 parameters."""
    b = GraphBuilder("mobilenetv2", seed=2018, doc="torchvision mobilenet_v2 structure.")
    x = b.input("input", (1, 3, 224, 224))
    x = b.conv(x, 32, 3, stride=2, padding=1, name="features.0.0")
    x = b.relu6(b.batch_norm(x, name="features.0.1"))
    settings = [
        # expansion t, channels c, repeats n, first stride s (the paper's Table 2)
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]
    index = 1
    for expansion, channels, repeats, first_stride in settings:
        for repeat in range(repeats):
            stride = first_stride if repeat == 0 else 1
            x = inverted_residual_v2(b, x, expansion, channels, stride, f"features.{index}")
            index += 1
    x = b.conv(x, 1280, 1, name=f"features.{index}.0")
    x = b.relu6(b.batch_norm(x, name=f"features.{index}.1"))
    x = b.flatten(b.global_avg_pool(x))
    b.output(b.linear(x, 1000, name="classifier.1"), "logits")
    return b.build()
