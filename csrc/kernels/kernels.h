// fastnet/kernels/kernels.h — the layers' and losses' arithmetic kernels and SGD's update, over flat row-major
// arrays. The other optimizers' element-wise rules (Adam, iRPROP−, Quickprop, SARPROP) are in update_rules.h.
//
// Legend:  B = batch rows, I = input features, O = output features (neurons), N = element count.
//          inp is (B,I), out/dout/dz are (B,O), weight/dweight are (O,I) as in FANN and PyTorch, bias is (O).
// Order of arguments: outputs first, inputs next, sizes last (as llm.c).
//
// Kernels allocate nothing visible to callers, throw nothing and know no classes; callers validate shapes.
// The *_ref functions are the specification (plain loops, templated, also the float64 path used by the
// gradient checks); the float32 path goes through a KernelTable table chosen once at run time among the
// ISA translation units (simd_generic.cpp, simd_avx2.cpp, simd_avx512.cpp: one table each, the same code
// compiled with each ISA's flags), which must agree with the reference to float32 rounding
// (tests/test_kernels.py checks each one).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fastnet::kernels {

// The codes are the binding's (fastnet/layers.py ACTIVATIONS): append, never renumber. From Threshold on they are
// FANN 2.2's activation functions (fann_activation.h) at steepness 1, as functions of z (a FANN steepness s is
// folded into the weights: z = s·Σ w·x): threshold (z < 0 ? 0 : 1), threshold_symmetric (±1), gaussian e^(−z²),
// gaussian_symmetric 2e^(−z²) − 1, elliot z/(2(1+|z|)) + ½, elliot_symmetric z/(1+|z|), linear_piece
// clamp(z, 0, 1), linear_piece_symmetric clamp(z, −1, 1), sin sin(z)/2 + ½, sin_symmetric sin z,
// cos cos(z)/2 + ½, cos_symmetric cos z. FannSigmoid and FannSigmoidSymmetric compute sigmoid and tanh but train
// with FANN's derivative (fann_activation_derived), whose output is clipped first — to [0.01, 0.99] and
// [−0.98, 0.98] — so a saturated unit keeps a small slope (its "flat spot" elimination): not the exact gradient.
// SigmoidStepwise and SigmoidSymmetricStepwise are FANN's piecewise-linear FANN_SIGMOID_STEPWISE and
// FANN_SIGMOID_SYMMETRIC_STEPWISE (6 breakpoints, computed as FANN computes them: in double, then rounded), as
// approximations of sigmoid(z) and tanh(z): FANN's FANN_SIGMOID_STEPWISE at steepness s is SigmoidStepwise at
// steepness 2s, as FANN_SIGMOID is Sigmoid at 2s. GaussianStepwise is FANN 2.2's FANN_GAUSSIAN_STEPWISE, which
// fann_run computes as the constant 0. Their derivatives are the true ones (the slope of the segment; 0).
// FannSigmoidStepwise and FannSigmoidSymmetricStepwise compute the two stepwise functions but train with FANN's
// derivative of them, which is FannSigmoid's and FannSigmoidSymmetric's (fann_activation_derived: the sigmoid's
// y·(1 − y), y clipped first) — what FANN trains its default FANN_SIGMOID_STEPWISE neurons with.
enum class Act : int {
  Linear = 0, Sigmoid, Tanh, Relu, LeakyRelu, Softmax,
  Threshold, ThresholdSymmetric, Gaussian, GaussianSymmetric, Elliot, ElliotSymmetric, LinearPiece,
  LinearPieceSymmetric, Sin, SinSymmetric, Cos, CosSymmetric, FannSigmoid, FannSigmoidSymmetric,
  SigmoidStepwise, SigmoidSymmetricStepwise, GaussianStepwise, FannSigmoidStepwise, FannSigmoidSymmetricStepwise
};
constexpr int kNumActs = 25;
// The derivatives of these are not functions of the output y alone (a Gaussian's y does not tell the sign of z):
// their layers keep the pre-activations z of the forward pass for the backward pass.
constexpr bool needs_preactivation(Act a) {
  return a == Act::Gaussian || a == Act::GaussianSymmetric || a == Act::Sin || a == Act::SinSymmetric ||
         a == Act::Cos || a == Act::CosSymmetric || a == Act::SigmoidStepwise || a == Act::SigmoidSymmetricStepwise;
}
// Threshold units have a zero derivative wherever it exists: gradient training cannot move them (FANN refuses
// with FANN_E_CANT_TRAIN_ACTIVATION), so fastnet refuses too.
constexpr bool trainable(Act a) { return a != Act::Threshold && a != Act::ThresholdSymmetric; }
// Outputs in [−1, 1] centred on 0 (a single output's class threshold is 0 for these, 0.5 for the others)
constexpr bool symmetric(Act a) {
  return a == Act::Linear || a == Act::Tanh || a == Act::ThresholdSymmetric || a == Act::GaussianSymmetric ||
         a == Act::ElliotSymmetric || a == Act::LinearPieceSymmetric || a == Act::SinSymmetric ||
         a == Act::CosSymmetric || a == Act::FannSigmoidSymmetric || a == Act::SigmoidSymmetricStepwise ||
         a == Act::FannSigmoidSymmetricStepwise;
}
// FANN's functions whose FANN steepness s is fastnet's steepness 2s (FANN_SIGMOID is 1/(1 + e^(−2·s·sum)))
constexpr bool fann_double_steepness(Act a) {
  return a == Act::Sigmoid || a == Act::FannSigmoid || a == Act::SigmoidStepwise || a == Act::FannSigmoidStepwise;
}
// FannTanh: FANN's default training error function (FANN_ERRORFUNC_TANH): the output error e = y − t (halved for
// a tanh output) enters the gradient as 2·atanh(e) instead of e, which pushes hard on large errors; its loss value is
// the matching integral, Σ 2e·atanh(e) + ln(1 − e²) (times 2 for tanh outputs), so gradients check against it.
// Huber, L1, Poisson and BCEWithLogits are PyTorch's HuberLoss (delta), L1Loss, PoissonNLLLoss (log_input=True,
// full=False: the output y is the log-rate, loss e^y − t·y) and BCEWithLogitsLoss (y is the logit), element-wise on
// the output layer's activations y (codes shared with fastnet/losses.py: append, never renumber).
enum class Loss : int { MSE = 0, CrossEntropy, FannTanh, Huber, L1, Poisson, BCEWithLogits };
constexpr int kNumLosses = 7;
// How a batch's element-wise losses are combined (fastnet/losses.py REDUCTIONS): Fastnet sums over the outputs
// (MSE with its ½) and averages over the samples; Mean and Sum are PyTorch's reduction="mean" (over every element;
// for softmax cross-entropy over the samples, as nn.CrossEntropyLoss) and reduction="sum" (MSE without the ½).
enum class Reduction : int { Fastnet = 0, Mean, Sum };
// A loss's parameters: Huber's delta; cross-entropy's label smoothing (PyTorch's: targets (1 − ε)·t + ε/K with K
// the outputs of a softmax, 2 for each sigmoid output); the reduction
struct LossOptions {
  double delta = 1.0;
  double label_smoothing = 0.0;
  Reduction reduction = Reduction::Fastnet;
};
// losses computed element-wise on the outputs y, whose gradient then goes through the output activation's derivative
constexpr bool elementwise(Loss l) { return l != Loss::CrossEntropy; }

// ---------------------------------------------------------------- dense: reference (spec, any T)
// out = inp · weightᵀ + bias
template <typename T>
void dense_forward_ref(T* out, const T* inp, const T* weight, const T* bias, int B, int I, int O);
// dinp = dout · weight
template <typename T>
void dense_backward_input_ref(T* dinp, const T* dout, const T* weight, int B, int I, int O);
// dweight = doutᵀ · inp ; dbias = Σ_b dout   (overwrites)
template <typename T>
void dense_backward_weight_ref(T* dweight, T* dbias, const T* dout, const T* inp, int B, int I, int O);

// ---------------------------------------------------------------- dense: float32 fast path
struct KernelTable {
  const char* isa;
  // out = inp·weightᵀ + bias, and the activation too when it is Linear, Relu or LeakyRelu (returns true then;
  // the caller applies the others)
  bool (*forward)(float* out, const float* inp, const float* weight, const float* bias, int B, int I, int O,
                  int act, float alpha);
  void (*backward_input)(float* dinp, const float* dout, const float* weight, int B, int I, int O);
  void (*backward_weight)(float* dweight, float* dbias, const float* dout, const float* inp, int B, int I,
                          int O);
  // backward_weight fused with the SGD step below: weight, velocity (O,I) and bias, vbias (O) are updated from
  // dW = doutᵀ·inp without writing dW anywhere (dweight (O,I) is scratch, used only when B exceeds one block)
  void (*backward_weight_sgd)(float* weight, float* velocity, float* dweight, float* bias, float* vbias,
                              float* dbias, const float* dout, const float* inp, int B, int I, int O, float lr, float momentum,
                              float weight_decay, bool nesterov);
  // one SGD-momentum step over a flat span: g = grad + wd·param; v = μv + g; param -= lr·(nesterov ? g+μv : v)
  void (*sgd_update)(float* param, const float* grad, float* velocity, std::size_t n, float lr, float momentum,
                     float weight_decay, bool nesterov);
  // online learning (B = 1): the weight gradient doutᵀ·inp is an outer product; fuse it with the SGD step so
  // dweight is never written. weight, velocity are (O,I); bias, vbias are (O); dout is (O); inp is (I).
  void (*sgd_outer_update)(float* weight, float* velocity, float* bias, float* vbias, const float* dout,
                           const float* inp, int I, int O, float lr, float momentum, float weight_decay,
                           bool nesterov);
  // sparse layers (sparse_simd.inc; plain loops in sparse_impl.h): see the typed fronts below for shapes
  bool (*csr_forward)(float* zt, const float* xt, const float* w, const float* bias, const int32_t* row_ptr,
                      const int32_t* col, int B, int O, int act, float alpha);  // true: activation applied
  void (*csr_backward_weight)(float* dw, float* dbias, const float* dzt, const float* xt, const int32_t* row_ptr,
                              const int32_t* col, int B, int O);
  void (*csr_backward_weight_sgd)(float* w, float* v, float* bias, float* vbias, float* dbias, const float* dzt,
                                  const float* xt, const int32_t* row_ptr, const int32_t* col, int B, int O,
                                  float lr, float momentum, float weight_decay, bool nesterov);
  void (*csc_backward_input)(float* dxt, const float* dzt, const float* w, const int32_t* col_ptr,
                             const int32_t* row, const int32_t* perm, int B, int I, int gate_act,
                             const float* gate_y, float gate_alpha);
  void (*transpose)(float* dst, const float* src, int R, int C);
  void (*gather_transpose)(float* dst, const float* X, const long* idx, int nb, int I);
  // cascade training (cascade/; cascade_simd.inc): V holds F rows of stride ld (each a unit's values over B samples);
  // rows_combine: sum (B) = Σ_c w[c]·V[c] (overwrites); rows_dot: out[c] = Σ_b d[b]·V[c][b] for c < F
  void (*rows_combine)(float* sum, const float* w, const float* V, long ld, int F, long B);
  void (*rows_dot)(float* out, const float* d, const float* V, long ld, int F, long B);
};

const KernelTable& kernel_table();             // the active table
std::vector<std::string> available_isas();       // best first, e.g. {"avx512", "avx2", "generic"}
void set_isa(const std::string& name);           // throws std::invalid_argument if not available here
std::string isa_name();

// Packing space for the blocked GEMM (dispatch.cpp), owned by the calling thread: nthreads slices of
// round_up(floats_per_thread, 16) floats. Call outside parallel regions; it grows only (may throw bad_alloc).
float* reserve_pack_buffers(int nthreads, std::size_t floats_per_thread);

// ---------------------------------------------------------------- dense: typed front (float -> table, else ref)
// out = act(inp · weightᵀ + bias)
template <typename T>
void dense_forward(T* out, const T* inp, const T* weight, const T* bias, int B, int I, int O, Act act, T alpha);
template <typename T>
void dense_backward_input(T* dinp, const T* dout, const T* weight, int B, int I, int O);
template <typename T>
void dense_backward_weight(T* dweight, T* dbias, const T* dout, const T* inp, int B, int I, int O);

// dense_backward_weight then sgd_update on weight (decayed) and bias (not), fused for float32 (see KernelTable)
template <typename T>
void dense_backward_weight_sgd(T* weight, T* velocity, T* dweight, T* bias, T* vbias, T* dbias, const T* dout,
                               const T* inp, int B, int I, int O, T lr, T momentum, T weight_decay, bool nesterov);

// ---------------------------------------------------------------- sparse (sparse_impl.h, sparse.cpp)
// Sparse layers keep their topology as CSR by output neuron: row_ptr (O+1), col (nnz), weights w (nnz), plus
// a CSC copy for the input gradient: col_ptr (I+1), row (nnz), perm (nnz; CSC position -> CSR position).
// They work on transposed activations, xt (I,B) and zt/dzt (O,B): then every connection is one vector
// operation over the batch (an axpy forward, a dot for its gradient), so the cost is nnz·B at SIMD speed.
// zt = W·xt + bias; returns true if it also applied `act` (linear, relu, leaky relu on the float32 path)
template <typename T>
bool csr_forward(T* zt, const T* xt, const T* w, const T* bias, const int32_t* row_ptr, const int32_t* col, int B,
                 int O, Act act, T alpha);
// dw[j] = Σ_b dzt[o,b]·xt[col[j],b] for connection j of output o; dbias[o] = Σ_b dzt[o,b]   (overwrites)
template <typename T>
void csr_backward_weight(T* dw, T* dbias, const T* dzt, const T* xt, const int32_t* row_ptr, const int32_t* col,
                         int B, int O);
// the same gradient fused with SGD-momentum on w, v and bias, vbias (dbias: scratch (O)); weights decayed
template <typename T>
void csr_backward_weight_sgd(T* w, T* v, T* bias, T* vbias, T* dbias, const T* dzt, const T* xt,
                             const int32_t* row_ptr, const int32_t* col, int B, int O, T lr, T momentum,
                             T weight_decay, bool nesterov);
// dxt (I,B) = Wᵀ·dzt; with gate_y (I,B), the outputs of the layer below, also that layer's activation derivative
// (gate_act Linear, Relu or LeakyRelu: functions of its output), as activation_backward would apply it after
template <typename T>
void csc_backward_input(T* dxt, const T* dzt, const T* w, const int32_t* col_ptr, const int32_t* row,
                        const int32_t* perm, int B, int I, Act gate_act = Act::Linear, const T* gate_y = nullptr,
                        T gate_alpha = T(0));
constexpr bool gate_fusable(Act a) { return a == Act::Linear || a == Act::Relu || a == Act::LeakyRelu; }
// dst (C,R) = srcᵀ for src (R,C), row-major
template <typename T>
void transpose(T* dst, const T* src, int R, int C);
// dst (I,nb): column b is row idx[b] of X (rows of I values) — a shuffled batch gathered straight into the
// transposed layout of a sparse first layer (one pass instead of a row copy and a transpose)
template <typename T>
void gather_transpose(T* dst, const T* X, const long* idx, int nb, int I);

// ---------------------------------------------------------------- activations (activation.cpp)
// In place on a (B,O) block of pre-activations z -> y = f(z); softmax is row-wise.
template <typename T>
void activation_forward(Act act, T* x, int B, int O, T alpha);
// FANN 2.2's FANN_SIGMOID_STEPWISE (symmetric: FANN_SIGMOID_SYMMETRIC_STEPWISE) of FANN's v = s·sum, as fann_run
// computes it (in double); SigmoidStepwise above is this of z/2
double fann_stepwise(bool symmetric, double v);
// softmax over the O rows of each column of a transposed (O,B) block (sparse layers' layout)
template <typename T>
void softmax_columns(T* zt, int O, int B);
// d (N) *= f'(z), computed from the layer's outputs y (N) or, for the kinds where needs_preactivation(act), from
// its pre-activations z (N; may be null otherwise). Not softmax.
template <typename T>
void activation_backward(Act act, T* d, const T* y, const T* z, std::size_t N, T alpha);

// ---------------------------------------------------------------- losses (loss.cpp)
// Mean over the batch of the per-sample loss; also writes dz = dLoss/dz at the output layer's
// pre-activations (B,O) when dz is not null. y are the output layer's activations (B,O), target (B,O); z its
// pre-activations (B,O), needed only when dz is set and needs_preactivation(out_act) (null otherwise).
// Per sample, with reduction Fastnet (e = y − t):
//   MSE:          ½ Σ_o e²                       (the quadratic cost of the classic texts)
//   CrossEntropy: −Σ_o t log y            (softmax: categorical)
//                 −Σ_o t log y + (1−t) log(1−y)  (sigmoid: binary, per output)
//   Huber:        Σ_o (|e| < δ ? ½e² : δ(|e| − ½δ))       L1: Σ_o |e|
//   Poisson:      Σ_o e^y − t·y                  BCEWithLogits: Σ_o max(y, 0) − t·y + log(1 + e^−|y|)
// Reduction Mean divides each sample's value by O (not softmax cross-entropy's) and drops MSE's ½; Sum drops the ½ and
// makes dz the gradient of the batch's sum (not divided by B); the value returned stays the mean over the B samples
// (times B it is the batch's total). Row b of dz depends on sample b only (per-sample weights may scale its rows),
// and per_sample (B), when not null, receives each sample's value (their mean is the value returned).
template <typename T>
double loss_forward_backward(Loss loss, Act out_act, T alpha, const T* y, const T* z, const T* target, T* dz, int B,
                             int O, const LossOptions& opts = LossOptions(), double* per_sample = nullptr);

// true when none of x (N) is NaN or ±inf (a bit test, so it vectorizes without fast-math)
template <typename T>
bool all_finite(const T* x, std::size_t N);

// ---------------------------------------------------------------- optimizer (optim.cpp)
// After an update, on the weights of one layer whose output neuron o owns w[row_ptr[o] .. row_ptr[o+1]):
// L1 as its proximal step (soft thresholding by l1_step = lr·l1: exact zeros, no oscillation around 0), then a
// max-norm constraint (each neuron's incoming weight vector rescaled to norm <= max_norm; 0: none).
template <typename T>
void weight_constraints(T* w, const int32_t* row_ptr, int O, long row_len, T l1_step, T max_norm);
template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, std::size_t n, T lr, T momentum, T weight_decay,
                bool nesterov);
template <typename T>
void sgd_outer_update(T* weight, T* velocity, T* bias, T* vbias, const T* dout, const T* inp, int I, int O, T lr,
                      T momentum, T weight_decay, bool nesterov);

}  // namespace fastnet::kernels
