// fastnet/layers/layer.h — the interface every layer kind implements, and the parameter views it receives.
// A layer owns its shape, activation and, for the sparse kind (sparse.h), its topology; its parameters, gradients
// and optimizer state are spans of the Network's three arenas, all laid out the same way.
// One virtual call per layer per batch, never per element.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "kernels/kernels.h"

namespace fastnet {

using kernels::Act;

enum class Init : int { Auto = 0, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal };

struct LayerConfig {
  std::string kind = "dense";  // "dense" or "sparse"
  int in_features = 0;
  int out_features = 0;
  Act activation = Act::Linear;
  double alpha = 0.01;  // leaky_relu slope
  Init init = Init::Auto;
  double dropout = 0.0;  // inverted dropout on this layer's outputs while training (not the output layer)
  // sparse only: a given topology (CSR by output: row_ptr (O+1), col (nnz), sorted, no duplicates), or empty
  // for a random one of this density (FANN's connection_rate)
  double density = 1.0;
  std::vector<int32_t> row_ptr, col;
  // training controls (fastnet's layer.trainable / layer.lr_scale): a frozen layer's weights and biases are never
  // changed by fit (no update, decay, constraint or rewiring; its optimizer state is kept as it was), though the
  // gradient still flows through it; lr_scale multiplies the optimizer's learning rate for this layer's update
  bool trainable = true;
  double lr_scale = 1.0;
};

template <typename T>
struct ParamView {  // one tensor's value, gradient and velocity: same offset in the three arenas
  T* value = nullptr;
  T* grad = nullptr;
  T* velocity = nullptr;
  std::size_t size = 0;
};

template <typename T>
class Layer {
 public:
  explicit Layer(const LayerConfig& cfg) : cfg_(cfg) {}
  virtual ~Layer() = default;

  const LayerConfig& config() const { return cfg_; }
  int in_features() const { return cfg_.in_features; }
  int out_features() const { return cfg_.out_features; }
  Act activation() const { return cfg_.activation; }
  T alpha() const { return static_cast<T>(cfg_.alpha); }
  bool trainable() const { return cfg_.trainable; }
  double lr_scale() const { return cfg_.lr_scale; }
  // fastnet's layer.trainable / layer.lr_scale setters (the Network validates lr_scale)
  void set_training(bool trainable, double lr_scale) {
    cfg_.trainable = trainable;
    cfg_.lr_scale = lr_scale;
  }

  virtual std::size_t weight_count() const = 0;  // length of the weight span (bias is out_features)
  void bind(ParamView<T> weight, ParamView<T> bias) {
    weight_ = weight;
    bias_ = bias;
  }
  const ParamView<T>& weight() const { return weight_; }
  const ParamView<T>& bias() const { return bias_; }

  virtual void init(Rng& rng) = 0;
  // true: this layer's batch inputs and outputs (and their gradients) are transposed, (features, B), when
  // B > 1. The Network converts layouts only where a layer of one kind meets one of the other.
  virtual bool transposed_io() const { return false; }
  // scratch for batches of up to B rows (called before forward with B rows; grows only)
  virtual void reserve(int /*B*/) {}
  // out (B,O) = f(inp (B,I) · Wᵀ + bias); when pre is not null it also receives the pre-activations z (B,O)
  // (the Network asks for them where kernels::needs_preactivation(activation))
  virtual void forward(T* out, const T* inp, int B, T* pre) const = 0;
  // From dz (B,O) = dLoss/dz: weight and bias gradients (overwritten) and, when dinp is not null,
  // dinp (B,I) = dLoss/d(inp) (before the previous layer's activation derivative).
  virtual void backward(T* dinp, const T* dz, const T* inp, int B) = 0;
  // dinp only (online learning computes it before the fused update below changes the weights)
  virtual void backward_input(T* dinp, const T* dz, int B) const = 0;
  // dinp multiplied by the derivative of the layer below, `act` (kernels::gate_fusable), from its outputs y
  // (in this layer's input layout): the dz of the layer below in one pass. false: not done, the caller
  // applies backward_input and the derivative itself.
  virtual bool backward_input_gated(T* /*dinp*/, const T* /*dz*/, int /*B*/, Act /*act*/, const T* /*y*/,
                                    T /*alpha*/) const {
    return false;
  }
  // The weight gradient of dz (B,O) and inp (B,I) fused with one SGD-momentum step: the gradient is never
  // written out (the grads arena serves as scratch at most). Biases are not decayed.
  virtual void sgd_step(const T* dz, const T* inp, int B, T lr, T momentum, T weight_decay, bool nesterov) = 0;
  // L1 (proximal, l1_step = lr·l1) and max-norm on each neuron's incoming weights, after an update
  virtual void constrain(T l1_step, T max_norm) = 0;

 protected:
  LayerConfig cfg_;
  ParamView<T> weight_, bias_;
};

}  // namespace fastnet
