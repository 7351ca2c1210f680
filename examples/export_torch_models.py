"""Export two small PyTorch models to ONNX with both torch.onnx exporters.

    python examples/export_torch_models.py [OUT_DIR]

writes `cnn_legacy.onnx`, `cnn_dynamo.onnx`, `attention_legacy.onnx` and
`attention_dynamo.onnx` (default OUT_DIR: ./torch_models) and prints how long each
export took. `cnn` is conv, batch norm, relu, max pool, flatten and linear;
`attention` is a single-head self-attention block with layer norm and GELU. The
legacy exporter is `dynamo=False` (TorchScript tracing); the dynamo exporter
(`dynamo=True`) needs `onnxscript`. Both need torch, which is not a dependency of
the package: `pip install torch onnxscript`. tests/test_torch_export.py imports
these files with `npu-import` and compares them with onnxruntime.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

OPSET = 18


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1, groups=2)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        x = torch.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


class AttentionBlock(nn.Module):
    """Pre-norm transformer block; the head split reads the input's shape, so the
    exporters emit Shape/Gather/Concat/Reshape chains."""

    def __init__(self, dim: int = 32, heads: int = 2, hidden: int = 64) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        self.scale = (dim // heads) ** -0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(batch, tokens, 3, self.heads, dim // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        attention = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        mixed = (attention @ v).transpose(1, 2).reshape(batch, tokens, dim)
        x = x + self.proj(mixed)
        return x + self.mlp(self.norm2(x))


MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "cnn": (SmallCNN, (1, 3, 16, 16)),
    "attention": (AttentionBlock, (2, 8, 32)),
}
"""Model name -> (constructor, input shape)."""


def build(name: str) -> tuple[nn.Module, torch.Tensor]:
    """The model in eval mode with seeded weights (batch-norm statistics made
    non-trivial), and a seeded example input."""
    make, shape = MODELS[name]
    torch.manual_seed(0)
    model = make().eval()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    return model, torch.randn(shape)


def export(name: str, dynamo: bool, path: Path) -> float:
    """Export model `name` to `path` with a dynamic batch dimension (as deployed
    models usually are; `npu-import --input-shape` fixes it). Returns the seconds
    the export took."""
    model, example = build(name)
    if dynamo:
        dynamic = {"dynamic_shapes": ({0: torch.export.Dim("batch")},)}
    else:
        dynamic = {"dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}}}
    start = time.perf_counter()
    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=["input"],
        output_names=["output"],
        opset_version=OPSET,
        dynamo=dynamo,
        external_data=False,
        **dynamic,
    )
    return time.perf_counter() - start


def main(out_dir: str = "torch_models") -> None:
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        for dynamo in (False, True):
            path = directory / f"{name}_{'dynamo' if dynamo else 'legacy'}.onnx"
            seconds = export(name, dynamo, path)
            print(f"{path}: exported in {seconds:.2f} s")


if __name__ == "__main__":
    main(*sys.argv[1:])
