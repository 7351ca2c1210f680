// Plain xdsl-opt finds the nn and npu dialects through the xdsl.universe entry point.
// RUN: xdsl-opt %s | filecheck %s

func.func @main(%x: tensor<4xf32> {nn.name = "x"}) -> tensor<4xf32> {
  %r = nn.relu %x : tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// CHECK: %r = nn.relu %x : tensor<4xf32>
