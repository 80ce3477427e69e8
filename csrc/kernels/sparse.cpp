// fastnet/kernels/sparse.cpp — the typed fronts of the sparse kernels: float32 goes to the active ISA's table,
// other types (float64 for the gradient checks) to the same templates compiled here.
#include <cstdint>
#include <type_traits>

#include "core/parallel.h"
#include "kernels/kernels.h"

namespace fastnet::kernels {
namespace generic_sparse {
#include "kernels/sparse_impl.h"
}  // namespace generic_sparse

template <typename T>
bool csr_forward(T* zt, const T* xt, const T* w, const T* bias, const int32_t* row_ptr, const int32_t* col, int B,
                 int O, Act act, T alpha) {
  if constexpr (std::is_same_v<T, float>) {
    return kernel_table().csr_forward(zt, xt, w, bias, row_ptr, col, B, O, static_cast<int>(act), alpha);
  } else {
    (void)act;
    (void)alpha;
    generic_sparse::csr_forward_impl(zt, xt, w, bias, row_ptr, col, B, O);
    return false;
  }
}

template <typename T>
void csr_backward_weight(T* dw, T* dbias, const T* dzt, const T* xt, const int32_t* row_ptr, const int32_t* col,
                         int B, int O) {
  if constexpr (std::is_same_v<T, float>)
    kernel_table().csr_backward_weight(dw, dbias, dzt, xt, row_ptr, col, B, O);
  else
    generic_sparse::csr_backward_weight_impl(dw, dbias, dzt, xt, row_ptr, col, B, O);
}

template <typename T>
void csr_backward_weight_sgd(T* w, T* v, T* bias, T* vbias, T* dbias, const T* dzt, const T* xt,
                             const int32_t* row_ptr, const int32_t* col, int B, int O, T lr, T momentum,
                             T weight_decay, bool nesterov) {
  if constexpr (std::is_same_v<T, float>)
    kernel_table().csr_backward_weight_sgd(w, v, bias, vbias, dbias, dzt, xt, row_ptr, col, B, O, lr, momentum,
                                           weight_decay, nesterov);
  else
    generic_sparse::csr_backward_weight_sgd_impl(w, v, bias, vbias, dbias, dzt, xt, row_ptr, col, B, O, lr,
                                                 momentum, weight_decay, nesterov);
}

template <typename T>
void csc_backward_input(T* dxt, const T* dzt, const T* w, const int32_t* col_ptr, const int32_t* row,
                        const int32_t* perm, int B, int I, Act gate_act, const T* gate_y, T gate_alpha) {
  if constexpr (std::is_same_v<T, float>) {
    kernel_table().csc_backward_input(dxt, dzt, w, col_ptr, row, perm, B, I, static_cast<int>(gate_act), gate_y,
                                      gate_alpha);
  } else {  // the reference: the two passes
    generic_sparse::csc_backward_input_impl(dxt, dzt, w, col_ptr, row, perm, B, I);
    if (gate_y) activation_backward(gate_act, dxt, gate_y, static_cast<const T*>(nullptr),
                                    static_cast<std::size_t>(I) * B, gate_alpha);
  }
}

template <typename T>
void transpose(T* dst, const T* src, int R, int C) {
  if constexpr (std::is_same_v<T, float>)
    kernel_table().transpose(dst, src, R, C);
  else
    generic_sparse::transpose_impl(dst, src, R, C);
}

template <typename T>
void gather_transpose(T* dst, const T* X, const long* idx, int nb, int I) {
  if constexpr (std::is_same_v<T, float>)
    kernel_table().gather_transpose(dst, X, idx, nb, I);
  else
    generic_sparse::gather_transpose_impl(dst, X, idx, nb, I);
}

#define FASTNET_SPARSE_INSTANTIATE(T)                                                                          \
  template bool csr_forward<T>(T*, const T*, const T*, const T*, const int32_t*, const int32_t*, int, int, Act, \
                               T);                                                                             \
  template void csr_backward_weight<T>(T*, T*, const T*, const T*, const int32_t*, const int32_t*, int, int);  \
  template void csr_backward_weight_sgd<T>(T*, T*, T*, T*, T*, const T*, const T*, const int32_t*,             \
                                           const int32_t*, int, int, T, T, T, bool);                           \
  template void csc_backward_input<T>(T*, const T*, const T*, const int32_t*, const int32_t*, const int32_t*,  \
                                      int, int, Act, const T*, T);                                             \
  template void transpose<T>(T*, const T*, int, int);                                                          \
  template void gather_transpose<T>(T*, const T*, const long*, int, int);
FASTNET_SPARSE_INSTANTIATE(float)
FASTNET_SPARSE_INSTANTIATE(double)

}  // namespace fastnet::kernels
