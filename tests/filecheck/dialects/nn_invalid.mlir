// RUN: npu-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of the nn dialect.

func.func @dynamic(%a: tensor<?x3xf32>) {
  %0 = nn.relu %a : tensor<?x3xf32>
  func.return
}
// CHECK: 'nn.relu' op input must have a static shape, got tensor<?x3xf32>

// -----

func.func @element_type(%a: tensor<3xi4>) {
  %0 = nn.neg %a : tensor<3xi4>
  func.return
}
// CHECK: 'nn.neg' op input element type i4 is not supported by nn

// -----

func.func @binary_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return
}
// CHECK: 'nn.add' op result type tensor<3xf32> does not match inferred tensor<2x3xf32>

// -----

func.func @binary_element_types(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  %0 = nn.mul %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  func.return
}
// CHECK: 'nn.mul' op rhs element type i32 does not match lhs element type f32

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  %0 = nn.sub %a, %b : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.sub' op lhs shape 2x3 does not broadcast with rhs shape 2

// -----

func.func @unary_result(%a: tensor<2x3xf32>) {
  %0 = "nn.relu"(%a) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return
}
// CHECK: 'nn.relu' op result type tensor<3x2xf32> does not match inferred tensor<2x3xf32>

// -----

func.func @float_only(%a: tensor<4xi32>) {
  %0 = nn.sigmoid %a : tensor<4xi32>
  func.return
}
// CHECK: 'nn.sigmoid' op input element type i32 is not a float type

// -----

func.func @gelu(%a: tensor<4xf32>) {
  %0 = nn.gelu %a {approximate = "fast"} : tensor<4xf32>
  func.return
}
// CHECK: 'nn.gelu' op approximate must be "none" or "tanh", got "fast"

// -----

func.func @clamp(%a: tensor<4xf32>) {
  %0 = nn.clamp %a {min = 6.0 : f32, max = 0.0 : f32} : tensor<4xf32>
  func.return
}
// CHECK: 'nn.clamp' op min = 6.0 is greater than max = 0.0

// -----

func.func @prelu(%a: tensor<2x3xf32>, %s: tensor<2x1x3xf32>) {
  %0 = nn.prelu %a, %s : (tensor<2x3xf32>, tensor<2x1x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.prelu' op slope shape 2x1x3 does not broadcast to input shape 2x3

// -----

func.func @cast(%a: tensor<2x3xf32>) {
  %0 = nn.cast %a : (tensor<2x3xf32>) -> tensor<6xi8>
  func.return
}
// CHECK: 'nn.cast' op result type tensor<6xi8> does not match inferred tensor<2x3xi8>

// -----

func.func @constant_type() {
  %0 = "nn.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<3xf32>
  func.return
}
// CHECK: 'nn.constant' op attribute tensor<3xf32> expected from variable 'T', but got tensor<2xf32>

// -----

func.func @constant_no_blob() {
  %0 = nn.constant dense_resource<blob_not_in_this_file> : tensor<2xf32>
  func.return
}
// CHECK: 'nn.constant' op dense_resource 'blob_not_in_this_file' has no data in the file

// -----

func.func @constant_blob_size() {
  %0 = nn.constant dense_resource<blob_short> : tensor<3xf32>
  func.return
}
{-#
  dialect_resources: {
    builtin: {
      blob_short: "0x040000000000803f00000040"
    }
  }
#-}
// CHECK: 'nn.constant' op dense_resource 'blob_short' holds 8 bytes, its type tensor<3xf32> needs 12

// -----

func.func @conv_input_rank(%x: tensor<3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op input must have rank 4 (NCHW), got shape 3x32x32

// -----

func.func @conv_weight_rank(%x: tensor<1x3x32x32xf32>, %w: tensor<8x27xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x27xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op weight must have rank 4 (OIHW), got shape 8x27

// -----

func.func @conv_strides_length(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op strides must have 2 entries, got 1

// -----

func.func @conv_strides_positive(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 0, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op strides must be positive, got [0, 1]

// -----

func.func @conv_padding(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, -1, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op padding must be non-negative, got [0, -1, 0, 0]

// -----

func.func @conv_dilations(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 0>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op dilations must be positive, got [1, 0]

// -----

func.func @conv_groups_positive(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 0 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op groups must be positive, got 0

// -----

func.func @conv_channels(%x: tensor<1x3x32x32xf32>, %w: tensor<8x4x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op weight has 4 input channels per group, input has 3 channels and groups = 1

// -----

func.func @conv_output_groups(%x: tensor<1x4x32x32xf32>, %w: tensor<6x1x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 4 : i64} : (tensor<1x4x32x32xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op weight has 6 output channels, not divisible by groups = 4

// -----

func.func @conv_bias(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<3xf32>) {
  %0 = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op bias shape 3 must be [8] (the weight's output channels)

// -----

func.func @conv_kernel_fit(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 1 : i64} : (tensor<1x3x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x1x1xf32>
  func.return
}
// CHECK: 'nn.conv2d' op kernel 3x3 with dilations [2, 2] does not fit in the padded input 4x4

// -----

func.func @conv_weight_type(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf16>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf16>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op weight element type f16 does not match input element type f32

// -----

func.func @conv_result(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x30x30xf32>
  func.return
}
// CHECK: 'nn.conv2d' op result type tensor<1x8x30x30xf32> does not match inferred tensor<1x8x32x32xf32>

// -----

func.func @pool_kernel(%x: tensor<1x3x8x8xf32>) {
  %0 = nn.max_pool2d %x {kernel = array<i64: 2, 0>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  func.return
}
// CHECK: 'nn.max_pool2d' op kernel must be positive, got [2, 0]

// -----

func.func @pool_fit(%x: tensor<1x3x2x2xf32>) {
  %0 = nn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32>
  func.return
}
// CHECK: 'nn.max_pool2d' op kernel 3x3 does not fit in the padded input 2x2

// -----

func.func @pool_ceil(%x: tensor<1x3x8x8xf32>) {
  %0 = nn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x3x8x8xf32>) -> tensor<1x3x3x3xf32>
  func.return
}
// CHECK: 'nn.max_pool2d' op result type tensor<1x3x3x3xf32> does not match inferred tensor<1x3x4x4xf32>

// -----

func.func @avg_pool_padding_length(%x: tensor<1x3x8x8xf32>) {
  %0 = nn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0>, ceil_mode = false, count_include_pad = false} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  func.return
}
// CHECK: 'nn.avg_pool2d' op padding must have 4 entries, got 2

// -----

func.func @avg_pool_float(%x: tensor<1x3x8x8xi8>) {
  %0 = nn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, ceil_mode = false, count_include_pad = false} : (tensor<1x3x8x8xi8>) -> tensor<1x3x4x4xi8>
  func.return
}
// CHECK: 'nn.avg_pool2d' op input element type i8 is not a float type

// -----

func.func @global_pool(%x: tensor<3x8x8xf32>) {
  %0 = nn.global_avg_pool %x : (tensor<3x8x8xf32>) -> tensor<3x8x1x1xf32>
  func.return
}
// CHECK: 'nn.global_avg_pool' op input must have rank 4, got tensor<3x8x8xf32>

// -----

func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  func.return
}
// CHECK: 'nn.matmul' op lhs shape 2x3 and rhs shape 4x5 have different contraction sizes (3 and 4)

// -----

func.func @matmul_batch(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) {
  %0 = nn.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x3x5xf32>) -> tensor<2x2x5xf32>
  func.return
}
// CHECK: 'nn.matmul' op lhs shape 2 does not broadcast with rhs shape 3

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<3xf32>) {
  %0 = nn.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  func.return
}
// CHECK: 'nn.matmul' op matmul operands must have rank >= 1

// -----

func.func @gemm_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  %0 = nn.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  func.return
}
// CHECK: 'nn.gemm' op a must have rank 2, got shape 2x3x4

// -----

func.func @gemm_k(%a: tensor<2x4xf32>, %b: tensor<4x5xf32>) {
  %0 = nn.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<2x4xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  func.return
}
// CHECK: 'nn.gemm' op a shape 2x4 (trans_a = false) and b shape 4x5 (trans_b = true) have different contraction sizes (4 and 5)

// -----

func.func @gemm_c(%a: tensor<2x4xf32>, %b: tensor<4x5xf32>, %c: tensor<4xf32>) {
  %0 = nn.gemm %a, %b, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = false} : (tensor<2x4xf32>, tensor<4x5xf32>, tensor<4xf32>) -> tensor<2x5xf32>
  func.return
}
// CHECK: 'nn.gemm' op c shape 4 does not broadcast with result shape 2x5

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) {
  %0 = nn.softmax %a {axis = 2 : i64} : tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.softmax' op axis = 2 is out of range for rank 2

// -----

func.func @layer_norm_scale(%a: tensor<2x3x4xf32>, %s: tensor<4xf32>) {
  %0 = nn.layer_norm %a, %s {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  func.return
}
// CHECK: 'nn.layer_norm' op scale shape 4 must be the normalized shape 3x4

// -----

func.func @batch_norm_params(%x: tensor<1x3x4x4xf32>, %p: tensor<3xf32>, %q: tensor<4xf32>) {
  %0 = nn.batch_norm %x, %p, %p, %q, %p {epsilon = 1.0e-5 : f32} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return
}
// CHECK: 'nn.batch_norm' op mean shape 4 must be [3] (the input's channels)

// -----

func.func @batch_norm_rank(%x: tensor<3xf32>, %p: tensor<3xf32>) {
  %0 = nn.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return
}
// CHECK: 'nn.batch_norm' op input must have rank >= 2, got shape 3

// -----

func.func @reduce_empty(%a: tensor<2x3xf32>) {
  %0 = nn.reduce_sum %a {axes = array<i64>, keepdims = true} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.reduce_sum' op axes must not be empty

// -----

func.func @reduce_sorted(%a: tensor<2x3xf32>) {
  %0 = nn.reduce_max %a {axes = array<i64: 1, 0>, keepdims = false} : (tensor<2x3xf32>) -> tensor<f32>
  func.return
}
// CHECK: 'nn.reduce_max' op axes must be sorted and distinct, got [1, 0]

// -----

func.func @reduce_range(%a: tensor<2x3xf32>) {
  %0 = nn.reduce_mean %a {axes = array<i64: -1>, keepdims = true} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  func.return
}
// CHECK: 'nn.reduce_mean' op axes = -1 is out of range for rank 2

// -----

func.func @reshape(%a: tensor<2x3xf32>) {
  %0 = nn.reshape %a : (tensor<2x3xf32>) -> tensor<5xf32>
  func.return
}
// CHECK: 'nn.reshape' op result type tensor<5xf32> has 5 elements, input type tensor<2x3xf32> has 6

// -----

func.func @flatten(%a: tensor<2x3xf32>) {
  %0 = nn.flatten %a {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<6x1xf32>
  func.return
}
// CHECK: 'nn.flatten' op axis = 3 is out of range [0, 2]

// -----

func.func @squeeze(%a: tensor<2x1xf32>) {
  %0 = nn.squeeze %a {axes = array<i64: 0>} : (tensor<2x1xf32>) -> tensor<1xf32>
  func.return
}
// CHECK: 'nn.squeeze' op cannot squeeze axis 0 of size 2

// -----

func.func @unsqueeze(%a: tensor<2x3xf32>) {
  %0 = nn.unsqueeze %a {axes = array<i64: 3>} : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  func.return
}
// CHECK: 'nn.unsqueeze' op axes = 3 is out of range for rank 3

// -----

func.func @transpose(%a: tensor<2x3xf32>) {
  %0 = nn.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  func.return
}
// CHECK: 'nn.transpose' op perm [0, 0] is not a permutation of the 2 input dims

// -----

func.func @concat_shapes(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  %0 = nn.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  func.return
}
// CHECK: 'nn.concat' op input 1 shape 3x3 does not match input 0 shape 2x3 outside axis 1

// -----

func.func @concat_types(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  %0 = nn.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<4x3xf32>
  func.return
}
// CHECK: 'nn.concat' op input 1 element type f16 does not match input 0 element type f32

// -----

func.func @concat_empty() {
  %0 = "nn.concat"() {axis = 0 : i64} : () -> tensor<2xf32>
  func.return
}
// CHECK: 'nn.concat' op concat needs at least one input

// -----

func.func @slice_length(%a: tensor<2x3xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.slice' op starts must have 2 entries, got 1

// -----

func.func @slice_step(%a: tensor<2x3xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.slice' op steps[1] must not be 0

// -----

func.func @slice_start(%a: tensor<2x3xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0, 3>, ends = array<i64: 2, 0>, steps = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.slice' op starts[1] = 3 is out of range [0, 2] for dim 3 and step -1

// -----

func.func @slice_end(%a: tensor<2x3xf32>) {
  %0 = nn.slice %a {starts = array<i64: 0, 0>, ends = array<i64: -1, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.slice' op ends[0] = -1 is out of range [0, 2] for dim 2 and step 1

// -----

func.func @split_sizes(%a: tensor<2x6xf32>) {
  %0, %1 = nn.split %a {axis = 1 : i64, sizes = array<i64: 2, 3>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>)
  func.return
}
// CHECK: 'nn.split' op sizes [2, 3] sum to 5, not to the size 6 of axis 1

// -----

func.func @split_results(%a: tensor<2x6xf32>) {
  %0, %1 = nn.split %a {axis = 1 : i64, sizes = array<i64: 2, 2, 2>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  func.return
}
// CHECK: 'nn.split' op has 2 results, its operands and attributes imply 3

// -----

func.func @split_result_type(%a: tensor<2x6xf32>) {
  %0, %1 = nn.split %a {axis = 1 : i64, sizes = array<i64: 2, 4>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>)
  func.return
}
// CHECK: 'nn.split' op result 1 type tensor<2x3xf32> does not match inferred tensor<2x4xf32>

// -----

func.func @pad_negative(%a: tensor<2x3xf32>) {
  %0 = nn.pad %a {pads = array<i64: 0, -1, 0, 1>, mode = "constant", value = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.pad' op pads must be non-negative, got [0, -1, 0, 1]

// -----

func.func @pad_mode(%a: tensor<2x3xf32>) {
  %0 = nn.pad %a {pads = array<i64: 0, 1, 0, 1>, mode = "wrap", value = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x5xf32>
  func.return
}
// CHECK: 'nn.pad' op mode must be "constant", "reflect" or "edge", got "wrap"

// -----

func.func @gather_indices(%a: tensor<2x3xf32>, %i: tensor<4xf32>) {
  %0 = nn.gather %a, %i {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  func.return
}
// CHECK: 'nn.gather' op indices element type f32 must be i32 or i64

// -----

func.func @gather_axis(%a: tensor<2x3xf32>, %i: tensor<4xi64>) {
  %0 = nn.gather %a, %i {axis = 2 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  func.return
}
// CHECK: 'nn.gather' op axis = 2 is out of range for rank 2

// -----

func.func @missing_attribute(%a: tensor<2x3xf32>) {
  %0 = "nn.softmax"(%a) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.softmax' op attribute 'axis' expected in operation 'nn.softmax'

// -----

func.func @layout_not_permutation(%a: tensor<1x2x3x4xf32>) {
  %0 = nn.relu %a {nn.layout = array<i64: 0, 0, 1, 2>} : tensor<1x2x3x4xf32>
  func.return
}
// CHECK: 'nn.relu' op nn.layout [0, 0, 1, 2] is not a permutation of the 4 dims of the result

// -----

func.func @layout_rank(%a: tensor<2x3xf32>) {
  %0 = nn.constant dense<1.0> : tensor<2x3xf32> {nn.layout = array<i64: 0, 2, 3, 1>}
  func.return
}
// CHECK: 'nn.constant' op nn.layout [0, 2, 3, 1] is not a permutation of the 2 dims of the result

// -----

func.func @layout_type(%a: tensor<2x3xf32>) {
  %0 = nn.relu %a {nn.layout = array<i32: 1, 0>} : tensor<2x3xf32>
  func.return
}
// CHECK: 'nn.relu' op nn.layout must be an array<i64: ...>, got array<i32: 1, 0>

// -----

func.func @layout_results(%a: tensor<4x2xf32>) {
  %0, %1 = nn.split %a {axis = 0 : i64, sizes = array<i64: 2, 2>, nn.layout = array<i64: 1, 0>} : (tensor<4x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  func.return
}
// CHECK: 'nn.split' op nn.layout needs an op with one result, not 2
