// fastnet/cascade/cascade_train.cpp — see cascade_train.h. The Trainer holds what one cascade run keeps between
// epochs: every unit's value over the training set, the targets, the output neurons' update-rule state and the
// candidate pool. Sections follow FANN's fann_cascade.c: output training, candidates (initialization, epoch,
// training loop), installation, the driver.
#include "cascade/cascade_train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "core/interrupt.h"
#include "core/parallel.h"
#include "core/threads.h"
#include "kernels/update_rules.h"

namespace fastnet::cascade {

void CascadeParams::validate() const {
  FASTNET_CHECK(max_neurons >= 0, "max_neurons must be >= 0, got ", max_neurons);
  FASTNET_CHECK(std::isfinite(desired_error) && desired_error >= 0.0, "desired_error must be >= 0, got ",
                desired_error);
  FASTNET_CHECK(bit_fail_limit > 0.0, "bit_fail_limit must be > 0, got ", bit_fail_limit);
  FASTNET_CHECK(optim.kind == OptKind::RPROP || optim.kind == OptKind::Quickprop || optim.kind == OptKind::SARPROP,
                "cascade training uses FANN's full-batch algorithms: RPROP, Quickprop or SARPROP");
  FASTNET_CHECK(max_out_epochs >= 1 && max_cand_epochs >= 1, "max_out_epochs and max_cand_epochs must be >= 1");
  FASTNET_CHECK(min_out_epochs >= 0 && min_cand_epochs >= 0, "min_out_epochs and min_cand_epochs must be >= 0");
  FASTNET_CHECK(output_stagnation_epochs >= 1 && candidate_stagnation_epochs >= 1,
                "the stagnation epochs must be >= 1");
  FASTNET_CHECK(output_change_fraction >= 0.0 && candidate_change_fraction >= 0.0,
                "the change fractions must be >= 0");
  FASTNET_CHECK(!candidate_acts.empty() && !candidate_steepnesses.empty() && num_candidate_groups >= 1,
                "the candidate pool is empty: give at least one activation, one steepness and one group");
  for (Act a : candidate_acts)
    FASTNET_CHECK(is_fann_kind(a) && kernels::trainable(a), "candidate activation code ", static_cast<int>(a),
                  " cannot be trained (threshold kinds have no useful derivative; relu kinds are not FANN's)");
  for (float s : candidate_steepnesses)
    FASTNET_CHECK(std::isfinite(s) && s > 0.0f, "candidate steepnesses must be > 0, got ", s);
  FASTNET_CHECK(static_cast<long>(candidate_acts.size()) * static_cast<long>(candidate_steepnesses.size()) *
                        num_candidate_groups <= 100000, "too many candidates (at most 100,000)");
  FASTNET_CHECK(std::isfinite(weight_multiplier), "weight_multiplier must be finite");
  FASTNET_CHECK(candidate_limit > 0.0, "candidate_limit must be > 0");
}

namespace {

// Samples per block of an output epoch: its gradient is summed per block, then over blocks in order, so the
// sum does not depend on the thread count; at most ~256 blocks whatever N.
long block_size(long N) { return std::max(512L, (N + 255) / 256); }
// Multiply-adds per epoch below which a thread team costs more than it saves: an epoch of that size takes
// ~0.3 ms on one core, and a team's barrier costs microseconds on idle cores but milliseconds on busy ones.
constexpr long kParallelWork = 1L << 20;

// out[c] = Σ_b d[b]·V[c][b] for the F rows of V (stride ld): a unit-by-unit weight gradient
void rows_dot(float* out, const float* d, const float* V, long ld, int F, long B) {
  kernels::kernel_table().rows_dot(out, d, V, ld, F, B);
}

int thread_index() {
#ifdef _OPENMP
  return omp_in_parallel() ? omp_get_thread_num() : 0;
#else
  return 0;
#endif
}

// FANN_ERRORFUNC_TANH: the error pushed back is 2·atanh(d), which grows without bound near ±1
float tanh_error(float d) {
  if (d < -0.9999999f) return -17.0f;
  if (d > 0.9999999f) return 17.0f;
  return std::log((1.0f + d) / (1.0f - d));
}

class Trainer {
 public:
  Trainer(ShortcutNet& net, const float* X, const float* T, long N, const CascadeParams& p, Rng& rng,
          int extra_units);

  int train_outputs(double desired_error);
  bool reached(double desired_error) const {
    return p_.stop_on_bit_fail ? bit_fail_ <= static_cast<long>(desired_error) : mse_ <= desired_error;
  }
  double mse() const { return mse_; }
  long bit_fail() const { return bit_fail_; }

  void compute_errors();
  void init_candidates();
  void set_candidates(const std::vector<Act>& acts, const std::vector<float>& steepness, const float* weights);
  void set_score_base(double sse) { sse_base_ = sse; }
  int train_candidates();
  double candidate_epoch(bool update);
  const double* scores() const { return cscore_.data(); }
  const float* candidate_gradients() const { return cg_.data(); }
  int best() const { return best_; }
  Act candidate_act(int c) const { return cacts_[static_cast<std::size_t>(c)]; }
  float candidate_steepness(int c) const { return csteep_[static_cast<std::size_t>(c)]; }
  void install_best();

 private:
  double output_epoch();
  void update(float* w, float* g, float* s1, float* s2, std::size_t n, double mse, uint64_t key);
  float* scratch(int t) { return scratch_.data() + static_cast<std::size_t>(t) * 4 * scratch_len_; }
  float* row(int u) { return V_.data() + static_cast<std::size_t>(u) * N_; }
  std::size_t outputs_first() const { return net_.first_weights()[static_cast<std::size_t>(net_.num_hidden())]; }

  ShortcutNet& net_;
  const CascadeParams& p_;
  Rng& rng_;
  long N_;
  int I_, O_;
  int units_ = 0;                // rows of V_ in use: inputs, bias, hidden neurons
  std::vector<float> V_;         // (capacity, N) unit values, neuron-major
  std::vector<float> Tt_;        // (O, N) targets, transposed
  std::vector<float> E_;         // (O, N) output errors t − y (halved for symmetric outputs) for the candidates
  std::vector<float> scratch_;   // per thread: 4 rows of scratch_len_
  std::size_t scratch_len_ = 0;
  int threads_ = 1;              // the team scratch_ was sized for (read once: see parallel.h)
  // output training: gradient and the update rule's two states, over the outputs' weights (O, F)
  std::vector<float> og_, os1_, os2_, partial_;
  std::vector<double> block_sse_;
  std::vector<long> block_bits_;
  double sse_ = 0.0, mse_ = 0.0, sse_base_ = 0.0;
  long bit_fail_ = 0;
  long sarprop_epoch_ = 0;
  // candidates: C of them, each with K = F + O weights (F incoming, then O outgoing)
  std::vector<Act> cacts_;
  std::vector<float> csteep_, cw_, cg_, cs1_, cs2_;
  std::vector<double> cscore_;
  int best_ = 0;
};

Trainer::Trainer(ShortcutNet& net, const float* X, const float* T, long N, const CascadeParams& p, Rng& rng,
                 int extra_units)
    : net_(net), p_(p), rng_(rng), N_(N), I_(net.num_inputs), O_(net.num_outputs) {
  const std::size_t capacity = static_cast<std::size_t>(net.num_units()) + static_cast<std::size_t>(extra_units);
  FASTNET_CHECK(capacity * static_cast<std::size_t>(N) < (std::size_t{1} << 33), "the training set times the "
                "network's units (", capacity, " x ", N, ") is too large for cascade training's unit cache");
  V_.assign(capacity * static_cast<std::size_t>(N), 0.0f);
  for (long n = 0; n < N; ++n)
    for (int i = 0; i < I_; ++i) V_[static_cast<std::size_t>(i) * N + n] = X[n * I_ + i];
  std::fill(row(I_), row(I_) + N, 1.0f);
  units_ = I_ + 1;
  Tt_.resize(static_cast<std::size_t>(O_) * N);
  for (long n = 0; n < N; ++n)
    for (int o = 0; o < O_; ++o) Tt_[static_cast<std::size_t>(o) * N + n] = T[n * O_ + o];
  E_.resize(static_cast<std::size_t>(O_) * N);
  scratch_len_ = static_cast<std::size_t>(std::max(N, block_size(N)));
  threads_ = max_threads();
  scratch_.resize(static_cast<std::size_t>(threads_) * 4 * scratch_len_);
  // the hidden neurons the network already has: their values, once
  const std::vector<int> fan = net.fan_ins();
  const std::vector<std::size_t> first = net.first_weights();
  for (int h = 0; h < net.num_hidden(); ++h) {
    float* sum = scratch(0);
    weighted_sum(sum, net.weights.data() + first[static_cast<std::size_t>(h)], V_.data(), N, fan[h], N);
    apply_block(net.act[h], net.steepness[h], sum, row(units_), nullptr, N);
    ++units_;
  }
}

void Trainer::update(float* w, float* g, float* s1, float* s2, std::size_t n, double mse, uint64_t key) {
  switch (p_.optim.kind) {
    case OptKind::Quickprop:
      kernels::quickprop_update(w, g, s1, s2, n, N_, p_.optim.quickprop);
      break;
    case OptKind::SARPROP:
      kernels::sarprop_update(w, g, s1, s2, n, sarprop_epoch_, mse, key, p_.optim.sarprop);
      break;
    default:
      kernels::irprop_minus_update(w, g, s1, s2, n, p_.optim.rprop);
      break;
  }
}

// ---------------------------------------------------------------- output training (fann_train_outputs)

// One epoch: every output's error and gradient over the training set with the current weights, then one
// update. Returns FANN's MSE of the weights before the update, as fann_train_outputs_epoch does.
double Trainer::output_epoch() {
  check_interrupt();
  const int F = units_, O = O_;
  const long N = N_, bs = block_size(N), nb = (N + bs - 1) / bs;
  float* W = net_.weights.data() + outputs_first();  // (O, F)
  const int H = net_.num_hidden();
  partial_.resize(static_cast<std::size_t>(nb) * O * F);
  block_sse_.assign(static_cast<std::size_t>(nb), 0.0);
  block_bits_.assign(static_cast<std::size_t>(nb), 0);
  const float limit = static_cast<float>(p_.bit_fail_limit);
  parallel_for_threads(nb, nb > 1 && N * F * O > kParallelWork ? threads_ : 1, [&](long b0, long b1) {
    float* sum = scratch(thread_index());
    float* y = sum + scratch_len_;
    float* u = y + scratch_len_;
    float* delta = u + scratch_len_;
    for (long blk = b0; blk < b1; ++blk) {
      const long s0 = blk * bs, B = std::min(bs, N - s0);
      double sse = 0.0;
      long bits = 0;
      for (int o = 0; o < O; ++o) {
        const Act a = net_.act[static_cast<std::size_t>(H + o)];
        const float s = net_.steepness[static_cast<std::size_t>(H + o)];
        const bool halve = fann_halves_error(a);
        weighted_sum(sum, W + static_cast<std::size_t>(o) * F, V_.data() + s0, N, F, B);
        apply_block(a, s, sum, y, u, B);
        const float* t = Tt_.data() + static_cast<std::size_t>(o) * N + s0;
        for (long b = 0; b < B; ++b) {  // fann_compute_MSE: the error, its square, bit fail, derivative
          float diff = t[b] - y[b];
          if (halve) diff *= 0.5f;
          sse += static_cast<double>(diff) * diff;
          bits += std::fabs(diff) >= limit;
          const float err = p_.tanh_error ? tanh_error(diff) : diff;
          delta[b] = s * fann_derivative(a, y[b], u[b]) * err;
        }
        rows_dot(partial_.data() + (static_cast<std::size_t>(blk) * O + o) * F, delta, V_.data() + s0, N, F, B);
      }
      block_sse_[static_cast<std::size_t>(blk)] = sse;
      block_bits_[static_cast<std::size_t>(blk)] = bits;
    }
  });
  const std::size_t n = static_cast<std::size_t>(O) * F;
  og_.assign(n, 0.0f);
  sse_ = 0.0;
  bit_fail_ = 0;
  for (long blk = 0; blk < nb; ++blk) {  // in block order: the same sums for any thread count
    const float* ps = partial_.data() + static_cast<std::size_t>(blk) * n;
    for (std::size_t i = 0; i < n; ++i) og_[i] -= ps[i];  // FANN's slopes are −gradient
    sse_ += block_sse_[static_cast<std::size_t>(blk)];
    bit_fail_ += block_bits_[static_cast<std::size_t>(blk)];
  }
  if (!std::isfinite(sse_))
    throw std::domain_error("cascade training diverged: the output error became " + std::to_string(sse_) +
                            " with " + std::to_string(H) + " hidden neurons");
  mse_ = sse_ / (static_cast<double>(N) * O);
  const uint64_t key = p_.optim.kind == OptKind::SARPROP ? rng_.next() : 0;
  update(W, og_.data(), os1_.data(), os2_.data(), n, mse_, key);
  if (p_.optim.kind == OptKind::SARPROP) ++sarprop_epoch_;
  return mse_;
}

// FANN's loop: after any significant change (by output_change_fraction) of the improvement since the first
// epoch, allow output_stagnation_epochs more; stop on the desired error, on stagnation after min_out_epochs, or
// at max_out_epochs. Returns the epochs run. The update rule's state starts afresh (fann_clear_train_arrays).
int Trainer::train_outputs(double desired_error) {
  const std::size_t n = static_cast<std::size_t>(O_) * units_;
  os1_.assign(n, 0.0f);
  os2_.assign(n, p_.optim.kind == OptKind::RPROP ? static_cast<float>(p_.optim.rprop.delta_zero) : 0.0f);
  const double initial = output_epoch();
  if (reached(desired_error)) return 1;
  const double frac = p_.output_change_fraction;
  double target = 0.0, backslide = -1.0e20;
  int stagnation = p_.max_out_epochs;
  for (int i = 1; i < p_.max_out_epochs; ++i) {
    const double error = output_epoch();
    if (reached(desired_error)) return i + 1;
    const double improvement = initial - error;
    if ((target >= 0 && (improvement > target || improvement < backslide)) ||
        (target < 0 && (improvement < target || improvement > backslide))) {
      target = improvement * (1.0 + frac);
      backslide = improvement * (1.0 - frac);
      stagnation = i + p_.output_stagnation_epochs;
    }
    if (i >= stagnation && i >= p_.min_out_epochs) return i + 1;
  }
  return p_.max_out_epochs;
}

// ---------------------------------------------------------------- candidates (fann_train_candidates)

// The output errors the candidates are scored against (fann_train_candidates_epoch), with the outputs' current
// weights; the score's base is the sum of squared errors of the last output epoch (FANN's MSE_value)
void Trainer::compute_errors() {
  const int F = units_, H = net_.num_hidden();
  const long N = N_, bs = block_size(N), nb = (N + bs - 1) / bs;
  const float* W = net_.weights.data() + outputs_first();
  parallel_for_threads(nb, nb > 1 && N * F * O_ > kParallelWork ? threads_ : 1, [&](long b0, long b1) {
    float* sum = scratch(thread_index());
    float* y = sum + scratch_len_;
    for (long blk = b0; blk < b1; ++blk) {
      const long s0 = blk * bs, B = std::min(bs, N - s0);
      for (int o = 0; o < O_; ++o) {
        const Act a = net_.act[static_cast<std::size_t>(H + o)];
        weighted_sum(sum, W + static_cast<std::size_t>(o) * F, V_.data() + s0, N, F, B);
        apply_block(a, net_.steepness[static_cast<std::size_t>(H + o)], sum, y, nullptr, B);
        const float* t = Tt_.data() + static_cast<std::size_t>(o) * N + s0;
        float* e = E_.data() + static_cast<std::size_t>(o) * N + s0;
        const float k = fann_halves_error(a) ? 0.5f : 1.0f;
        for (long b = 0; b < B; ++b) e[b] = (t[b] - y[b]) * k;
      }
    }
  });
  sse_base_ = sse_;
}

// fann_initialize_candidates: for each activation function, each steepness, each group, a candidate with
// weights uniform in [0, scale] (its bias weight in [−scale, scale]), scale = 2·(0.7·h)^(1/inputs) in [0.5, 8],
// a "semi Nguyen-Widrow" initialization. FANN's h counts the bias unit as a hidden neuron; kept.
void Trainer::init_candidates() {
  const int F = units_, K = F + O_;
  cacts_.clear();
  csteep_.clear();
  for (Act a : p_.candidate_acts)
    for (float s : p_.candidate_steepnesses)
      for (int k = 0; k < p_.num_candidate_groups; ++k) {
        cacts_.push_back(a);
        csteep_.push_back(s);
      }
  const std::size_t C = cacts_.size();
  const float hidden = static_cast<float>(net_.num_hidden() + 1);
  float scale = static_cast<float>(2.0 * std::pow(0.7f * hidden, 1.0f / static_cast<float>(I_)));
  scale = std::min(8.0f, std::max(0.5f, scale));
  cw_.resize(C * static_cast<std::size_t>(K));
  for (std::size_t c = 0; c < C; ++c)
    for (int i = 0; i < K; ++i)
      cw_[c * K + i] = static_cast<float>(i == I_ ? rng_.uniform(-scale, scale) : rng_.uniform(0.0, scale));
  cg_.assign(cw_.size(), 0.0f);
  cs1_.assign(cw_.size(), 0.0f);
  cs2_.assign(cw_.size(), p_.optim.kind == OptKind::RPROP ? static_cast<float>(p_.optim.rprop.delta_zero) : 0.0f);
  cscore_.assign(C, 0.0);
}

void Trainer::set_candidates(const std::vector<Act>& acts, const std::vector<float>& steepness,
                             const float* weights) {
  cacts_ = acts;
  csteep_ = steepness;
  const std::size_t n = acts.size() * static_cast<std::size_t>(units_ + O_);
  cw_.assign(weights, weights + n);
  cg_.assign(n, 0.0f);
  cs1_.assign(n, 0.0f);
  cs2_.assign(n, 0.0f);
  cscore_.assign(acts.size(), 0.0);
}

// One epoch of every candidate (fann_update_candidate_slopes over the training set, then
// fann_update_candidate_weights); returns the best score, of the weights before the update, as FANN does.
// A candidate with value a and output weights v leaves the errors e − a·v; its score is the base sum of squared
// errors minus Σ (a·v − e)² over samples and outputs. The gradient of Σ (a·v − e)²: 2·(a·v − e)·a for v_j,
// and for its incoming weights Σ_j (a·v_j − e_j)·v_j·f'·x — without the factor 2 there too, as in FANN (only
// Quickprop's linear term sees the scale).
double Trainer::candidate_epoch(bool update_weights) {
  check_interrupt();
  const int F = units_, O = O_, K = F + O;
  const long N = N_, C = static_cast<long>(cacts_.size());
  const uint64_t key = update_weights && p_.optim.kind == OptKind::SARPROP ? rng_.next() : 0;
  const double mse = sse_base_ / (static_cast<double>(N) * O);
  parallel_for(C, C > 1 && C * N * K > kParallelWork, [&](long c0, long c1) {
    float* sum = scratch(thread_index());
    float* a = sum + scratch_len_;
    float* d = a + scratch_len_;
    float* err = d + scratch_len_;
    for (long c = c0; c < c1; ++c) {  // each candidate serially, the same way on any thread
      float* w = cw_.data() + static_cast<std::size_t>(c) * K;
      float* g = cg_.data() + static_cast<std::size_t>(c) * K;
      const Act act = cacts_[static_cast<std::size_t>(c)];
      const float s = csteep_[static_cast<std::size_t>(c)];
      weighted_sum(sum, w, V_.data(), N, F, N);
      apply_block_with_derivative(act, s, sum, a, d, N);
      std::fill(err, err + N, 0.0f);
      double residual = 0.0;
      for (int j = 0; j < O; ++j) {
        const float v = w[F + j];
        const float* e = E_.data() + static_cast<std::size_t>(j) * N;
        float ga = 0.0f;
        for (long n0 = 0; n0 < N; n0 += 512) {  // float sums over chunks (vectorized), the chunks' in double
          const long n1 = std::min(N, n0 + 512);
          float r = 0.0f;
#pragma omp simd reduction(+ : r, ga)
          for (long n = n0; n < n1; ++n) {
            const float diff = a[n] * v - e[n];
            r += diff * diff;
            ga += diff * a[n];
            err[n] += diff * v;
          }
          residual += r;
        }
        g[F + j] = 2.0f * ga;
      }
      for (long n = 0; n < N; ++n) err[n] *= d[n];
      rows_dot(g, err, V_.data(), N, F, N);
      cscore_[static_cast<std::size_t>(c)] = sse_base_ - residual;
      if (update_weights)
        update(w, g, cs1_.data() + static_cast<std::size_t>(c) * K, cs2_.data() + static_cast<std::size_t>(c) * K,
               static_cast<std::size_t>(K), mse, key + static_cast<uint64_t>(c) * K);
    }
  });
  best_ = 0;
  for (long c = 1; c < C; ++c)
    if (cscore_[static_cast<std::size_t>(c)] > cscore_[static_cast<std::size_t>(best_)]) best_ = static_cast<int>(c);
  return cscore_[static_cast<std::size_t>(best_)];
}

// FANN's candidate loop: the same stagnation rule as the outputs', on the best score itself, and an early exit
// when the best score exceeds candidate_limit times the base error. Returns the epochs run.
int Trainer::train_candidates() {
  const double frac = p_.candidate_change_fraction;
  double target = 0.0, backslide = -1.0e20;
  int stagnation = p_.max_cand_epochs;
  for (int i = 0; i < p_.max_cand_epochs; ++i) {
    const double best = candidate_epoch(true);
    if (sse_base_ > 0.0 && best / sse_base_ > p_.candidate_limit) return i + 1;
    if (best > target || best < backslide) {
      target = best * (1.0 + frac);
      backslide = best * (1.0 - frac);
      stagnation = i + p_.candidate_stagnation_epochs;
    }
    if (i >= stagnation && i >= p_.min_cand_epochs) return i + 1;
  }
  return p_.max_cand_epochs;
}

// ---------------------------------------------------------------- installation (fann_install_candidate)

// The best candidate becomes a hidden neuron with its incoming weights; output o gets a connection from it with
// the candidate's output weight o times weight_multiplier. Its values over the training set join the cache.
void Trainer::install_best() {
  const int F = units_, K = F + O_;
  const float* w = cw_.data() + static_cast<std::size_t>(best_) * K;
  std::vector<float> w_out(static_cast<std::size_t>(O_));
  for (int o = 0; o < O_; ++o) w_out[static_cast<std::size_t>(o)] = w[F + o] * static_cast<float>(p_.weight_multiplier);
  const Act a = cacts_[static_cast<std::size_t>(best_)];
  const float s = csteep_[static_cast<std::size_t>(best_)];
  net_.add_hidden(a, s, w, w_out.data());
  FASTNET_CHECK(static_cast<std::size_t>(units_ + 1) * static_cast<std::size_t>(N_) <= V_.size(),
                "internal: the unit cache is full");
  float* sum = scratch(0);
  weighted_sum(sum, w, V_.data(), N_, F, N_);
  apply_block(a, s, sum, row(units_), nullptr, N_);
  ++units_;
}

}  // namespace

// ---------------------------------------------------------------- the driver (fann_cascadetrain_on_data)

std::vector<CascadeReport> cascade_train(ShortcutNet& net, const float* X, const float* T, long N,
                                         const CascadeParams& p, Rng& rng, const CascadeHook& hook) {
  p.validate();
  net.validate();
  FASTNET_CHECK(N >= 1, "cascade training needs at least one sample");
  for (int o = 0; o < net.num_outputs; ++o) {
    const Act a = net.act[static_cast<std::size_t>(net.num_hidden() + o)];
    FASTNET_CHECK(kernels::trainable(a), "output ", o, " uses a threshold activation, which cannot be trained "
                  "(FANN_E_CANT_TRAIN_ACTIVATION)");
  }
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  ScopedFlushDenormals ftz;
  Trainer tr(net, X, T, N, p, rng, p.max_neurons);
  std::vector<CascadeReport> reports;
  long total = 0;
  // An interrupt (check_interrupt, in every epoch) leaves the network as the last finished round left it, with
  // that round's report: what a stop between rounds gives.
  ShortcutNet finished = net;
  try {
    for (int i = 1; i <= p.max_neurons; ++i) {
      CascadeReport r;
      r.hidden = net.num_hidden();
      r.output_epochs = tr.train_outputs(p.desired_error);
      total += r.output_epochs;
      r.mse = tr.mse();
      r.bit_fail = tr.bit_fail();
      const bool done = tr.reached(p.desired_error);
      const ShortcutNet trained = net;  // as this round's output training left it (small: a copy per round)
      if (!done) {
        tr.compute_errors();
        tr.init_candidates();
        r.candidate_epochs = tr.train_candidates();
        total += r.candidate_epochs;
        r.candidate_act = tr.candidate_act(tr.best());
        r.candidate_steepness = tr.candidate_steepness(tr.best());
        r.candidate_score = tr.scores()[tr.best()];
        tr.install_best();
        r.installed = true;
      }
      r.total_epochs = total;
      r.seconds = seconds();
      reports.push_back(r);
      finished = net;
      if (hook && !hook(r, trained)) return reports;
      if (done) break;
    }
    // FANN trains the outputs once more, without a desired error, whatever ended the loop
    CascadeReport r;
    r.hidden = net.num_hidden();
    r.final = true;
    r.output_epochs = tr.train_outputs(0.0);
    total += r.output_epochs;
    r.mse = tr.mse();
    r.bit_fail = tr.bit_fail();
    r.total_epochs = total;
    r.seconds = seconds();
    reports.push_back(r);
    if (hook) hook(r, net);
  } catch (const Interrupted&) {
    net = finished;
  }
  return reports;
}

void candidate_scores(const ShortcutNet& net, const float* X, const float* T, long N, double sse,
                      const std::vector<Act>& acts, const std::vector<float>& steepness, const float* weights,
                      double* scores, float* slopes) {
  net.validate();
  FASTNET_CHECK(acts.size() == steepness.size() && !acts.empty(), "give one steepness per candidate activation");
  CascadeParams p;
  p.optim.kind = OptKind::RPROP;
  ShortcutNet copy = net;
  Rng rng(0);
  Trainer tr(copy, X, T, N, p, rng, 0);
  tr.compute_errors();
  tr.set_score_base(sse);
  tr.set_candidates(acts, steepness, weights);
  tr.candidate_epoch(false);
  const std::size_t K = static_cast<std::size_t>(net.num_units() + net.num_outputs);
  for (std::size_t c = 0; c < acts.size(); ++c) {
    scores[c] = tr.scores()[c];
    for (std::size_t i = 0; i < K; ++i) slopes[c * K + i] = -tr.candidate_gradients()[c * K + i];
  }
}

std::pair<double, long> fann_mse(const ShortcutNet& net, const float* X, const float* T, long N,
                                 double bit_fail_limit) {
  const int O = net.num_outputs, H = net.num_hidden();
  std::vector<float> Y(static_cast<std::size_t>(N) * O);
  net.predict(X, N, Y.data());
  double sse = 0.0;
  long bits = 0;
  for (long n = 0; n < N; ++n)
    for (int o = 0; o < O; ++o) {
      float diff = T[n * O + o] - Y[static_cast<std::size_t>(n) * O + o];
      if (fann_halves_error(net.act[static_cast<std::size_t>(H + o)])) diff *= 0.5f;
      sse += static_cast<double>(diff) * diff;
      bits += std::fabs(diff) >= static_cast<float>(bit_fail_limit);
    }
  return {N > 0 ? sse / (static_cast<double>(N) * O) : 0.0, bits};
}

}  // namespace fastnet::cascade
