// fastnet/cascade/shortcut.cpp — the shortcut network's topology checks, growth and batch forward pass.
#include "cascade/shortcut.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/aligned.h"
#include "core/errors.h"
#include "core/parallel.h"

namespace fastnet::cascade {

void ShortcutNet::validate() const {
  FASTNET_CHECK(num_inputs >= 1, "a shortcut network needs at least 1 input, got ", num_inputs);
  FASTNET_CHECK(num_outputs >= 1, "a shortcut network needs at least 1 output, got ", num_outputs);
  FASTNET_CHECK(num_inputs < (1 << 24) && num_outputs < (1 << 24), "network too large: ", num_inputs, " inputs, ",
                num_outputs, " outputs");
  long hidden = 0;
  for (std::size_t k = 0; k < layer_sizes.size(); ++k) {
    FASTNET_CHECK(layer_sizes[k] >= 1, "hidden layer ", k, " has ", layer_sizes[k], " neurons; it needs at least 1");
    hidden += layer_sizes[k];
    FASTNET_CHECK(hidden < (1 << 24), "too many hidden neurons");
  }
  FASTNET_CHECK(static_cast<long>(act.size()) == hidden + num_outputs, "expected ", hidden + num_outputs,
                " activation codes (hidden neurons, then outputs), got ", act.size());
  FASTNET_CHECK(steepness.size() == act.size(), "expected ", act.size(), " steepnesses, got ", steepness.size());
  for (std::size_t i = 0; i < act.size(); ++i) {
    FASTNET_CHECK(is_fann_kind(act[i]), "neuron ", i, " has activation code ", static_cast<int>(act[i]),
                  ", which is not a FANN activation function");
    FASTNET_CHECK(std::isfinite(steepness[i]) && steepness[i] > 0.0f, "neuron ", i,
                  " has steepness ", steepness[i], "; it must be a finite number > 0");
  }
  const std::size_t n = num_weights();
  FASTNET_CHECK(n < (std::size_t{1} << 34), "network too large: ", n, " weights");
  FASTNET_CHECK(weights.size() == n, "the topology has ", n, " connections but ", weights.size(),
                " weights were given");
}

std::vector<int> ShortcutNet::fan_ins() const {
  std::vector<int> f;
  f.reserve(act.size());
  int units = num_inputs + 1;
  for (int size : layer_sizes) {
    for (int j = 0; j < size; ++j) f.push_back(units);
    units += size;
  }
  for (int o = 0; o < num_outputs; ++o) f.push_back(units);
  return f;
}

std::vector<std::size_t> ShortcutNet::first_weights() const {
  const std::vector<int> f = fan_ins();
  std::vector<std::size_t> first(f.size() + 1, 0);
  for (std::size_t i = 0; i < f.size(); ++i) first[i + 1] = first[i] + static_cast<std::size_t>(f[i]);
  return first;
}

std::size_t ShortcutNet::num_weights() const { return first_weights().back(); }

ShortcutNet ShortcutNet::fresh(int num_inputs, int num_outputs, Act out_act, float out_steepness, Rng& rng) {
  ShortcutNet net;
  net.num_inputs = num_inputs;
  net.num_outputs = num_outputs;
  net.act.assign(static_cast<std::size_t>(num_outputs), out_act);
  net.steepness.assign(static_cast<std::size_t>(num_outputs), out_steepness);
  net.weights.resize(static_cast<std::size_t>(num_outputs) * (num_inputs + 1));
  for (float& w : net.weights) w = static_cast<float>(rng.uniform(-0.1, 0.1));  // FANN's fann_random_weight
  net.validate();
  return net;
}

void ShortcutNet::add_hidden(Act a, float s, const float* w_in, const float* w_out) {
  const int H = num_hidden(), U = num_units(), O = num_outputs;
  const std::size_t hidden_end = first_weights()[static_cast<std::size_t>(H)];
  std::vector<float> w;
  w.reserve(weights.size() + static_cast<std::size_t>(U) + O);
  w.insert(w.end(), weights.begin(), weights.begin() + static_cast<long>(hidden_end));
  w.insert(w.end(), w_in, w_in + U);  // the new neuron's run, after the earlier hidden neurons'
  for (int o = 0; o < O; ++o) {       // each output's run grows by one connection, at its end
    const float* run = weights.data() + hidden_end + static_cast<std::size_t>(o) * U;
    w.insert(w.end(), run, run + U);
    w.push_back(w_out[o]);
  }
  weights.swap(w);
  layer_sizes.push_back(1);
  act.insert(act.begin() + H, a);
  steepness.insert(steepness.begin() + H, s);
}

void weighted_sum(float* sum, const float* w, const float* V, long ld, int F, long B) {
  kernels::kernel_table().rows_combine(sum, w, V, ld, F, B);  // the active ISA's (cascade_simd.inc)
}

void forward_block(const ShortcutNet& net, float* V, float* U, float* Y, float* sum, int B) {
  const std::vector<int> fan = net.fan_ins();
  const std::vector<std::size_t> first = net.first_weights();
  const int H = net.num_hidden(), I = net.num_inputs;
  for (int h = 0; h < H; ++h) {  // neuron by neuron: a neuron reads only rows written before it
    weighted_sum(sum, net.weights.data() + first[h], V, B, fan[h], B);
    apply_block(net.act[h], net.steepness[h], sum, V + static_cast<long>(I + 1 + h) * B, nullptr, B);
  }
  for (int o = 0; o < net.num_outputs; ++o) {
    const std::size_t i = static_cast<std::size_t>(H + o);
    weighted_sum(sum, net.weights.data() + first[i], V, B, fan[i], B);
    apply_block(net.act[i], net.steepness[i], sum, Y + static_cast<long>(o) * B, U + static_cast<long>(o) * B, B);
  }
}

void ShortcutNet::predict(const float* X, long N, float* out) const {
  constexpr int kBlock = 256;  // samples per block: the block's units stay in cache while its neurons run
  const int I = num_inputs, O = num_outputs, units = num_units();
  const long blocks = (N + kBlock - 1) / kBlock;
  const int nt = std::max(1, std::min<int>(max_threads(), static_cast<int>(blocks)));
  const std::size_t per_thread = static_cast<std::size_t>(units + 2 * O + 1) * kBlock;
  AlignedBuffer<float> scratch;
  scratch.resize(per_thread * static_cast<std::size_t>(nt));
  // blocks are independent and each is computed the same way on any thread: results do not depend on threads
  parallel_for_threads(blocks, blocks > 1 && N * static_cast<long>(num_weights()) > (1L << 16) ? nt : 1,
                       [&](long b0, long b1) {
#ifdef _OPENMP
    const int t = omp_in_parallel() ? omp_get_thread_num() : 0;
#else
    const int t = 0;
#endif
    float* V = scratch.data() + per_thread * static_cast<std::size_t>(t);
    float* Uo = V + static_cast<std::size_t>(units) * kBlock;
    float* Y = Uo + static_cast<std::size_t>(O) * kBlock;
    float* sum = Y + static_cast<std::size_t>(O) * kBlock;
    for (long blk = b0; blk < b1; ++blk) {
      const long s0 = blk * kBlock;
      const int B = static_cast<int>(std::min<long>(kBlock, N - s0));
      for (int b = 0; b < B; ++b)
        for (int i = 0; i < I; ++i) V[static_cast<long>(i) * B + b] = X[(s0 + b) * I + i];
      std::fill(V + static_cast<long>(I) * B, V + static_cast<long>(I + 1) * B, 1.0f);
      forward_block(*this, V, Uo, Y, sum, B);
      for (int b = 0; b < B; ++b)
        for (int o = 0; o < O; ++o) out[(s0 + b) * O + o] = Y[static_cast<long>(o) * B + b];
    }
  });
}

}  // namespace fastnet::cascade
