// RUN: %python -c "import numpy as np; np.savez('%t.npz', ids=np.array([3, 0, 1, 2, 2, 0], np.int32), x=np.arange(-16, 16, dtype=np.int8))"
// RUN: npu-run %s --inputs %t.npz --report-json %t.json --trace %t.trace.json | filecheck %s
// RUN: filecheck %s --check-prefix=JSON --input-file %t.json
// RUN: filecheck %s --check-prefix=TRACE --input-file %t.trace.json
// RUN: npu-run %s --inputs %t.npz --config gemmini --quiet | filecheck %s --check-prefix=GEMMINI

// An npu.host instruction (a gather the NPU cannot run) runs on the host while the
// NPU negates x; the rows it writes are then loaded, put through relu and stored.
// Gathering table rows [3, 0, 1, 2, 2, 0] gives
// [7, -8, 1, -2, 3, -4, 5, -6, 5, -6, 1, -2]; relu zeroes the negative columns.

npu.program @main config "npu-base" {
  npu.dram @ids input at 0 : tensor<6xi32>
  npu.dram @table weight at 64 : tensor<4x2xf32> = dense<[[1.0, -2.0], [3.0, -4.0], [5.0, -6.0], [7.0, -8.0]]> : tensor<4x2xf32>
  npu.dram @rows scratch at 128 : tensor<12xf32>
  npu.dram @y output at 192 : tensor<12xf32>
  npu.dram @x input at 256 : tensor<32xi8>
  npu.dram @z output at 320 : tensor<32xi8>
  %g = npu.host [@ids, @table] -> [@rows] {
  ^bb0(%i: tensor<2x3xi32>, %t: tensor<4x2xf32>):
    %r = nn.gather %t, %i {axis = 0 : i64} : (tensor<4x2xf32>, tensor<2x3xi32>) -> tensor<2x3x2xf32>
    npu.host_yield %r : tensor<2x3x2xf32>
  } {origin = "embed"}
  %lx = npu.dma_load @x[0] strides [1] -> <act[0x80], 32xi8> {origin = "neg"}
  %n = npu.unary neg <act[0x80], 32xi8> -> <act[0xc0], 32xi8> after %lx {origin = "neg"}
  %sz = npu.dma_store <act[0xc0], 32xi8> -> @z[0] strides [1] after %n {origin = "neg"}
  %lr = npu.dma_load @rows[0] strides [1] -> <act[0x0], 12xf32> after %g {origin = "relu"}
  %r = npu.unary relu <act[0x0], 12xf32> -> <act[0x40], 12xf32> after %lr {origin = "relu"}
  %sy = npu.dma_store <act[0x40], 12xf32> -> @y[0] strides [1] after %r {origin = "relu"}
}

// npu-base: host launch 2000 cycles, 2 elements/cycle; setup 10, latency 200, 32 B/cycle.
// host gather: reads 6 + 8, writes 12 elements: 2000 + ceil(26 / 2) = 2013  [0, 2013)
// load x 32 B: 10 + 200 + 1 = 211          [0, 211)      (concurrent with the host)
// neg 32 elements: 1                       [211, 212)
// store z 32 B: 211                        [212, 423)
// load rows 48 B: 10 + 200 + 2 = 212       [2013, 2225)  (waits for the host)
// relu 12 elements: 1                      [2225, 2226)
// store y 48 B: 212                        [2226, 2438)
// host utilisation 2013 / 2438 = 82.6%; DMA 423 / 2438 = 17.4%.

// CHECK:      program @main on npu-base (32x32 ws, 1000 MHz): 7 instructions
// CHECK-NEXT: cycles: 2438 (2.438 us)
// CHECK:      DRAM: 80 B read, 80 B written
// CHECK:      engine     units  busy cycles  utilisation
// CHECK-NEXT: dma_load       1          423        17.4%
// CHECK-NEXT: matrix         1            0         0.0%
// CHECK-NEXT: vector         1            2         0.1%
// CHECK-NEXT: dma_store      1          423        17.4%
// CHECK-NEXT: host           1         2013        82.6%
// CHECK:      model op      instrs  cycles  MACs  array util  DRAM B
// CHECK-NEXT: embed (host)       1    2013     0        0.0%       0
// CHECK-NEXT: neg                3     423     0        0.0%      64
// CHECK-NEXT: relu               3     425     0        0.0%      96
// CHECK:      output "y": 12 float32
// CHECK-NEXT:   [7. 0. 1. 0. 3. 0. 5. 0. 5. 0. 1. 0.]
// CHECK:      output "z": 32 int8
// CHECK-NEXT:   [ 16  15  14

// JSON:      "cycles": 2438,
// JSON:      "host_cycles": 2013,
// JSON:      "host": {
// JSON-NEXT:   "count": 1,
// JSON-NEXT:   "busy_cycles": 2013,
// JSON:      "ops": {
// JSON-NEXT:   "embed": {
// JSON-NEXT:     "instructions": 1,
// JSON-NEXT:     "start_cycle": 0,
// JSON-NEXT:     "end_cycle": 2013,
// JSON:          "host": true
// JSON:        "neg": {
// JSON:          "host": false

// TRACE: "args": {"name": "host"}
// TRACE: "name": "host", "cat": "host", "pid": 0, "tid": 4, "ts": 0.0, "dur": 2.013

// gemmini: launch 500 cycles, 0.5 elements/cycle: 500 + 26 / 0.5 = 552.
// GEMMINI:      program @main on gemmini
// GEMMINI:      host           1          552
// GEMMINI:      embed (host)       1     552
