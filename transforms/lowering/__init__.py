"""The pieces of `convert-nn-to-npu` (transforms/convert_nn_to_npu.py, docs/lowering.md).

- `function`: the walk over one `func.func` that ties the others together;
- `unfuse`: `nn.fused` groups (`nn-fuse-epilogue`) put back into the function first;
- `program`: the program being built: DRAM tensors, instructions and their tokens;
- `layout`: where each `nn` value lives in DRAM (views with element strides);
- `sram`: regions of the SRAM buffers split into double-buffer slots;
- `tiling`: the cost estimates that choose tile sizes;
- `dma`: loads and stores of view boxes, padded convolution windows;
- `fusion`, `epilogue`: which elementwise ops join a chain, and the vector-unit steps
  that apply them to a tile in SRAM;
- `conv`, `depthwise`, `matmul`: the products;
- `vector`, `pooling`, `rows`: elementwise chains, pooling, softmax, layer norm and
  reductions on the vector unit;
- `movement`: views, copies, concatenation and padding;
- `host`: ops placed on the host (`npu.host`).
"""
