// RUN: %python %inputs/onnx_graphs.py activations %t.onnx
// RUN: npu-import %t.onnx | filecheck %s

// Clip with known bounds is nn.clamp (a missing bound is infinite); variadic Max is
// a chain; one-input Min and inference Dropout forward their input.

// CHECK:      %[[R6:.*]] = nn.clamp %{{.*}} {min = 0.000000e+00 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT: %[[UP:.*]] = nn.clamp %[[R6]] {min = 0xff800000 : f32, max = 6.000000e+00 : f32}
// CHECK-NEXT: %[[M0:.*]] = nn.max %[[UP]], %[[X:.*]] :
// CHECK-NEXT: %[[M1:.*]] = nn.max %[[M0]], %[[X2:.*]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %[[HS:.*]] = nn.hard_swish %[[M1]]
// CHECK-NEXT: %[[G:.*]] = nn.gelu %[[HS]] {approximate = "tanh"}
// CHECK-NEXT: func.return %[[G]]
