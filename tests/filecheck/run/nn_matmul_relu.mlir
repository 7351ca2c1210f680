// npu-run executes an nn-level function; inputs and outputs are keyed by nn.name.
// RUN: %python -c "import numpy as np; np.savez('%t.in.npz', x=np.array([[1, 2, 3], [-1, 0, 1]], np.float32))"
// RUN: npu-run %s --inputs %t.in.npz --outputs %t.out.npz | filecheck %s
// RUN: %python -c "import numpy as np; d = np.load('%t.out.npz'); print(sorted(d.files), d['y'].dtype, d['y'].tolist())" | filecheck %s --check-prefix=NPZ

func.func @main(%x: tensor<2x3xf32> {nn.name = "x"}) -> (tensor<2x2xf32> {nn.name = "y"}) {
  %w = nn.constant dense<[[1.0, -1.0], [0.5, 2.0], [-2.0, 0.25]]> : tensor<3x2xf32>
  %m = nn.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  %r = nn.relu %m : tensor<2x2xf32>
  func.return %r : tensor<2x2xf32>
}

// CHECK:      output "y": 2x2 float32
// CHECK-NEXT:   {{\[\[}}0.   3.75]
// CHECK-NEXT:    [0.   1.25]]

// NPZ: ['y'] float32 {{\[\[}}0.0, 3.75], [0.0, 1.25]]
