"""The project's passes: one per file, registered here by name with a lazy getter."""

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Return the project's passes by name (upstream xDSL passes are not included)."""

    return {
        "nn-quantize": _nn_quantize,
        "nn-convert-precision": _nn_convert_precision,
        "nn-assign-layout": _nn_assign_layout,
        "nn-fuse-epilogue": _nn_fuse_epilogue,
        "convert-nn-to-npu": _convert_nn_to_npu,
        "npu-allocate": _npu_allocate,
        "npu-schedule": _npu_schedule,
        "npu-compile": _npu_compile,
    }


def _nn_quantize() -> type[ModulePass]:
    from transforms.nn_quantize import NNQuantizePass

    return NNQuantizePass


def _nn_convert_precision() -> type[ModulePass]:
    from transforms.nn_convert_precision import NNConvertPrecisionPass

    return NNConvertPrecisionPass


def _nn_assign_layout() -> type[ModulePass]:
    from transforms.nn_assign_layout import NNAssignLayoutPass

    return NNAssignLayoutPass


def _nn_fuse_epilogue() -> type[ModulePass]:
    from transforms.nn_fuse_epilogue import NNFuseEpiloguePass

    return NNFuseEpiloguePass


def _convert_nn_to_npu() -> type[ModulePass]:
    from transforms.convert_nn_to_npu import ConvertNNToNPUPass

    return ConvertNNToNPUPass


def _npu_schedule() -> type[ModulePass]:
    from transforms.npu_schedule import NPUSchedulePass

    return NPUSchedulePass


def _npu_allocate() -> type[ModulePass]:
    from transforms.npu_allocate import NPUAllocatePass

    return NPUAllocatePass


def _npu_compile() -> type[ModulePass]:
    from transforms.npu_compile import NPUCompilePass

    return NPUCompilePass
