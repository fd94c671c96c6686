// See http_port.h. An Exchange reads one request head, answers it and closes; every step runs
// on the loop's thread and ends the exchange on a timeout or an error.
#include "server/http_port.h"

#include <utility>

namespace basalt::server {

class HttpPort::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(HttpPort& port, asio::ip::tcp::socket socket, uint64_t serial)
      : port_(port), socket_(std::move(socket)), deadline_(port.io_), serial_(serial) {}

  void Start() {
    SetDeadline(kHeadTimeout);
    Read();
  }

  // protected-mode: answers 403 at once, whatever was asked.
  void Refuse() {
    SetDeadline(kTimeout);
    http::Response forbidden;
    forbidden.status = 403;
    forbidden.body = http::kProtectedModeRefusal;
    Write(http::Serialize(forbidden, false));
  }

  // Still waiting for its request head (so it may be dropped for a newer connection).
  bool reading() const { return answer_.empty(); }
  // Accept order: the lower, the older.
  uint64_t serial() const { return serial_; }

  // Closes the socket and forgets the exchange (idempotent).
  void Finish() {
    std::error_code ignored;
    deadline_.cancel();
    socket_.close(ignored);
    port_.exchanges_.erase(shared_from_this());
  }

 private:
  void Read() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](const std::error_code& ec, size_t n) {
                              if (ec) {
                                self->Finish();
                                return;
                              }
                              self->head_.append(self->chunk_, n);
                              self->OnInput();
                            });
  }

  void OnInput() {
    http::Request request;
    switch (http::ParseHead(head_, &request)) {
      case http::HeadStatus::kNeedMore:
        Read();
        return;
      case http::HeadStatus::kBad: {
        http::Response bad;
        bad.status = head_.size() >= http::kMaxHeadBytes ? 431 : 400;
        bad.body = "bad request\n";
        Write(http::Serialize(bad, false));
        return;
      }
      case http::HeadStatus::kComplete:
        break;
    }
    const http::Response response = http::Handle(request, port_.requirepass_(), port_.run_);
    Write(http::Serialize(response, request.method == "HEAD"));
  }

  void SetDeadline(std::chrono::steady_clock::duration after) {
    deadline_.expires_after(after);
    deadline_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (!ec) self->Finish();
    });
  }

  void Write(std::string answer) {
    answer_ = std::move(answer);
    SetDeadline(kTimeout - kHeadTimeout);  // cancels the head's deadline
    asio::async_write(socket_, asio::buffer(answer_),
                      [self = shared_from_this()](const std::error_code&, size_t) {
                        std::error_code ignored;
                        self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                        self->Finish();
                      });
  }

  HttpPort& port_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  uint64_t serial_;
  char chunk_[2048];
  std::string head_;
  std::string answer_;
};

HttpPort::HttpPort(asio::io_context& io, http::RunCommand run,
                   std::function<std::string()> requirepass,
                   std::function<bool(std::string_view peer)> denied)
    : io_(io),
      run_(std::move(run)),
      requirepass_(std::move(requirepass)),
      denied_(std::move(denied)),
      listeners_(io, [this](asio::ip::tcp::socket socket, std::string peer) {
        OnAccept(std::move(socket), peer);
      }) {}

HttpPort::~HttpPort() { Close(); }

Status HttpPort::Listen(const std::string& bind, int port) {
  if (port == 0) return Status::Ok();
  Status st = listeners_.Bind(bind, port, 128, {});
  listening_ = st.ok();
  return st;
}

void HttpPort::StartAccepting() {
  if (listening_) listeners_.StartAccepting();
}

void HttpPort::Close() {
  if (listening_) listeners_.Close();
  listening_ = false;
  // Finish() erases from the set: finish copies.
  auto live = exchanges_;
  for (const auto& exchange : live) exchange->Finish();
}

void HttpPort::OnAccept(asio::ip::tcp::socket socket, const std::string& peer) {
  if (exchanges_.size() >= kMaxExchanges) {
    // The oldest connection still silent makes room; when every one is being answered, the
    // new one waits for nothing and is closed.
    std::shared_ptr<Exchange> oldest;
    for (const auto& e : exchanges_) {
      if (e->reading() && (oldest == nullptr || e->serial() < oldest->serial())) oldest = e;
    }
    if (oldest == nullptr) {
      std::error_code ignored;
      socket.close(ignored);
      return;
    }
    oldest->Finish();
  }
  auto exchange = std::make_shared<Exchange>(*this, std::move(socket), next_serial_++);
  exchanges_.insert(exchange);
  if (denied_(peer)) {
    exchange->Refuse();
  } else {
    exchange->Start();
  }
}

}  // namespace basalt::server
