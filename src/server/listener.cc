#include "server/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace basalt::server {

namespace {

#ifdef __linux__
constexpr bool kAcceptedSocketsInheritOptions = true;
#else
constexpr bool kAcceptedSocketsInheritOptions = false;
#endif

// The kernel queues at most this many bytes of a reply beyond what the peer's receive window
// lets it send at once; the rest stays with us until the socket reports it writable again.
// Why: the bytes left in the send queue are transmitted by the peer's window updates, that is
// on the client's core, from inside its recv (measured: 9% of redis-benchmark's time in our
// tcp_write_xmit at 1 MB GET -c 5). A client bound by its own core then ran 1 MB GETs at
// 0.7x Redis (Redis writes 64 KB per event, so little waits in its queue); with this limit,
// we send them from our own core and serve 1.3-1.6x.
constexpr int kNotSentLowWater = 16 * 1024;

// No SO_RCVBUF is asked: client sockets keep the kernel's autotuning, as Redis's do. A fixed
// 1 MB buffer (2026-12-04 to 12-06) let a client write a whole -P 16 batch of 64 KB SETs in
// one call, so on loopback its core, not ours, carried those bytes into our socket: 1.3-1.4x
// Redis's ops/s at 64 KB -c 50 and -c 200 -P 16, against 1.05-1.15x autotuned. The client was
// then the one saturated, and its latencies were mostly its own queueing: p50 5.5-9.6 ms
// against Redis's 2.4-2.5 at -c 50, 34-35 ms against 9-10 at -c 200 (autotuned: 2.7-3.4 and
// 10.4-10.9). Elsewhere autotuning did as well or better (16 KB -c 50/200 -P 16, 1 MB -c 1000
// SETs), except 16 KB -c 1000 -P 16 SETs' p50, 67-76 ms against Redis's 40-48 at 1.26-1.44x
// its ops/s: a new batch's first read waited for a pass over every busy connection (see
// continuations.h, which ended that wait). A fixed buffer also keeps a window
// from growing past it on a long fat network, and it only ever applied where
// net.core.rmem_max had been raised.
// Autotuned, the same thing still happens now and then, to Redis's sockets too: at 64 KB -c 50
// -P 16 SET, 0 to 5 runs in 12 in a row find their sockets grown to 2-22 MB (most stay at
// 552 KB), and such a run goes 1.2-1.3x faster with 3x the p50 (7-8 ms against 2.2-2.5), as
// with the fixed 1 MB. Redis's runs do the same (ss -tm in the run, 12 in a row: 2 at 5-16 MB,
// p50 5.0 and 7.3 ms against 2.2-3.4; at -c 5, 5 of 10 at 5-8 MB, p50 0.48-0.77 ms against
// 0.24-0.29, where basalt's were 7 of 10 at 3-8 MB with p50 0.26-0.47), so a cell's p50 is
// partly which runs drew the big buffers (2026-12-06). TCP_WINDOW_CLAMP does not prevent it: the
// kernel (6.18) moves the clamp along as it grows the buffer. A smaller fixed buffer (SO_RCVBUF 128
// KB, 256 KB in use; 6-12 rounds against autotuning) lowered that cell's p50 (1.70 ms against 2.30,
// Redis 2.14) at 0.97x the ops/s, but cost 1 MB SETs 0.94x at -c 5 -P 1 and 0.89x at -c 5 -P 16
// (below Redis's), and raised 64 KB -c 200 -P 16's p50 from 3.6 ms to 9.6. So autotuning stays
// (2026-12-06).

void SetIntOption(int fd, int level, int name, int value) {
  setsockopt(fd, level, name, &value, sizeof(value));
}

void ApplyKeepalive(int fd, int64_t seconds) {
  SetIntOption(fd, SOL_SOCKET, SO_KEEPALIVE, seconds > 0 ? 1 : 0);
  if (seconds <= 0) return;
  const int idle = static_cast<int>(seconds);
  SetIntOption(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle);
  SetIntOption(fd, IPPROTO_TCP, TCP_KEEPINTVL, std::max(1, idle / 3));
  SetIntOption(fd, IPPROTO_TCP, TCP_KEEPCNT, 3);
}

}  // namespace

// Linux's accept(2) hands on a connection's pending network error, and asks that those of the
// protocol be retried like EAGAIN. ECONNABORTED is a connection that died while queued (the
// BSDs report a reset so; Linux accepts it), EPERM one that a firewall rule refused.
AcceptFailure ClassifyAcceptFailure(const asio::error_code& ec) {
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    return AcceptFailure::kQueueEmpty;
  }
  if (ec.category() != asio::system_category()) return AcceptFailure::kOutOfResources;
  switch (ec.value()) {
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
#ifdef ENONET
    case ENONET:
#endif
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case EPERM:
    case EINTR:
      return AcceptFailure::kSkipConnection;
    default:  // EMFILE, ENFILE, ENOBUFS, ENOMEM, and anything unforeseen: no spinning on it
      return AcceptFailure::kOutOfResources;
  }
}

std::string FormatEndpoint(const asio::ip::tcp::endpoint& ep) {
  asio::ip::address a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a.to_string() + ":" + std::to_string(ep.port());
}

Listeners::Listeners(asio::io_context& io, AcceptFn on_accept)
    : io_(io), on_accept_(std::move(on_accept)) {}

void Listeners::ApplyClientOptions(int fd, const ClientSocketOptions& options) {
  SetIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  SetIntOption(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, kNotSentLowWater);
  ApplyKeepalive(fd, options.keepalive_seconds);
}

Status Listeners::Bind(const std::string& bind, int port, int backlog,
                       const ClientSocketOptions& options) {
  options_ = options;
  std::istringstream words(bind);
  for (std::string addr; words >> addr;) {
    // A leading '-' marks an address that may be unavailable (as in Redis).
    bool optional = addr[0] == '-';
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    asio::error_code ec;
    asio::ip::address ip = asio::ip::make_address(addr, ec);
    if (ec) return Status::InvalidArgument("invalid bind address '" + addr + "'");
    auto listener =
        std::make_unique<Listener>(Listener{asio::ip::tcp::acceptor(io_), asio::steady_timer(io_)});
    asio::ip::tcp::acceptor& acceptor = listener->acceptor;
    asio::ip::tcp::endpoint ep(ip, static_cast<uint16_t>(port));
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec && kAcceptedSocketsInheritOptions) {
      ApplyClientOptions(acceptor.native_handle(), options);
    }
    if (!ec) acceptor.non_blocking(true, ec);
    // Without it, Asio's accept meets ECONNABORTED or EPROTO (a connection that died while
    // queued) by waiting in poll() for the next one, with no timeout: the loop would stop.
    if (!ec) acceptor.set_option(asio::socket_base::enable_connection_aborted(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(backlog, ec);
    if (ec) {
      if (optional) continue;
      return Status::IoError("Could not create server TCP listening socket " + addr + ":" +
                             std::to_string(port) + ": " + ec.message());
    }
    if (port_ == 0) port_ = acceptor.local_endpoint().port();
    listeners_.push_back(std::move(listener));
  }
  if (listeners_.empty()) return Status::InvalidArgument("no address to listen on");
  return Status::Ok();
}

void Listeners::StartAccepting() {
  for (auto& l : listeners_) AwaitConnections(*l);
}

void Listeners::Close() {
  closed_ = true;
  asio::error_code ec;
  for (auto& l : listeners_) {
    l->acceptor.close(ec);
    l->pause.cancel();
  }
}

void Listeners::SetKeepalive(int64_t seconds) {
  options_.keepalive_seconds = seconds;
  if (!kAcceptedSocketsInheritOptions) return;
  for (auto& l : listeners_) {
    ApplyKeepalive(l->acceptor.native_handle(), seconds);
    l->keepalive_stale = true;
  }
}

void Listeners::AwaitConnections(Listener& listener) {
  listener.acceptor.async_wait(asio::socket_base::wait_read,
                               [this, &listener](const asio::error_code& ec) {
                                 if (ec == asio::error::operation_aborted || closed_) return;
                                 if (AcceptWaiting(listener)) {
                                   AwaitConnections(listener);
                                   return;
                                 }
                                 listener.pause.expires_after(kPauseAfterFailure);
                                 listener.pause.async_wait([this, &listener](auto ec) {
                                   if (!ec && !closed_) AwaitConnections(listener);
                                 });
                               });
}

bool Listeners::AcceptWaiting(Listener& listener) {
  for (int i = 0; i < kMaxAcceptsPerWake && !closed_; ++i) {
    asio::ip::tcp::endpoint peer;
    asio::error_code ec;
    asio::ip::tcp::socket socket = listener.acceptor.accept(peer, ec);
    if (ec) {
      switch (ClassifyAcceptFailure(ec)) {
        case AcceptFailure::kQueueEmpty:
          listener.keepalive_stale = false;
          return true;
        case AcceptFailure::kSkipConnection:
          continue;
        case AcceptFailure::kOutOfResources:  // the rest stay queued until the pause is over
          WarnAcceptFailed(ec);
          return false;
      }
    }
    const int fd = static_cast<int>(socket.native_handle());
    if (!kAcceptedSocketsInheritOptions) {
      ApplyClientOptions(fd, options_);
    } else if (listener.keepalive_stale) {
      ApplyKeepalive(fd, options_.keepalive_seconds);
    }
    on_accept_(std::move(socket), FormatEndpoint(peer));
  }
  return true;
}

void Listeners::WarnAcceptFailed(const asio::error_code& ec) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_warning_ < std::chrono::seconds(1)) return;  // one line a second, not ten
  last_warning_ = now;
  spdlog::warn("Accepting client connection: {}", ec.message());
}

}  // namespace basalt::server
