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
  // FANN's per-neuron settings (fann_set_activation_steepness, fann_set_activation_function): neuron o computes
  // y = f_o(s_o·z). steepness: (O) values >= 0, or empty for all 1; activations: (O) codes, or empty when every
  // neuron uses `activation` (a mixed layer's `activation` is its first neuron's). fann_clip: clamp s·z as FANN's
  // fann_run clamps its sum, to ±k·150/(s/k) with k = 2 where fann_double_steepness (FANN's steepness is s/k).
  std::vector<double> steepness;
  std::vector<Act> activations;
  bool fann_clip = false;
  // training controls (fastnet's layer.trainable / layer.lr_scale): a frozen layer's weights and biases are never
  // changed by fit (no update, decay, constraint or rewiring; its optimizer state is kept as it was), though the
  // gradient still flows through it; lr_scale multiplies the optimizer's learning rate for this layer's update
  bool trainable = true;
  double lr_scale = 1.0;
};

// A layer with any of the settings above runs its activations through these (layers/neurons.cpp) instead of the
// uniform kernels, always keeping its pre-activations z. transposed: the blocks are (O,B), else (B,O).
bool custom_neurons(const LayerConfig& c);
// throws std::invalid_argument naming the problem; drops steepness that is all 1 and activations all equal
void normalize_neurons(LayerConfig& c, const char* where);
Act neuron_act(const LayerConfig& c, int o);
// y = f_o(clamp(s_o·z)) (y and z may not alias)
template <typename T>
void neurons_forward(const LayerConfig& c, T* y, const T* z, int B, bool transposed);
// d *= s_o·f_o'(u) with u = clamp(s_o·z) (FANN's derivative where the clamp holds: f' at the clamped sum)
template <typename T>
void neurons_backward(const LayerConfig& c, T* d, const T* y, const T* z, int B, bool transposed);
// the loss of an output layer of this kind, its outputs y, pre-activations z and targets t row-major (B,O), and
// dz = dLoss/dz (row-major) when not null: kernels::loss_forward_backward per neuron kind, then times s_o
template <typename T>
double neurons_loss(const LayerConfig& c, kernels::Loss loss, const kernels::LossOptions& opts, const T* y,
                    const T* z, const T* t, T* dz, int B);

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
  bool custom() const { return custom_neurons(cfg_); }  // per-neuron steepness, activations or FANN's clamp
  // take those settings (and `activation`) from c, which normalize_neurons has checked
  void set_neurons(const LayerConfig& c) {
    cfg_.activation = c.activation;
    cfg_.steepness = c.steepness;
    cfg_.activations = c.activations;
    cfg_.fann_clip = c.fann_clip;
  }
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
