// RUN: npu-opt %s -p cse,dce | filecheck %s

// nn ops are Pure: upstream cse merges identical ops and dce drops unused ones.

// CHECK-LABEL: func.func @pure(
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<2.000000e+00> : tensor<3xf32>
// CHECK-NEXT:    %[[M:.*]] = nn.mul %{{.*}}, %[[W]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.add %[[M]], %[[M]] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[S]] : tensor<2x3xf32>
func.func @pure(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = nn.constant dense<2.0> : tensor<3xf32>
  %w2 = nn.constant dense<2.0> : tensor<3xf32>
  %a = nn.mul %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %b = nn.mul %x, %w2 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %unused = nn.relu %a : tensor<2x3xf32>
  %s = nn.add %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %s : tensor<2x3xf32>
}
