func.func @main(%a: tensor<2xf32>) -> tensor<3xf32> {
  %r = nn.relu %a : tensor<2xf32>
  func.return %r : tensor<2xf32>
}
