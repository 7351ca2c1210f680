"""`convert-nn-to-npu`: lower `nn` functions to NPU programs."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from npu_dialect.hardware import resolve_config
from transforms.lowering.function import FunctionLowering


@dataclass(frozen=True)
class ConvertNNToNPUPass(ModulePass):
    """Replaces every `func.func` of `nn` ops with an `npu.program` of the same name
    for the hardware description `config` (a preset or a `.toml` file; empty: the
    default): DRAM tensors for its inputs, outputs (keyed by `nn.name`), weights
    (re-laid out, data attached) and intermediates, and instructions on SRAM tiles
    chosen by a cost model, double-buffered, with conservative tokens and an `origin`
    naming the `nn` op each came from. Convolutions and products run on the matrix
    unit with their elementwise successors fused on the accumulator tile; the rest on
    the vector unit, by DMA, or on the host (`npu.host`). Conv and matmul operands
    must have a type the config's matrix unit takes (run `nn-convert-precision` or
    `nn-quantize` first). See docs/lowering.md."""

    name = "convert-nn-to-npu"

    config: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        config = resolve_config(self.config)
        config_name = self.config or config.name
        for func in [f for f in op.ops if isinstance(f, FuncOp)]:
            if not func.body.blocks:
                continue
            program = FunctionLowering(func, config_name, config).run()
            Rewriter.replace_op(func, program)
