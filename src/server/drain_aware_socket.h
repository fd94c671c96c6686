// A TCP socket whose reads tell asio's reactor when they emptied the socket.
//
// asio's async_read_some first tries the read at once ("speculative" read) whenever the reactor
// has not been told the socket is empty. Its reads tell it only at end of stream, so a client
// that waits for each reply (redis-benchmark -P 1, most applications) cost the server two
// recvfrom per request: the one that got the request, and one right after serving it that
// found nothing (EAGAIN). Redis makes one. Here a read that returns less than its buffers hold
// reports the socket drained, as TCP guarantees it was at that moment: the next read waits for
// epoll's next readiness event without trying first, and that event cannot be lost (see
// drain_aware_socket.cc).
//
// The reactor's internals are asio 1.22's (Debian bookworm); with another asio version the
// socket falls back to the stock async_read_some (kDrainAware says which one was built).
#pragma once

#include <array>
#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <span>

namespace basalt::server {

class DrainAwareSocket : public asio::ip::tcp::socket {
 public:
  // Told when a read ends. Kept alive (shared) while its read is pending, as an asio handler's
  // captures would be; an interface rather than a std::function, whose captured shared_ptr
  // would be a heap allocation per read.
  class ReadListener {
   public:
    virtual void OnReadDone(const asio::error_code& ec, size_t n) = 0;

   protected:
    ~ReadListener() = default;
  };
  static constexpr size_t kMaxBuffers = 3;
  static const bool kDrainAware;

  explicit DrainAwareSocket(asio::ip::tcp::socket&& socket);
  ~DrainAwareSocket();
  DrainAwareSocket(const DrainAwareSocket&) = delete;
  DrainAwareSocket& operator=(const DrainAwareSocket&) = delete;

  // Reads what is there into `buffers` (at most kMaxBuffers), at least one byte, as
  // async_read_some does; `listener` hears of it from the event loop, never inside this call.
  // One read at a time.
  void AsyncReadSome(std::span<const asio::mutable_buffer> buffers,
                     std::shared_ptr<ReadListener> listener);

  // recv system calls made by AsyncReadSome's reads so far (those that found nothing too):
  // what tests observe.
  uint64_t receive_calls() const { return receive_calls_; }

 private:
  class ReadOp;
  std::unique_ptr<ReadOp> read_op_;  // made on first use, reused by every read after
  uint64_t receive_calls_ = 0;
};

}  // namespace basalt::server
