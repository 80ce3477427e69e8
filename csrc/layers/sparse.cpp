// fastnet/layers/sparse.cpp — forward directly above backward; arithmetic is in kernels/sparse_impl.h.
#include "layers/sparse.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include "core/errors.h"
#include "layers/dense.h"

namespace fastnet {

namespace {
constexpr long kMaxConnections = (1L << 31) - 1;  // int32 indices

// k distinct sorted values from [0, n): rejection for sparse rows, a partial shuffle for dense ones
void sample_row(std::vector<int32_t>& out, int k, int n, Rng& rng, std::vector<int32_t>& scratch) {
  out.clear();
  if (2L * k > n) {
    scratch.resize(static_cast<std::size_t>(n));
    std::iota(scratch.begin(), scratch.end(), 0);
    for (int i = 0; i < k; ++i) std::swap(scratch[i], scratch[i + static_cast<int>(rng.below(n - i))]);
    out.assign(scratch.begin(), scratch.begin() + k);
  } else {
    std::unordered_set<int32_t> seen;
    while (static_cast<int>(out.size()) < k) {
      const auto c = static_cast<int32_t>(rng.below(static_cast<uint64_t>(n)));
      if (seen.insert(c).second) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
}
}  // namespace

template <typename T>
Sparse<T>::Sparse(const LayerConfig& cfg, Rng& rng) : Layer<T>(cfg) {
  const int I = cfg.in_features, O = cfg.out_features;
  FASTNET_CHECK(I >= 1 && O >= 1, "sparse layer sizes must be >= 1, got ", I, "x", O);
  if (!cfg.row_ptr.empty() || !cfg.col.empty()) {
    FASTNET_CHECK(cfg.row_ptr.size() == static_cast<std::size_t>(O) + 1, "sparse topology: row_ptr must have ",
                  O + 1, " entries, got ", cfg.row_ptr.size());
    FASTNET_CHECK(cfg.row_ptr[0] == 0 && static_cast<std::size_t>(cfg.row_ptr[O]) == cfg.col.size(),
                  "sparse topology: row_ptr must start at 0 and end at the number of connections");
    for (int o = 0; o < O; ++o) {
      FASTNET_CHECK(cfg.row_ptr[o + 1] > cfg.row_ptr[o], "sparse topology: output neuron ", o,
                    " has no connections (every output needs at least one)");
      for (int j = cfg.row_ptr[o]; j < cfg.row_ptr[o + 1]; ++j) {
        FASTNET_CHECK(cfg.col[j] >= 0 && cfg.col[j] < I, "sparse topology: input index ", cfg.col[j],
                      " out of range [0, ", I, ")");
        FASTNET_CHECK(j == cfg.row_ptr[o] || cfg.col[j] > cfg.col[j - 1], "sparse topology: output neuron ", o,
                      " has duplicate or unsorted input indices");
      }
    }
    row_ptr_ = cfg.row_ptr;
    col_ = cfg.col;
  } else {
    FASTNET_CHECK(cfg.density > 0.0 && cfg.density <= 1.0, "density must be in (0, 1], got ", cfg.density);
    const double want = std::round(cfg.density * static_cast<double>(O) * static_cast<double>(I));
    const long total = std::max<long>(O, static_cast<long>(std::min<double>(want, 1.0 * O * I)));
    FASTNET_CHECK(total <= kMaxConnections, "sparse layer with ", total, " connections (at most ",
                  kMaxConnections, ")");
    // the same fan-in for every output (the remainder spread over the first rows): balanced work per neuron
    row_ptr_.resize(static_cast<std::size_t>(O) + 1);
    col_.reserve(static_cast<std::size_t>(total));
    std::vector<int32_t> row, scratch;
    row_ptr_[0] = 0;
    for (int o = 0; o < O; ++o) {
      const int k = static_cast<int>(std::min<long>(I, total / O + (o < total % O ? 1 : 0)));
      sample_row(row, std::max(1, k), I, rng, scratch);
      col_.insert(col_.end(), row.begin(), row.end());
      row_ptr_[o + 1] = static_cast<int32_t>(col_.size());
    }
  }
  build_csc();
}

template <typename T>
void Sparse<T>::build_csc() {
  const int I = this->in_features(), O = this->out_features();
  const std::size_t nnz = col_.size();
  col_ptr_.assign(static_cast<std::size_t>(I) + 1, 0);
  for (int32_t c : col_) ++col_ptr_[c + 1];
  std::partial_sum(col_ptr_.begin(), col_ptr_.end(), col_ptr_.begin());
  row_.resize(nnz);
  perm_.resize(nnz);
  std::vector<int32_t> next(col_ptr_.begin(), col_ptr_.end() - 1);
  for (int o = 0; o < O; ++o)  // rows in order, so each column's entries come out sorted by row
    for (int j = row_ptr_[o]; j < row_ptr_[o + 1]; ++j) {
      const int32_t k = next[col_[j]]++;
      row_[k] = o;
      perm_[k] = j;
    }
}

template <typename T>
double Sparse<T>::density() const {
  return static_cast<double>(col_.size()) / (static_cast<double>(this->in_features()) * this->out_features());
}

template <typename T>
void Sparse<T>::draw_weights(T* w, std::size_t n, Rng& rng) const {
  // initializers see the fan-in and fan-out a neuron actually has
  const double nnz = static_cast<double>(col_.size());
  const int fan_in = std::max(1, static_cast<int>(std::lround(nnz / this->out_features())));
  const int fan_out = std::max(1, static_cast<int>(std::lround(nnz / this->in_features())));
  init_weights(w, n, fan_in, fan_out, this->cfg_.init, this->activation(), rng);
}

template <typename T>
void Sparse<T>::init(Rng& rng) {
  draw_weights(this->weight_.value, col_.size(), rng);
  std::fill(this->bias_.value, this->bias_.value + this->bias_.size, T(0));
}

// All blocks here are transposed, (features, B): inp (I,B), out and dz (O,B), dinp (I,B).
template <typename T>
void Sparse<T>::forward(T* out, const T* inp, int B, T* pre) const {
  const int O = this->out_features();
  xt_ = inp;  // kept for the weight gradient of this batch
  if (pre) {  // z kept for the backward pass (only elementwise activations ask for it)
    kernels::csr_forward(pre, inp, this->weight_.value, this->bias_.value, row_ptr_.data(), col_.data(), B, O,
                         Act::Linear, this->alpha());
    if (this->custom()) return neurons_forward(this->cfg_, out, pre, B, B > 1);
    std::memcpy(out, pre, sizeof(T) * static_cast<std::size_t>(B) * O);
    kernels::activation_forward(this->activation(), out, B, O, this->alpha());
    return;
  }
  const bool fused = kernels::csr_forward(out, inp, this->weight_.value, this->bias_.value, row_ptr_.data(),
                                          col_.data(), B, O, this->activation(), this->alpha());
  if (this->activation() == Act::Softmax)
    kernels::softmax_columns(out, O, B);
  else if (!fused)
    kernels::activation_forward(this->activation(), out, B, O, this->alpha());  // elementwise: any layout
}

template <typename T>
void Sparse<T>::backward(T* dinp, const T* dz, const T* /*inp*/, int B) {
  kernels::csr_backward_weight(this->weight_.grad, this->bias_.grad, dz, xt_, row_ptr_.data(), col_.data(), B,
                               this->out_features());
  if (dinp) backward_input(dinp, dz, B);
}

template <typename T>
void Sparse<T>::backward_input(T* dinp, const T* dz, int B) const {
  kernels::csc_backward_input(dinp, dz, this->weight_.value, col_ptr_.data(), row_.data(), perm_.data(), B,
                              this->in_features());
}

template <typename T>
bool Sparse<T>::backward_input_gated(T* dinp, const T* dz, int B, Act act, const T* y, T alpha) const {
  if (!kernels::gate_fusable(act)) return false;
  kernels::csc_backward_input(dinp, dz, this->weight_.value, col_ptr_.data(), row_.data(), perm_.data(), B,
                              this->in_features(), act, y, alpha);
  return true;
}

template <typename T>
void Sparse<T>::sgd_step(const T* dz, const T* /*inp*/, int B, T lr, T momentum, T weight_decay, bool nesterov) {
  kernels::csr_backward_weight_sgd(this->weight_.value, this->weight_.velocity, this->bias_.value,
                                   this->bias_.velocity, this->bias_.grad, dz, xt_, row_ptr_.data(), col_.data(), B,
                                   this->out_features(), lr, momentum, weight_decay, nesterov);
}

template <typename T>
long Sparse<T>::rewire(double zeta, Rng& rng, T* state2) {
  FASTNET_CHECK(zeta >= 0.0 && zeta < 1.0, "zeta must be in [0, 1), got ", zeta);
  const int I = this->in_features(), O = this->out_features();
  const std::size_t nnz = col_.size();
  const long k = static_cast<long>(zeta * static_cast<double>(nnz));
  if (k == 0) return 0;
  T* w = this->weight_.value;
  T* v = this->weight_.velocity;
  std::vector<int32_t> row_of(nnz);
  for (int o = 0; o < O; ++o)
    for (int j = row_ptr_[o]; j < row_ptr_[o + 1]; ++j) row_of[j] = o;
  // removal: smallest magnitudes first (ties by position, so it is deterministic); a neuron keeps its last one
  std::vector<int32_t> order(nnz);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return std::abs(w[a]) < std::abs(w[b]); });
  std::vector<int32_t> fan_in(O);
  for (int o = 0; o < O; ++o) fan_in[o] = row_ptr_[o + 1] - row_ptr_[o];
  std::vector<char> removed(nnz, 0);
  long n_removed = 0;
  for (int32_t j : order) {
    if (n_removed == k) break;
    if (fan_in[row_of[j]] > 1) {
      removed[j] = 1;
      --fan_in[row_of[j]];
      ++n_removed;
    }
  }
  // regrowth at random empty positions (of the layer after removal)
  struct Entry {
    int64_t key;  // o * I + i
    T w, v, s2;
  };
  std::vector<Entry> entries;
  entries.reserve(nnz);
  std::unordered_set<int64_t> occupied;
  occupied.reserve(nnz * 2);
  for (std::size_t j = 0; j < nnz; ++j)
    if (!removed[j]) {
      const int64_t key = static_cast<int64_t>(row_of[j]) * I + col_[j];
      entries.push_back({key, w[j], v[j], state2 ? state2[j] : T(0)});
      occupied.insert(key);
    }
  const int64_t cells = static_cast<int64_t>(I) * O;
  std::vector<T> fresh(static_cast<std::size_t>(n_removed));
  draw_weights(fresh.data(), fresh.size(), rng);
  if (static_cast<double>(entries.size() + n_removed) > 0.5 * static_cast<double>(cells)) {
    std::vector<int64_t> empty;  // dense layer: enumerate the holes and draw without replacement
    for (int64_t c = 0; c < cells; ++c)
      if (!occupied.count(c)) empty.push_back(c);
    for (long i = 0; i < n_removed; ++i) {
      std::swap(empty[i], empty[i + rng.below(empty.size() - i)]);
      entries.push_back({empty[i], fresh[i], T(0), T(0)});
    }
  } else {
    for (long i = 0; i < n_removed;) {
      const int64_t c = static_cast<int64_t>(rng.below(static_cast<uint64_t>(cells)));
      if (occupied.insert(c).second) entries.push_back({c, fresh[i++], T(0), T(0)});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  std::fill(row_ptr_.begin(), row_ptr_.end(), 0);
  for (std::size_t j = 0; j < nnz; ++j) {
    const Entry& e = entries[j];
    const int o = static_cast<int>(e.key / I);
    col_[j] = static_cast<int32_t>(e.key % I);
    w[j] = e.w;
    v[j] = e.v;
    if (state2) state2[j] = e.s2;
    ++row_ptr_[o + 1];
  }
  std::partial_sum(row_ptr_.begin(), row_ptr_.end(), row_ptr_.begin());
  std::fill(this->weight_.grad, this->weight_.grad + nnz, T(0));
  build_csc();
  return n_removed;
}

template class Sparse<float>;
template class Sparse<double>;

}  // namespace fastnet
