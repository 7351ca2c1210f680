"""The project's dialects, passes and targets, as one xDSL `Universe`.

Registered under the `xdsl.universe` entry point, so plain `xdsl-opt` loads them too.
"""

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.universe import Universe
from xdsl.utils.target import Target

from transforms import get_all_passes


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    def get_nn() -> Dialect:
        from npu_dialect.nn import NN

        return NN

    def get_npu() -> Dialect:
        from npu_dialect.npu import NPU

        return NPU

    return {"nn": get_nn, "npu": get_npu}


PROGRAM_SUFFIXES = (".npuasm", ".npubin")
"""File name endings of NPU programs written by the npu-asm and npu-bin targets."""


def get_all_targets() -> dict[str, Callable[[], type[Target]]]:
    def get_asm() -> type[Target]:
        from npu_dialect.targets import NpuAsmTarget

        return NpuAsmTarget

    def get_bin() -> type[Target]:
        from npu_dialect.targets import NpuBinTarget

        return NpuBinTarget

    return {"npu-asm": get_asm, "npu-bin": get_bin}


NPU_UNIVERSE = Universe(
    all_dialects=get_all_dialects(),
    all_passes=get_all_passes(),
    all_targets=get_all_targets(),
)
