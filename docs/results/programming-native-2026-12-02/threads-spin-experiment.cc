// The persistent thread pool (threads.h).
#include "threads.h"

#include <chrono>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MX_PAUSE() _mm_pause()
#else
#define MX_PAUSE() ((void)0)
#endif

namespace mx {

namespace {
// How long a thread keeps polling before it sleeps on the condition variable: a forward pass
// runs a parallel region per layer step (im2col, GEMM, correction) with microseconds of
// JavaScript between them, and a sleeping thread takes tens of microseconds to wake, so the
// calling thread would otherwise do most of each region alone (onnxruntime's threads poll too).
// Short enough that an idle process gives the core back almost at once.
constexpr auto kSpin = std::chrono::microseconds(200);

// Poll `done()` for up to kSpin; true when it became true.
template <typename F>
bool spinUntil(F done) {
  const auto end = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int k = 0; k < 64; k++) {
      if (done()) return true;
      MX_PAUSE();
    }
    if (std::chrono::steady_clock::now() >= end) return done();
  }
}
}  // namespace

Pool& Pool::get() {
  static Pool* pool = new Pool();  // never destroyed: its threads live as long as the process
  return *pool;
}

void Pool::run(int n, const std::function<void(int)>& body) {
  if (n <= 1) {
    body(0);
    return;
  }
  std::lock_guard<std::mutex> call(callMutex_);  // one region at a time (several JS threads may call)
  {
    std::lock_guard<std::mutex> lk(mutex_);
    while (static_cast<int>(threads_.size()) < n - 1) {
      const int id = static_cast<int>(threads_.size()) + 1;
      threads_.emplace_back([this, id] { loop(id); });
    }
    job_ = &body;
    jobN_ = n;
    remaining_.store(n - 1);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  body(0);
  if (!spinUntil([&] { return remaining_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lk(mutex_);
    done_.wait(lk, [&] { return remaining_.load() == 0; });
  }
  std::lock_guard<std::mutex> lk(mutex_);
  job_ = nullptr;
}

void Pool::loop(int id) {
  uint64_t seen = 0;
  for (;;) {
    // Poll the generation first, then sleep; the job is read under the mutex either way, so a
    // thread sees the generation and the job published with it, never a later job's.
    spinUntil([&] { return generation_.load(std::memory_order_acquire) != seen; });
    const std::function<void(int)>* f;
    {
      std::unique_lock<std::mutex> lk(mutex_);
      wake_.wait(lk, [&] { return generation_.load() != seen; });
      seen = generation_.load();
      if (id >= jobN_) continue;
      f = job_;
    }
    (*f)(id);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mutex_);
      done_.notify_one();
    }
  }
}

}  // namespace mx
