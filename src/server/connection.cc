#include "server/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <span>
#include <utility>

#include "common/memory.h"
#include "common/strings.h"
#include "server/listener.h"
#include "server/server.h"
#include "server/write_budget.h"

namespace basalt::server {

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Request boundaries a pipelining client is read in chunks before a predicted read is tried
// again (see MayPredict): one batch of redis-benchmark -P 16.
constexpr int kPredictionPause = 16;
// Output buffers larger than this are released after they drain, unless the replies that just
// drained filled a good part of them: a client pipelining big GETs keeps its buffer instead of
// growing a new one (copying its replies at every doubling) for each batch.
constexpr size_t kKeepOutputCapacity = 64 * 1024;
// Replies are sealed into a block of their own once output_ holds this many bytes (SealIfBig).
constexpr size_t kSealBytes = 1024 * 1024;

void ReleaseIfOversized(std::string& buffer, size_t last_use) {
  if (buffer.capacity() > kKeepOutputCapacity && last_use < buffer.capacity() / 4) {
    std::string().swap(buffer);
  }
}

}  // namespace

Connection::Connection(Server& server, asio::ip::tcp::socket socket, uint64_t conn_id,
                       std::string peer)
    : server_(server),
      busy_gate_(server.busy_gate()),
      socket_(std::move(socket)),
      reader_(&server.parser_limits()),
      reply_(&output_),
      peer_(std::move(peer)) {
  reply_.set_share_sink(this, &output_);
  id = conn_id;
  created_ms = server.engine().clock().NowMs();
  holdable = true;  // a held request stays in the input buffer and runs again on Wake()
  // As in Redis: a client that connects while no password is set stays authenticated even if
  // one is set later (so the client that sets it is not locked out).
  authenticated = server.context().config.settings().requirepass.empty();
  last_interaction_ms = created_ms;
}

Connection::~Connection() {
  for (const Splice& s : splices_) HeapString::Release(s.value);
}

// Asked of the kernel only when wanted (CLIENT LIST, CLIENT KILL LADDR): one system call less
// per connection accepted.
std::string Connection::local_address() const {
  if (local_.empty() && !closed_) {
    asio::error_code ec;
    if (auto ep = socket_.local_endpoint(ec); !ec) local_ = FormatEndpoint(ep);
  }
  return local_;
}

int Connection::fd() const {
  return closed_ ? -1 : static_cast<int>(const_cast<DrainAwareSocket&>(socket_).native_handle());
}

size_t Connection::memory_usage() const {
  return reader_.memory_usage() + output_.capacity() + splices_.capacity() * sizeof(Splice) +
         queued_.owned_capacity() + queued_.array_bytes() + sizeof(*this);
}

void Connection::Start() {
  server_.engine().OnClientOpen(*this);
  // Its socket options came from the listener (see listener.h).
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  ReadMore();
}

void Connection::ReadMore() {
  if (reading_ || closed_ || close_after_reply) return;
  if (reader_.needs_input_buffer()) {
    AwaitInputThenRead();
    return;
  }
  // The last read took all it was offered, so the client's bytes are still coming: this one
  // waits for the server's next slice of such reads, and requests that arrived meanwhile are
  // read first (see continuations.h).
  if (last_read_filled_ && server_.defers_reads()) {
    last_read_filled_ = false;
    reading_ = true;
    read_deferred_ = true;
    server_.continuations().Add(shared_from_this(), Continuations::Step::kRead);
    return;
  }
  protocol::RequestReader::ReadTarget target =
      reader_.ReadSpace(kReadChunk, MayPredict(), server_.read_cap());
  reading_ = true;
  // A predicted read is not counted: its tail is only there to catch what follows the bulk.
  offered_size_ = target.payload.empty() ? target.head.size() + target.tail.size() : 0;
  // One recvmsg over the spans: a predicted big bulk's header and payload land in their own
  // buffers, and what follows the request in the tail; a big bulk's rest lands in its buffer,
  // and the next request's start in the tail.
  std::array<asio::mutable_buffer, 3> buffers;
  size_t count = 0;
  for (std::span<char> span : {target.head, target.payload, target.tail}) {
    if (!span.empty()) buffers[count++] = asio::buffer(span.data(), span.size());
  }
  socket_.AsyncReadSome({buffers.data(), count}, shared_from_this());
}

// A connection without an input buffer (a new one, or one whose buffer went back) takes one only
// once bytes are waiting, sized by how many: a batch a little over one read chunk (16 SETs of
// 1 KB: 17 KB) gets a buffer that holds it whole. Sized blindly at kReadChunk, such a batch
// filled it, the read-ahead doubled and the buffer regrew to 64 KB, so in a fresh server's
// first turn each of 1000 pipelining clients touched both blocks: 9,018 page faults in that
// run against Redis's 7,193 (now 5,964), and 42.8 MB of RSS after it (now 30.5 MB). On a slow
// VM, where a fault costs ~12 us, that run came out at 0.81-0.85x Redis's throughput.
// Anything bigger (a big bulk is likely) keeps the plain chunk: a wider first read would
// copy more of the bulk out of the input buffer, at every burst after it too.
void Connection::AwaitInputThenRead() {
  reading_ = true;
  socket_.async_wait(
      asio::socket_base::wait_read,
      [self = shared_from_this()](const asio::error_code& ec) { self->OnReadable(ec); });
}

void Connection::OnReadable(const asio::error_code& ec) {
  if (WaitsForItsScript([self = shared_from_this(), ec] { self->OnReadable(ec); })) return;
  if (ec || closed_) {
    OnRead(ec, 0);
    return;
  }
  ReadIntoNewBuffer();
}

void Connection::ReadIntoNewBuffer() {
  asio::error_code ec;
  const size_t waiting = socket_.available(ec);
  const size_t fits_whole = protocol::RequestReader::kFirstReadOfBurst;
  const size_t chunk =
      !ec && waiting > kReadChunk && waiting <= fits_whole ? fits_whole : kReadChunk;
  protocol::RequestReader::ReadTarget target = reader_.ReadSpace(chunk, false, server_.read_cap());
  const size_t n = socket_.read_some(asio::buffer(target.head.data(), target.head.size()), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    // Readable, yet nothing to read: wait again, into the buffer now taken.
    reader_.AbandonRead();
    reading_ = false;
    ReadMore();
    return;
  }
  OnRead(ec, n);
}

// A burst's first request that carries a big bulk: its first read (kFirstReadOfBurst) brought
// the header and the bulk's start, and the rest, usually already in the socket, would be read
// only after every other connection's turn. The client waits for this reply, so its rest is
// read now. 1 MB SETs from 50 clients (not predicted, above kMaxPredictedBulk) each waited for
// two passes over all connections, ~1.8 ms a visit: p99 123-128 ms against Redis's 34-38.
// Read at once: p99 16-20 ms, 1.04-1.4x Redis's throughput (was 1.1x).
bool Connection::ReceiveRestOfBigBulk() {
  protocol::RequestReader::ReadTarget target = reader_.ReadSpace(kReadChunk, false);
  asio::error_code ec;
  const size_t n = socket_.read_some(asio::buffer(target.head.data(), target.head.size()), ec);
  if (ec) {  // not there yet, or an error: the asynchronous read sees to both
    reader_.AbandonRead();
    return false;
  }
  reader_.CommitRead(n);
  server_.context().stats.total_net_input_bytes += n;
  return !reader_.receiving_big_bulk();
}

// A predicted big bulk is read apart (one request per recvmsg) only from a client that waits
// for each reply. A pipelining client is read in chunks, which hold several requests and let
// its first replies leave early (kFirstReadOfBurst). Read apart with the tail below, 64 KB SETs
// at -P 16 ran 1.2x faster but their p50 was 1.1-1.6x the chunked path's (5 to 200 clients).
// The predicted read tells the two kinds apart itself: bytes beyond the request (in its tail)
// come from a client that did not wait. That client is read in chunks for kPredictionPause
// boundaries, then tried again. This replaced asking FIONREAD at each boundary: one system call
// less per request (64 KB SETs from 5 clients: 4 instead of 5; Redis makes 2-3).
bool Connection::MayPredict() {
  if (!reader_.predicts_big_bulk()) return false;
  if (prediction_pause_ == 0) return true;
  --prediction_pause_;
  return false;
}

void Connection::Continue(Continuations::Step step) {
  if (WaitsForItsScript([self = shared_from_this(), step] { self->Continue(step); })) return;
  if (step == Continuations::Step::kWrite) {
    WriteSending();
    return;
  }
  read_deferred_ = false;
  reading_ = false;
  ReadMore();
}

void Connection::ReleaseIdleMemory() {
  // cancel() would end a pending write wait too: a client with output in flight is not idle.
  if (closed_ || writing_ || read_deferred_) return;
  if (output_.empty() && splices_.empty()) std::string().swap(output_);
  queued_.ReleaseIfEmpty();
  if (!reader_.holds_idle_memory()) return;
  if (!reading_) {
    reader_.ReleaseIdleMemory();
    return;
  }
  // The pending read may fill the buffers at any moment: cancel it, and free them once the
  // read has ended (OnRead; a read that completed meanwhile is served as usual). The read
  // that follows waits for bytes without a buffer (AwaitInputThenRead).
  release_idle_memory_ = true;
  asio::error_code ec;
  socket_.cancel(ec);
}

void Connection::OnRead(const asio::error_code& ec, size_t n) {
  if (WaitsForItsScript([self = shared_from_this(), ec, n] { self->OnRead(ec, n); })) return;
  reading_ = false;
  if (ec) reader_.AbandonRead();
  if (closed_) return;
  if (std::exchange(release_idle_memory_, false) && ec == asio::error::operation_aborted) {
    reader_.ReleaseIdleMemory();
    ReadMore();
    return;
  }
  if (ec) {
    Close();
    return;
  }
  reader_.CommitRead(n);
  // Not after a burst's first read (at most kFirstReadOfBurst): the client waits for its first
  // reply, and a batch a little bigger than that read is whole with the next one. Deferred too,
  // 64 KB -c 1000 -P 16 SETs ran at 0.84-0.89x the ops/s.
  last_read_filled_ = offered_size_ != 0 && n == offered_size_ && !reader_.burst_continues();
  offered_size_ = 0;
  if (reader_.last_read_overran()) prediction_pause_ = kPredictionPause;
  if (reader_.burst_continues()) first_reply_due_ = true;
  server_.context().stats.total_net_input_bytes += n;
  last_interaction_ms = server_.engine().clock().NowMs();
  // Most of a big bulk arrives with nothing to run: keep receiving it, within the limit.
  if (reader_.receiving_big_bulk()) {
    if (!QueryBufferLimitReached()) ReadMore();
    return;
  }
  ServeInput();
}

void Connection::Wake() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->OnWoken(); });
}

void Connection::OnWoken() {
  if (WaitsForItsScript([self = shared_from_this()] { self->OnWoken(); })) return;
  if (!closed_ && !blocked) ServeInput();
}

void Connection::ServeInput() {
  const uint64_t replies_begin = flushed_bytes_ + output_.size();
  ProcessInput();
  if (!closed_ && !blocked && !reading_ && first_reply_due_ && reader_.receiving_big_bulk() &&
      ReceiveRestOfBigBulk()) {
    ProcessInput();
  }
  if (closed_ || QueryBufferLimitReached()) return;
  if (OutputLimitReached()) return;
  reader_.ShrinkIfIdle(kReadChunk * 2);
  // Group commit: this read's writes join those of every connection served in this loop turn
  // and go to the AOF writer together (see group_commit.h); the replies leave only once that
  // batch is written (fsynced with appendfsync always), never before.
  if (awaits_durability) {
    awaits_durability = false;
    // Two reads in one loop turn share one batch: the first one's mark covers both.
    if (held_.empty() || held_.back().seq != kAwaitingSubmit) {
      // Replies sealed during this read came before its first write (SealIfBig): they may go.
      held_.push_back({kAwaitingSubmit, std::max(replies_begin, flushed_bytes_)});
    }
    server_.group_commit().Await(shared_from_this());
  }
  server_.group_commit().NoteActivity(*this);
  if (server_.engine().wants_end_of_turn()) server_.group_commit().SubmitUnawaited();
  // A pipeline's first replies leave before the rest of it is received (see kFirstReadOfBurst).
  if (first_reply_due_ && flushed_bytes_ + output_.size() > replies_begin) {
    first_reply_due_ = false;
    Flush();
  }
  server_.FlushAtEndOfTurn(shared_from_this());
  server_.KickBackgroundWork();
  ReadMore();
}

bool Connection::QueryBufferLimitReached() {
  if (static_cast<int64_t>(reader_.buffered()) <=
      server_.context().config.settings().client_query_buffer_limit) {
    return false;
  }
  spdlog::warn(
      "Closing client that reached max query buffer length: id={} addr={} (qbuf "
      "initial bytes: {:?})",
      id, peer_, std::string(reader_.head(64)));
  ++server_.context().stats.client_query_buffer_limit_disconnections;
  Close();
  return true;
}

void Connection::OnDurable(uint64_t seq) {
  auto still_held =
      std::find_if(held_.begin(), held_.end(), [seq](const HeldReplies& h) { return h.seq > seq; });
  held_.erase(held_.begin(), still_held);
  if (held_.empty()) {
    held_writes_.clear();
  } else {
    const uint64_t begin = held_.front().begin;
    std::erase_if(held_writes_, [begin](const WriteReply& w) { return w.begin < begin; });
  }
  Flush();
}

void Connection::FailHeldWrites(const std::string& refusal) {
  if (held_.empty()) return;
  // Held output was never sent, so it is all still in output_. Splices keep their place in the
  // bytes around the refused replies and go with any refused reply they were in.
  const size_t start = held_.front().begin - flushed_bytes_;
  std::string rebuilt(output_, 0, start);
  std::vector<Splice> splices;
  size_t next = 0;
  auto copy = [&](size_t from, size_t to) {  // output_[from, to) and its splices
    for (; next < splices_.size() && splices_[next].at <= to; ++next) {
      Splice s = splices_[next];
      if (s.at >= from && (s.at < to || to == output_.size())) {
        s.at = rebuilt.size() + (s.at - from);
        splices.push_back(s);
      } else {
        spliced_bytes_ -= s.value->len;
        HeapString::Release(s.value);
      }
    }
    rebuilt.append(output_, from, to - from);
  };
  for (; next < splices_.size() && splices_[next].at <= start; ++next) {
    splices.push_back(splices_[next]);  // before the held replies: unchanged
  }
  size_t pos = start;
  for (const WriteReply& w : held_writes_) {
    if (w.begin < held_.front().begin) continue;
    copy(pos, w.begin - flushed_bytes_);
    rebuilt += '-';
    rebuilt += refusal;
    rebuilt += "\r\n";
    pos = w.end - flushed_bytes_;
  }
  copy(pos, output_.size());
  output_.swap(rebuilt);
  splices_.swap(splices);
  held_.clear();
  held_writes_.clear();
  listed_as_waiting_ = false;
  Flush();
}

bool Connection::OnSubmitted(uint64_t seq) {
  if (held_.empty() || held_.back().seq != kAwaitingSubmit) return false;
  held_.back().seq = seq;
  return true;
}

void Connection::ProcessInput() {
  cmd::Dispatcher::Run run(server_.engine().dispatcher());
  const bool password_set = !server_.context().config.settings().requirepass.empty();
  while (!close_after_reply && !blocked && reader_.buffered() > 0) {
    reader_.set_auth_required(password_set && !authenticated);
    auto result = reader_.Next();
    if (result == protocol::RequestParser::Result::kNeedMore) break;
    if (result == protocol::RequestParser::Result::kError) {
      spdlog::debug("Protocol error from client id={} addr={}: {}", id, peer_, reader_.error());
      if (!replies_suppressed()) reply_.Error(reader_.error());  // CLIENT REPLY OFF: just close
      server_.context().stats.total_error_replies += 1;
      server_.context().error_stats.Count(reader_.error());
      close_after_reply = true;
      break;
    }
    auto args = reader_.args();
    if (!args.empty()) {
      if (RejectCrossProtocol(args)) return;
      reply_.set_protocol(resp);
      // Where this request's reply goes, in case it wrote and the AOF then fails.
      const uint64_t reply_begin = flushed_bytes_ + output_.size();
      const bool wrote_before = awaits_durability;
      awaits_durability = false;
      server_.engine().Execute(*this, args, reply_);
      if (awaits_durability) held_writes_.push_back({reply_begin, flushed_bytes_ + output_.size()});
      awaits_durability = awaits_durability || wrote_before;
      // A blocked client stops at this request. A paused one keeps it, to run it on Wake();
      // one waiting for an event (WAIT) is done with it and gets its reply when the wait ends.
      if (blocked) {
        if (retry_when_woken) {
          reader_.KeepForRetry();
        } else {
          reader_.FinishRequest();
        }
        break;
      }
    }
    reader_.FinishRequest();
    // Checked per command, not per read: one read of small GETs of a big value could
    // otherwise queue far more than the limit.
    if (OutputLimitReached()) return;
    SealIfBig();
    if (closed_) return;  // sending a sealed block failed
  }
}

// A big pipeline's replies leave in blocks of about kSealBytes instead of one buffer grown to
// their total. Sixteen pipelined GETs of 1 MB grew a 16 MB buffer per client (and a second one
// while the first was being sent), past mimalloc's largest size class: each was a fresh mmap
// whose pages the kernel zeroed again, half of the server's time at -c 50 -P 16, and the
// buffers stayed with their connections. Blocks are freed once sent, for any connection to
// reuse. Only replies no write of this read waits on the AOF for are sealed: with held
// replies, or once a write of this read awaits durability, output_ keeps growing as before.
void Connection::SealIfBig() {
  if (output_.size() + spliced_bytes_ < kSealBytes || !held_.empty() || awaits_durability) return;
  QueueOutput(output_.size());
  // A sealed block leaves now, not at the end of the turn: the client starts receiving while
  // the rest of its pipeline runs, and a turn that serves several clients' big pipelines no
  // longer holds every block until all of them are built (-c 5 -P 16 GETs of 1 MB: 1.5x the
  // throughput, p99 24 ms instead of 230-390).
  if (!writing_) SendQueued();
}

bool Connection::Share(HeapString* value) {
  if (closed_) return false;
  splices_.push_back({output_.size(), HeapString::Share(value)});
  spliced_bytes_ += value->len;
  return true;
}

void Connection::QueueOutput(size_t n, size_t sent) {
  const bool all = n == output_.size();
  // A splice at n precedes byte n: it belongs to the moved part only when that is all of it
  // (no reply starts with a spliced value, so a held mark is never at one).
  size_t k = 0;
  while (k < splices_.size() && (splices_[k].at < n || (all && splices_[k].at == n))) {
    spliced_bytes_ -= splices_[k].value->len;
    ++k;
  }
  std::vector<Splice> moved(splices_.begin(), splices_.begin() + static_cast<ptrdiff_t>(k));
  splices_.erase(splices_.begin(), splices_.begin() + static_cast<ptrdiff_t>(k));
  for (Splice& rest : splices_) rest.at -= n;
  flushed_bytes_ += n;  // they left output_
  if (all) {
    queued_.Push(std::move(output_), sent, std::move(moved));
    output_.clear();  // a moved-from string: make it a valid empty one
  } else {
    for (Splice& m : moved) m.at -= sent;
    queued_.Push(output_.substr(sent, n - sent), 0, std::move(moved));
    output_.erase(0, n);
  }
}

bool Connection::SendQueued() {
  if (queued_.empty()) return true;
  asio::error_code ec;
  WriteQueued(ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    Close();
    return false;
  }
  if (queued_.empty()) return true;
  writing_ = true;
  WriteRestLater();
  return false;
}

// One gather write from the queue: up to kMaxPieces pieces, within the per-turn allowance
// unless the front block is a big one (a sealed block, a 1 MB GET's reply), which goes whole as
// Redis writes a big reply chunk.
void Connection::WriteQueued(asio::error_code& ec) {
  constexpr size_t kMaxPieces = 64;
  std::array<OutputQueue::Piece, kMaxPieces> pieces;
  std::array<asio::const_buffer, kMaxPieces> buffers;
  const size_t total = queued_.bytes();
  const size_t allowed = queued_.front_block_size() >= kSealBytes ? total : WriteAllowance(total);
  const size_t count = queued_.Gather(pieces, allowed);
  size_t offered = 0;
  for (size_t i = 0; i < count; ++i) {
    buffers[i] = asio::const_buffer(pieces[i].data, pieces[i].size);
    offered += pieces[i].size;
  }
  const size_t n = socket_.write_some(std::span(buffers.data(), count), ec);
  write_capped_ = offered < total && n == offered;
  server_.context().stats.total_net_output_bytes += n;
  queued_.Consume(n, &output_);
}

bool Connection::RejectCrossProtocol(std::span<const std::string_view> args) {
  // An HTTP request sent to the server (a browser tricked into it) is dropped silently. The
  // first letter rules out nearly every real command before any comparison.
  const char first = AsciiLower(args[0].empty() ? '\0' : args[0][0]);
  if (first != 'p' && first != 'h') return false;
  if (!EqualsIgnoreCase(args[0], "post") && !EqualsIgnoreCase(args[0], "host:")) return false;
  spdlog::warn(
      "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
      "Host: commands to Redis. This is likely due to an attacker attempting to use "
      "Cross Protocol Scripting to compromise your Redis instance. Connection from {} "
      "aborted.",
      peer_);
  Close();
  return true;
}

void Connection::Deliver(std::string_view bytes) {
  if (closed_ || close_after_reply) return;
  output_.append(bytes);
  // A subscriber that does not read is dropped at its class's limit, not kept growing.
  if (OutputLimitReached()) return;
  // One write per loop turn, not one per message: a burst of PUBLISHes read together reaches
  // each subscriber in one send (Redis writes its clients before it sleeps, likewise).
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->FlushUnlessBusyCaller();
  });
}

bool Connection::OutputLimitReached() {
  const config::Settings& s = server_.context().config.settings();
  // The class is Redis's: a replica, a client in subscribed mode (pub/sub), or normal.
  const config::OutputBufferLimit& limit = is_replica     ? s.output_limit_replica
                                           : subscribed() ? s.output_limit_pubsub
                                                          : s.output_limit_normal;
  const int64_t size = static_cast<int64_t>(output_buffer_size());
  bool hard = limit.hard_bytes > 0 && size >= limit.hard_bytes;
  bool soft = false;
  if (limit.soft_bytes > 0 && size >= limit.soft_bytes) {
    int64_t now = server_.engine().clock().NowMs();
    if (soft_limit_since_ms_ < 0) soft_limit_since_ms_ = now;
    soft = now - soft_limit_since_ms_ > limit.soft_seconds * 1000;
  } else {
    soft_limit_since_ms_ = -1;
  }
  if (!hard && !soft) return false;
  spdlog::warn(
      "Client id={} addr={} scheduled to be closed ASAP for overcoming of output "
      "buffer limits.",
      id, peer_);
  ++server_.context().stats.client_output_buffer_limit_disconnections;
  Close();
  return true;
}

void Connection::Flush() {
  if (writing_ || closed_) return;
  if (!SendQueued()) return;  // what left output_ goes first: no held reply is in it
  // Replies from the first held mark on wait for their batch (see OnRead).
  size_t sendable = output_.size();
  if (!held_.empty()) {
    const uint64_t begin = held_.front().begin;
    // A mark is never behind what was sent; if it were, send nothing rather than wrap around.
    sendable = begin > flushed_bytes_ ? std::min<size_t>(sendable, begin - flushed_bytes_) : 0;
    if (sendable == 0) return;
  }
  if (output_.empty()) {
    if (close_after_reply) CloseAfterSending();
    return;
  }
  if (!splices_.empty()) {
    // Values by reference: headers, values and the rest leave in one gather write.
    QueueOutput(sendable);
    if (SendQueued() && close_after_reply && held_.empty() && output_.empty()) {
      CloseAfterSending();
    }
    return;
  }
  // Most replies fit in the socket buffer: try writing now and skip a trip through the loop.
  asio::error_code ec;
  size_t n = WriteSome(output_.data(), sendable, /*capped=*/true, ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    Close();
    return;
  }
  server_.context().stats.total_net_output_bytes += n;
  if (n < sendable) {
    // The rest goes out asynchronously from the queue. The buffer itself moves there, so a big
    // reply (a pipeline of GETs) is never copied a second time.
    QueueOutput(sendable, n);
    writing_ = true;
    WriteRestLater();
    return;
  }
  flushed_bytes_ += sendable;
  if (sendable == output_.size()) {
    output_.clear();
    ReleaseIfOversized(output_, sendable);
  } else {
    output_.erase(0, sendable);  // only while later replies are held
  }
  if (close_after_reply && held_.empty()) CloseAfterSending();
}

// Not asio::async_write: it hands the socket at most 64 KB per write and goes back through the
// scheduler between pieces, so a 1 MB reply that did not leave at once trickled out behind every
// other connection's fresh requests. Like Redis, a connection that becomes writable writes all
// that the socket takes. The wait is registered in the handler that saw the partial write, so
// no writability edge can pass unseen before it.
void Connection::WaitWritable() {
  socket_.async_wait(
      asio::ip::tcp::socket::wait_write,
      [self = shared_from_this()](const asio::error_code& ec) { self->OnWritable(ec); });
}

void Connection::OnWritable(const asio::error_code& ec) {
  if (WaitsForItsScript([self = shared_from_this(), ec] { self->OnWritable(ec); })) return;
  if (closed_) return;
  if (ec) return OnWritten(ec);
  WriteSending();
}

void Connection::FlushUnlessBusyCaller() {
  if (WaitsForItsScript([self = shared_from_this()] { self->Flush(); })) return;
  Flush();
}

// Replicas and a server above maxmemory are not capped (see write_budget.h).
size_t Connection::WriteAllowance(size_t size) const {
  if (size <= WriteBudget::kPerTurn + WriteBudget::kTail) return size;
  const int64_t maxmemory = server_.context().config.settings().maxmemory;
  const bool exempt =
      is_replica || (maxmemory > 0 && static_cast<int64_t>(mem::Used()) >= maxmemory);
  return WriteBudget::Allowance(size, exempt);
}

size_t Connection::WriteSome(const char* data, size_t size, bool capped, asio::error_code& ec) {
  const size_t allowed = capped ? WriteAllowance(size) : size;
  const size_t n = socket_.write_some(asio::buffer(data, allowed), ec);
  write_capped_ = allowed < size && n == allowed;
  return n;
}

// After a partial write: if the kernel took less than offered, the socket is full and the
// rest waits until it is writable; if only the per-turn cap stopped it, the socket still has
// room and no writability edge would come (asio's epoll registration is edge-triggered), so
// the rest waits for the server's next slice of such steps, behind the loop's next poll (see
// continuations.h).
void Connection::WriteRestLater() {
  if (!std::exchange(write_capped_, false)) return WaitWritable();
  server_.continuations().Add(shared_from_this(), Continuations::Step::kWrite);
}

void Connection::WriteSending() {
  asio::error_code ec;
  WriteQueued(ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return OnWritten(ec);
  if (!queued_.empty()) return WriteRestLater();
  OnWritten({});
}

void Connection::OnWritten(const asio::error_code& ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  Flush();
}

void Connection::Kill() {
  close_after_reply = true;
  // The killer may be this very client (CLIENT KILL ID <own id>); its reply still goes out.
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->FlushUnlessBusyCaller(); });
}

void Connection::FlushAndClose() {
  close_after_reply = true;
  Flush();
}

void Connection::CloseAfterSending() {
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  Close();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  socket_.close(ec);
  server_.engine().OnClientClose(*this);
  server_.Unregister(id);
}

}  // namespace basalt::server
