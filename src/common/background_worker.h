// One background thread running closures in order: slow file work (fsync, close, rename,
// unlink of big files) that must not run on the event loop.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace basalt {

class BackgroundWorker {
 public:
  BackgroundWorker();
  ~BackgroundWorker();  // runs what is queued, then joins
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  void Submit(std::function<void()> job);
  // Blocks until every job submitted before this call has run.
  void Drain();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace basalt
