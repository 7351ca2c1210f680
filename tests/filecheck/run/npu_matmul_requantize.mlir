// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.repeat(np.arange(-1, 3), 32).reshape(4, 32).astype(np.int8), w=np.tile(4 * (np.arange(8) - 3), (32, 1)).astype(np.int8))"
// RUN: npu-run %s --inputs %t.npz --report-json %t.json --trace %t.trace.json | filecheck %s
// RUN: filecheck %s --check-prefix=JSON --input-file %t.json
// RUN: filecheck %s --check-prefix=TRACE --input-file %t.trace.json

// DMA in, matmul, requantize, DMA out. x[i, k] = i - 1 and w[k, j] = 4 * (j - 3), so
// x @ w = 128 * (i - 1) * (j - 3); requantize scales by 2^30 / 2^38 = 1/256 rounding
// half up (1.5 -> 2, -0.5 -> 0, -1.5 -> -1), adds the zero point 3 and clamps to [0, 5].

npu.program @main config "npu-base" {
  npu.dram @x input at 0 : tensor<4x32xi8>
  npu.dram @w input at 128 : tensor<32x8xi8>
  npu.dram @y output at 384 : tensor<4x8xi8>
  %x = npu.dma_load @x[0] strides [32, 1] -> <act[0x0], 4x32xi8> {origin = "fc"}
  %w = npu.dma_load @w[0] strides [8, 1] -> <weight[0x0], 32x8xi8> {origin = "fc"}
  %mm = npu.matmul <act[0x0], 4x32xi8>, <weight[0x0], 32x8xi8> -> <acc[0x0], 4x8xi32> after %x, %w {origin = "fc"}
  %rq = npu.requantize <acc[0x0], 4x8xi32> -> <act[0x80], 4x8xi8> multiplier [1073741824] shift [38] input_zp 0 output_zp 3 clamp [0, 5] after %mm {origin = "fc"}
  %st = npu.dma_store <act[0x80], 4x8xi8> -> @y[0] strides [8, 1] after %rq {origin = "out"}
}

// npu-base: setup 10, latency 200, 32 B/cycle, 32x32 ws array, 32 lanes.
// load x: 10 + 200 + 128/32 = 214            [0, 214)
// load w: 10 + 200 + 256/32 = 218            [214, 432)
// matmul 4x32x8: 1 fold of 2*32 + 32 + 4 - 2  [432, 530)
// requantize 32 elements: 1 step             [530, 531)
// store 32 B: 10 + 200 + 1 = 211             [531, 742)
// roofline: max(ceil(1024 MACs / 1024), ceil(416 B / 32)) = 13, DRAM-bound.

// CHECK:      program @main on npu-base (32x32 ws, 1000 MHz): 5 instructions
// CHECK-NEXT: cycles: 742 (0.742 us)
// CHECK-NEXT: roofline: 13 cycles, dram-bound (compute 1, dram 13); achieved 1.8%
// CHECK-NEXT: MACs: 1024 (array utilisation 0.1%)
// CHECK-NEXT: DRAM: 384 B read, 32 B written
// CHECK:      engine     units  busy cycles  utilisation
// CHECK-NEXT: dma_load       1          432        58.2%
// CHECK-NEXT: matrix         1           98        13.2%
// CHECK-NEXT: vector         1            1         0.1%
// CHECK-NEXT: dma_store      1          211        28.4%
// CHECK:      model op  instrs  cycles  MACs  array util  DRAM B
// CHECK-NEXT: fc             4     531  1024        0.2%     384
// CHECK-NEXT: out            1     211     0        0.0%      32
// CHECK:      output "y": 4x8 int8
// CHECK-NEXT:   {{\[}}[5 4 4 3 3 2 2 1]
// CHECK-NEXT:    [3 3 3 3 3 3 3 3]
// CHECK-NEXT:    [2 2 3 3 4 4 5 5]
// CHECK-NEXT:    [0 1 2 3 4 5 5 5]]

// JSON:      "cycles": 742,
// JSON:      "roofline_cycles": 13,
// JSON:      "macs": 1024,
// JSON-NEXT: "mac_utilization":
// JSON-NEXT: "dram_read_bytes": 384,
// JSON-NEXT: "dram_write_bytes": 32,
// JSON:      "engines": {
// JSON-NEXT:   "dma_load": {
// JSON-NEXT:     "count": 1,
// JSON-NEXT:     "busy_cycles": 432,
// JSON:      "ops": {
// JSON-NEXT:   "fc": {
// JSON-NEXT:     "instructions": 4,
// JSON-NEXT:     "start_cycle": 0,
// JSON-NEXT:     "end_cycle": 531,

// TRACE: "name": "thread_name", "pid": 0, "tid": 0, "args": {"name": "dma_load"}
// TRACE: "name": "thread_name", "pid": 0, "tid": 1, "args": {"name": "matrix"}
// TRACE: "name": "matmul", "cat": "matrix", "pid": 0, "tid": 1, "ts": 0.432, "dur": 0.098
