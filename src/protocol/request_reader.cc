#include "protocol/request_reader.h"

#include <algorithm>
#include <cstring>

#include "common/memory.h"
#include "protocol/command_encoder.h"

namespace basalt::protocol {

RequestReader::~RequestReader() {
  FreeBigArgs();
  if (receiving_ != nullptr) HeapString::Destroy(receiving_);
}

std::span<char> RequestReader::ReadSpace(size_t chunk) {
  if (receiving_ != nullptr) {
    const size_t whole = receiving_payload_ + 2;
    if (receiving_->len == receiving_->cap) {
      receiving_ = HeapString::Resize(receiving_, std::min(whole, 2 * receiving_->cap));
      PrefaultReceiving();
    }
    return {receiving_->data() + receiving_->len, receiving_->cap - receiving_->len};
  }
  std::span<char> space = input_.PrepareWrite(std::max(chunk, read_ahead_));
  read_size_ = space.size();
  return space;
}

void RequestReader::CommitRead(size_t n) {
  if (receiving_ == nullptr) {
    input_.CommitWrite(n);
    input_peak_ = std::max(input_peak_, input_.readable().size());
    // A read that filled its space probably left more behind: offer twice as much next time.
    // One that did not resets the offer, so a client that calms down stays small.
    if (n == read_size_) {
      read_ahead_ = std::min(kMaxReadChunk, std::max<size_t>(2 * n, read_ahead_));
    } else {
      read_ahead_ = 0;
    }
    return;
  }
  receiving_->len += n;
  if (receiving_->len < receiving_payload_ + 2) return;
  // The CRLF after the payload is skipped unchecked, as the parser does for any bulk.
  receiving_->len = receiving_payload_;
  big_args_.push_back(receiving_);
  receiving_ = nullptr;
  parser_.SupplyPendingBulk(big_args_.back()->view());
}

RequestParser::Result RequestReader::Next() {
  if (receiving_ != nullptr) return RequestParser::Result::kNeedMore;
  RequestParser::Result result = parser_.Parse(input_.readable());
  if (result == RequestParser::Result::kNeedMore) MaybeStartBigBulk();
  return result;
}

void RequestReader::MaybeStartBigBulk() {
  RequestParser::PendingBulk pending{};
  if (!parser_.pending_bulk(&pending) || pending.length < static_cast<size_t>(kBigArgLen)) {
    return;
  }
  // Everything after the payload's start belongs to the bulk (else it would be complete): it
  // moves to the new buffer, and the input ends where the payload began.
  // Big values take this path, not bigger reads into the input (which would copy them again).
  read_ahead_ = 0;
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
  if (!input_.readable().empty()) return;
  // A buffer that held a good part of its size in this burst is kept: a client pipelining 17 KB
  // batches empties it after every batch, and freeing it then would split each next batch into
  // a 16 KB read and a short one (two reads, two sends per batch). Only a buffer that bursts
  // no longer fill goes back, as Redis shrinks a query buffer whose peak stays low.
  if (read_ahead_ == 0 && input_peak_ < input_.capacity() / 4) input_.ShrinkIfEmpty(keep);
  input_peak_ = 0;
}

void RequestReader::FinishRequest() {
  input_.Consume(parser_.consumed());
  FreeBigArgs();
}

void RequestReader::KeepForRetry() {
  if (big_args_.empty()) return;  // the request is still whole in the input
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
  if (receiving_ != nullptr) n += sizeof(HeapString) + receiving_->cap;
  for (const HeapString* s : big_args_) n += sizeof(HeapString) + s->cap;
  return n;
}

void RequestReader::FreeBigArgs() {
  for (HeapString* s : big_args_) HeapString::Destroy(s);
  big_args_.clear();
}

}  // namespace basalt::protocol
