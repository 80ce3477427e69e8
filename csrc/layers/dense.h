// fastnet/layers/dense.h — a fully connected layer: weight (O,I) row-major as in FANN and PyTorch, bias (O).
#pragma once
#include "layers/layer.h"

namespace fastnet {

template <typename T>
class Dense final : public Layer<T> {
 public:
  explicit Dense(const LayerConfig& cfg);
  std::size_t weight_count() const override;
  void init(Rng& rng) override;
  void forward(T* out, const T* inp, int B, T* pre) const override;
  void backward(T* dinp, const T* dz, const T* inp, int B) override;
  void backward_input(T* dinp, const T* dz, int B) const override;
  void sgd_step(const T* dz, const T* inp, int B, T lr, T momentum, T weight_decay, bool nesterov) override;
  void constrain(T l1_step, T max_norm) override {
    kernels::weight_constraints(this->weight_.value, static_cast<const int32_t*>(nullptr), this->out_features(),
                                static_cast<long>(this->in_features()), l1_step, max_norm);
  }
};

// Draw `n` weights for a layer with fan_in/fan_out under `init` (Auto: He for relu kinds, Glorot otherwise).
template <typename T>
void init_weights(T* w, std::size_t n, int fan_in, int fan_out, Init init, Act act, Rng& rng);

}  // namespace fastnet
