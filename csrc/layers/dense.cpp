// fastnet/layers/dense.cpp — forward directly above backward; arithmetic is in kernels/.
#include "layers/dense.h"

#include <cmath>
#include <cstring>

#include "core/errors.h"

namespace fastnet {

template <typename T>
Dense<T>::Dense(const LayerConfig& cfg) : Layer<T>(cfg) {
  FASTNET_CHECK(cfg.in_features >= 1, "in_features must be >= 1, got ", cfg.in_features);
  FASTNET_CHECK(cfg.out_features >= 1, "out_features must be >= 1, got ", cfg.out_features);
}

template <typename T>
std::size_t Dense<T>::weight_count() const {
  return static_cast<std::size_t>(this->in_features()) * this->out_features();
}

template <typename T>
void Dense<T>::init(Rng& rng) {
  init_weights(this->weight_.value, weight_count(), this->in_features(), this->out_features(), this->cfg_.init,
               this->activation(), rng);
  for (std::size_t o = 0; o < this->bias_.size; ++o) this->bias_.value[o] = T(0);
}

template <typename T>
void Dense<T>::forward(T* out, const T* inp, int B, T* pre) const {
  const int I = this->in_features(), O = this->out_features();
  if (pre) {  // z kept for the backward pass: the product into pre, the activation applied to a copy
    kernels::dense_forward(pre, inp, this->weight_.value, this->bias_.value, B, I, O, Act::Linear, this->alpha());
    if (this->custom()) return neurons_forward(this->cfg_, out, pre, B, false);
    std::memcpy(out, pre, sizeof(T) * static_cast<std::size_t>(B) * O);
    kernels::activation_forward(this->activation(), out, B, O, this->alpha());
    return;
  }
  kernels::dense_forward(out, inp, this->weight_.value, this->bias_.value, B, I, O, this->activation(),
                         this->alpha());
}

template <typename T>
void Dense<T>::backward(T* dinp, const T* dz, const T* inp, int B) {
  const int I = this->in_features(), O = this->out_features();
  kernels::dense_backward_weight(this->weight_.grad, this->bias_.grad, dz, inp, B, I, O);
  if (dinp) kernels::dense_backward_input(dinp, dz, this->weight_.value, B, I, O);
}

template <typename T>
void Dense<T>::backward_input(T* dinp, const T* dz, int B) const {
  kernels::dense_backward_input(dinp, dz, this->weight_.value, B, this->in_features(), this->out_features());
}

template <typename T>
void Dense<T>::sgd_step(const T* dz, const T* inp, int B, T lr, T momentum, T weight_decay, bool nesterov) {
  const ParamView<T>& w = this->weight_;
  const ParamView<T>& b = this->bias_;
  const int I = this->in_features(), O = this->out_features();
  if (B == 1)  // online learning: the gradient is an outer product
    kernels::sgd_outer_update(w.value, w.velocity, b.value, b.velocity, dz, inp, I, O, lr, momentum, weight_decay,
                              nesterov);
  else
    kernels::dense_backward_weight_sgd(w.value, w.velocity, w.grad, b.value, b.velocity, b.grad, dz, inp, B, I, O,
                                       lr, momentum, weight_decay, nesterov);
}

template <typename T>
void init_weights(T* w, std::size_t n, int fan_in, int fan_out, Init init, Act act, Rng& rng) {
  if (init == Init::Auto)
    init = (act == Act::Relu || act == Act::LeakyRelu) ? Init::HeUniform : Init::GlorotUniform;
  const double fi = fan_in, fo = fan_out;
  double scale = 0.0;  // variance of the distribution
  switch (init) {
    case Init::GlorotUniform:
    case Init::GlorotNormal:
      scale = 2.0 / (fi + fo);
      break;
    case Init::HeUniform:
    case Init::HeNormal:
      scale = 2.0 / fi;
      break;
    default:
      scale = 1.0 / fi;
      break;
  }
  const bool uniform = init == Init::GlorotUniform || init == Init::HeUniform || init == Init::LecunUniform;
  if (uniform) {
    const double limit = std::sqrt(3.0 * scale);  // U(-a, a) has variance a²/3
    for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(rng.uniform(-limit, limit));
  } else {
    const double sd = std::sqrt(scale);
    for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(sd * rng.normal());
  }
}

template class Dense<float>;
template class Dense<double>;
template void init_weights<float>(float*, std::size_t, int, int, Init, Act, Rng&);
template void init_weights<double>(double*, std::size_t, int, int, Init, Act, Rng&);

}  // namespace fastnet
