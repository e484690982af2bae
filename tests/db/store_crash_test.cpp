// Crash tests (issue 6; SQLite's "crash in a child, judge from the parent"): a child process
// writes delivery progress, reporting on a pipe "B k" before and "C k" after each committed
// report k; the parent kills it with SIGKILL at a random moment, dozens of times. Afterwards
// integrity_check is ok, verify() passes, and the store holds exactly the progress of the
// last committed report (or of the one in flight, if its commit reached the disk before the
// kill but its "C" did not reach the pipe): never a half-written one, never one lost.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>

#include "db/record_store.hpp"
#include "db_test_support.hpp"

using namespace hdr::db;
using namespace hdr::db::test;

namespace {

constexpr int kDwells = 6;
constexpr int kMaxReports = 100000;

// Report k sets plan dwell (k-1) % kDwells to k * 0.1 s delivered (increasing per dwell).
int dwell_of(int k) { return (k - 1) % kDwells; }
double delivered_of(int k) { return 0.1 * k; }

// The session's dwells after reports 1..k: dwell -> delivered_s.
std::map<int, double> expected_after(int k) {
  std::map<int, double> m;
  for (int j = 1; j <= k; ++j) m[dwell_of(j)] = delivered_of(j);
  return m;
}

void write_line(int fd, const std::string& s) {
  const std::string line = s + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
}

[[noreturn]] void child_main(const std::string& file, Id session, int fd) {
  try {
    RecordStore store = RecordStore::open(file, quick_options());
    const Actor tom = store.authenticate("tom", "tom-pw");
    const auto plan = store.plan(1).plan;
    write_line(fd, "R");  // ready: the parent starts its random delay only now
    for (int k = 1; k <= kMaxReports; ++k) {
      const auto& d = plan.dwells[static_cast<size_t>(dwell_of(k))];
      write_line(fd, "B " + std::to_string(k));
      store.record_dwell_progress(tom, session, DwellProgress{dwell_of(k), d.catheter, d.position_mm, 10000.0, delivered_of(k)});
      write_line(fd, "C " + std::to_string(k));
    }
  } catch (...) {
    ::_exit(2);
  }
  ::_exit(0);
}

}  // namespace

TEST_CASE("delivery progress survives SIGKILL at random moments") {
  const auto dir = scratch_dir("crash");
  const std::string file = (dir / "r.db").string();
  {
    RecordStore store = new_store(dir / "r.db");
    const Team t = make_team(store);
    const Id id = store.import_plan(t.physician, "P1", small_plan());
    store.approve(t.physician, id);
    store.approve(t.physicist, id);
  }
  std::mt19937 rng(20261127);
  std::uniform_int_distribution<int> delay_us(0, 60000);
  constexpr int kRuns = 36;
  int runs_with_commits = 0, in_flight_seen = 0;
  for (int run = 0; run < kRuns; ++run) {
    Id session = 0;
    {
      RecordStore store = RecordStore::open(file, quick_options());
      const Actor tom = store.authenticate("tom", "tom-pw");
      session = store.begin_session(tom, SessionStart{1, "mHDR-v2", "D36A-1234", 41000.0, hdr::utc_now(), std::nullopt, 1, {}});
    }  // no SQLite connection may cross fork()
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_main(file, session, fds[1]);
    }
    ::close(fds[1]);
    // Wait for the child's "R" line (its open and login take longer under the sanitizers).
    std::string ready;
    for (char ch = 0; ready != "R\n" && ::read(fds[0], &ch, 1) == 1;) ready += ch;
    REQUIRE_MESSAGE(ready == "R\n", "child did not get ready: '" << ready << "'");
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE_MESSAGE(WIFSIGNALED(status), "child exited by itself, status " << status);
    std::string log;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) log.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int last_begun = 0, last_committed = 0;
    std::istringstream in(log);
    for (std::string tag; in >> tag;) {
      int k = 0;
      in >> k;
      (tag == "B" ? last_begun : last_committed) = k;
    }

    RecordStore store = RecordStore::open(file, quick_options());
    const auto report = store.verify();  // includes PRAGMA integrity_check
    std::string problems;
    for (const auto& p : report.problems) problems += p + "; ";
    REQUIRE_MESSAGE(report.ok(), "run " << run << ": " << problems);
    std::map<int, double> held;
    for (const auto& d : store.session(session).dwells) held[d.plan_dwell_index] = d.delivered_s;
    const bool committed_exact = held == expected_after(last_committed);
    const bool in_flight_landed = last_begun > last_committed && held == expected_after(last_begun);
    CHECK_MESSAGE((committed_exact || in_flight_landed),
                  "run " << run << ": last begun " << last_begun << ", last committed " << last_committed << ", store holds "
                         << held.size() << " dwells");
    if (last_committed > 0) ++runs_with_commits;
    if (in_flight_landed && !committed_exact) ++in_flight_seen;
  }
  MESSAGE(runs_with_commits << " of " << kRuns << " runs were killed after at least one commit; " << in_flight_seen
                            << " had the in-flight report committed");
  // The test means something only if most kills land mid-stream.
  CHECK(runs_with_commits >= kRuns / 2);
}
