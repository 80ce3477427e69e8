// fastnet/bindings.cpp — the only file that knows Python. Arrays arrive already validated, C-contiguous and of
// the right dtype (fastnet/_arrays.py decides conversions, so nothing here copies silently); shapes are checked
// again in small helpers; the heavy work runs with the GIL released. Exception translation lives here alone:
//   std::invalid_argument -> ValueError, std::domain_error -> FloatingPointError, IoError -> OSError.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cascade/cascade_train.h"
#include "core/errors.h"
#include "core/interrupt.h"
#include "core/threads.h"
#include "kernels/kernels.h"
#include "layers/sparse.h"
#include "network.h"
#include "trainer.h"

namespace py = pybind11;
using namespace fastnet;

namespace {

template <typename T>
using Array = py::array_t<T, py::array::c_style>;
using Labels = py::array_t<int32_t, py::array::c_style>;

void check_2d(const py::array& a, const char* name, long cols) {
  FASTNET_CHECK(a.ndim() == 2, name, " must be 2-D, got ", a.ndim(), " dimensions");
  FASTNET_CHECK(a.shape(1) == cols, name, " must have ", cols, " columns, got ", a.shape(1));
}

// Targets from (labels | values); exactly one given, N rows.
template <typename T>
Targets<T> targets_of(const Network<T>& net, const std::optional<Labels>& labels,
                      const std::optional<Array<T>>& values, long N) {
  Targets<T> t;
  if (labels) {
    FASTNET_CHECK(labels->ndim() == 1 && labels->shape(0) == N, "labels must be 1-D with ", N, " entries");
    t.labels = labels->data();
  } else {
    FASTNET_CHECK(values.has_value(), "targets are required");
    check_2d(*values, "targets", net.num_outputs());
    FASTNET_CHECK(values->shape(0) == N, "targets must have ", N, " rows, got ", values->shape(0));
    t.values = values->data();
  }
  return t;
}

// N sample weights (validated in Python: finite, >= 0, not all zero), or null when none are given
template <typename T>
const T* weights_of(const std::optional<Array<T>>& w, long N) {
  if (!w) return nullptr;
  FASTNET_CHECK(w->ndim() == 1 && w->shape(0) == N, "sample_weight must be 1-D with ", N, " entries");
  return w->data();
}

template <typename T>
Array<T> copy_out(const T* p, std::vector<py::ssize_t> shape) {
  Array<T> a(shape);
  std::memcpy(a.mutable_data(), p, sizeof(T) * static_cast<std::size_t>(a.size()));
  return a;
}

// weights are (O, I) for dense layers, (nnz,) in CSR order for sparse ones; biases (O,)
template <typename T>
std::vector<py::ssize_t> param_shape(const Layer<T>& layer, bool bias) {
  if (bias) return {layer.out_features()};
  if (layer.config().kind == "sparse") return {static_cast<py::ssize_t>(layer.weight_count())};
  return {layer.out_features(), layer.in_features()};
}

// One network's calls from several Python threads are serialized (they share its workspace). Waiting happens
// without the GIL: the thread holding the lock may need the GIL for a fit callback.
template <typename T>
std::unique_lock<std::recursive_mutex> lock_network(const Network<T>& n) {
  std::unique_lock<std::recursive_mutex> lock(n.busy(), std::try_to_lock);
  if (!lock.owns_lock()) {
    py::gil_scoped_release release;
    lock.lock();
  }
  return lock;
}

// The interrupt poll of a call that released the GIL (core/interrupt.h): takes the GIL and runs Python's signal
// handlers; Ctrl-C leaves KeyboardInterrupt pending, which the Interrupted translator then lets through.
bool python_interrupted() {
  py::gil_scoped_acquire gil;
  return PyErr_CheckSignals() != 0;
}

// outputs of X (N, inputs); check_finite when Python handed over the user's array without looking at it
template <typename T>
Array<T> predict_array(Network<T>& n, const Array<T>& X, bool check_finite) {
  check_2d(X, "X", n.num_inputs());
  const long N = static_cast<long>(X.shape(0));
  FASTNET_CHECK(N >= 1, "X is empty (0 samples)");
  FASTNET_CHECK(!check_finite || kernels::all_finite(X.data(), static_cast<std::size_t>(X.size())),
                "X contains NaN or infinite values");
  Array<T> out({static_cast<py::ssize_t>(N), static_cast<py::ssize_t>(n.num_outputs())});
  T* o = out.mutable_data();
  auto lock = lock_network(n);
  if (N * static_cast<long>(X.shape(1)) < 4096) {  // a few samples: releasing the GIL costs more than it frees
    n.predict(X.data(), N, o);
  } else {
    ScopedInterruptPoll poll(python_interrupted);
    py::gil_scoped_release release;
    n.predict(X.data(), N, o);
  }
  return out;
}

// A training loop's call back into Python, on the training thread: takes the GIL, honours Ctrl-C, runs `body`
// (which calls Python and says whether to go on). A Python error is kept in `pending`, to be re-raised once the
// loop has stopped cleanly, and stops the loop.
template <class Body>
bool python_hook(std::unique_ptr<py::error_already_set>& pending, Body&& body) {
  py::gil_scoped_acquire gil;
  try {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    return body();
  } catch (py::error_already_set& e) {
    pending = std::make_unique<py::error_already_set>(std::move(e));
    return false;
  }
}

py::dict log_dict(const EpochLog& log) {
  py::dict d;
  d["epoch"] = log.epoch;
  d["epoch_end"] = log.epoch_end;
  d["samples_done"] = log.samples_done;
  d["samples_total"] = log.samples_total;
  d["loss"] = log.loss;
  d["accuracy"] = log.accuracy;
  if (log.has_validation) {
    d["val_loss"] = log.val_loss;
    d["val_accuracy"] = log.val_accuracy;
  }
  d["seconds"] = log.seconds;
  d["lr"] = log.lr;
  d["momentum"] = log.momentum;
  if (log.skipped_batches) d["skipped_batches"] = log.skipped_batches;
  if (log.has_fann) {
    d["fann_sse"] = log.fann_sse;
    d["fann_bit_fail"] = log.fann_bit_fail;
  }
  return d;
}

// {"kind": 0..kLastOptKind, hyper-parameters by FANN's / PyTorch's names} as fastnet/optimizers.py writes it
OptimizerConfig optimizer_of(const py::dict& d) {
  OptimizerConfig c;
  auto num = [&](const char* key, double& dst) {
    if (d.contains(key)) dst = d[key].cast<double>();
  };
  const int kind = d["kind"].cast<int>();
  FASTNET_CHECK(kind >= 0 && kind <= kLastOptKind, "unknown optimizer kind ", kind);
  c.kind = static_cast<OptKind>(kind);
  num("lr", c.lr);
  num("momentum", c.momentum);
  num("weight_decay", c.weight_decay);
  if (d.contains("nesterov")) c.nesterov = d["nesterov"].cast<bool>();
  if (d.contains("decay_bias")) c.decay_bias = d["decay_bias"].cast<bool>();
  num("beta1", c.adam.beta1);
  num("beta2", c.adam.beta2);
  num("eps", c.adam.eps);
  num("increase_factor", c.rprop.increase_factor);
  num("decrease_factor", c.rprop.decrease_factor);
  num("delta_min", c.rprop.delta_min);
  num("delta_max", c.rprop.delta_max);
  num("delta_zero", c.rprop.delta_zero);
  if (d.contains("fann_zero_slope")) c.rprop.fann_zero_slope = d["fann_zero_slope"].cast<bool>();
  c.sarprop.increase_factor = c.rprop.increase_factor;
  c.sarprop.decrease_factor = c.rprop.decrease_factor;
  c.sarprop.delta_max = c.rprop.delta_max;
  num("decay", c.quickprop.decay);
  num("mu", c.quickprop.mu);
  c.quickprop.lr = c.lr;
  num("weight_decay_shift", c.sarprop.weight_decay_shift);
  num("step_error_threshold_factor", c.sarprop.step_error_threshold_factor);
  num("step_error_shift", c.sarprop.step_error_shift);
  num("temperature", c.sarprop.temperature);
  return c;
}

// a flat arena as a numpy view that keeps the network alive (zero-copy: for MPI collectives)
template <typename T>
py::array_t<T> arena_view(py::object self, T* data, std::size_t n) {
  return py::array_t<T>({static_cast<py::ssize_t>(n)}, {static_cast<py::ssize_t>(sizeof(T))}, data, self);
}

// One layer of a network as fastnet/network.py describes it: LayerConfig with its fields by name (keyword-only,
// defaults as in layer.h); activation and init are the codes of fastnet/layers.py. The Network constructor
// validates the values.
void bind_layer_spec(py::module_& m) {
  py::class_<LayerConfig>(m, "LayerSpec")
      .def(py::init([](std::string kind, int in_features, int out_features, int activation, double alpha, int init,
                       double dropout, double density, std::optional<std::vector<int32_t>> row_ptr,
                       std::optional<std::vector<int32_t>> col) {
             FASTNET_CHECK(row_ptr.has_value() == col.has_value(), "a given topology needs both row_ptr and col");
             LayerConfig c;
             c.kind = std::move(kind);
             c.in_features = in_features;
             c.out_features = out_features;
             c.activation = static_cast<Act>(activation);
             c.alpha = alpha;
             c.init = static_cast<Init>(init);
             c.dropout = dropout;
             c.density = density;
             if (row_ptr) {
               c.row_ptr = std::move(*row_ptr);
               c.col = std::move(*col);
             }
             return c;
           }),
           py::kw_only(), py::arg("kind"), py::arg("in_features"), py::arg("out_features"), py::arg("activation") = 0,
           py::arg("alpha") = 0.01, py::arg("init") = 0, py::arg("dropout") = 0.0, py::arg("density") = 1.0,
           py::arg("row_ptr") = py::none(), py::arg("col") = py::none())
      .def_readwrite("kind", &LayerConfig::kind)
      .def_readwrite("in_features", &LayerConfig::in_features)
      .def_readwrite("out_features", &LayerConfig::out_features)
      .def_property(
          "activation", [](const LayerConfig& c) { return static_cast<int>(c.activation); },
          [](LayerConfig& c, int a) { c.activation = static_cast<Act>(a); })
      .def_readwrite("alpha", &LayerConfig::alpha)
      .def_property(
          "init", [](const LayerConfig& c) { return static_cast<int>(c.init); },
          [](LayerConfig& c, int i) { c.init = static_cast<Init>(i); })
      .def_readwrite("dropout", &LayerConfig::dropout)
      .def_readwrite("density", &LayerConfig::density)
      .def_readwrite("row_ptr", &LayerConfig::row_ptr)  // empty: a random topology of `density` (sparse)
      .def_readwrite("col", &LayerConfig::col)
      .def_readwrite("trainable", &LayerConfig::trainable)  // layer.trainable / lr_scale (set after construction)
      .def_readwrite("lr_scale", &LayerConfig::lr_scale)
      .def("__repr__", [](const LayerConfig& c) {
        std::ostringstream s;
        s << "LayerSpec(kind='" << c.kind << "', in_features=" << c.in_features << ", out_features="
          << c.out_features << ", activation=" << static_cast<int>(c.activation) << ", alpha=" << c.alpha
          << ", init=" << static_cast<int>(c.init) << ", dropout=" << c.dropout << ", density=" << c.density;
        if (!c.col.empty()) s << ", connections=" << c.col.size();
        s << ")";
        return s.str();
      });
}

template <typename T>
void bind_network(py::module_& m, const char* name) {
  using Net = Network<T>;
  py::class_<Net>(m, name)
      .def(py::init([](const std::vector<LayerConfig>& layers, int loss, uint64_t seed) {
             return std::make_unique<Net>(layers, static_cast<Loss>(loss), seed);
           }),
           py::arg("layers"), py::arg("loss"), py::arg("seed"))
      // the loss's parameters (fastnet/losses.py): Huber's delta, label smoothing, reduction (0 fastnet, 1 mean,
      // 2 sum)
      .def("set_loss_options", [](Net& n, double delta, double label_smoothing, int reduction) {
        kernels::LossOptions o;
        o.delta = delta;
        o.label_smoothing = label_smoothing;
        o.reduction = static_cast<kernels::Reduction>(reduction);
        auto lock = lock_network(n);
        n.set_loss_options(o);
      }, py::arg("delta"), py::arg("label_smoothing"), py::arg("reduction"))
      .def_property_readonly("num_layers", &Net::num_layers)
      .def_property_readonly("num_inputs", &Net::num_inputs)
      .def_property_readonly("num_outputs", &Net::num_outputs)
      // slot 0: the values, 1: the optimizer's first state (SGD's velocity), 2: its second state
      .def("get_param", [](Net& n, int l, bool bias, int slot) {
        auto lock = lock_network(n);
        const T* p = n.param_slot(l, bias, slot);
        return copy_out<T>(p, param_shape(n.layer(l), bias));
      }, py::arg("layer"), py::arg("bias"), py::arg("slot") = 0)
      .def("set_param", [](Net& n, int l, bool bias, int slot, const Array<T>& a) {
        auto lock = lock_network(n);
        T* p = n.param_slot(l, bias, slot);
        const std::size_t size = (bias ? n.layer(l).bias() : n.layer(l).weight()).size;
        FASTNET_CHECK(static_cast<std::size_t>(a.size()) == size, "expected ", size, " values, got ", a.size());
        std::memcpy(p, a.data(), sizeof(T) * size);
      }, py::arg("layer"), py::arg("bias"), py::arg("slot"), py::arg("values"))
      // FANN's per-neuron steepness and activation codes of a layer (out_features each) and its clamp of the sum
      .def("set_neurons", [](Net& n, int l, std::vector<double> steepness, const std::vector<int>& activations,
                             bool fann_clip) {
        auto lock = lock_network(n);
        std::vector<Act> acts;
        for (int a : activations) {
          FASTNET_CHECK(a >= 0 && a < kernels::kNumActs, "unknown activation code ", a);
          acts.push_back(static_cast<Act>(a));
        }
        n.set_neurons(l, std::move(steepness), std::move(acts), fann_clip);
      }, py::arg("layer"), py::arg("steepness"), py::arg("activations"), py::arg("fann_clip"))
      .def("get_neurons", [](Net& n, int l) {
        auto lock = lock_network(n);
        FASTNET_CHECK(l >= 0 && l < n.num_layers(), "layer ", l, " out of range");
        const LayerConfig& c = n.layer(l).config();
        std::vector<double> steepness(static_cast<std::size_t>(c.out_features), 1.0);
        if (!c.steepness.empty()) steepness = c.steepness;
        std::vector<int> acts;
        for (int o = 0; o < c.out_features; ++o) acts.push_back(static_cast<int>(neuron_act(c, o)));
        return py::make_tuple(steepness, acts, c.fann_clip);
      }, py::arg("layer"))
      .def("set_layer_training", [](Net& n, int l, bool trainable, double lr_scale) {
        auto lock = lock_network(n);
        n.set_layer_training(l, trainable, lr_scale);
      }, py::arg("layer"), py::arg("trainable"), py::arg("lr_scale"))
      .def("get_optimizer_state", [](Net& n) {
        return py::make_tuple(static_cast<int>(n.optimizer_kind()), n.optimizer_steps());
      })
      .def("set_optimizer_state", [](Net& n, int kind, long steps) {
        FASTNET_CHECK(kind >= 0 && kind <= kLastOptKind && steps >= 0, "invalid optimizer state (", kind, ", ", steps,
                      ")");
        auto lock = lock_network(n);
        n.set_optimizer_state(static_cast<OptKind>(kind), steps);
      }, py::arg("kind"), py::arg("steps"))
      // the flat parameter and gradient arenas ([W1 b1 W2 b2 ...] with 64-byte alignment padding), as views
      .def("param_arena", [](py::object self) {
        Net& n = self.cast<Net&>();
        return arena_view<T>(self, n.params(), n.arena_size());
      })
      .def("grad_arena", [](py::object self) {
        Net& n = self.cast<Net&>();
        return arena_view<T>(self, n.grads(), n.arena_size());
      })
      .def("compute_gradients", [](Net& n, const Array<T>& X, std::optional<Labels> labels,
                                   std::optional<Array<T>> targets) {
        // one training batch (dropout active): the mean-loss gradient into the grad arena; returns
        // (loss, correct predictions). The weights are not changed.
        check_2d(X, "X", n.num_inputs());
        const int B = static_cast<int>(X.shape(0));
        FASTNET_CHECK(B >= 1, "X must have at least one row");
        const Targets<T> t = targets_of(n, labels, targets, B);
        auto lock = lock_network(n);
        ScopedInterruptPoll poll(python_interrupted);
        py::gil_scoped_release release;
        const BatchGradients g = n.batch_gradients(X.data(), B, t, /*train=*/true, nullptr);
        return std::make_pair(g.loss, g.correct);
      }, py::arg("X"), py::arg("labels"), py::arg("targets"))
      .def("apply_gradients", [](Net& n, const py::dict& optimizer, long num_data, double mse) {
        // one optimizer update from the grad arena (which the caller may have averaged across processes)
        const OptimizerConfig c = optimizer_of(optimizer);
        auto lock = lock_network(n);
        py::gil_scoped_release release;
        n.apply_gradients(c, num_data, mse);
      }, py::arg("optimizer"), py::arg("num_data"), py::arg("mse") = 0.0)
      .def("constrain", [](Net& n, double l1_step, double max_norm) {
        // fit's L1 proximal step (l1_step = lr·l1) and max-norm after an update (for apply_gradients callers)
        FASTNET_CHECK(l1_step >= 0.0 && max_norm >= 0.0, "l1_step and max_norm must be >= 0");
        auto lock = lock_network(n);
        py::gil_scoped_release release;
        n.constrain(static_cast<T>(l1_step), static_cast<T>(max_norm));
      }, py::arg("l1_step"), py::arg("max_norm"))
      .def("get_rng_state", [](Net& n) {
        const uint64_t* s = n.rng().state();
        return std::vector<uint64_t>(s, s + 4);
      })
      .def("set_rng_state", [](Net& n, const std::vector<uint64_t>& s) {
        FASTNET_CHECK(s.size() == 4, "rng state must have 4 words, got ", s.size());
        n.rng().set_state(s.data());
      })
      .def("reset_optimizer_state", [](Net& n, std::optional<py::dict> optimizer) {
        auto lock = lock_network(n);
        n.reset_optimizer_state(optimizer ? optimizer_of(*optimizer) : OptimizerConfig());
      }, py::arg("optimizer") = py::none())
      .def("topology", [](Net& n, int l) {  // (row_ptr, col) of a sparse layer
        auto lock = lock_network(n);
        auto* sp = dynamic_cast<Sparse<T>*>(&n.layer(l));
        FASTNET_CHECK(sp, "layer ", l, " is not sparse");
        return py::make_tuple(copy_out<int32_t>(sp->row_ptr().data(), {static_cast<py::ssize_t>(sp->row_ptr().size())}),
                              copy_out<int32_t>(sp->col().data(), {static_cast<py::ssize_t>(sp->col().size())}));
      }, py::arg("layer"))
      .def("rewire", [](Net& n, int l, double zeta) {
        auto lock = lock_network(n);
        FASTNET_CHECK(l >= 0 && l < n.num_layers(), "layer ", l, " out of range");
        return n.rewire(zeta, l);
      }, py::arg("layer"), py::arg("zeta"))
      .def("predict", [](Net& n, const Array<T>& X, bool check_finite) {
        return predict_array(n, X, check_finite);
      }, py::arg("X"), py::arg("check_finite") = false)
      // The latency path: exactly a C-contiguous array of the network's dtype (noconvert: anything else is a
      // TypeError), 2-D with the right columns and finite, else None — the caller then takes the validating path,
      // which names the problem. Nothing is checked twice on the way, which is most of a batch-1 call's cost.
      .def("predict_checked", [](Net& n, py::array_t<T, py::array::c_style> X) -> py::object {
        if (X.ndim() != 2 || X.shape(1) != n.num_inputs() || X.shape(0) < 1 ||
            !kernels::all_finite(X.data(), static_cast<std::size_t>(X.size())))
          return py::none();
        return predict_array(n, X, false);
      }, py::arg("X").noconvert())
      .def("evaluate", [](Net& n, const Array<T>& X, std::optional<Labels> labels, std::optional<Array<T>> targets,
                          std::optional<Array<T>> sample_weight) {
        check_2d(X, "X", n.num_inputs());
        const long N = static_cast<long>(X.shape(0));
        const Targets<T> t = targets_of(n, labels, targets, N);
        const T* w = weights_of(sample_weight, N);
        Metrics m;
        auto lock = lock_network(n);
        {
          ScopedInterruptPoll poll(python_interrupted);
          py::gil_scoped_release release;
          m = n.evaluate(X.data(), N, t, w);
        }
        return py::make_tuple(m.loss, m.accuracy);
      }, py::arg("X"), py::arg("labels"), py::arg("targets"), py::arg("sample_weight") = py::none())
      .def("gradients", [](Net& n, const Array<T>& X, std::optional<Labels> labels, std::optional<Array<T>> targets,
                           bool want_input) {
        // one batch: mean-loss gradients of every layer (and dLoss/dX) without touching the weights
        check_2d(X, "X", n.num_inputs());
        const int B = static_cast<int>(X.shape(0));
        FASTNET_CHECK(B >= 1, "X must have at least one row");
        const Targets<T> t = targets_of(n, labels, targets, B);
        Array<T> dX({static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(n.num_inputs())});
        T* dx = want_input ? dX.mutable_data() : nullptr;
        double loss;
        auto lock = lock_network(n);
        {
          ScopedInterruptPoll poll(python_interrupted);
          py::gil_scoped_release release;
          loss = n.batch_gradients(X.data(), B, t, /*train=*/false, dx).loss;
        }
        py::list grads;
        for (int l = 0; l < n.num_layers(); ++l) {
          const Layer<T>& layer = n.layer(l);
          py::dict d;
          d["weights"] = copy_out<T>(layer.weight().grad, param_shape(layer, false));
          d["bias"] = copy_out<T>(layer.bias().grad, param_shape(layer, true));
          grads.append(d);
        }
        return py::make_tuple(loss, grads, want_input ? py::object(dX) : py::object(py::none()));
      }, py::arg("X"), py::arg("labels"), py::arg("targets"), py::arg("want_input"))
      .def("fit", [](Net& n, const Array<T>& X, std::optional<Labels> labels, std::optional<Array<T>> targets,
                     std::optional<Array<T>> Xv, std::optional<Labels> labels_v, std::optional<Array<T>> targets_v,
                     const FitOptions& options, std::optional<py::function> callback,
                     std::optional<py::function> allreduce, std::optional<Array<T>> sample_weight) {
        check_2d(X, "X", n.num_inputs());
        Dataset<T> train{X.data(), static_cast<long>(X.shape(0)), {}};
        train.y = targets_of(n, labels, targets, train.N);
        train.w = weights_of(sample_weight, train.N);
        Dataset<T> val;
        if (Xv) {
          check_2d(*Xv, "validation X", n.num_inputs());
          val = Dataset<T>{Xv->data(), static_cast<long>(Xv->shape(0)), {}};
          val.y = targets_of(n, labels_v, targets_v, val.N);
        }
        FitOptions o = options;
        // The hook runs on the training thread: take the GIL, honour Ctrl-C, call Python. A Python error is
        // kept and re-raised once the loop has stopped cleanly at a batch boundary.
        std::unique_ptr<py::error_already_set> pending;
        // It returns None/True (go on), False (stop) or a dict {"lr": .., "momentum": ..} (validated in Python).
        FitHook hook = [&](const EpochLog& log, FitControl& control) -> bool {
          return python_hook(pending, [&]() -> bool {
            if (!callback) return true;
            py::object r = (*callback)(log_dict(log));
            if (py::isinstance<py::dict>(r)) {
              py::dict d = r.cast<py::dict>();
              if (d.contains("lr")) control.lr = d["lr"].cast<double>();
              if (d.contains("momentum")) control.momentum = d["momentum"].cast<double>();
              return true;
            }
            return r.is_none() || r.cast<bool>();
          });
        };
        // Distributed: allreduce(stats, grad) sums both in place over the ranks (fastnet.distributed hands in a
        // closure over the communicator). A Python callable rather than a C function pointer to MPI: fastnet
        // then needs no MPI headers or library at build time and works with whichever MPI mpi4py was built
        // for; the GIL round trip it costs per step (microseconds) is small next to an Allreduce of the
        // gradient arena. The arrays are views of the loop's buffers, valid only during the call.
        if (allreduce) {
          o.collective.allreduce = [&](double* stats, void* grad, std::size_t count) -> bool {
            return python_hook(pending, [&]() -> bool {
              py::capsule borrowed(stats, [](void*) {});  // a base that owns nothing: a view, not a copy
              py::array_t<double> s({static_cast<py::ssize_t>(FitOptions::Collective::kStats)}, stats, borrowed);
              py::object g = py::none();
              if (grad) g = Array<T>({static_cast<py::ssize_t>(count)}, static_cast<T*>(grad), borrowed);
              (*allreduce)(s, g);
              return true;
            });
          };
        }
        std::vector<EpochLog> history;
        {
          auto lock = lock_network(n);
          py::gil_scoped_release release;
          history = fit(n, train, Xv ? &val : nullptr, o, hook);
        }
        py::list out;
        for (const auto& log : history) out.append(log_dict(log));
        if (pending) {
          py::setattr(pending->value(), "history", out);  // what was completed before the interruption
          throw *pending;
        }
        return out;
      }, py::arg("X"), py::arg("labels"), py::arg("targets"), py::arg("Xv"), py::arg("labels_v"),
         py::arg("targets_v"), py::arg("options"), py::arg("callback") = py::none(),
         py::arg("allreduce") = py::none(), py::arg("sample_weight") = py::none());
}

// fit's options as one object (trainer.h's FitOptions), built once from keywords; the distributed schedule
// and private streams are set as attributes by fastnet.distributed.
void bind_fit_options(py::module_& m) {
  auto words = [](const uint64_t* w) { return std::vector<uint64_t>(w, w + 4); };
  auto set_words = [](uint64_t* w, const std::vector<uint64_t>& v) {
    FASTNET_CHECK(v.size() == 4, "a generator state has 4 words, got ", v.size());
    FASTNET_CHECK(v[0] || v[1] || v[2] || v[3], "a generator state must not be all zero");
    std::copy(v.begin(), v.end(), w);
  };
  py::class_<FitOptions>(m, "FitOptions")
      .def(py::init([](int epochs, int batch_size, const py::dict& optimizer, bool shuffle, long progress_every,
                       double rewire_zeta, double l1, double max_norm, bool skip_nonfinite) {
             FitOptions o;
             o.epochs = epochs;
             o.batch_size = batch_size;
             o.optim = optimizer_of(optimizer);
             o.shuffle = shuffle;
             o.progress_every = progress_every;
             o.rewire_zeta = rewire_zeta;
             o.l1 = l1;
             o.max_norm = max_norm;
             o.skip_nonfinite = skip_nonfinite;
             return o;
           }),
           py::kw_only(), py::arg("epochs"), py::arg("batch_size"), py::arg("optimizer"), py::arg("shuffle") = true,
           py::arg("progress_every") = 0, py::arg("rewire_zeta") = 0.0, py::arg("l1") = 0.0,
           py::arg("max_norm") = 0.0, py::arg("skip_nonfinite") = false)
      .def_readwrite("epochs", &FitOptions::epochs)
      .def_readwrite("batch_size", &FitOptions::batch_size)
      .def_readwrite("shuffle", &FitOptions::shuffle)
      .def_readwrite("progress_every", &FitOptions::progress_every)
      .def_readwrite("rewire_zeta", &FitOptions::rewire_zeta)
      .def_readwrite("l1", &FitOptions::l1)
      .def_readwrite("max_norm", &FitOptions::max_norm)
      .def_readwrite("skip_nonfinite", &FitOptions::skip_nonfinite)
      .def_readwrite("weight_sum", &FitOptions::weight_sum)
      .def_readwrite("clip_norm", &FitOptions::clip_norm)  // fit's training controls (0: off)
      .def_readwrite("clip_value", &FitOptions::clip_value)
      .def_readwrite("input_dropout", &FitOptions::input_dropout)
      .def_readwrite("fann_error_scale", &FitOptions::fann_error_scale)
      .def_readwrite("fann_error_scales", &FitOptions::fann_error_scales)
      .def_readwrite("fann_bit_fail_limit", &FitOptions::fann_bit_fail_limit)
      .def_readwrite("per_label_accuracy", &FitOptions::per_label_accuracy)
      .def_property("step_bounds", [](const FitOptions& o) { return o.collective.bounds; },
                    [](FitOptions& o, const std::vector<long>& v) { o.collective.bounds = v; })
      .def_property("step_counts", [](const FitOptions& o) { return o.collective.counts; },
                    [](FitOptions& o, const std::vector<long>& v) { o.collective.counts = v; })
      .def_property("total_samples", [](const FitOptions& o) { return o.collective.total; },
                    [](FitOptions& o, long v) { o.collective.total = v; })
      .def_property("shuffle_state", [words](const FitOptions& o) { return words(o.collective.shuffle_state); },
                    [set_words](FitOptions& o, const std::vector<uint64_t>& v) {
                      set_words(o.collective.shuffle_state, v);
                    })
      .def_property("dropout_state", [words](const FitOptions& o) { return words(o.collective.dropout_state); },
                    [set_words](FitOptions& o, const std::vector<uint64_t>& v) {
                      set_words(o.collective.dropout_state, v);
                    });
}

// float32 kernels of the active ISA, for the kernel tests
Array<float> k_forward(const Array<float>& x, const Array<float>& w, const Array<float>& b) {
  check_2d(x, "x", w.ndim() == 2 ? w.shape(1) : -1);
  FASTNET_CHECK(b.ndim() == 1 && b.shape(0) == w.shape(0), "bias must have shape (O,)");
  const int B = static_cast<int>(x.shape(0)), I = static_cast<int>(x.shape(1)), O = static_cast<int>(w.shape(0));
  Array<float> out({B, O});
  kernels::kernel_table().forward(out.mutable_data(), x.data(), w.data(), b.data(), B, I, O, 0, 0.f);
  return out;
}
Array<float> k_backward_input(const Array<float>& dy, const Array<float>& w) {
  check_2d(dy, "dout", w.ndim() == 2 ? w.shape(0) : -1);
  const int B = static_cast<int>(dy.shape(0)), O = static_cast<int>(w.shape(0)), I = static_cast<int>(w.shape(1));
  Array<float> out({B, I});
  kernels::kernel_table().backward_input(out.mutable_data(), dy.data(), w.data(), B, I, O);
  return out;
}
py::tuple k_backward_weight(const Array<float>& dy, const Array<float>& x) {
  FASTNET_CHECK(dy.ndim() == 2 && x.ndim() == 2 && dy.shape(0) == x.shape(0), "dout (B,O) and inp (B,I) needed");
  const int B = static_cast<int>(x.shape(0)), I = static_cast<int>(x.shape(1)), O = static_cast<int>(dy.shape(1));
  Array<float> dw({O, I});
  Array<float> db({O});
  kernels::kernel_table().backward_weight(dw.mutable_data(), db.mutable_data(), dy.data(), x.data(), B, I, O);
  return py::make_tuple(dw, db);
}

// ================================================================================ cascade (csrc/cascade/)
// FANN shortcut networks and Cascade2 training. fastnet/cascade.py validates every argument and converts arrays;
// here they are checked again for shape, then the C++ runs without the GIL.

using cascade::CascadeParams;
using cascade::CascadeReport;
using cascade::ShortcutNet;

std::vector<Act> acts_of(const std::vector<int>& codes) {
  std::vector<Act> a;
  for (int c : codes) {
    FASTNET_CHECK(c >= 0 && c < kernels::kNumActs, "unknown activation code ", c);
    a.push_back(static_cast<Act>(c));
  }
  return a;
}

ShortcutNet shortcut_of(int num_inputs, int num_outputs, const std::vector<int>& layer_sizes,
                        const std::vector<int>& acts, const std::vector<float>& steepness, const Array<float>& w) {
  ShortcutNet net;
  net.num_inputs = num_inputs;
  net.num_outputs = num_outputs;
  net.layer_sizes = layer_sizes;
  net.act = acts_of(acts);
  net.steepness = steepness;
  FASTNET_CHECK(w.ndim() == 1, "weights must be 1-D");
  net.weights.assign(w.data(), w.data() + w.size());
  net.validate();
  return net;
}

py::dict report_dict(const CascadeReport& r) {
  py::dict d;
  d["hidden"] = r.hidden;
  d["mse"] = r.mse;
  d["bit_fail"] = r.bit_fail;
  d["output_epochs"] = r.output_epochs;
  d["candidate_epochs"] = r.candidate_epochs;
  d["total_epochs"] = r.total_epochs;
  d["installed"] = r.installed;
  d["candidate_activation"] = static_cast<int>(r.candidate_act);
  d["candidate_steepness"] = r.candidate_steepness;
  d["candidate_score"] = r.candidate_score;
  d["final"] = r.final;
  d["seconds"] = r.seconds;
  return d;
}

// {name: value} as fastnet/cascade.py writes it; "optimizer" is an optimizer spec dict (optimizer_of)
CascadeParams cascade_params_of(const py::dict& d) {
  CascadeParams p;
  p.max_neurons = d["max_neurons"].cast<int>();
  p.desired_error = d["desired_error"].cast<double>();
  p.stop_on_bit_fail = d["stop_on_bit_fail"].cast<bool>();
  p.bit_fail_limit = d["bit_fail_limit"].cast<double>();
  p.tanh_error = d["tanh_error"].cast<bool>();
  p.optim = optimizer_of(d["optimizer"].cast<py::dict>());
  p.output_change_fraction = d["output_change_fraction"].cast<double>();
  p.output_stagnation_epochs = d["output_stagnation_epochs"].cast<int>();
  p.min_out_epochs = d["min_out_epochs"].cast<int>();
  p.max_out_epochs = d["max_out_epochs"].cast<int>();
  p.candidate_change_fraction = d["candidate_change_fraction"].cast<double>();
  p.candidate_stagnation_epochs = d["candidate_stagnation_epochs"].cast<int>();
  p.min_cand_epochs = d["min_cand_epochs"].cast<int>();
  p.max_cand_epochs = d["max_cand_epochs"].cast<int>();
  p.candidate_acts = acts_of(d["candidate_activations"].cast<std::vector<int>>());
  p.candidate_steepnesses = d["candidate_steepnesses"].cast<std::vector<float>>();
  p.num_candidate_groups = d["num_candidate_groups"].cast<int>();
  p.weight_multiplier = d["weight_multiplier"].cast<double>();
  p.candidate_limit = d["candidate_limit"].cast<double>();
  return p;
}

void bind_cascade(py::module_& m) {
  py::class_<ShortcutNet>(m, "CascadeNet")
      .def(py::init(&shortcut_of), py::arg("num_inputs"), py::arg("num_outputs"), py::arg("layer_sizes"),
           py::arg("activations"), py::arg("steepness"), py::arg("weights"))
      .def_readonly("num_inputs", &ShortcutNet::num_inputs)
      .def_readonly("num_outputs", &ShortcutNet::num_outputs)
      .def_readonly("layer_sizes", &ShortcutNet::layer_sizes)
      .def_readonly("steepness", &ShortcutNet::steepness)
      .def_property_readonly("activations", [](const ShortcutNet& n) {
        std::vector<int> c;
        for (Act a : n.act) c.push_back(static_cast<int>(a));
        return c;
      })
      .def_property_readonly("weights", [](const ShortcutNet& n) {
        return copy_out<float>(n.weights.data(), {static_cast<py::ssize_t>(n.weights.size())});
      })
      .def("predict", [](const ShortcutNet& n, const Array<float>& X) {
        check_2d(X, "X", n.num_inputs);
        const long N = static_cast<long>(X.shape(0));
        Array<float> out({static_cast<py::ssize_t>(N), static_cast<py::ssize_t>(n.num_outputs)});
        float* o = out.mutable_data();
        py::gil_scoped_release release;
        n.predict(X.data(), N, o);
        return out;
      }, py::arg("X"))
      .def("fann_mse", [](const ShortcutNet& n, const Array<float>& X, const Array<float>& T, double limit) {
        check_2d(X, "X", n.num_inputs);
        check_2d(T, "targets", n.num_outputs);
        FASTNET_CHECK(T.shape(0) == X.shape(0), "targets must have ", X.shape(0), " rows, got ", T.shape(0));
        py::gil_scoped_release release;
        return cascade::fann_mse(n, X.data(), T.data(), static_cast<long>(X.shape(0)), limit);
      }, py::arg("X"), py::arg("targets"), py::arg("bit_fail_limit"));

  m.def("cascade_fresh", [](int num_inputs, int num_outputs, int out_act, float out_steepness, uint64_t seed) {
    FASTNET_CHECK(out_act >= 0 && out_act < kernels::kNumActs, "unknown activation code ", out_act);
    Rng rng(seed);
    return ShortcutNet::fresh(num_inputs, num_outputs, static_cast<Act>(out_act), out_steepness, rng);
  }, py::arg("num_inputs"), py::arg("num_outputs"), py::arg("output_activation"), py::arg("output_steepness"),
     py::arg("seed"));

  // Trains a copy of `net` (returned with the per-round reports). The callback runs after every round with the
  // GIL, given the report and (under "network") the network as that round's output training left it: Ctrl-C and a
  // False from Python stop training there; a Python error is re-raised once the C++ has returned.
  m.def("cascade_train", [](const ShortcutNet& net, const Array<float>& X, const Array<float>& T,
                            const py::dict& params, uint64_t seed, std::optional<py::function> callback) {
    check_2d(X, "X", net.num_inputs);
    check_2d(T, "targets", net.num_outputs);
    FASTNET_CHECK(T.shape(0) == X.shape(0), "targets must have ", X.shape(0), " rows, got ", T.shape(0));
    const CascadeParams p = cascade_params_of(params);
    ShortcutNet grown = net;
    Rng rng(seed);
    std::unique_ptr<py::error_already_set> pending;
    cascade::CascadeHook hook = [&](const CascadeReport& r, const ShortcutNet& trained) -> bool {
      return python_hook(pending, [&]() -> bool {
        if (!callback) return true;
        py::dict d = report_dict(r);
        d["network"] = py::cast(trained);  // a copy, for the callback's own measurements
        py::object res = (*callback)(d);
        return res.is_none() || res.cast<bool>();
      });
    };
    std::vector<CascadeReport> reports;
    {
      ScopedInterruptPoll poll(python_interrupted);
      py::gil_scoped_release release;
      reports = cascade::cascade_train(grown, X.data(), T.data(), static_cast<long>(X.shape(0)), p, rng, hook);
    }
    // interrupted inside an epoch: cascade_train returned the rounds it finished, KeyboardInterrupt is pending
    if (!pending && PyErr_Occurred()) pending = std::make_unique<py::error_already_set>();
    py::list out;
    for (const auto& r : reports) out.append(report_dict(r));
    if (pending) {
      py::setattr(pending->value(), "history", out);
      py::setattr(pending->value(), "network", py::cast(grown));
      throw *pending;
    }
    return py::make_tuple(grown, out);
  }, py::arg("net"), py::arg("X"), py::arg("targets"), py::arg("params"), py::arg("seed"), py::arg("callback"));

  // One candidate epoch's scores and slopes (FANN's sign), no update: for the tests' numpy reference
  m.def("cascade_candidate_scores", [](const ShortcutNet& net, const Array<float>& X, const Array<float>& T,
                                       double sse, const std::vector<int>& acts, const std::vector<float>& steepness,
                                       const Array<float>& weights) {
    check_2d(X, "X", net.num_inputs);
    check_2d(T, "targets", net.num_outputs);
    FASTNET_CHECK(T.shape(0) == X.shape(0), "targets must have ", X.shape(0), " rows");
    const long K = net.num_units() + net.num_outputs;
    check_2d(weights, "candidate weights", K);
    FASTNET_CHECK(weights.shape(0) == static_cast<py::ssize_t>(acts.size()), "one weight row per candidate");
    const std::vector<Act> a = acts_of(acts);
    for (Act x : a) FASTNET_CHECK(cascade::is_fann_kind(x), "not a FANN activation: ", static_cast<int>(x));
    py::array_t<double> scores(static_cast<py::ssize_t>(acts.size()));
    Array<float> slopes({static_cast<py::ssize_t>(acts.size()), static_cast<py::ssize_t>(K)});
    cascade::candidate_scores(net, X.data(), T.data(), static_cast<long>(X.shape(0)), sse, a, steepness,
                              weights.data(), scores.mutable_data(), slopes.mutable_data());
    return py::make_tuple(scores, slopes);
  }, py::arg("net"), py::arg("X"), py::arg("targets"), py::arg("sse"), py::arg("activations"),
     py::arg("steepness"), py::arg("weights"));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastnet's compiled core (private; use the fastnet package)";
  m.attr("__version__") = FASTNET_VERSION;
  get_num_threads();  // fixes the process-wide default from OMP_NUM_THREADS as the importing thread sees it
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const std::domain_error& e) {
      PyErr_SetString(PyExc_FloatingPointError, e.what());
    } catch (const Interrupted&) {  // the poll left Python's exception (KeyboardInterrupt) pending
      if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
  });
  bind_fit_options(m);
  bind_layer_spec(m);
  bind_network<float>(m, "Network32");
  bind_network<double>(m, "Network64");
  bind_cascade(m);
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.attr("MAX_THREADS") = kMaxThreads;
  m.def("get_num_threads", &get_num_threads);
  m.def("openmp_enabled", &openmp_enabled);
  m.def("available_isas", &kernels::available_isas);
  m.def("get_isa", &kernels::isa_name);
  m.def("set_isa", &kernels::set_isa, py::arg("name"));
  py::module_ k = m.def_submodule("kernels", "float32 dense kernels of the active ISA (for tests)");
  k.def("dense_forward", &k_forward, py::arg("inp"), py::arg("weight"), py::arg("bias"));
  k.def("dense_backward_input", &k_backward_input, py::arg("dout"), py::arg("weight"));
  k.def("dense_backward_weight", &k_backward_weight, py::arg("dout"), py::arg("inp"));
}
