// A connection's request input: the bytes read from the socket, the parser over them, and big
// bulk arguments received into buffers of their own. No I/O: the caller reads into ReadSpace()
// and reports with CommitRead(), then takes requests with Next().
//
// Why big bulks bypass the input buffer: a bulk of kBigArgLen bytes or more is received
// straight into a HeapString sized for it (what arrived with its header is copied once, at
// most one read chunk), and a command that stores the argument (SET) adopts that very buffer
// with TakeBuffer(). A 1 MB SET then costs the kernel's copy into the value and nothing more:
// the input buffer stays one read chunk, never grows to the value's size, never slides a
// partial value to its front, and no value is copied out of it.
//
// Predicted big bulks: a client that sends big values usually sends them alike (same command,
// key length and value size: a cache writer, redis-benchmark). Once two big bulks in a row
// started at the same offset of their request with the same length, the next read is split in
// two: the header's bytes into the input, the payload's straight into a spare buffer of its
// size. If the request is shaped as predicted, the spare becomes the big argument: one recv
// per request and no copy at all (the first path above costs two recvs and a copy of the first
// chunk, which made 64 KB SETs from 5 clients 0.8x Redis's rate, Redis reading each whole).
// If not, the spilled bytes are appended to the input, which then holds exactly what one
// plain read would have left, and prediction stops until two alike again.
//
// A read is pending from ReadSpace() until CommitRead() or AbandonRead(). Requests may still be
// taken and finished meanwhile (a client woken from a block runs what it sent while blocked),
// but nothing the read writes into may move: the input is not rewound, shrunk or split for a
// big bulk until the read has landed. Before this rule, a client woken from BLPOP that had
// pipelined an INCR after it got the INCR run twice (the emptied input rewound under the pending
// read, which then appended to stale bytes), and a big SET after it stored garbage.
//
// The arguments of a request returned by Next() stay valid until FinishRequest() or
// KeepForRetry(). A client blocked at a request (CLIENT PAUSE) runs it again later from the
// input, so KeepForRetry() writes big arguments back into the input buffer first (rare: only
// requests that block pay that copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/heap_string.h"
#include "protocol/input_buffer.h"
#include "protocol/request_parser.h"

namespace basalt::protocol {

class RequestReader {
 public:
  explicit RequestReader(const ParserLimits* limits) : parser_(limits) {}
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Where the next read goes: the rest of a big bulk being received (exactly its remaining
  // bytes, so no later request's bytes land in it; then kBulkTail in the input), else at least
  // `chunk` bytes of input, more while reads keep filling all they are given (a deep pipeline of
  // mid-sized values is then read in a few syscalls, not one per chunk), up to kMaxReadChunk. While
  // a big bulk is predicted, two spans (a scatter read): the expected header, then the payload's
  // buffer.
  struct ReadTarget {
    std::span<char> head;
    std::span<char> payload;  // empty unless a big bulk is predicted
    std::span<char> tail;     // the start of what follows the bulk (predicted, or its rest's)
  };
  // `may_predict` false: one span even when a big bulk is predicted (see Connection::ReadMore).
  // Plain input is offered at most max(`chunk`, `cap`) bytes (the free space is offered whole
  // otherwise, which may be more than kMaxReadChunk).
  ReadTarget ReadSpace(size_t chunk, bool may_predict = true, size_t cap = SIZE_MAX);
  // True when the next ReadSpace would allocate the input buffer for plain input (none is held,
  // no big bulk is arriving or predicted): the caller may size that first read.
  bool needs_input_buffer() const {
    return input_.capacity() == 0 && receiving_ == nullptr && !predicts_big_bulk();
  }
  // True when the next ReadSpace would split the read for a predicted big bulk.
  bool predicts_big_bulk() const;
  static constexpr size_t kMaxReadChunk = 64 * 1024;
  // A burst's first read (the last read drained the socket, nothing is left to parse) takes
  // at most this much, and the connection sends what it answers at once (burst_continues).
  // A -P 16 pipeline of 16 KB SETs got its first reply after 128 KB had been received and
  // seven SETs run: p50 0.19-0.21 ms at -c 5 against Redis's 0.13-0.18. Cut, after one SET:
  // 0.12-0.14 ms, for 11-17% of that cell's throughput (still 1.2-1.9x Redis's).
  static constexpr size_t kFirstReadOfBurst = 32 * 1024;
  // A big bulk's buffer starts at most this large and doubles as its bytes arrive: a client
  // that announces a 512 MB bulk and sends nothing does not make the server reserve 512 MB.
  // (Values up to this size, the common case, are received in one allocation, never moved.)
  static constexpr size_t kBigBulkFirstCapacity = 4 * 1024 * 1024;
  // Bulks predicted (and a spare kept for) only up to this size: the spare is memory a waiting
  // client holds, and for bigger values the recv and the copy saved are a small part of the
  // request (1 MB SETs from 50 and 1000 clients ran at 0.76-0.80x Redis with 1 MB spares).
  static constexpr size_t kMaxPredictedBulk = 128 * 1024;
  // A predicted read offers this much more after the payload. A client that waits for each
  // reply leaves it empty, which tells that the read took all there was (no FIONREAD asked);
  // a pipelining client's next request starts in it, and is read with this one.
  static constexpr size_t kPredictedTail = 16 * 1024;
  // The read that completes a big bulk offers this much more, in the input after the request's
  // header: a pipelining client's next request starts there, and its big bulk is then received
  // with the read after (one read a request, where a plain read for the next header and one
  // for the bulk's rest made two). Small, because what of the next bulk lands in it is copied
  // once more; far smaller than a big bulk, so one never arrives whole in it.
  static constexpr size_t kBulkTail = 4 * 1024;
  static_assert(kBulkTail < kBigArgLen);
  // The last read was a predicted one and bytes went past the predicted request: the client
  // had sent more (it pipelines).
  bool last_read_overran() const { return last_read_overran_; }
  // `n` bytes arrived, filling the ReadTarget's spans in order.
  void CommitRead(size_t n);
  // The read given the last ReadTarget ended without bytes (it failed, was cancelled, or
  // would have blocked).
  void AbandonRead() { read_pending_ = false; }
  // Memory kept for a predicted big bulk, if any (a read may be waiting to fill it).
  bool holds_spare() const { return spare_ != nullptr; }
  // Frees that memory and predicts nothing until two big bulks alike again. Only while no
  // read is pending into it (an idle client's read is cancelled first).
  void ReleaseSpare();
  // Memory an idle client need not keep: the spare, or an input buffer with nothing in it.
  bool holds_idle_memory() const {
    return spare_ != nullptr || (input_.capacity() > 0 && input_.size() == 0 &&
                                 receiving_ == nullptr && big_args_.empty());
  }
  // Frees it (the spare, and the input buffer when empty), under ReleaseSpare's rule. The next
  // read takes a new buffer, sized by what is waiting then (needs_input_buffer).
  void ReleaseIdleMemory();
  // The last read was a burst's first (see kFirstReadOfBurst) and filled all it was given: the
  // rest is probably waiting in the socket, and the client for its first reply.
  bool burst_continues() const { return burst_continues_; }
  // True while a big bulk is still arriving: no request can complete before it has.
  bool receiving_big_bulk() const { return receiving_ != nullptr; }

  // The next request in what has been read: kComplete (args()), kNeedMore or kError (error()).
  RequestParser::Result Next();
  std::span<const std::string_view> args() const { return parser_.args(); }
  const std::string& error() const { return parser_.error(); }
  void set_auth_required(bool v) { parser_.set_auth_required(v); }

  // The request from Next() is done: its bytes are dropped, big buffers not taken are freed.
  void FinishRequest();
  // The request from Next() must run again later: it stays first in the input, whole. Call it
  // before the next ReadSpace() (which may move the input the arguments point into).
  void KeepForRetry();
  // The buffer whose bytes are exactly `arg` (a big argument of the current request), now
  // owned by the caller; nullptr when `arg` is not one.
  HeapString* TakeBuffer(std::string_view arg);

  // Bytes read and not yet consumed, big bulks included (the query buffer limit counts them).
  size_t buffered() const;
  // Unused space of the input buffer (CLIENT LIST qbuf-free).
  size_t free_space() const { return input_.free_space(); }
  // Memory held: the input buffer's capacity and every big buffer.
  size_t memory_usage() const;
  // The first bytes of the input, for the log line of a client dropped at the limit.
  std::string_view head(size_t n) const { return input_.readable().substr(0, n); }
  // Releases the input buffer when it is empty and bigger than `keep` (idle clients stay
  // small), unless reads are still filling all they get (a pipeline streaming in).
  void ShrinkIfIdle(size_t keep);

 private:
  // Where a big bulk's payload starts in its request, and its length.
  struct Shape {
    size_t head = 0;
    size_t length = 0;
    bool operator==(const Shape&) const = default;
  };
  // After kNeedMore: starts receiving the pending bulk into its own buffer if it is big.
  void MaybeStartBigBulk();
  // A request's first big bulk begins to arrive: predict the next one when two are alike.
  void NoteShape(Shape shape);
  ReadTarget PredictedSpace();
  // The tail of a read that completes the bulk being received (kBulkTail).
  std::span<char> BulkTail();
  // A predicted read went past the header: adopt the spare, or put the bytes back in line.
  void CommitPredictedRead(size_t n);
  // The bulk being received has all its bytes: it becomes the request's argument.
  void FinishBigBulkIfWhole();
  void DropSpare();
  // Faults in the unfilled part of receiving_ from user space (see mem::PrefaultForKernelWrite).
  void PrefaultReceiving();
  void FreeBigArgs();

  InputBuffer input_;
  RequestParser parser_;
  size_t read_size_ = 0;               // what the last ReadSpace offered for input
  size_t read_ahead_ = 0;              // extra room asked for after reads that filled what they got
  size_t input_peak_ = 0;              // most input held at once since the buffer was last empty
  HeapString* receiving_ = nullptr;    // the big bulk arriving now (len counts what arrived)
  size_t receiving_payload_ = 0;       // its payload length; the buffer holds it and its CRLF
  size_t rest_size_ = SIZE_MAX;        // what of it the pending read may take (before a tail)
  std::vector<HeapString*> big_args_;  // complete big arguments of the current request
  Shape shape_;                        // of the last request's first big bulk
  bool shape_repeated_ = false;        // the one before had the same: predict the next
  HeapString* spare_ = nullptr;        // receives a predicted payload (cap: its length + 2)
  size_t predicted_head_ = 0;          // the last ReadSpace's header span (0: not predicting)
  bool starts_burst_ = false;          // the last ReadSpace was a burst's first
  bool burst_continues_ = false;       // and the read filled it
  bool read_pending_ = false;          // a ReadTarget was handed out and not yet committed
  bool last_read_overran_ = false;     // see last_read_overran()
};

}  // namespace basalt::protocol
