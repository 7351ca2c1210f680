"""Front-ends that turn models from other frameworks into `nn` dialect modules."""

from npu_frontend.onnx_import import import_onnx, load_model

__all__ = ["import_onnx", "load_model"]
