// fastnet/kernels/sparse_impl.h — the sparse-layer kernels, as templates over the element type. Included by
// sparse.cpp (the reference instantiations: float64, and float32 for tests) and inside each ISA unit's
// namespace (simd_<isa>.cpp), where the same loops compile to that unit's vectors and serve sparse_simd.inc as
// fallbacks. Internal linkage only.
//
// Shapes (kernels.h): CSR row_ptr (O+1), col (nnz), w (nnz); CSC col_ptr (I+1), row (nnz), perm (nnz);
// activations transposed: xt (I,B), zt/dzt (O,B), dxt (I,B).
// Threads split outputs (forward, weight gradient) or inputs (input gradient): nobody writes another's memory
// and every sum runs in index order, so results do not depend on the thread count.

namespace {

// (connections + rows written) × batch below which one thread works alone: low enough that an output layer and
// the input gradient of a wide sparse layer still run in parallel
constexpr long kSparseParallelWork = 1L << 15;

template <typename T>
void csr_forward_impl(T* zt, const T* xt, const T* w, const T* bias, const int32_t* row_ptr, const int32_t* col,
                      int B, int O) {
  const long work = (long)row_ptr[O] * B;
  ::fastnet::parallel_for(O, work > kSparseParallelWork, [&](long o0, long o1) {
    for (long o = o0; o < o1; ++o) {
      T* __restrict z = zt + o * B;
      const int j0 = row_ptr[o], j1 = row_ptr[o + 1];
      if (B == 1) {  // one sample: a gathered dot product
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int j = j0; j < j1; ++j) s += w[j] * xt[col[j]];
        z[0] = s + bias[o];
        continue;
      }
      for (int b = 0; b < B; ++b) z[b] = 0;
      for (int j = j0; j < j1; ++j) {
        const T wj = w[j];
        const T* __restrict x = xt + (long)col[j] * B;
#pragma omp simd
        for (int b = 0; b < B; ++b) z[b] += wj * x[b];
      }
      const T bo = bias[o];
#pragma omp simd
      for (int b = 0; b < B; ++b) z[b] += bo;
    }
  });
}

template <typename T>
inline T dot(const T* __restrict a, const T* __restrict b, int n) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

template <typename T>
inline T sum(const T* __restrict a, int n) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += a[i];
  return s;
}

template <typename T>
void csr_backward_weight_impl(T* dw, T* dbias, const T* dzt, const T* xt, const int32_t* row_ptr,
                              const int32_t* col, int B, int O) {
  const long work = (long)row_ptr[O] * B;
  ::fastnet::parallel_for(O, work > kSparseParallelWork, [&](long o0, long o1) {
    for (long o = o0; o < o1; ++o) {
      const T* dz = dzt + o * B;
      for (int j = row_ptr[o]; j < row_ptr[o + 1]; ++j) dw[j] = dot(dz, xt + (long)col[j] * B, B);
      dbias[o] = sum(dz, B);
    }
  });
}

template <typename T>
void csr_backward_weight_sgd_impl(T* w, T* v, T* bias, T* vbias, T* dbias, const T* dzt, const T* xt,
                                  const int32_t* row_ptr, const int32_t* col, int B, int O, T lr, T momentum,
                                  T weight_decay, bool nesterov) {
  const long work = (long)row_ptr[O] * B;
  ::fastnet::parallel_for(O, work > kSparseParallelWork, [&](long o0, long o1) {
    for (long o = o0; o < o1; ++o) {
      const T* dz = dzt + o * B;
      for (int j = row_ptr[o]; j < row_ptr[o + 1]; ++j) {
        const T g = dot(dz, xt + (long)col[j] * B, B) + weight_decay * w[j];
        const T vj = momentum * v[j] + g;
        v[j] = vj;
        w[j] -= lr * (nesterov ? g + momentum * vj : vj);
      }
      const T g = sum(dz, B);
      dbias[o] = g;
      const T vb = momentum * vbias[o] + g;
      vbias[o] = vb;
      bias[o] -= lr * (nesterov ? g + momentum * vb : vb);
    }
  });
}

template <typename T>
void csc_backward_input_impl(T* dxt, const T* dzt, const T* w, const int32_t* col_ptr, const int32_t* row,
                             const int32_t* perm, int B, int I) {
  const long work = (long)col_ptr[I] * B;
  ::fastnet::parallel_for(I, work > kSparseParallelWork, [&](long c0, long c1) {
    for (long c = c0; c < c1; ++c) {
      T* __restrict dx = dxt + c * B;
      for (int b = 0; b < B; ++b) dx[b] = 0;
      for (int k = col_ptr[c]; k < col_ptr[c + 1]; ++k) {
        const T wk = w[perm[k]];
        const T* __restrict dz = dzt + (long)row[k] * B;
#pragma omp simd
        for (int b = 0; b < B; ++b) dx[b] += wk * dz[b];
      }
    }
  });
}

template <typename T>
void gather_transpose_impl(T* dst, const T* X, const long* idx, int nb, int I) {
  constexpr int kRows = 16;  // samples per block: their rows stream side by side, the stores stay in L1
  ::fastnet::parallel_for(I, (long)nb * I > (1L << 16), [&](long i0, long i1) {
    for (int b0 = 0; b0 < nb; b0 += kRows) {
      const int n = nb - b0 < kRows ? nb - b0 : kRows;
      const T* r[kRows];
      for (int q = 0; q < n; ++q) r[q] = X + idx[b0 + q] * (long)I;
      for (long i = i0; i < i1; ++i) {
        T* d = dst + i * nb + b0;
        for (int q = 0; q < n; ++q) d[q] = r[q][i];
      }
    }
  });
}

template <typename T>
void transpose_impl(T* dst, const T* src, int R, int C) {
  constexpr int kTile = 32;
  const int row_tiles = (R + kTile - 1) / kTile;
  ::fastnet::parallel_for(row_tiles, (long)R * C > (1L << 18), [&](long t0, long t1) {
    for (long t = t0; t < t1; ++t) {
      const int r0 = (int)t * kTile, r1 = r0 + kTile < R ? r0 + kTile : R;
      for (int c0 = 0; c0 < C; c0 += kTile) {
        const int c1 = c0 + kTile < C ? c0 + kTile : C;
        for (int r = r0; r < r1; ++r)
          for (int c = c0; c < c1; ++c) dst[(long)c * R + r] = src[(long)r * C + c];
      }
    }
  });
}

}  // namespace
