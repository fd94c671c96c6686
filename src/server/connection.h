// One client connection: reads requests, runs them through the dispatcher, writes replies.
//
// Requests are executed as they are parsed; all replies produced from one read are sent with
// one write at the end of the loop turn (Server::FlushAtEndOfTurn; finished asynchronously if
// the socket is full). Only one write
// is in flight per connection; replies produced meanwhile queue in the output buffer.
#pragma once

#include <asio.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands/command.h"
#include "protocol/reply_writer.h"
#include "protocol/request_reader.h"
#include "server/busy_gate.h"
#include "server/continuations.h"
#include "server/drain_aware_socket.h"
#include "server/output_queue.h"

namespace basalt::server {

class Server;

class Connection : public cmd::ClientSession,
                   public protocol::ShareSink,
                   public DrainAwareSocket::ReadListener,
                   public Continuations::Client,
                   public std::enable_shared_from_this<Connection> {
 public:
  // `peer` is the client's "ip:port", as accept gave it.
  Connection(Server& server, asio::ip::tcp::socket socket, uint64_t id, std::string peer);
  ~Connection() override;

  void Start();
  // An idle client gives back what it keeps for its next request: its empty input and output
  // buffers and the spare for a big bulk (the server's cron, after kIdleMemoryReleaseMs; Redis's
  // cron frees an idle client's query buffer alike).
  void ReleaseIdleMemory();
  // Sends what is buffered, then closes (graceful: used at server shutdown).
  void FlushAndClose();
  // Sends what is buffered and may leave (the end of a loop turn; see Server::FlushAtEndOfTurn).
  void FlushNow() { FlushUnlessBusyCaller(); }
  // Closes now, dropping unsent output.
  void Close();
  bool closed() const override { return closed_; }
  // Continuations::Client: the read ReadMore, or the write WriteRestLater, left to the
  // server's slices.
  void Continue(Continuations::Step step) override;

  // cmd::ClientSession
  std::string peer_address() const override { return peer_; }
  std::string local_address() const override;
  int fd() const override;
  size_t query_buffer_size() const override { return reader_.buffered(); }
  size_t query_buffer_free() const override { return reader_.free_space(); }
  size_t output_buffer_size() const override {
    return output_.size() + spliced_bytes_ + queued_.bytes();
  }
  size_t memory_usage() const override;
  size_t memory_in_accounted_heap() const override { return reader_.memory_usage(); }
  void Kill() override;
  HeapString* TakeArgBuffer(std::string_view arg) override { return reader_.TakeBuffer(arg); }
  bool can_block() const override { return true; }
  // clients::Client: a pub/sub message (or other push) joins the output now.
  void Deliver(std::string_view bytes) override;
  // clients::Client: no longer blocked; the request it stopped at runs in a later loop turn.
  void Wake() override;

  // Replies to a read that wrote wait until the AOF batch holding its writes is durable (see
  // group_commit.h); replies after them wait too, to keep their order. The batch is
  // kAwaitingSubmit until the loop turn's writes are handed to the writer.
  static constexpr uint64_t kAwaitingSubmit = UINT64_MAX;
  // The batch the oldest held replies wait for (0: none held).
  uint64_t durable_seq_needed() const { return held_.empty() ? 0 : held_.front().seq; }
  // True when some replies wait for a batch already handed to the writer.
  bool waits_for_submitted_batch() const {
    return !held_.empty() && held_.front().seq != kAwaitingSubmit;
  }
  // True when batch `seq` being durable releases every held reply.
  bool released_entirely_by(uint64_t seq) const {
    return !held_.empty() && held_.back().seq <= seq;
  }
  // The writes read since the last submit went out as batch `seq`; false if there were none.
  bool OnSubmitted(uint64_t seq);
  // Batch `seq` (and all before it) is durable: sends the replies that waited for it.
  void OnDurable(uint64_t seq);
  // The AOF failed: no held batch will be reported durable soon. Each held reply of a request
  // that wrote becomes the error `refusal`; the others (reads) are sent as they are.
  void FailHeldWrites(const std::string& refusal);
  // GroupCommit's mark for a client released by a batch and not heard from since.
  uint64_t release_epoch() const { return release_epoch_; }
  void set_release_epoch(uint64_t epoch) { release_epoch_ = epoch; }
  // GroupCommit's note that this connection is on its list of those waiting for a batch.
  bool listed_as_waiting() const { return listed_as_waiting_; }
  void set_listed_as_waiting(bool listed) { listed_as_waiting_ = listed; }

 private:
  void ReadMore();
  // The first read into a new input buffer (see the comment at its definition).
  void AwaitInputThenRead();
  void ReadIntoNewBuffer();
  // Whether ReadMore may read a predicted big bulk apart (see kPredictionPause).
  bool MayPredict();
  // Reads the rest of a burst's first big bulk now, if it is there; true once it is whole.
  bool ReceiveRestOfBigBulk();
  void OnRead(const asio::error_code& ec, size_t n);
  void OnReadDone(const asio::error_code& ec, size_t n) override { OnRead(ec, n); }
  // While this client's script is busy its request is half served: its own reads, writes and
  // wake-ups wait until the script returns (the gate runs `resume` then). True when parked.
  template <typename Fn>
  bool WaitsForItsScript(Fn&& resume) {
    if (!busy_gate_.IsCaller(this)) return false;
    busy_gate_.Park(std::forward<Fn>(resume));
    return true;
  }
  void OnReadable(const asio::error_code& ec);
  void OnWritable(const asio::error_code& ec);
  void OnWoken();
  void FlushUnlessBusyCaller();
  // Runs what the input buffer holds and sends the replies (after a read, or a wake).
  void ServeInput();
  // Parses and executes every complete request in the input buffer.
  void ProcessInput();
  bool RejectCrossProtocol(std::span<const std::string_view> args);
  // Closes the client when its unprocessed input passes client-query-buffer-limit.
  bool QueryBufferLimitReached();
  void Flush();
  void WaitWritable();
  size_t WriteAllowance(size_t size) const;
  size_t WriteSome(const char* data, size_t size, bool capped, asio::error_code& ec);
  void WriteRestLater();
  void WriteSending();
  void OnWritten(const asio::error_code& ec);
  void CloseAfterSending();
  bool OutputLimitReached();
  void SealIfBig();
  // ShareSink: a big value's bytes go out by reference (see output_queue.h).
  bool Share(HeapString* value) override;
  // Moves output_'s first `n` bytes (and their splices) to the queue, less the first `sent`
  // of them, which the socket already took.
  void QueueOutput(size_t n, size_t sent = 0);
  void WriteQueued(asio::error_code& ec);
  // Writes the queue; false when some is left for an asynchronous write (or the connection
  // closed), true when all of it was sent.
  bool SendQueued();

  Server& server_;
  BusyGate& busy_gate_;
  DrainAwareSocket socket_;
  protocol::RequestReader reader_;
  std::string output_;           // replies not yet handed to the socket
  std::vector<Splice> splices_;  // values that go into output_ by reference (Share)
  size_t spliced_bytes_ = 0;
  // Replies that left output_ (sealed at kSealBytes, or a write the socket did not take whole),
  // sent before it.
  OutputQueue queued_;
  protocol::ReplyWriter reply_;
  std::string peer_;
  mutable std::string local_;  // looked up on first use (local_address)
  bool reading_ = false;
  bool read_deferred_ = false;        // the next read waits in the server's Continuations
  size_t offered_size_ = 0;           // what the pending read may take (0: a predicted read)
  bool last_read_filled_ = false;     // the last read took all it was offered: more is coming
  bool release_idle_memory_ = false;  // the pending read was cancelled to free the reader's
                                      // idle memory (ReleaseIdleMemory)
  // Request boundaries left at which a predicted big bulk is not read apart (a predicted read
  // found the client pipelining).
  int prediction_pause_ = 0;
  bool first_reply_due_ = false;  // a burst is arriving (RequestReader::burst_continues)
  bool writing_ = false;
  bool write_capped_ = false;  // the last WriteSome stopped at the per-turn cap, not the kernel
  bool closed_ = false;
  int64_t soft_limit_since_ms_ = -1;
  // Held replies: from output position `begin` (counted in bytes since the connection began)
  // on, replies wait for batch `seq`. Oldest first; batches only grow along the queue.
  struct HeldReplies {
    uint64_t seq;
    uint64_t begin;
  };
  std::vector<HeldReplies> held_;  // rarely more than two: no deque's up-front block
  // Where the held replies of requests that wrote are, [begin, end) in the same count as
  // HeldReplies::begin: FailHeldWrites replaces them. Pushes delivered to this client while
  // such a request ran (its own keyspace event, say) fall inside and go with it.
  struct WriteReply {
    uint64_t begin;
    uint64_t end;
  };
  std::vector<WriteReply> held_writes_;
  uint64_t flushed_bytes_ = 0;  // bytes taken out of output_ so far
  uint64_t release_epoch_ = 0;
  bool listed_as_waiting_ = false;
  bool flush_posted_ = false;  // a Flush for delivered pushes is queued on the loop
};

}  // namespace basalt::server
