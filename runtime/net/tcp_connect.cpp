#include "runtime/net/tcp_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace cairn {
namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One address: 0 and the socket on success, else errno.
int connect_one(const addrinfo* ai, int64_t deadline_ms, int& fd_out) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return errno;
  int err = 0;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int64_t left = deadline_ms - steady_ms();
      int ready = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
      if (ready <= 0) {
        err = ready == 0 ? ETIMEDOUT : errno;
      } else {
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
  }
  if (err != 0) {
    ::close(fd);
    return err;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_out = fd;
  return 0;
}

}  // namespace

result<int> tcp_connect(const std::string& host, uint16_t port, int64_t timeout_ms) {
  std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    return error{errc::unavailable, "cannot resolve " + where + ": " + ::gai_strerror(rc)};
  int64_t deadline = steady_ms() + timeout_ms;
  int err = EHOSTUNREACH;
  int fd = -1;
  for (auto* ai = found; ai; ai = ai->ai_next)
    if ((err = connect_one(ai, deadline, fd)) == 0) break;
  ::freeaddrinfo(found);
  if (fd < 0)
    return error{errc::unavailable, "cannot connect to " + where + ": " + std::strerror(err)};
  return fd;
}

}  // namespace cairn
