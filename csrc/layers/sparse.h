// fastnet/layers/sparse.h — a sparsely connected layer: only the connections that exist are stored and
// computed. Topology as CSR by output neuron (row_ptr, col), weights as one span of the arena in CSR order, and a
// CSC copy (col_ptr, row, perm) for the input gradient. Memory and time are proportional to the connections.
// Its batch inputs, outputs and gradients are transposed, (features, B) (see transposed_io in layer.h).
#pragma once
#include <vector>

#include "layers/layer.h"

namespace fastnet {

template <typename T>
class Sparse final : public Layer<T> {
 public:
  // builds the given topology (validated) or a random one of cfg.density, drawing from rng
  Sparse(const LayerConfig& cfg, Rng& rng);
  std::size_t weight_count() const override { return col_.size(); }
  void init(Rng& rng) override;
  bool transposed_io() const override { return true; }
  void forward(T* out, const T* inp, int B, T* pre) const override;
  void backward(T* dinp, const T* dz, const T* inp, int B) override;
  void backward_input(T* dinp, const T* dz, int B) const override;
  bool backward_input_gated(T* dinp, const T* dz, int B, Act act, const T* y, T alpha) const override;
  void sgd_step(const T* dz, const T* inp, int B, T lr, T momentum, T weight_decay, bool nesterov) override;
  void constrain(T l1_step, T max_norm) override {
    kernels::weight_constraints(this->weight_.value, row_ptr_.data(), this->out_features(), 0L, l1_step, max_norm);
  }

  const std::vector<int32_t>& row_ptr() const { return row_ptr_; }
  const std::vector<int32_t>& col() const { return col_; }
  double density() const;
  // Sparse Evolutionary Training: drop the fraction zeta of connections with the smallest |weight| (never a
  // neuron's last one), regrow as many at random empty positions with fresh weights and zero momentum.
  // Returns the number of connections replaced. nnz stays constant.
  // state2: the optimizer's second state for this layer's weights (laid out like them), or null; it moves with
  // its connection like the value and the velocity do, and starts at 0 for a new one
  long rewire(double zeta, Rng& rng, T* state2 = nullptr);

 private:
  void build_csc();
  void draw_weights(T* w, std::size_t n, Rng& rng) const;

  std::vector<int32_t> row_ptr_, col_;         // CSR by output
  std::vector<int32_t> col_ptr_, row_, perm_;  // CSC by input; perm: CSC position -> CSR position
  mutable const T* xt_ = nullptr;  // the forward pass's input (I,B), for the weight gradient of the same batch
};

}  // namespace fastnet
