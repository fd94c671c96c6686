#include "protocol/input_buffer.h"

#include <cstring>

#include "common/memory.h"

namespace basalt::protocol {

InputBuffer::~InputBuffer() { mem::Free(data_); }

void InputBuffer::Consume(size_t n) {
  start_ += n;
  if (start_ == end_) start_ = end_ = 0;
}

std::span<char> InputBuffer::PrepareWrite(size_t min_free) {
  if (capacity_ - end_ >= min_free) return {data_ + end_, capacity_ - end_};
  // Slide unread bytes to the front first when that alone makes room.
  if (start_ > 0) {
    size_t n = end_ - start_;
    std::memmove(data_, data_ + start_, n);
    start_ = 0;
    end_ = n;
    if (capacity_ - end_ >= min_free) return {data_ + end_, capacity_ - end_};
  }
  size_t needed = end_ + min_free;
  size_t cap = capacity_ == 0 ? 1024 : capacity_;
  while (cap < needed) cap *= 2;
  // A big value announces its size: take exactly that instead of rounding up to a power of 2.
  if (min_free >= (1u << 20)) cap = needed;
  data_ = static_cast<char*>(mem::Reallocate(data_, cap));
  capacity_ = cap;
  return {data_ + end_, capacity_ - end_};
}

void InputBuffer::ShrinkIfEmpty(size_t keep) {
  if (start_ == end_ && capacity_ > keep) {
    mem::Free(data_);
    data_ = nullptr;
    capacity_ = start_ = end_ = 0;
  }
}

}  // namespace basalt::protocol
