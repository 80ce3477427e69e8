// bench/native/forkjoin.cpp — what a parallel region costs: OpenMP's fork/join (libgomp, as fastnet uses it
// through core/parallel.h) against a minimal persistent pool (workers spinning on an atomic generation counter,
// the cheapest dispatch a hand-written pool can have). Built and run by bench/forkjoin.py; prints JSON.
//
// Three situations, each the median over many regions of the time from the dispatch to the last thread's
// arrival at the join:
//   back_to_back  regions one after another (a training step's kernels)
//   after_work    ~20 µs of single-thread work between regions (a step's serial parts: loss, bias sums)
//   after_sleep   2 ms asleep between regions (threads have gone idle: libgomp's spin budget is spent)
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double now_us() { return std::chrono::duration<double, std::micro>(Clock::now().time_since_epoch()).count(); }

volatile double sink = 0;
void serial_work(int n) {  // ~n ns of dependent arithmetic
  double x = 1.0;
  for (int i = 0; i < n / 2; ++i) x = x * 0.999999 + 1e-9;
  sink = x;
}

// A pool whose workers never sleep: dispatch = one atomic store, join = a counter.
class SpinPool {
 public:
  explicit SpinPool(int n) : n_(n) {
    for (int t = 1; t < n_; ++t) workers_.emplace_back([this, t] { loop(t); });
  }
  ~SpinPool() {
    stop_.store(true);
    gen_.fetch_add(1);
    for (auto& w : workers_) w.join();
  }
  template <class F>
  void run(F&& f) {
    body_ = [&f](int t) { f(t); };
    done_.store(0, std::memory_order_relaxed);
    gen_.fetch_add(1, std::memory_order_release);
    f(0);
    while (done_.load(std::memory_order_acquire) != n_ - 1) {
    }
  }

 private:
  void loop(int t) {
    unsigned long seen = 0;
    for (;;) {
      unsigned long g;
      while ((g = gen_.load(std::memory_order_acquire)) == seen) {
      }
      seen = g;
      if (stop_.load()) return;
      body_(t);
      done_.fetch_add(1, std::memory_order_release);
    }
  }
  int n_;
  std::vector<std::thread> workers_;
  std::atomic<unsigned long> gen_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
  std::function<void(int)> body_;
};

template <class Region>
double median_cost(Region&& region, int reps, int gap_ns, int sleep_us) {
  std::vector<double> t;
  t.reserve(reps);
  for (int r = 0; r < reps; ++r) {
    if (gap_ns) serial_work(gap_ns);
    if (sleep_us) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    const double t0 = now_us();
    region();
    t.push_back(now_us() - t0);
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[reps / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  std::atomic<int> hits{0};
  auto omp_region = [&] {
#pragma omp parallel num_threads(threads)
    hits.fetch_add(1, std::memory_order_relaxed);
  };
  SpinPool pool(threads);
  auto pool_region = [&] { pool.run([&](int) { hits.fetch_add(1, std::memory_order_relaxed); }); };
  omp_region();  // start libgomp's team
  std::printf("{\"threads\": %d", threads);
  const struct { const char* name; int gap_ns, sleep_us, reps; } cases[] = {
      {"back_to_back", 0, 0, 20000}, {"after_work", 20000, 0, 5000}, {"after_sleep", 0, 2000, 300}};
  for (const auto& c : cases) {
    const double o = median_cost(omp_region, c.reps, c.gap_ns, c.sleep_us);
    const double p = median_cost(pool_region, c.reps, c.gap_ns, c.sleep_us);
    std::printf(", \"%s\": {\"openmp_us\": %.3f, \"spin_pool_us\": %.3f}", c.name, o, p);
  }
  std::printf("}\n");
  return hits.load() > 0 ? 0 : 1;
}
