#include "protocol/request_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/memory.h"
#include "protocol/command_encoder.h"

namespace basalt::protocol {

RequestReader::~RequestReader() {
  FreeBigArgs();
  if (receiving_ != nullptr) HeapString::Destroy(receiving_);
  DropSpare();
}

RequestReader::ReadTarget RequestReader::ReadSpace(size_t chunk, bool may_predict, size_t cap) {
  predicted_head_ = 0;
  rest_size_ = SIZE_MAX;
  starts_burst_ = false;
  read_pending_ = true;
  if (receiving_ != nullptr) {
    const size_t whole = receiving_payload_ + 2;
    if (receiving_->len == receiving_->cap) {
      receiving_ = HeapString::Resize(receiving_, std::min(whole, 2 * receiving_->cap));
      PrefaultReceiving();
    }
    // An adopted spare may be longer than this bulk: nothing past its CRLF may land in it.
    const std::span<char> rest{receiving_->data() + receiving_->len,
                               std::min(receiving_->cap, whole) - receiving_->len};
    // Bytes after the rest belong to the bulk until its buffer holds the whole of it.
    if (receiving_->cap < whole) return {rest, {}, {}};
    return {rest, {}, BulkTail()};
  }
  if (may_predict && predicts_big_bulk()) return PredictedSpace();
  cap = std::max(chunk, cap);
  std::span<char> space = input_.PrepareWrite(std::min(std::max(chunk, read_ahead_), cap));
  if (space.size() > cap) space = space.first(cap);
  // A burst's first read (the last one drained the socket and nothing is left to parse) takes
  // at most kFirstReadOfBurst: the client is waiting, and its first reply should not wait for
  // the whole pipeline to be received and run.
  starts_burst_ = read_ahead_ == 0 && input_.size() == 0 && !parser_.in_request();
  if (starts_burst_ && space.size() > kFirstReadOfBurst) space = space.first(kFirstReadOfBurst);
  read_size_ = space.size();
  return {space, {}};
}

bool RequestReader::predicts_big_bulk() const {
  // Only at a request's first byte: the header span must hold exactly the next header.
  return shape_repeated_ && input_.size() == 0 && !parser_.in_request() && big_args_.empty();
}

std::span<char> RequestReader::BulkTail() {
  // Right after the header in the input, where the parser resumes once the bulk is supplied
  // aside (MaybeStartBigBulk truncated the input there).
  rest_size_ = receiving_payload_ + 2 - receiving_->len;
  return input_.PrepareWrite(kBulkTail).first(kBulkTail);
}

RequestReader::ReadTarget RequestReader::PredictedSpace() {
  const size_t whole = shape_.length + 2;
  if (spare_ != nullptr && spare_->cap != whole) DropSpare();
  if (spare_ == nullptr) {
    spare_ = HeapString::Create({}, whole);
    mem::PrefaultForKernelWrite(spare_->data(), whole);
  }
  predicted_head_ = shape_.head;
  read_size_ = shape_.head;
  // The tail lies right after the header in the input: bytes that follow the bulk belong
  // there once the bulk is supplied aside (as after MaybeStartBigBulk's Truncate).
  std::span<char> room = input_.PrepareWrite(shape_.head + kPredictedTail);
  return {
      room.first(shape_.head), {spare_->data(), whole}, room.subspan(shape_.head, kPredictedTail)};
}

void RequestReader::CommitRead(size_t n) {
  read_pending_ = false;
  burst_continues_ = false;
  if (receiving_ != nullptr) {
    // A read fills its spans in order: bytes past the rest went to the tail (BulkTail).
    const size_t tail = n > rest_size_ ? n - rest_size_ : 0;
    receiving_->len += n - tail;
    rest_size_ = SIZE_MAX;
    input_.CommitWrite(tail);
    input_peak_ = std::max(input_peak_, input_.readable().size());
    FinishBigBulkIfWhole();
    return;
  }
  last_read_overran_ = false;
  if (predicted_head_ != 0 && n > predicted_head_) {
    CommitPredictedRead(n);
    return;
  }
  input_.CommitWrite(n);
  input_peak_ = std::max(input_peak_, input_.readable().size());
  burst_continues_ = starts_burst_ && n == read_size_;
  // A read that filled its space probably left more behind: offer twice as much next time.
  // One that did not resets the offer, so a client that calms down stays small.
  if (n == read_size_) {
    read_ahead_ = std::min(kMaxReadChunk, std::max<size_t>(2 * n, read_ahead_));
  } else {
    read_ahead_ = 0;
  }
}

void RequestReader::CommitPredictedRead(size_t n) {
  const size_t spilled = std::min(n - predicted_head_, spare_->cap);  // into the spare
  const size_t tail = n - predicted_head_ - spilled;                  // after it, in the input
  last_read_overran_ = tail != 0;
  input_.CommitWrite(predicted_head_);
  read_ahead_ = 0;
  RequestParser::PendingBulk pending{};
  // Bytes in the tail mean the spare was filled to its end: the bulk must be exactly its size.
  if (parser_.Parse(input_.readable()) == RequestParser::Result::kNeedMore &&
      parser_.pending_bulk(&pending) && pending.offset == predicted_head_ &&
      pending.length >= static_cast<size_t>(kBigArgLen) &&
      (tail == 0 ? spilled <= pending.length + 2 : pending.length + 2 == spare_->cap)) {
    // As predicted (a different length is fine: the buffer is resized as it fills).
    NoteShape({pending.offset, pending.length});
    receiving_ = std::exchange(spare_, nullptr);
    receiving_->len = spilled;
    receiving_payload_ = pending.length;
    input_.CommitWrite(tail);  // what follows the bulk, where the parser resumes after it
    input_peak_ = std::max(input_peak_, input_.readable().size());
    FinishBigBulkIfWhole();
    return;
  }
  // Not as predicted: the input becomes what one plain read would have left (the header's
  // bytes, the spilled ones, then the tail's). The parser resumes on it as on any longer
  // input; a request it completed from the header's bytes alone is parsed again from its start
  // by Next(). The tail's bytes are set aside first: making room may move the buffer.
  const std::string tail_bytes(input_.readable().data() + predicted_head_, tail);
  std::span<char> room = input_.PrepareWrite(spilled + tail);
  std::memcpy(room.data(), spare_->data(), spilled);
  std::memcpy(room.data() + spilled, tail_bytes.data(), tail);
  input_.CommitWrite(spilled + tail);
  input_peak_ = std::max(input_peak_, input_.readable().size());
  ReleaseSpare();
}

void RequestReader::FinishBigBulkIfWhole() {
  if (receiving_->len < receiving_payload_ + 2) return;
  // The CRLF after the payload is skipped unchecked, as the parser does for any bulk.
  receiving_->len = receiving_payload_;
  big_args_.push_back(receiving_);
  receiving_ = nullptr;
  parser_.SupplyPendingBulk(big_args_.back()->view());
}

void RequestReader::NoteShape(Shape shape) {
  shape_repeated_ = shape == shape_ && shape.length <= kMaxPredictedBulk;
  shape_ = shape;
}

void RequestReader::DropSpare() {
  if (spare_ != nullptr) HeapString::Destroy(spare_);
  spare_ = nullptr;
}

void RequestReader::ReleaseSpare() {
  DropSpare();
  shape_ = {};
  shape_repeated_ = false;
}

void RequestReader::ReleaseIdleMemory() {
  mem::ReturnFreedPagesAtOnce to_the_kernel;
  ReleaseSpare();
  if (receiving_ == nullptr && big_args_.empty()) input_.ShrinkIfEmpty(0);
}

RequestParser::Result RequestReader::Next() {
  if (receiving_ != nullptr) return RequestParser::Result::kNeedMore;
  RequestParser::Result result = parser_.Parse(input_.readable());
  if (result == RequestParser::Result::kNeedMore) MaybeStartBigBulk();
  return result;
}

void RequestReader::MaybeStartBigBulk() {
  // The bulk's bytes stay in the input until the pending read lands (it writes after them);
  // the first Next() after it moves them.
  if (read_pending_) return;
  RequestParser::PendingBulk pending{};
  if (!parser_.pending_bulk(&pending) || pending.length < static_cast<size_t>(kBigArgLen)) {
    return;
  }
  // Everything after the payload's start belongs to the bulk (else it would be complete): it
  // moves to the new buffer, and the input ends where the payload began.
  // Big values take this path, not bigger reads into the input (which would copy them again).
  read_ahead_ = 0;
  if (big_args_.empty()) NoteShape({pending.offset, pending.length});
  std::string_view arrived = input_.readable().substr(pending.offset);
  const size_t whole = pending.length + 2;
  receiving_ =
      HeapString::Create(arrived, std::min(whole, std::max(arrived.size(), kBigBulkFirstCapacity)));
  receiving_payload_ = pending.length;
  PrefaultReceiving();
  input_.Truncate(pending.offset);
}

void RequestReader::PrefaultReceiving() {
  mem::PrefaultForKernelWrite(receiving_->data() + receiving_->len,
                              receiving_->cap - receiving_->len);
}

void RequestReader::ShrinkIfIdle(size_t keep) {
  if (!input_.readable().empty() || read_pending_) return;
  // A buffer that held a good part of its size in this burst is kept: a client pipelining 17 KB
  // batches empties it after every batch, and freeing it then would split each next batch into
  // a 16 KB read and a short one (two reads, two sends per batch). Only a buffer that bursts
  // no longer fill goes back, as Redis shrinks a query buffer whose peak stays low.
  if (read_ahead_ == 0 && input_peak_ < input_.capacity() / 4) input_.ShrinkIfEmpty(keep);
  input_peak_ = 0;
}

void RequestReader::FinishRequest() {
  if (read_pending_) {
    input_.ConsumeInPlace(parser_.consumed());
  } else {
    input_.Consume(parser_.consumed());
  }
  FreeBigArgs();
}

void RequestReader::KeepForRetry() {
  // The request is still whole in the input. Big arguments exist only between the read that
  // completed them and the next ReadSpace(), so no read is pending for the rewrite below.
  if (big_args_.empty()) return;
  // Rewrite the request with its big arguments inline, then the input that followed it.
  std::string whole;
  AppendCommand(whole, parser_.args());
  whole.append(input_.readable().substr(parser_.consumed()));
  input_.Consume(input_.size());
  std::span<char> space = input_.PrepareWrite(whole.size());
  std::memcpy(space.data(), whole.data(), whole.size());
  input_.CommitWrite(whole.size());
  FreeBigArgs();
}

HeapString* RequestReader::TakeBuffer(std::string_view arg) {
  auto it = std::find_if(big_args_.begin(), big_args_.end(), [arg](const HeapString* s) {
    return s->data() == arg.data() && s->len == arg.size();
  });
  if (it == big_args_.end()) return nullptr;
  HeapString* taken = *it;
  big_args_.erase(it);
  return taken;
}

size_t RequestReader::buffered() const {
  size_t n = input_.size() + (receiving_ != nullptr ? receiving_->len : 0);
  for (const HeapString* s : big_args_) n += s->len;
  return n;
}

size_t RequestReader::memory_usage() const {
  size_t n = input_.capacity();
  if (spare_ != nullptr) n += sizeof(HeapString) + spare_->cap;
  if (receiving_ != nullptr) n += sizeof(HeapString) + receiving_->cap;
  for (const HeapString* s : big_args_) n += sizeof(HeapString) + s->cap;
  return n;
}

void RequestReader::FreeBigArgs() {
  for (HeapString* s : big_args_) HeapString::Destroy(s);
  big_args_.clear();
}

}  // namespace basalt::protocol
