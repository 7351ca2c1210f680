"""Print and parse a module with ~25 M f32 weights held as `dense_resource` blobs.

Run: python benchmarks/nn_large_constants.py [constants] [elements_per_constant]
Results are recorded in docs/nn_dialect.md.
"""

from __future__ import annotations

import sys
import time
from io import StringIO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.parser import Parser
from xdsl.printer import Printer

from npu_dialect import resources
from npu_dialect.builder import ModelBuilder
from npu_dialect.nn import NN, ConstantOp


def build(constants: int, elements: int) -> ModuleOp:
    rng = np.random.default_rng(0)
    b = ModelBuilder("weights")
    x = b.input("x", (elements,))
    total = x
    for _ in range(constants):
        total = b.add(total, b.constant(rng.standard_normal(elements, dtype=np.float32)))
    b.output("y", total)
    return b.build()


def main(constants: int = 50, elements: int = 500_000) -> None:
    start = time.perf_counter()
    module = build(constants, elements)
    built = time.perf_counter()
    stream = StringIO()
    printer = Printer(stream=stream)
    printer.print_op(module)
    printer.print_metadata([Builtin])
    text = stream.getvalue()
    printed = time.perf_counter()
    # Forget the blobs, as a fresh process would, so that parsing really decodes them.
    for op in module.walk():
        if isinstance(op, ConstantOp):
            key = op.value.resource_handle.data
            resources.STORAGE._blob_storage.pop(key, None)  # pyright: ignore[reportPrivateUsage]
            resources._decoded.pop(key, None)  # pyright: ignore[reportPrivateUsage]
    ctx = Context()
    for dialect in (Builtin, Func, NN):
        ctx.load_dialect(dialect)
    parsed = Parser(ctx, text).parse_module()
    parse_done = time.perf_counter()
    parsed.verify()
    verified = time.perf_counter()
    first = next(op for op in parsed.walk() if isinstance(op, ConstantOp)).array()
    decoded = time.perf_counter()
    print(f"parameters:   {constants * elements / 1e6:.1f} M f32 in {constants} constants")
    print(f"text:         {len(text) / 1e6:.0f} MB")
    print(f"build:        {built - start:.2f} s")
    print(f"print:        {printed - built:.2f} s")
    print(f"parse:        {parse_done - printed:.2f} s")
    print(f"verify:       {verified - parse_done:.2f} s")
    print(f"decode one:   {decoded - verified:.3f} s ({first.size} elements)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
