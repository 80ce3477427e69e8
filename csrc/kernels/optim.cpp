// fastnet/kernels/optim.cpp — SGD with momentum (PyTorch's formulation, so runs compare step for step):
//   g = grad + weight_decay·param;  v = momentum·v + g;  param −= lr·v   (nesterov: param −= lr·(g + momentum·v))
// float32 runs the ISA table's vectorized loops; other types the plain loops below, which are their spec.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/kernels.h"

namespace fastnet::kernels {

template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, std::size_t n, T lr, T momentum, T weight_decay,
                bool nesterov) {
  if constexpr (std::is_same_v<T, float>) {
    kernel_table().sgd_update(param, grad, velocity, n, lr, momentum, weight_decay, nesterov);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const T g = grad[i] + weight_decay * param[i];
      const T v = momentum * velocity[i] + g;
      velocity[i] = v;
      param[i] -= lr * (nesterov ? g + momentum * v : v);
    }
  }
}

template <typename T>
void sgd_outer_update(T* weight, T* velocity, T* bias, T* vbias, const T* dout, const T* inp, int I, int O, T lr,
                      T momentum, T weight_decay, bool nesterov) {
  if constexpr (std::is_same_v<T, float>) {
    kernel_table().sgd_outer_update(weight, velocity, bias, vbias, dout, inp, I, O, lr, momentum, weight_decay,
                                     nesterov);
  } else {
    for (int o = 0; o < O; ++o) {
      for (int i = 0; i < I; ++i) {
        const std::size_t k = static_cast<std::size_t>(o) * I + i;
        const T g = dout[o] * inp[i] + weight_decay * weight[k];
        const T v = momentum * velocity[k] + g;
        velocity[k] = v;
        weight[k] -= lr * (nesterov ? g + momentum * v : v);
      }
      const T vb = momentum * vbias[o] + dout[o];
      vbias[o] = vb;
      bias[o] -= lr * (nesterov ? dout[o] + momentum * vb : vb);
    }
  }
}

template <typename T>
void dense_backward_weight_sgd(T* weight, T* velocity, T* dweight, T* bias, T* vbias, T* dbias, const T* dout,
                               const T* inp, int B, int I, int O, T lr, T momentum, T weight_decay, bool nesterov) {
  if constexpr (std::is_same_v<T, float>) {
    kernel_table().backward_weight_sgd(weight, velocity, dweight, bias, vbias, dbias, dout, inp, B, I, O, lr,
                                        momentum, weight_decay, nesterov);
  } else {  // the specification: gradient, then the step
    dense_backward_weight_ref(dweight, dbias, dout, inp, B, I, O);
    sgd_update(weight, dweight, velocity, static_cast<std::size_t>(O) * I, lr, momentum, weight_decay, nesterov);
    sgd_update(bias, dbias, vbias, static_cast<std::size_t>(O), lr, momentum, T(0), nesterov);
  }
}

template void dense_backward_weight_sgd<float>(float*, float*, float*, float*, float*, float*, const float*,
                                               const float*, int, int, int, float, float, float, bool);
template void dense_backward_weight_sgd<double>(double*, double*, double*, double*, double*, double*,
                                                const double*, const double*, int, int, int, double, double,
                                                double, bool);
template <typename T>
void weight_constraints(T* w, const int32_t* row_ptr, int O, long row_len, T l1_step, T max_norm) {
  for (int o = 0; o < O; ++o) {
    T* r = w + (row_ptr ? row_ptr[o] : static_cast<long>(o) * row_len);
    const long n = row_ptr ? row_ptr[o + 1] - row_ptr[o] : row_len;
    if (l1_step > T(0))
      for (long i = 0; i < n; ++i) {
        const T a = std::abs(r[i]) - l1_step;
        r[i] = a > T(0) ? std::copysign(a, r[i]) : T(0);
      }
    if (max_norm > T(0)) {
      T ss = 0;
      for (long i = 0; i < n; ++i) ss += r[i] * r[i];
      if (ss > max_norm * max_norm) {
        const T scale = max_norm / std::sqrt(ss);
        for (long i = 0; i < n; ++i) r[i] *= scale;
      }
    }
  }
}

template void weight_constraints<float>(float*, const int32_t*, int, long, float, float);
template void weight_constraints<double>(double*, const int32_t*, int, long, double, double);
template void sgd_update<float>(float*, const float*, float*, std::size_t, float, float, float, bool);
template void sgd_update<double>(double*, const double*, double*, std::size_t, double, double, double, bool);
template void sgd_outer_update<float>(float*, float*, float*, float*, const float*, const float*, int, int, float,
                                      float, float, bool);
template void sgd_outer_update<double>(double*, double*, double*, double*, const double*, const double*, int, int,
                                       double, double, double, bool);

}  // namespace fastnet::kernels
