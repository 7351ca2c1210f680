"""The `nn` and `npu` dialects, the hardware description and tensor-data helpers."""
