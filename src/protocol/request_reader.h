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
// The arguments of a request returned by Next() stay valid until FinishRequest() or
// KeepForRetry(). A client blocked at a request (CLIENT PAUSE) runs it again later from the
// input, so KeepForRetry() writes big arguments back into the input buffer first (rare: only
// requests that block pay that copy).
#pragma once

#include <cstddef>
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
  // bytes, so no later request's bytes land in it), else at least `chunk` bytes of input, more
  // while reads keep filling all they are given (a deep pipeline of mid-sized values is then
  // read in a few syscalls, not one per chunk), up to kMaxReadChunk.
  std::span<char> ReadSpace(size_t chunk);
  static constexpr size_t kMaxReadChunk = 64 * 1024;
  // A big bulk's buffer starts at most this large and doubles as its bytes arrive: a client
  // that announces a 512 MB bulk and sends nothing does not make the server reserve 512 MB.
  // (Values up to this size, the common case, are received in one allocation, never moved.)
  static constexpr size_t kBigBulkFirstCapacity = 4 * 1024 * 1024;
  void CommitRead(size_t n);
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
  // After kNeedMore: starts receiving the pending bulk into its own buffer if it is big.
  void MaybeStartBigBulk();
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
  std::vector<HeapString*> big_args_;  // complete big arguments of the current request
};

}  // namespace basalt::protocol
