// Listeners: accepted sockets carry the client options (set once on the listening socket), a
// keepalive change reaches connections already queued, and the peer's address comes with the
// accept. Real loopback sockets, so this also checks the kernel copies the options we rely on.
#include "server/listener.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

using basalt::server::AcceptFailure;
using basalt::server::ClassifyAcceptFailure;
using basalt::server::Listeners;

namespace {

// The sanitizers' runtime needs descriptors of its own for its checks (UBSan's vptr check
// tests memory through a pipe): with none left it reports a bad object where there is none.
#ifdef __SANITIZE_ADDRESS__
constexpr bool kUnderSanitizers = true;
#else
constexpr bool kUnderSanitizers = false;
#endif

int IntOption(asio::ip::tcp::socket& s, int level, int name) {
  int value = -1;
  socklen_t len = sizeof(value);
  getsockopt(static_cast<int>(s.native_handle()), level, name, &value, &len);
  return value;
}

struct Accepted {
  asio::ip::tcp::socket socket;
  std::string peer;
};

struct Fixture {
  asio::io_context io;
  std::vector<Accepted> accepted;
  Listeners listeners{io, [this](asio::ip::tcp::socket s, std::string peer) {
                        accepted.push_back({std::move(s), std::move(peer)});
                      }};
  std::vector<asio::ip::tcp::socket> clients;

  explicit Fixture(int64_t keepalive) {
    REQUIRE(listeners.Bind("127.0.0.1", 0, 16, {.keepalive_seconds = keepalive}).ok());
    listeners.StartAccepting();
  }
  // A blocking connect completes the handshake: the connection then waits in the accept queue.
  asio::ip::tcp::socket& Connect() {
    clients.emplace_back(io);
    clients.back().connect({asio::ip::make_address("127.0.0.1"), listeners.port()});
    return clients.back();
  }
  void AcceptUntil(size_t n) {
    while (accepted.size() < n) io.run_one();
  }
};

}  // namespace

TEST_SUITE("listener") {
  TEST_CASE("an accepted socket carries the client options and its peer's address") {
    Fixture f(300);
    asio::ip::tcp::socket& client = f.Connect();
    f.AcceptUntil(1);
    asio::ip::tcp::socket& s = f.accepted[0].socket;
    CHECK(IntOption(s, IPPROTO_TCP, TCP_NODELAY) == 1);
    CHECK(IntOption(s, IPPROTO_TCP, TCP_NOTSENT_LOWAT) == 16 * 1024);
    CHECK(IntOption(s, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK(IntOption(s, IPPROTO_TCP, TCP_KEEPIDLE) == 300);
    CHECK(IntOption(s, IPPROTO_TCP, TCP_KEEPINTVL) == 100);
    CHECK(IntOption(s, IPPROTO_TCP, TCP_KEEPCNT) == 3);
    CHECK(f.accepted[0].peer == "127.0.0.1:" + std::to_string(client.local_endpoint().port()));
  }

  TEST_CASE("tcp-keepalive 0 leaves keepalive off") {
    Fixture f(0);
    f.Connect();
    f.AcceptUntil(1);
    CHECK(IntOption(f.accepted[0].socket, SOL_SOCKET, SO_KEEPALIVE) == 0);
    CHECK(IntOption(f.accepted[0].socket, IPPROTO_TCP, TCP_NODELAY) == 1);
  }

  TEST_CASE("a keepalive change reaches connections queued before it and those after") {
    Fixture f(300);
    f.Connect();  // copied from the listener while it still said 300
    f.listeners.SetKeepalive(60);
    f.Connect();
    f.AcceptUntil(2);
    f.Connect();  // after the queue was drained: the listener's own value
    f.AcceptUntil(3);
    for (Accepted& a : f.accepted) {
      CHECK(IntOption(a.socket, SOL_SOCKET, SO_KEEPALIVE) == 1);
      CHECK(IntOption(a.socket, IPPROTO_TCP, TCP_KEEPIDLE) == 60);
      CHECK(IntOption(a.socket, IPPROTO_TCP, TCP_KEEPINTVL) == 20);
    }
    f.listeners.SetKeepalive(0);
    f.Connect();
    f.AcceptUntil(4);
    CHECK(IntOption(f.accepted[3].socket, SOL_SOCKET, SO_KEEPALIVE) == 0);
  }

  TEST_CASE("every connection waiting is accepted, in the order they came") {
    Fixture f(300);
    for (int i = 0; i < 8; ++i) f.Connect();
    f.AcceptUntil(8);
    for (int i = 0; i < 8; ++i) {
      CHECK(f.accepted[i].peer ==
            "127.0.0.1:" + std::to_string(f.clients[i].local_endpoint().port()));
    }
  }

  TEST_CASE("out of descriptors, the listener pauses instead of waking every turn" *
            doctest::skip(kUnderSanitizers)) {
    Fixture f(300);
    for (int i = 0; i < 3; ++i) f.Connect();
    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    const int next_fd = open("/dev/null", O_RDONLY);  // descriptors go lowest first
    REQUIRE(next_fd >= 0);
    close(next_fd);
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(next_fd);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    f.io.run_one();              // the listener wakes; accept fails with EMFILE
    size_t ready_while_out = 0;  // handlers that run at once (bounded: a spin never stops)
    for (int i = 0; i < 10; ++i) ready_while_out += f.io.poll_one();
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    CHECK(f.accepted.empty());
    CHECK(ready_while_out == 0);  // re-armed at once, the queued connections would wake it
    f.AcceptUntil(3);             // after the pause, all of them
    CHECK(f.accepted.size() == 3);
  }

  TEST_CASE("a connection reset while queued does not hold the loop") {
    Fixture f(0);
    {
      asio::ip::tcp::socket& gone = f.Connect();
      const linger reset_on_close{1, 0};
      setsockopt(static_cast<int>(gone.native_handle()), SOL_SOCKET, SO_LINGER, &reset_on_close,
                 sizeof(reset_on_close));
      gone.close();  // RST: the connection dies in the accept queue
    }
    // Where accept reports it as ECONNABORTED (the BSDs; Linux hands it over), Asio's accept
    // without enable_connection_aborted waited in poll() for the next connection, holding the
    // loop: a watchdog brings that connection after 5 s, and says so.
    std::promise<void> loop_returned;
    std::atomic<bool> rescued{false};
    const uint16_t port = f.listeners.port();
    std::thread watchdog([&rescued, port, returned = loop_returned.get_future()] {
      if (returned.wait_for(std::chrono::seconds(5)) == std::future_status::ready) return;
      rescued = true;
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      s.connect({asio::ip::make_address("127.0.0.1"), port});
    });
    f.io.run_for(std::chrono::milliseconds(200));
    loop_returned.set_value();
    watchdog.join();
    CHECK_FALSE(rescued.load());
    const size_t before = f.accepted.size();  // 1 on Linux, 0 where accept reports the reset
    f.Connect();
    f.AcceptUntil(before + 1);
    CHECK(f.accepted.size() == before + 1);
  }

  TEST_CASE("accept failures: network errors skip one connection, running out pauses") {
    auto sys = [](int e) { return asio::error_code(e, asio::system_category()); };
    CHECK(ClassifyAcceptFailure(asio::error::would_block) == AcceptFailure::kQueueEmpty);
    CHECK(ClassifyAcceptFailure(asio::error::try_again) == AcceptFailure::kQueueEmpty);
    for (int e : {ECONNABORTED, EPROTO, ENETDOWN, EHOSTUNREACH, ENETUNREACH, EPERM, EINTR}) {
      CAPTURE(e);
      CHECK(ClassifyAcceptFailure(sys(e)) == AcceptFailure::kSkipConnection);
    }
    for (int e : {EMFILE, ENFILE, ENOBUFS, ENOMEM, EINVAL}) {
      CAPTURE(e);
      CHECK(ClassifyAcceptFailure(sys(e)) == AcceptFailure::kOutOfResources);
    }
  }

  TEST_CASE("closed listeners accept nothing more") {
    Fixture f(300);
    f.listeners.Close();
    asio::ip::tcp::socket client(f.io);
    asio::error_code ec;
    client.connect({asio::ip::make_address("127.0.0.1"), f.listeners.port()}, ec);
    CHECK(ec);  // refused: nothing listens any more
    f.io.poll();
    CHECK(f.accepted.empty());
  }
}
