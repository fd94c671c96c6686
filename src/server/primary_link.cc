#include "server/primary_link.h"

#include <spdlog/spdlog.h>

namespace basalt::server {

struct PrimaryLink::Link {
  explicit Link(asio::io_context& io) : resolver(io), socket(io) {}
  asio::ip::tcp::resolver resolver;
  asio::ip::tcp::socket socket;
  std::string read_buffer = std::string(16 * 1024, '\0');
  std::string output;   // queued, not yet handed to the socket
  std::string sending;  // the write in flight
  bool writing = false;
  bool closed = false;
};

PrimaryLink::PrimaryLink(asio::io_context& io, BusyGate& gate, replication::Replica& replica,
                         std::function<void()> on_applied)
    : io_(io), gate_(gate), replica_(replica), on_applied_(std::move(on_applied)) {}

PrimaryLink::~PrimaryLink() { Close(); }

void PrimaryLink::Connect(const std::string& host, int port) {
  Close();
  auto link = std::make_shared<Link>(io_);
  link_ = link;
  link->resolver.async_resolve(
      host, std::to_string(port),
      [this, link](const asio::error_code& ec, asio::ip::tcp::resolver::results_type results) {
        if (link->closed) return;
        if (ec) return Fail(link, "Unable to resolve the MASTER address: " + ec.message());
        asio::async_connect(
            link->socket, results,
            [this, link](const asio::error_code& ec, const asio::ip::tcp::endpoint&) {
              if (link->closed) return;
              if (ec) return Fail(link, "Error condition on socket for SYNC: " + ec.message());
              asio::error_code ignored;
              link->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
              ReadMore(link);
              replica_.OnConnected();
            });
      });
}

void PrimaryLink::ReadMore(std::shared_ptr<Link> link) {
  link->socket.async_read_some(asio::buffer(link->read_buffer),
                               [this, link](const asio::error_code& ec, size_t n) {
                                 // The buffer keeps the bytes: no read is started until they are
                                 // handed over.
                                 if (gate_.closed())
                                   return gate_.Park([this, link, ec, n] { OnRead(link, ec, n); });
                                 OnRead(link, ec, n);
                               });
}

void PrimaryLink::OnRead(const std::shared_ptr<Link>& link, const asio::error_code& ec, size_t n) {
  if (link->closed) return;
  if (ec) {
    return Fail(link, ec == asio::error::eof ? "connection closed by the primary" : ec.message());
  }
  replica_.OnData(std::string_view(link->read_buffer.data(), n));
  on_applied_();
  // The replica may have closed (or replaced) the link while handling the data.
  if (!link->closed) ReadMore(link);
}

void PrimaryLink::Send(std::string_view bytes) {
  if (!link_ || link_->closed) return;
  link_->output.append(bytes);
  if (!link_->writing) WriteMore(link_);
}

void PrimaryLink::WriteMore(std::shared_ptr<Link> link) {
  if (link->output.empty()) return;
  link->writing = true;
  link->sending.swap(link->output);
  link->output.clear();
  asio::async_write(link->socket, asio::buffer(link->sending),
                    [this, link](const asio::error_code& ec, size_t) {
                      link->writing = false;
                      link->sending.clear();
                      if (link->closed) return;
                      if (ec) return Fail(link, ec.message());
                      WriteMore(link);
                    });
}

void PrimaryLink::Fail(const std::shared_ptr<Link>& link, const std::string& why) {
  link->closed = true;
  asio::error_code ignored;
  link->socket.close(ignored);
  if (link_ == link) link_.reset();
  replica_.OnDisconnected(why);
}

void PrimaryLink::Close() {
  if (!link_) return;
  link_->closed = true;
  link_->resolver.cancel();
  asio::error_code ignored;
  link_->socket.close(ignored);
  link_.reset();
}

}  // namespace basalt::server
