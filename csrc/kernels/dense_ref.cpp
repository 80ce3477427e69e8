// fastnet/kernels/dense_ref.cpp — the specification of the dense kernels: plain loops, any T.
// float64 networks (gradient checks) run on these; float32 goes through the KernelTable table, which must
// match these to float32 rounding. Sums run in index order so results are reproducible.
#include "kernels/kernels.h"

#include <type_traits>

namespace fastnet::kernels {

template <typename T>
void dense_forward_ref(T* out, const T* inp, const T* weight, const T* bias, int B, int I, int O) {
  for (int b = 0; b < B; ++b) {
    const T* x = inp + static_cast<std::size_t>(b) * I;
    T* y = out + static_cast<std::size_t>(b) * O;
    for (int o = 0; o < O; ++o) {
      const T* w = weight + static_cast<std::size_t>(o) * I;
      T s = 0;
      for (int i = 0; i < I; ++i) s += x[i] * w[i];
      y[o] = s + bias[o];
    }
  }
}

template <typename T>
void dense_backward_input_ref(T* dinp, const T* dout, const T* weight, int B, int I, int O) {
  for (int b = 0; b < B; ++b) {
    T* dx = dinp + static_cast<std::size_t>(b) * I;
    const T* dy = dout + static_cast<std::size_t>(b) * O;
    for (int i = 0; i < I; ++i) dx[i] = 0;
    for (int o = 0; o < O; ++o) {
      const T* w = weight + static_cast<std::size_t>(o) * I;
      for (int i = 0; i < I; ++i) dx[i] += dy[o] * w[i];
    }
  }
}

template <typename T>
void dense_backward_weight_ref(T* dweight, T* dbias, const T* dout, const T* inp, int B, int I, int O) {
  for (int o = 0; o < O; ++o) {
    T* dw = dweight + static_cast<std::size_t>(o) * I;
    for (int i = 0; i < I; ++i) dw[i] = 0;
    T db = 0;
    for (int b = 0; b < B; ++b) {
      const T g = dout[static_cast<std::size_t>(b) * O + o];
      const T* x = inp + static_cast<std::size_t>(b) * I;
      for (int i = 0; i < I; ++i) dw[i] += g * x[i];
      db += g;
    }
    dbias[o] = db;
  }
}

template void dense_forward_ref<float>(float*, const float*, const float*, const float*, int, int, int);
template void dense_forward_ref<double>(double*, const double*, const double*, const double*, int, int, int);
template void dense_backward_input_ref<float>(float*, const float*, const float*, int, int, int);
template void dense_backward_input_ref<double>(double*, const double*, const double*, int, int, int);
template void dense_backward_weight_ref<float>(float*, float*, const float*, const float*, int, int, int);
template void dense_backward_weight_ref<double>(double*, double*, const double*, const double*, int, int, int);

// ---- typed front: float goes to the active ISA table, every other T to the reference
template <typename T>
void dense_forward(T* out, const T* inp, const T* weight, const T* bias, int B, int I, int O, Act act, T alpha) {
  if constexpr (std::is_same_v<T, float>) {
    if (kernel_table().forward(out, inp, weight, bias, B, I, O, static_cast<int>(act), alpha)) return;
  } else {
    dense_forward_ref(out, inp, weight, bias, B, I, O);
  }
  activation_forward(act, out, B, O, alpha);
}
template <typename T>
void dense_backward_input(T* dinp, const T* dout, const T* weight, int B, int I, int O) {
  if constexpr (std::is_same_v<T, float>) {
    kernel_table().backward_input(dinp, dout, weight, B, I, O);
  } else {
    dense_backward_input_ref(dinp, dout, weight, B, I, O);
  }
}
template <typename T>
void dense_backward_weight(T* dweight, T* dbias, const T* dout, const T* inp, int B, int I, int O) {
  if constexpr (std::is_same_v<T, float>) {
    kernel_table().backward_weight(dweight, dbias, dout, inp, B, I, O);
  } else {
    dense_backward_weight_ref(dweight, dbias, dout, inp, B, I, O);
  }
}

template void dense_forward<float>(float*, const float*, const float*, const float*, int, int, int, Act, float);
template void dense_forward<double>(double*, const double*, const double*, const double*, int, int, int, Act,
                                    double);
template void dense_backward_input<float>(float*, const float*, const float*, int, int, int);
template void dense_backward_input<double>(double*, const double*, const double*, int, int, int);
template void dense_backward_weight<float>(float*, float*, const float*, const float*, int, int, int);
template void dense_backward_weight<double>(double*, double*, const double*, const double*, int, int, int);

}  // namespace fastnet::kernels
