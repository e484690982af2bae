#pragma once
// Long work (sweep capture, segmentation, needle detection, optimisation, dose grid) runs on
// worker threads. A job computes an immutable result off the UI thread and returns a small
// `Commit` that the UI thread applies to the AppState between frames (collect()), so a frame
// never blocks on a worker and a worker never touches the state (DESIGN.md: hand finished,
// immutable results to the UI; no model shared under one mutex).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ui/state/app_state.hpp"

namespace hdr::ui {

// Lowers the calling thread's CPU priority (Linux per-thread nice 10): background work (the
// planner, the simulated probe's physics, record-store writes) yields the CPU to the UI thread
// and the GL rasteriser (Mesa llvmpipe runs on the CPU), so a frame is not delayed by our own
// workers on a small machine. Threads the caller creates afterwards inherit it. Best effort:
// returns false if the system refused.
bool lower_this_thread_priority();

class JobRunner {
 public:
  using Commit = std::function<void(AppState&)>;
  // `progress` is written by the worker (0..1) and read by the UI.
  using Work = std::function<Commit(std::atomic<float>& progress)>;

  JobRunner() = default;
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;
  ~JobRunner();  // joins every worker (their results are dropped)

  // Starts `work` on a new thread unless a job with this name is running (returns false then).
  bool start(const std::string& name, Work work);

  // UI thread: applies the commits of finished jobs in the order the jobs were started, records
  // errors (hdr::Error text) and durations in state.jobs, updates running jobs' progress. A
  // commit may start jobs; their commits apply in a later collect().
  void collect(AppState& state);

  bool running(const std::string& name) const;
  bool any_running() const;
  // Joins every worker (their results are dropped): shutdown only.
  void wait_all();

 private:
  struct Job {
    std::string name;
    std::thread thread;
    std::atomic<float> progress{0.0F};
    std::atomic<bool> done{false};
    Commit commit;  // written by the worker before `done`
    std::string error;
    std::chrono::steady_clock::time_point started;
    double duration_ms = 0.0;
  };
  std::vector<std::unique_ptr<Job>> jobs_;
};

}  // namespace hdr::ui
