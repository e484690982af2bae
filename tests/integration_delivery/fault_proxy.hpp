#pragma once
// A byte-level fault-injecting TCP proxy on loopback, between `hdr deliver` and the simulator:
// corrupts, duplicates and drops chunks at given probabilities, stalls the link for a time,
// and cuts every connection on request. Deterministic RNG; one poll() thread.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace itest {

struct FaultRates {
  double corrupt = 0, duplicate = 0, drop = 0;  // per chunk, each direction
};

class FaultProxy {
 public:
  FaultProxy(int listen_port, int target_port, FaultRates rates, unsigned seed)
      : target_port_(target_port), rates_(rates), rng_(seed) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(listen_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 8) != 0)
      throw std::runtime_error("proxy: cannot listen on port " + std::to_string(listen_port));
    thread_ = std::thread([this] { loop(); });
  }
  ~FaultProxy() {
    stop_ = true;
    thread_.join();
    for (auto& p : pairs_) close_pair(p);
    ::close(listen_fd_);
  }
  void set_rates(FaultRates r) {
    std::lock_guard l(m_);
    rates_ = r;
  }
  void stall_for(std::chrono::milliseconds d) {
    std::lock_guard l(m_);
    stall_until_ = std::chrono::steady_clock::now() + d;
  }
  void cut_all() { cut_ = true; }
  std::size_t corrupted() const { return corrupted_; }
  std::size_t connections() const { return connections_; }

 private:
  struct Pair {
    int client = -1, server = -1;
    std::vector<char> to_server, to_client;  // held while stalled
  };
  static int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }
  static void close_pair(Pair& p) {
    if (p.client >= 0) ::close(p.client);
    if (p.server >= 0) ::close(p.server);
    p.client = p.server = -1;
  }
  void forward(int to, std::vector<char>& held, const char* data, std::size_t n) {
    std::vector<char> chunk(data, data + n);
    bool dup = false;
    {
      std::lock_guard l(m_);
      std::uniform_real_distribution<double> u(0, 1);
      if (u(rng_) < rates_.drop) return;
      if (u(rng_) < rates_.corrupt) {
        chunk[std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_)] ^= static_cast<char>(1 << (rng_() % 8));
        ++corrupted_;
      }
      dup = u(rng_) < rates_.duplicate;
    }
    held.insert(held.end(), chunk.begin(), chunk.end());
    if (dup) held.insert(held.end(), chunk.begin(), chunk.end());
    flush(to, held);
  }
  void flush(int to, std::vector<char>& held) {
    {
      std::lock_guard l(m_);
      if (std::chrono::steady_clock::now() < stall_until_) return;
    }
    while (!held.empty()) {
      const ssize_t w = ::send(to, held.data(), held.size(), MSG_NOSIGNAL);
      if (w <= 0) {
        held.clear();
        return;
      }
      held.erase(held.begin(), held.begin() + w);
    }
  }
  void loop() {
    while (!stop_) {
      if (cut_.exchange(false)) {
        for (auto& p : pairs_) close_pair(p);
        pairs_.clear();
      }
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
      ::poll(fds.data(), fds.size(), 5);
      // A pair accepted below has no pollfd in this round: only the polled ones are read.
      const std::size_t polled = pairs_.size();
      if (fds[0].revents & POLLIN) {
        const int c = ::accept(listen_fd_, nullptr, nullptr);
        if (c >= 0) {
          const int s = connect_to(target_port_);
          if (s < 0) {
            ::close(c);
          } else {
            int one = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            pairs_.push_back({c, s, {}, {}});
            ++connections_;
          }
        }
      }
      char buf[8192];
      for (std::size_t i = 0; i < polled; ++i) {
        auto& p = pairs_[i];
        const short rc = fds[1 + 2 * i].revents, rs = fds[2 + 2 * i].revents;
        if (rc & (POLLIN | POLLHUP | POLLERR)) {
          const ssize_t n = ::recv(p.client, buf, sizeof buf, 0);
          if (n <= 0) close_pair(p);
          else forward(p.server, p.to_server, buf, static_cast<std::size_t>(n));
        }
        if (p.server >= 0 && (rs & (POLLIN | POLLHUP | POLLERR))) {
          const ssize_t n = ::recv(p.server, buf, sizeof buf, 0);
          if (n <= 0) close_pair(p);
          else forward(p.client, p.to_client, buf, static_cast<std::size_t>(n));
        }
        if (p.client >= 0) {
          flush(p.server, p.to_server);
          flush(p.client, p.to_client);
        }
      }
      std::erase_if(pairs_, [](const Pair& p) { return p.client < 0; });
    }
  }

  int listen_fd_ = -1;
  int target_port_;
  FaultRates rates_;
  std::mt19937 rng_;
  std::mutex m_;
  std::chrono::steady_clock::time_point stall_until_{};
  std::atomic<bool> stop_{false}, cut_{false};
  std::atomic<std::size_t> corrupted_{0}, connections_{0};
  std::vector<Pair> pairs_;
  std::thread thread_;
};

}  // namespace itest
