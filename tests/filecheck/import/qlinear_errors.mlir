// Quantised operators the importer cannot represent end in one line naming the node.

// RUN: rm -rf %t && mkdir %t
// RUN: %python %inputs/onnx_quant_graphs.py qlinear_conv_wide_weights %t/wide.onnx
// RUN: not npu-import %t/wide.onnx 2>&1 | filecheck %s --check-prefix=WIDE
// WIDE: npu-import: error: {{.*}}wide.onnx: node 'conv' (QLinearConv): w minus its zero point does not fit int8 (the NPU's weight type)
// WIDE-EMPTY:

// RUN: %python %inputs/onnx_quant_graphs.py qlinear_conv_runtime_weights %t/runtime.onnx
// RUN: not npu-import %t/runtime.onnx 2>&1 | filecheck %s --check-prefix=RUNTIME
// RUNTIME: npu-import: error: {{.*}}runtime.onnx: node 'conv' (QLinearConv): w input 'w_q' must be known at import time, but it is computed from the graph inputs

// RUN: %python %inputs/onnx_quant_graphs.py quantize_per_axis %t/axis.onnx
// RUN: not npu-import %t/axis.onnx 2>&1 | filecheck %s --check-prefix=AXIS
// AXIS: npu-import: error: {{.*}}axis.onnx: node 'q' (QuantizeLinear): y_scale must be one value (per tensor) here, got 2 values

// RUN: %python %inputs/onnx_quant_graphs.py unknown_microsoft_op %t/concat.onnx
// RUN: not npu-import %t/concat.onnx 2>&1 | filecheck %s --check-prefix=UNKNOWN
// UNKNOWN: npu-import: error: {{.*}}concat.onnx: node 'concat' (QLinearConcat): unsupported ONNX operator com.microsoft.QLinearConcat
