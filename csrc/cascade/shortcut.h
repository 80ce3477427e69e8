// fastnet/cascade/shortcut.h — a FANN shortcut network (network_type=1): what cascade training grows.
//
// Neurons are numbered as FANN numbers them: the I inputs, one bias unit (constant 1), then the hidden neurons
// layer by layer, then the O outputs. Every neuron of hidden layer k is fed by the inputs, the bias and every
// hidden neuron of layers before k; the outputs by all of those. Cascade training makes one-neuron layers, so
// its hidden neuron h reads every earlier one; fann_create_shortcut may give a layer several neurons.
//
// Each neuron's incoming weights are one contiguous run in FANN's connection order (inputs, bias, earlier hidden
// neurons), the runs in neuron order — exactly the connections line of a FANN .net file — so export and import
// are copies. A neuron computes y = f(clamp(s·Σ w·x, ±150/s)) with its own function f and steepness s
// (cascade/neuron.h).
//
// The batch forward pass works on units laid out neuron-major, V (units, B): row u holds unit u's value for B
// samples, so a neuron's sum is one axpy over the batch per incoming connection (what FANN's per-sample pointer
// walk cannot vectorize), and its weight gradient one dot product per connection.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cascade/neuron.h"
#include "core/rng.h"

namespace fastnet::cascade {

struct ShortcutNet {
  int num_inputs = 0;
  int num_outputs = 0;
  std::vector<int> layer_sizes;   // hidden layers, in order (cascade training: all 1)
  std::vector<Act> act;           // per neuron: hidden neurons in order, then outputs
  std::vector<float> steepness;   // per neuron, > 0
  std::vector<float> weights;     // per neuron, its fan-in run (see above)

  // Checks every size and code (std::invalid_argument naming the problem); the weights must already have
  // the length the topology implies.
  void validate() const;
  int num_hidden() const { return static_cast<int>(act.size()) - num_outputs; }
  int num_units() const { return num_inputs + 1 + num_hidden(); }  // inputs, bias, hidden: what outputs read
  // fan-in of hidden neuron h (or output o = num_hidden() + o), and where its run starts in `weights`
  std::vector<int> fan_ins() const;
  std::vector<std::size_t> first_weights() const;
  std::size_t num_weights() const;

  // A network without hidden neurons: the outputs read the inputs and the bias, weights uniform in [−0.1, 0.1]
  // as fann_create_shortcut draws them.
  static ShortcutNet fresh(int num_inputs, int num_outputs, Act out_act, float out_steepness, Rng& rng);

  // Appends a hidden neuron (a new one-neuron layer before the outputs) with incoming weights w_in (num_units())
  // and gives each output o a connection from it with weight w_out[o], at the end of its run (FANN's order).
  void add_hidden(Act a, float s, const float* w_in, const float* w_out);

  // outputs (N, O) of inputs X (N, I), row-major; parallel over blocks of samples
  void predict(const float* X, long N, float* out) const;
};

// One forward pass over a block of samples: V (units, B) must hold the inputs in rows 0..I−1 and the bias (ones)
// in row I; fills the hidden rows I+1.. and writes the outputs' clipped sums U and values Y, both (O, B).
// sum: scratch of B floats.
void forward_block(const ShortcutNet& net, float* V, float* U, float* Y, float* sum, int B);

// sum[b] = Σ_c w[c]·V[c][b] for c < F over B samples (V row stride ld): the active ISA's rows_combine kernel
void weighted_sum(float* sum, const float* w, const float* V, long ld, int F, long B);

}  // namespace fastnet::cascade
