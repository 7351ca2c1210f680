// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of nn.fused and nn.yield, and the parser's.

func.func @first_not_anchor(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.relu %a : tensor<4x4xf32>
    nn.yield %y : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK: 'nn.fused' op region must start with its anchor (nn.conv2d, nn.matmul, nn.gemm, nn.qconv2d, nn.qmatmul), got nn.relu

// -----

func.func @empty(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK-NEXT: 'nn.fused' op region must end with nn.yield

// -----

func.func @second_anchor(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %z = nn.matmul %y, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    nn.yield %z : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK-NEXT: 'nn.fused' op op 1 of the region, nn.matmul, is a second anchor

// -----

func.func @not_elementwise(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %z = nn.softmax %y {axis = 1 : i64} : tensor<4x4xf32>
    nn.yield %z : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK-NEXT: 'nn.fused' op op 1 of the region, nn.softmax, is not an elementwise epilogue op

// -----

func.func @broadcast_beyond_anchor(%x: tensor<4x4xf32>, %big: tensor<2x4x4xf32>) -> tensor<2x4x4xf32> {
  %r = nn.fused (%a = %x, %b = %big) : (tensor<4x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x4xf32> {
    %y = nn.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %z = nn.add %y, %b : (tensor<4x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    nn.yield %z : tensor<2x4x4xf32>
  }
  func.return %r : tensor<2x4x4xf32>
}
// CHECK-NEXT: 'nn.fused' op op 1 of the region, nn.add, has result type tensor<2x4x4xf32>, not the shape of the anchor's tensor<4x4xf32>

// -----

func.func @yield_not_last(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %z = nn.relu %y : tensor<4x4xf32>
    nn.yield %y : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK-NEXT: 'nn.fused' op nn.yield must yield the result of the last op of the region

// -----

func.func @result_type(%x: tensor<4x4xbf16>) -> tensor<4x4xbf16> {
  %r = nn.fused (%a = %x) : (tensor<4x4xbf16>) -> tensor<4x4xbf16> {
    %y = nn.matmul %a, %a : (tensor<4x4xbf16>, tensor<4x4xbf16>) -> tensor<4x4xf32>
    %z = nn.relu %y : tensor<4x4xf32>
    nn.yield %z : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xbf16>
}
// CHECK-NEXT: 'nn.fused' op nn.yield gives tensor<4x4xf32>, the result is tensor<4x4xbf16>

// -----

func.func @outer_value(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.matmul %a, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    nn.yield %y : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK-NEXT: Operation using value defined out of its IsolatedFromAbove parent

// -----

func.func @yield_outside(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  nn.yield %x : tensor<4x4xf32>
}
// CHECK-NEXT: 'nn.yield' expects parent op 'nn.fused'

// -----

func.func @type_count(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = nn.fused (%a = %x) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32> {
    %y = nn.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    nn.yield %y : tensor<4x4xf32>
  }
  func.return %r : tensor<4x4xf32>
}
// CHECK-NEXT: nn.fused binds 1 operands but lists 2 types
