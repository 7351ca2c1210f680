// Exact round trips through the assembly (inline weights and a weights file) and
// the binary: each reads back to the same generic IR, and writing it again gives the
// same listing or the same bytes.
//
// RUN: npu-opt %s --print-op-generic > %t.generic
// RUN: npu-opt %s -t npu-asm -o %t.npuasm
// RUN: npu-opt %t.npuasm --print-op-generic | diff %t.generic -
// RUN: npu-opt %t.npuasm -t npu-asm | diff %t.npuasm -
// RUN: npu-opt %s -t 'npu-asm{weights="%t.weights.npz"}' -o %t.file.npuasm
// RUN: npu-opt %t.file.npuasm --print-op-generic | diff %t.generic -
// RUN: npu-opt %s -t npu-bin -o %t.npubin
// RUN: npu-opt %t.npubin --print-op-generic | diff %t.generic -
// RUN: npu-opt %t.npubin -t npu-bin -o %t.again.npubin
// RUN: cmp %t.npubin %t.again.npubin
// RUN: npu-opt %t.npuasm -t npu-bin | cmp %t.npubin -
// RUN: npu-opt %t.npubin -t npu-asm | diff %t.npuasm -
//
// A damaged binary is rejected with one line naming the file.
// RUN: %python -c "import sys; open(sys.argv[2], 'wb').write(open(sys.argv[1], 'rb').read()[:64])" %t.npubin %t.cut.npubin
// RUN: not npu-run %t.cut.npubin 2>&1 | filecheck %s --check-prefix=CUT
// CUT: npu-run: error: {{.*}}.cut.npubin: file has 64 bytes, its header says {{[0-9]+}}

builtin.module attributes {npu.note = "kept"} {
  npu.program @conv config "npu-base" {
    npu.dram @img input "image" at 0 : tensor<1x8x10x10xi8>
    npu.dram @k weight at 1024 : tensor<3x3x8x16xi8> = dense_resource<asm_roundtrip_k> : tensor<3x3x8x16xi8>
    npu.dram @bias weight at 2304 : tensor<16xi32> = dense<[1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8]> : tensor<16xi32>
    npu.dram @out output at 4096 : tensor<1x16x4x4xf32>
    npu.dram @spill scratch at 8192 : tensor<256xi32>
    %0 = npu.dma_load @img[0] strides [10, 1, 100] -> <act[0x0], 10x10x8xi8> pad [1, 1, 0, 1, 1, 0] value -128 : i8 {origin = "conv1"}
    %1 = npu.dma_load @k[0] strides [384, 128, 16, 1] -> <weight[0x0], 3x3x8x16xi8> {origin = "conv1"}
    %2 = npu.dma_load @bias[0] strides [0, 0, 1] -> <acc[0x0], 8x8x16xi32> {origin = "conv1"}
    %3 = npu.conv2d <act[0x0], 10x10x8xi8>, <weight[0x0], 3x3x8x16xi8> -> <acc[0x0], 8x8x16xi32> strides [1, 1] dilations [1, 1] groups 1 accumulate after %0, %1, %2 {origin = "conv1"}
    %4 = npu.unary relu <acc[0x0], 8x8x16xi32> -> <acc[0x0], 8x8x16xi32> after %3 {origin = "relu1"}
    %5 = npu.pool max <acc[0x0], 8x8x16xi32> -> <acc[0x1000], 4x4x16xi32> kernel [2, 2] strides [2, 2] after %4 {origin = "pool1"}
    %6 = npu.convert <acc[0x1000], 4x4x16xi32> -> <act[0x1000], 4x4x16xf32> after %5
    %7 = npu.dma_store <act[0x1000], 4x4x16xf32> -> @out[0] strides [4, 1, 16] after %6 {origin = "output"}
    %8 = npu.host [@out] -> [@spill] after %7 {
    ^bb0(%9: tensor<1x16x4x4xf32>):
      %10 = nn.constant dense_resource<asm_roundtrip_h> : tensor<256xi32>
      npu.host_yield %10 : tensor<256xi32>
    } {origin = "host op"}
  }
  npu.program @tiny config "gemmini" attributes {npu.tag = 3 : i64} {
    npu.dram @x input at 0 : tensor<16x16xi8>
    %0 = npu.dma_load @x[0] strides [16, 1] -> <act[0x0], 16x16xi8>
    %1 = npu.matmul <act[0x0], 16x16xi8>, <weight[0x0], 16x16xi8> -> <acc[0x0], 16x16xi32> dataflow os after %0
  }
}
{-#
  dialect_resources: {
    builtin: {
      asm_roundtrip_k: "0x01000000838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f10111213141516",
      asm_roundtrip_h: "0x040000007cfcffff83fcffff8afcffff91fcffff98fcffff9ffcffffa6fcffffadfcffffb4fcffffbbfcffffc2fcffffc9fcffffd0fcffffd7fcffffdefcffffe5fcffffecfcfffff3fcfffffafcffff01fdffff08fdffff0ffdffff16fdffff1dfdffff24fdffff2bfdffff32fdffff39fdffff40fdffff47fdffff4efdffff55fdffff5cfdffff63fdffff6afdffff71fdffff78fdffff7ffdffff86fdffff8dfdffff94fdffff9bfdffffa2fdffffa9fdffffb0fdffffb7fdffffbefdffffc5fdffffccfdffffd3fdffffdafdffffe1fdffffe8fdffffeffdfffff6fdfffffdfdffff04feffff0bfeffff12feffff19feffff20feffff27feffff2efeffff35feffff3cfeffff43feffff4afeffff51feffff58feffff5ffeffff66feffff6dfeffff74feffff7bfeffff82feffff89feffff90feffff97feffff9efeffffa5feffffacfeffffb3feffffbafeffffc1feffffc8feffffcffeffffd6feffffddfeffffe4feffffebfefffff2fefffff9feffff00ffffff07ffffff0effffff15ffffff1cffffff23ffffff2affffff31ffffff38ffffff3fffffff46ffffff4dffffff54ffffff5bffffff62ffffff69ffffff70ffffff77ffffff7effffff85ffffff8cffffff93ffffff9affffffa1ffffffa8ffffffafffffffb6ffffffbdffffffc4ffffffcbffffffd2ffffffd9ffffffe0ffffffe7ffffffeefffffff5fffffffcffffff030000000a00000011000000180000001f000000260000002d000000340000003b000000420000004900000050000000570000005e000000650000006c000000730000007a00000081000000880000008f000000960000009d000000a4000000ab000000b2000000b9000000c0000000c7000000ce000000d5000000dc000000e3000000ea000000f1000000f8000000ff000000060100000d010000140100001b010000220100002901000030010000370100003e010000450100004c010000530100005a01000061010000680100006f010000760100007d010000840100008b0100009201000099010000a0010000a7010000ae010000b5010000bc010000c3010000ca010000d1010000d8010000df010000e6010000ed010000f4010000fb010000020200000902000010020000170200001e020000250200002c020000330200003a02000041020000480200004f020000560200005d020000640200006b020000720200007902000080020000870200008e020000950200009c020000a3020000aa020000b1020000b8020000bf020000c6020000cd020000d4020000db020000e2020000e9020000f0020000f7020000fe020000050300000c030000130300001a03000021030000280300002f030000360300003d030000440300004b030000520300005903000060030000670300006e03000075030000"
    }
  }
#-}
