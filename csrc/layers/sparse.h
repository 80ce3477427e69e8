// fastnet/layers/sparse.h — a sparsely connected layer: only the connections that exist are stored and
// computed. Topology as CSR by output neuron (row_ptr, col), weights as one span of the arena in CSR order, and a
// CSC copy (col_ptr, row, perm) for the input gradient. Memory and time are proportional to the connections.
#pragma once
#include <vector>

#include "core/aligned.h"
#include "layers/layer.h"

namespace fastnet {

template <typename T>
class Sparse final : public Layer<T> {
 public:
  // builds the given topology (validated) or a random one of cfg.density, drawing from rng
  Sparse(const LayerConfig& cfg, Rng& rng);
  std::size_t weight_count() const override { return col_.size(); }
  void init(Rng& rng) override;
  void reserve(int B) override;
  // transposed I/O, except with a softmax (row-wise over outputs): then the layer transposes internally
  bool transposed_io() const override { return this->activation() != Act::Softmax; }
  void forward(T* out, const T* inp, int B) const override;
  void backward(T* dinp, const T* dz, const T* inp, int B) override;
  void backward_input(T* dinp, const T* dz, int B) const override;
  void sgd_step(const T* dz, const T* inp, int B, T lr, T momentum, T weight_decay, bool nesterov) override;

  const std::vector<int32_t>& row_ptr() const { return row_ptr_; }
  const std::vector<int32_t>& col() const { return col_; }
  double density() const;
  // Sparse Evolutionary Training: drop the fraction zeta of connections with the smallest |weight| (never a
  // neuron's last one), regrow as many at random empty positions with fresh weights and zero momentum.
  // Returns the number of connections replaced. nnz stays constant.
  long rewire(double zeta, Rng& rng);

 private:
  void build_csc();
  void draw_weights(T* w, std::size_t n, Rng& rng) const;
  // transposed activations of the current batch: xt (I,B) of the forward's input, zt (O,B), dxt (I,B)
  const T* transposed_input(const T* inp, int B) const;
  const T* transposed_grad(const T* dz, int B) const;

  std::vector<int32_t> row_ptr_, col_;         // CSR by output
  std::vector<int32_t> col_ptr_, row_, perm_;  // CSC by input; perm: CSC position -> CSR position
  mutable AlignedBuffer<T> xt_, zt_, dxt_;
  mutable const T* xt_ptr_ = nullptr;  // xt_ or, for one sample, the input itself (a (1,I) row is (I,1))
  mutable const T* dzt_ptr_ = nullptr;  // set by backward_input: this batch's dz already transposed
  int capacity_ = 0;
};

}  // namespace fastnet
