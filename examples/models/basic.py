"""Small example models, one per family of operators the compiler must handle.

Each is written the way the PyTorch exporter would emit the corresponding
`torch.nn` module in eval mode (BatchNormalization kept as its own op), batch 1.
"""

from __future__ import annotations

import math

import numpy as np
import onnx

from .graph import GraphBuilder


def make_mlp() -> onnx.ModelProto:
    """784-256-128-10 perceptron on a flattened 28x28 image: Gemm, ReLU, Softmax."""
    b = GraphBuilder("mlp", seed=1, doc="Three-layer perceptron for 28x28 images.")
    x = b.input("input", (1, 784))
    for index, width in enumerate((256, 128)):
        x = b.relu(b.linear(x, width, name=f"fc{index + 1}"))
    x = b.softmax(b.linear(x, 10, name="fc3"), axis=1)
    b.output(x, "probabilities")
    return b.build()


def make_lenet5() -> onnx.ModelProto:
    """LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, 61,706 parameters."""
    b = GraphBuilder("lenet5", seed=2, doc="LeNet-5 on a 32x32 grey image.")
    x = b.input("input", (1, 1, 32, 32))
    x = b.max_pool(b.relu(b.conv(x, 6, 5, bias=True, name="conv1")), 2, stride=2)
    x = b.max_pool(b.relu(b.conv(x, 16, 5, bias=True, name="conv2")), 2, stride=2)
    x = b.flatten(x)
    x = b.relu(b.linear(x, 120, name="fc1"))
    x = b.relu(b.linear(x, 84, name="fc2"))
    b.output(b.linear(x, 10, name="fc3"), "logits")
    return b.build()


def basic_block(b: GraphBuilder, x: str, channels: int, stride: int, name: str) -> str:
    """torchvision's BasicBlock: two 3x3 conv-BN, projection shortcut on a shape change.

    The last BN of the branch gets a small scale (as zero-init-residual training
    drives it to), so the residual sum does not double the activation variance per
    block."""
    with b.scope(name):
        y = b.conv(x, channels, 3, stride=stride, padding=1, name="conv1")
        y = b.relu(b.batch_norm(y, name="bn1"))
        y = b.conv(y, channels, 3, padding=1, name="conv2")
        y = b.batch_norm(y, name="bn2", gamma=(0.2, 0.5))
        shortcut = x
        if stride != 1 or b.shapes[x][1] != channels:
            with b.scope("downsample"):
                shortcut = b.batch_norm(b.conv(x, channels, 1, stride=stride, name="0"), name="1")
        return b.relu(b.add(y, shortcut))


def make_resnet() -> onnx.ModelProto:
    """A CIFAR ResNet-14 (He et al., 2016, section 4.2): 16/32/64 channels, two
    basic blocks per stage, global average pooling and a linear classifier."""
    b = GraphBuilder("resnet", seed=3, doc="ResNet-14 for 32x32x3 CIFAR images.")
    x = b.input("input", (1, 3, 32, 32))
    x = b.relu(b.batch_norm(b.conv(x, 16, 3, padding=1, name="conv1"), name="bn1"))
    for stage, channels in enumerate((16, 32, 64)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            x = basic_block(b, x, channels, stride, f"layer{stage + 1}.{block}")
    x = b.flatten(b.global_avg_pool(x))
    b.output(b.linear(x, 10, name="fc"), "logits")
    return b.build()


def squeeze_excite(b: GraphBuilder, x: str, name: str) -> str:
    """MobileNetV3 squeeze-and-excitation: channel gates from pooled features."""
    channels = b.shapes[x][1]
    with b.scope(name):
        s = b.global_avg_pool(x)
        s = b.relu(b.conv(s, channels // 4, 1, bias=True, name="fc1"))
        s = b.conv(s, channels, 1, bias=True, name="fc2")
        gate = b.unary("HardSigmoid", s, alpha=1.0 / 6.0, beta=0.5)
        return b.mul(x, gate)


def inverted_residual_v3(
    b: GraphBuilder,
    x: str,
    expanded: int,
    out: int,
    kernel: int,
    stride: int,
    *,
    se: bool,
    activation: str,
    name: str,
) -> str:
    """MobileNetV3 bneck: 1x1 expand, kxk depthwise, optional SE, 1x1 project."""

    def act(value: str) -> str:
        return b.relu(value) if activation == "relu" else b.unary("HardSwish", value)

    channels = b.shapes[x][1]
    with b.scope(name):
        y = x
        if expanded != channels:
            y = act(b.batch_norm(b.conv(y, expanded, 1, name="expand"), name="expand_bn"))
        y = b.depthwise(y, kernel, stride=stride, padding=kernel // 2, name="dw")
        y = act(b.batch_norm(y, name="dw_bn"))
        if se:
            y = squeeze_excite(b, y, "se")
        y = b.batch_norm(b.conv(y, out, 1, name="project"), name="project_bn", gamma=(0.2, 0.5))
        if stride == 1 and channels == out:
            y = b.add(y, x)
        return y


def make_mobilenet() -> onnx.ModelProto:
    """A small MobileNetV3-style network (Howard et al., 2019) on 64x64 images:
    depthwise separable convolutions (3x3 and 5x5, stride 1 and 2), inverted
    residuals, squeeze-and-excitation, HardSwish and HardSigmoid."""
    b = GraphBuilder("mobilenet", seed=4, doc="MobileNetV3-style network for 64x64x3 images.")
    x = b.input("input", (1, 3, 64, 64))
    x = b.conv(x, 16, 3, stride=2, padding=1, name="stem")
    x = b.unary("HardSwish", b.batch_norm(x, name="stem_bn"))
    blocks = [
        # expanded, out, kernel, stride, se, activation
        (16, 16, 3, 2, True, "relu"),
        (48, 24, 3, 2, False, "relu"),
        (64, 24, 3, 1, False, "relu"),
        (96, 40, 5, 2, True, "hardswish"),
        (120, 40, 5, 1, True, "hardswish"),
    ]
    for index, (expanded, out, kernel, stride, se, activation) in enumerate(blocks):
        name = f"blocks.{index}"
        x = inverted_residual_v3(
            b, x, expanded, out, kernel, stride, se=se, activation=activation, name=name
        )
    x = b.unary("HardSwish", b.batch_norm(b.conv(x, 144, 1, name="head"), name="head_bn"))
    x = b.flatten(b.global_avg_pool(x))
    x = b.unary("HardSwish", b.linear(x, 128, name="classifier.0"))
    b.output(b.linear(x, 10, name="classifier.3"), "logits")
    return b.build()


SEQUENCE, WIDTH, HEADS, FFN_WIDTH = 32, 64, 4, 256


def _gelu_erf(b: GraphBuilder, x: str) -> str:
    """GELU as `torch.onnx.export` emits it below opset 20:
    x * (1 + erf(x / sqrt(2))) * 0.5."""
    with b.scope("gelu"):
        erf = b.unary("Erf", b.binary("Div", x, b.scalar("sqrt2", math.sqrt(2.0))))
        return b.mul(b.mul(x, b.add(erf, b.scalar("one", 1.0))), b.scalar("half", 0.5))


def _split_heads_shape(b: GraphBuilder, x: str) -> str:
    """The target shape [batch, seq, heads, head_dim] computed from `Shape(x)`,
    the way exporters trace `x.view(x.size(0), x.size(1), heads, -1)`."""
    with b.scope("heads_shape"):
        shape = b.node("Shape", [x], (3,), layer=b.layer_path(None, "shape"))
        dims = []
        for axis in (0, 1):
            index = b.constant(b.layer_path(None, f"axis{axis}"), np.array(axis, np.int64))
            dim = b.node("Gather", [shape, index], (), layer=b.layer_path(None, "gather"), axis=0)
            axes = b.constant(b.layer_path(None, "axes"), np.array([0], np.int64))
            unsqueeze = b.layer_path(None, "unsqueeze")
            dims.append(b.node("Unsqueeze", [dim, axes], (1,), layer=unsqueeze))
        heads = b.constant(b.layer_path(None, "heads"), np.array([HEADS], np.int64))
        head_dim = b.constant(b.layer_path(None, "head_dim"), np.array([WIDTH // HEADS], np.int64))
        concat = b.layer_path(None, "concat")
        return b.node("Concat", [*dims, heads, head_dim], (4,), layer=concat, axis=0)


def _attention(b: GraphBuilder, x: str) -> str:
    """Multi-head self-attention as MatMul/Reshape/Transpose/Softmax."""
    seq, head_dim = SEQUENCE, WIDTH // HEADS
    with b.scope("attn"):
        projection_std = 1.0 / math.sqrt(WIDTH)
        q = b.dense(x, WIDTH, std=projection_std, name="q")
        k = b.dense(x, WIDTH, std=projection_std, name="k")
        v = b.dense(x, WIDTH, std=projection_std, name="v")
        heads_shape = _split_heads_shape(b, x)
        split = (1, seq, HEADS, head_dim)
        q = b.transpose(b.reshape(q, heads_shape, split), (0, 2, 1, 3))
        k = b.transpose(b.reshape(k, heads_shape, split), (0, 2, 3, 1))
        v = b.transpose(b.reshape(v, heads_shape, split), (0, 2, 1, 3))
        scores = b.binary("Div", b.matmul(q, k), b.scalar("scale", math.sqrt(head_dim)))
        context = b.matmul(b.softmax(scores, axis=-1), v)
        context = b.reshape(b.transpose(context, (0, 2, 1, 3)), (1, seq, -1), (1, seq, WIDTH))
        return b.dense(context, WIDTH, std=projection_std, name="out")


def _encoder_layer(b: GraphBuilder, x: str, gelu_op: bool) -> str:
    """A post-norm encoder layer (`torch.nn.TransformerEncoderLayer`, BERT)."""
    x = b.layer_norm(b.add(x, _attention(b, x)), name="norm1")
    with b.scope("ffn"):
        h = b.dense(x, FFN_WIDTH, name="linear1")
        h = b.unary("Gelu", h, approximate="tanh") if gelu_op else _gelu_erf(b, h)
        h = b.dense(h, WIDTH, std=1.0 / math.sqrt(FFN_WIDTH), name="linear2")
    return b.layer_norm(b.add(x, h), name="norm2")


def make_transformer() -> onnx.ModelProto:
    """One transformer encoder layer at opset 17: 32 tokens of width 64, 4 heads,
    FFN width 256, LayerNormalization, GELU decomposed through Erf."""
    b = GraphBuilder("transformer", seed=5, opset=17, doc="Transformer encoder layer (post-norm).")
    x = b.input("tokens", (1, SEQUENCE, WIDTH))
    b.output(_encoder_layer(b, x, gelu_op=False), "hidden")
    return b.build()


def make_transformer_opset20() -> onnx.ModelProto:
    """The same encoder layer at opset 20, where GELU is one `Gelu` op (tanh form)."""
    b = GraphBuilder(
        "transformer_opset20", seed=6, opset=20, doc="Transformer encoder layer, opset 20."
    )
    x = b.input("tokens", (1, SEQUENCE, WIDTH))
    b.output(_encoder_layer(b, x, gelu_op=True), "hidden")
    return b.build()
