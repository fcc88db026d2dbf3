// Register-blocked GEMMs of the float32 and 8-bit integer inference paths (blocked_gemm.cc).
// Each computes out[o*P + p] += sum_r W[o*R + r] * X[p*R + r] for patches [pb, pe) of one
// thread's share; the caller (tensor.cc GemmF32 / GemmI32) splits the patches over threads.
#pragma once
#include <cstdint>
#include <vector>

namespace mx {

// Whether gemmF32Blocked computes this shape (else the caller keeps its per-dot loop).
bool gemmF32BlockedFits(int64_t R, int64_t P);

// float32: every dot product gives the float the per-dot loop of tensor.cc GemmF32 gives
// (16 lanes of fused multiply-adds over the 16-wide chunks, summed lane 0..15 in order; R is a
// multiple of 16, so that loop has no tail). Blocks of 4 outputs x 4 patches share each load.
void gemmF32Blocked(const float* W, const float* X, int64_t R, int64_t P, int64_t O, double* out, int64_t pb, int64_t pe);

// 8-bit integer path: operands packed to bytes (weights signed, activations unsigned), R padded
// with zeros to a multiple of 64, exact int32 sums with VNNI (vpdpbusd). Packing refuses (returns
// false) values outside int8 / uint8 or an R whose sums could leave int32; the caller then keeps
// its int64 loop.
struct PackedI8 {
  int64_t rows = 0;    // R
  int64_t stride = 0;  // R rounded up to 64
  std::vector<int8_t> data;  // rows of `stride` bytes (weights: int8; activations: uint8 bits)
};
bool gemmI8Available();
bool packWeightsI8(const int32_t* W, int64_t R, int64_t O, PackedI8& out);
bool packActivationsU8(const int32_t* X, int64_t R, int64_t pb, int64_t pe, PackedI8& out);
// Patches [pb, pe) of out, from X packed from patch xFirst on (row 0 = patch xFirst <= pb).
void gemmI8Blocked(const PackedI8& W, const PackedI8& X, int64_t xFirst, int64_t P, int64_t O, double* out, int64_t pb, int64_t pe);

}  // namespace mx
