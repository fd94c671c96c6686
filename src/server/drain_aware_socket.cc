#include "server/drain_aware_socket.h"

#include <algorithm>
#include <cassert>

// The reactor seam below is written against asio 1.22's epoll reactor: its start_op signature,
// reactor_op's perform/complete protocol and try_speculative_ bookkeeping. Other versions take
// the stock path.
#if ASIO_VERSION >= 102200 && ASIO_VERSION < 102300 && defined(ASIO_HAS_EPOLL) && \
    !defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#define BASALT_DRAIN_AWARE_READS 1
#endif

namespace basalt::server {

#ifdef BASALT_DRAIN_AWARE_READS

const bool DrainAwareSocket::kDrainAware = true;

using SocketImpl = asio::detail::reactive_socket_service<asio::ip::tcp>::implementation_type;

// Why no readiness is lost: the reactor keeps, per socket, a flag "a read may find bytes"
// (try_speculative_). A read reporting done_and_exhausted clears it; every epoll event for the
// socket sets it again and runs the queued read. A TCP recv returns less than it was asked for
// only when the receive queue (and the backlog it drains on the way) had nothing more, so any
// byte not read was not there yet: its arrival raises a new edge-triggered event, reported by
// an epoll_wait after this read, which sets the flag or completes the queued read. Reads that
// fill their buffers keep the flag, and the next read tries at once, as before.
class DrainAwareSocket::ReadOp : public asio::detail::reactor_op {
 public:
  ReadOp(asio::detail::reactor& reactor, uint64_t& receive_calls)
      : reactor_op(asio::error_code(), &Perform, &Complete),
        reactor_(reactor),
        receive_calls_(receive_calls) {}

  void Start(SocketImpl& socket, std::span<const asio::mutable_buffer> buffers,
             std::shared_ptr<ReadListener> listener);
  bool pending() const { return listener_ != nullptr; }
  // The socket goes while this read is pending (closed, so it is now on its way to Complete):
  // the op frees itself there.
  void Orphan() { orphaned_ = true; }

 private:
  static status Perform(reactor_op* base);
  static void Complete(void* owner, asio::detail::operation* base, const asio::error_code&, size_t);

  asio::detail::reactor& reactor_;
  uint64_t& receive_calls_;
  int fd_ = -1;
  std::array<asio::detail::socket_ops::buf, kMaxBuffers> iov_{};
  size_t count_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<ReadListener> listener_;  // set while a read is pending
  bool orphaned_ = false;
};

void DrainAwareSocket::ReadOp::Start(SocketImpl& socket,
                                     std::span<const asio::mutable_buffer> buffers,
                                     std::shared_ptr<ReadListener> listener) {
  assert(!listener_ && buffers.size() <= kMaxBuffers);
  fd_ = socket.socket_;
  count_ = 0;
  capacity_ = 0;
  for (const asio::mutable_buffer& b : buffers) {
    if (b.size() == 0) continue;
    iov_[count_].iov_base = b.data();
    iov_[count_].iov_len = b.size();
    ++count_;
    capacity_ += b.size();
  }
  ec_ = asio::error_code();
  bytes_transferred_ = 0;
  cancellation_key_ = nullptr;
  listener_ = std::move(listener);
  namespace ops = asio::detail::socket_ops;
  if (capacity_ == 0) {  // as asio does: nothing to read into completes at once
    reactor_.post_immediate_completion(this, false);
    return;
  }
  if ((socket.state_ & ops::non_blocking) == 0 &&
      !ops::set_internal_non_blocking(socket.socket_, socket.state_, true, ec_)) {
    reactor_.post_immediate_completion(this, false);
    return;
  }
  reactor_.start_op(asio::detail::reactor::read_op, socket.socket_, socket.reactor_data_, this,
                    false, /*allow_speculative=*/true);
}

asio::detail::reactor_op::status DrainAwareSocket::ReadOp::Perform(reactor_op* base) {
  auto* op = static_cast<ReadOp*>(base);
  ++op->receive_calls_;
  namespace ops = asio::detail::socket_ops;
  const bool finished =
      op->count_ == 1 ? ops::non_blocking_recv1(op->fd_, op->iov_[0].iov_base, op->iov_[0].iov_len,
                                                0, true, op->ec_, op->bytes_transferred_)
                      : ops::non_blocking_recv(op->fd_, op->iov_.data(), op->count_, 0, true,
                                               op->ec_, op->bytes_transferred_);
  if (!finished) return not_done;  // nothing there: wait for the socket's next event
  if (op->ec_) return op->ec_ == asio::error::eof ? done_and_exhausted : done;
  return op->bytes_transferred_ < op->capacity_ ? done_and_exhausted : done;
}

void DrainAwareSocket::ReadOp::Complete(void* owner, asio::detail::operation* base,
                                        const asio::error_code&, size_t) {
  auto* op = static_cast<ReadOp*>(base);
  // The listener may own the socket that owns this op: `op` is not used after this block.
  std::shared_ptr<ReadListener> listener = std::move(op->listener_);
  op->listener_.reset();
  const asio::error_code ec = op->ec_;
  const size_t n = op->bytes_transferred_;
  if (op->orphaned_) delete op;
  if (owner == nullptr) return;  // the event loop is being destroyed: nothing to tell
  listener->OnReadDone(ec, n);
}

DrainAwareSocket::DrainAwareSocket(asio::ip::tcp::socket&& socket)
    : asio::ip::tcp::socket(std::move(socket)) {}

// A read still pending (its listener does not own this socket) ends as asio's would: closing
// the socket hands it to the loop with operation_aborted, and it outlives the socket until then.
DrainAwareSocket::~DrainAwareSocket() {
  if (!read_op_ || !read_op_->pending()) return;
  asio::error_code ignored;
  close(ignored);
  read_op_->Orphan();
  static_cast<void>(read_op_.release());
}

void DrainAwareSocket::AsyncReadSome(std::span<const asio::mutable_buffer> buffers,
                                     std::shared_ptr<ReadListener> listener) {
  if (!read_op_) {
    auto& reactor = asio::use_service<asio::detail::reactor>(
        asio::query(get_executor(), asio::execution::context));
    read_op_ = std::make_unique<ReadOp>(reactor, receive_calls_);
  }
  read_op_->Start(impl_.get_implementation(), buffers, std::move(listener));
}

#else  // the stock read: one recv more per request, after the socket emptied

const bool DrainAwareSocket::kDrainAware = false;

class DrainAwareSocket::ReadOp {};

DrainAwareSocket::DrainAwareSocket(asio::ip::tcp::socket&& socket)
    : asio::ip::tcp::socket(std::move(socket)) {}

DrainAwareSocket::~DrainAwareSocket() = default;

void DrainAwareSocket::AsyncReadSome(std::span<const asio::mutable_buffer> buffers,
                                     std::shared_ptr<ReadListener> listener) {
  std::array<asio::mutable_buffer, kMaxBuffers> held{};
  std::copy_n(buffers.begin(), std::min(buffers.size(), kMaxBuffers), held.begin());
  ++receive_calls_;  // at least one; asio's retries are not seen from here
  async_read_some(held, [listener = std::move(listener)](const asio::error_code& ec, size_t n) {
    listener->OnReadDone(ec, n);
  });
}

#endif

}  // namespace basalt::server
