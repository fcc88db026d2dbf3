// Threading of the kernels: a persistent pool and the parallel loops built on it.
#pragma once

#include "common.h"

namespace mx {

// ---------------------------------------------------------------------------------------
// A persistent thread pool: kernels run many short parallel regions (one per layer), so
// threads are created once and woken per region instead of being spawned every call.
class Pool {
 public:
  static Pool& get();
  // Run body(t) for t = 0..n-1 (t = 0 on the calling thread); returns when all are done.
  void run(int n, const std::function<void(int)>& body);

 private:
  void loop(int id);
  std::mutex callMutex_, mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int)>* job_ = nullptr;
  int jobN_ = 0, remaining_ = 0;
  uint64_t generation_ = 0;
};

// Run f(begin, end, tid) over [0, n) in blocks of `grain` handed out to `threads` threads as
// they become free (on a shared machine a thread that gets less of a core does less of the
// work). Results must not depend on which thread runs a block.
template <typename F>
void parallelBlocks(int64_t n, int64_t grain, int threads, F f) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t blocks = (n + grain - 1) / grain;
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, blocks)));
  if (threads == 1) {
    for (int64_t b = 0; b < blocks; b++) f(b * grain, std::min(n, (b + 1) * grain), 0);
    return;
  }
  std::atomic<int64_t> next{0};
  Pool::get().run(threads, [&](int tid) {
    for (;;) {
      const int64_t b = next.fetch_add(1);
      if (b >= blocks) break;
      f(b * grain, std::min(n, (b + 1) * grain), tid);
    }
  });
}

// Run f(begin, end) over [0, n) on `threads` threads (dynamic blocks, about 8 per thread).
template <typename F>
void parallelFor(int64_t n, int threads, F f) {
  const int64_t grain = std::max<int64_t>(1, n / (8 * std::max(1, threads)));
  parallelBlocks(n, grain, threads, [&](int64_t b, int64_t e, int) { f(b, e); });
}

}  // namespace mx
