// DrainAwareSocket: a read that empties the socket spares the next read its try-first recv,
// and no bytes are ever left unread because of it (the lost-edge cases the design argues
// against are each forced here). Real loopback TCP sockets and a real epoll reactor.
#include "server/drain_aware_socket.h"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

using basalt::server::DrainAwareSocket;

namespace {

// Remembers each read's outcome; `then` (if set) runs inside the completion, as a connection's
// handling of a request would.
struct Listener : DrainAwareSocket::ReadListener {
  int done = 0;
  asio::error_code ec;
  size_t n = 0;
  std::function<void()> then;
  void OnReadDone(const asio::error_code& e, size_t bytes) override {
    ++done;
    ec = e;
    n = bytes;
    if (then) then();
  }
};

struct Pair {
  asio::io_context io{1};
  asio::ip::tcp::socket client{io};
  std::unique_ptr<DrainAwareSocket> server;

  Pair() {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    server = std::make_unique<DrainAwareSocket>(acceptor.accept());
    server->non_blocking(true);
  }
  void Send(std::string_view bytes) { asio::write(client, asio::buffer(bytes)); }
  // Runs the loop until `listener` has heard of `reads` reads, or a generous deadline passes
  // (a lost readiness event would otherwise hang the test).
  void RunUntil(const Listener& listener, int reads) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (listener.done < reads && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(10));
      io.restart();
    }
  }
};

void Read(Pair& p, std::string& into, const std::shared_ptr<Listener>& listener) {
  const asio::mutable_buffer b = asio::buffer(into);
  p.server->AsyncReadSome({&b, 1}, listener);
}

}  // namespace

TEST_SUITE("drain_aware_socket") {
  TEST_CASE("after a read that emptied the socket, the next read waits without a recv") {
    if (!DrainAwareSocket::kDrainAware) return;  // another asio: the stock read is used
    Pair p;
    auto listener = std::make_shared<Listener>();
    std::string buf(64, '\0');
    p.Send("PING\r\n");
    Read(p, buf, listener);
    CHECK(listener->done == 0);  // never inside the call
    p.RunUntil(*listener, 1);
    REQUIRE(listener->done == 1);
    CHECK(listener->n == 6);
    CHECK(p.server->receive_calls() == 1);
    Read(p, buf, listener);
    p.io.poll();
    p.io.restart();
    CHECK(p.server->receive_calls() == 1);  // the stock read would have tried (EAGAIN) here
    p.Send("ECHO\r\n");
    p.RunUntil(*listener, 2);
    REQUIRE(listener->done == 2);
    CHECK(buf.substr(0, listener->n) == "ECHO\r\n");
    CHECK(p.server->receive_calls() == 2);
  }

  TEST_CASE("bytes sent between a short read and the next read are read") {
    Pair p;
    auto listener = std::make_shared<Listener>();
    std::string buf(64, '\0');
    std::string got;
    listener->then = [&] {
      got.append(buf, 0, listener->n);
      if (listener->done == 1) {
        p.Send("second");  // lands before the next read is started, from inside the handler
        Read(p, buf, listener);
      }
    };
    p.Send("first");
    Read(p, buf, listener);
    p.RunUntil(*listener, 2);
    CHECK(got == "firstsecond");
  }

  TEST_CASE("bytes whose readiness event came while no read was pending are read") {
    Pair p;
    auto listener = std::make_shared<Listener>();
    std::string buf(64, '\0');
    p.Send("first");
    Read(p, buf, listener);
    p.RunUntil(*listener, 1);
    REQUIRE(listener->done == 1);
    p.Send("second");
    // The loop waits in epoll_wait and takes the event with no read queued.
    asio::steady_timer timer(p.io, std::chrono::milliseconds(20));
    timer.async_wait([](const asio::error_code&) {});
    p.io.run();
    p.io.restart();
    Read(p, buf, listener);
    p.RunUntil(*listener, 2);
    REQUIRE(listener->done == 2);
    CHECK(buf.substr(0, listener->n) == "second");
  }

  TEST_CASE("a read that fills its buffers leaves the rest to be read at once") {
    Pair p;
    std::string sent;
    for (int i = 0; i < 100; ++i) sent.push_back(static_cast<char>('a' + i % 26));
    p.Send(sent);
    auto listener = std::make_shared<Listener>();
    std::string head(4, '\0'), mid(3, '\0'), tail(3, '\0');
    std::string got;
    listener->then = [&] {
      std::string all = head + mid + tail;
      got.append(all, 0, listener->n);
    };
    for (int read = 1; got.size() < sent.size() && read <= 10; ++read) {
      const std::array<asio::mutable_buffer, 3> bufs = {asio::buffer(head), asio::buffer(mid),
                                                        asio::buffer(tail)};
      p.server->AsyncReadSome(bufs, listener);
      p.RunUntil(*listener, read);
    }
    CHECK(got == sent);
  }

  TEST_CASE("a stream sent in random pieces at random moments arrives whole and in order") {
    Pair p;
    constexpr size_t kTotal = 4 << 20;
    std::thread writer([&p] {
      std::mt19937 rng(7);
      std::string piece;
      for (size_t sent = 0; sent < kTotal;) {
        const size_t n = std::min<size_t>(kTotal - sent, 1 + rng() % 70000);
        piece.resize(n);
        for (size_t i = 0; i < n; ++i) piece[i] = static_cast<char>((sent + i) * 131 % 251);
        asio::write(p.client, asio::buffer(piece));
        sent += n;
        if (rng() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
      }
    });
    auto listener = std::make_shared<Listener>();
    std::mt19937 rng(11);
    std::vector<char> a(70000), b(70000), c(70000);
    size_t received = 0;
    bool in_order = true;
    std::array<size_t, 3> sizes{};
    auto start = [&] {
      for (size_t& s : sizes) s = rng() % 3 == 0 ? 0 : 1 + rng() % 70000;
      if (sizes[0] + sizes[1] + sizes[2] == 0) sizes[0] = 1;
      const std::array<asio::mutable_buffer, 3> bufs = {asio::buffer(a.data(), sizes[0]),
                                                        asio::buffer(b.data(), sizes[1]),
                                                        asio::buffer(c.data(), sizes[2])};
      p.server->AsyncReadSome(bufs, listener);
    };
    listener->then = [&] {
      if (listener->ec) return;
      size_t left = listener->n;
      for (auto [data, size] : {std::pair{a.data(), sizes[0]}, std::pair{b.data(), sizes[1]},
                                std::pair{c.data(), sizes[2]}}) {
        for (size_t i = 0; i < std::min(left, size); ++i, ++received) {
          in_order &= data[i] == static_cast<char>(received * 131 % 251);
        }
        left -= std::min(left, size);
      }
      if (received < kTotal) start();
    };
    start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (received < kTotal && !listener->ec && std::chrono::steady_clock::now() < deadline) {
      p.io.run_for(std::chrono::milliseconds(50));
      p.io.restart();
    }
    writer.join();
    CHECK(!listener->ec);
    CHECK(received == kTotal);
    CHECK(in_order);
  }

  TEST_CASE("end of stream, cancel and a loop destroyed with a read pending") {
    // A read pending on a fresh pair, ended by `end`; what the listener heard.
    auto ended_by = [](const std::function<void(Pair&)>& end) {
      Pair p;
      auto listener = std::make_shared<Listener>();
      std::string buf(8, '\0');
      Read(p, buf, listener);
      p.io.poll();
      end(p);
      p.RunUntil(*listener, 1);
      CHECK(listener->done == 1);
      return listener->ec;
    };
    SUBCASE("the peer closes: eof") {
      CHECK(ended_by([](Pair& p) { p.client.close(); }) == asio::error::eof);
    }
    SUBCASE("cancel ends the pending read") {
      CHECK(ended_by([](Pair& p) { p.server->cancel(); }) == asio::error::operation_aborted);
    }
    SUBCASE("the socket goes first: the read ends, aborted") {
      CHECK(ended_by([](Pair& p) { p.server.reset(); }) == asio::error::operation_aborted);
    }
    SUBCASE("the loop goes with a read pending: its listener is let go, not called") {
      // The listener owns the socket, as a connection does.
      struct Owner : Listener {
        std::unique_ptr<DrainAwareSocket> socket;
      };
      std::weak_ptr<Owner> watch;
      {
        auto p = std::make_unique<Pair>();
        auto owner = std::make_shared<Owner>();
        owner->socket = std::move(p->server);
        watch = owner;
        std::string buf(8, '\0');
        const asio::mutable_buffer b = asio::buffer(buf);
        owner->socket->AsyncReadSome({&b, 1}, owner);
        p->io.poll();
        owner.reset();
        CHECK(!watch.expired());  // the pending read keeps it
        p.reset();
        CHECK(watch.expired());
      }
    }
  }
}
