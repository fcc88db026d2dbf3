// The persistent thread pool (threads.h).
#include "threads.h"

namespace mx {

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
    remaining_ = n - 1;
    generation_++;
  }
  wake_.notify_all();
  body(0);
  std::unique_lock<std::mutex> lk(mutex_);
  done_.wait(lk, [&] { return remaining_ == 0; });
  job_ = nullptr;
}

void Pool::loop(int id) {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lk(mutex_);
  for (;;) {
    wake_.wait(lk, [&] { return generation_ != seen; });
    seen = generation_;
    if (id >= jobN_) continue;
    const std::function<void(int)>* f = job_;
    lk.unlock();
    (*f)(id);
    lk.lock();
    if (--remaining_ == 0) done_.notify_one();
  }
}

}  // namespace mx
