// A listpack: a sequence of strings and integers packed into one heap block, in Redis 7.0's
// exact byte format, so that an RDB HASH_LISTPACK / ZSET_LISTPACK / QUICKLIST_2 node is the bytes
// of our block, copied as-is in both directions.
//
// Layout (all multi-byte numbers little-endian):
//
//   [total bytes: u32][element count: u16][element]...[0xFF]
//
// The count is 65535 when there are 65535 elements or more ("unknown": readers count by walking).
// Each element is [encoding + data][backlen], where backlen is the size of [encoding + data]
// written in 1-5 bytes so the element can be found walking right to left:
//
//   0xxxxxxx                       7-bit unsigned integer 0..127
//   10llllll <data>                string of 0..63 bytes
//   110xxxxx xxxxxxxx              13-bit signed integer -4096..4095 (high bits first)
//   1110llll llllllll <data>       string of 64..4095 bytes (length high bits first)
//   0xF0 <len: u32> <data>         longer string
//   0xF1 / 0xF2 / 0xF3 / 0xF4      int16 / int24 / int32 / int64 (two's complement)
//
// A string that is a canonical integer by Redis's rules (common/strings.h ParseInt64) is
// stored as an integer in the smallest encoding that holds it, as Redis does; readers see it
// as an integer (Value::is_int) and its text is the same bytes.
//
// Positions are byte offsets into the block. Blocks are limited to 4 GB - 1 bytes (the header's
// total is 32 bits): a mutation that would go past that throws std::length_error. Callers keep
// listpacks far smaller (Redis's size limits are in kilobytes).
//
// The block is allocated through basalt::mem so INFO's used_memory counts it. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/memory.h"

namespace basalt::store {

class Listpack {
 public:
  // "No element". 0 lies inside the header, so it is never an element's position.
  static constexpr uint32_t kNone = 0;
  static constexpr uint32_t kHeaderSize = 6;
  // The header count that means "count by walking".
  static constexpr uint16_t kCountUnknown = 65535;
  // Buffer size Value::Text needs: "-9223372036854775808" plus a spare byte.
  static constexpr size_t kIntBufSize = 21;

  // One element as stored.
  struct Value {
    bool is_int = false;
    int64_t num = 0;
    // When !is_int. Points into the block: invalid after any mutation.
    std::string_view str;

    // The element as text; integers are formatted into `buf` (kIntBufSize bytes).
    std::string_view Text(char* buf) const;
    // Whether the element's text is exactly `s` (how Redis compares listpack elements).
    bool Equals(std::string_view s) const;
  };

  // An empty listpack (7 bytes). A moved-from listpack may only be destroyed or assigned to.
  Listpack();
  ~Listpack();
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(Listpack&& other) noexcept;
  Listpack(const Listpack&) = delete;
  Listpack& operator=(const Listpack&) = delete;

  Listpack Clone() const;
  // A listpack holding `count` elements, in a block of `total` bytes (at least the listpack's
  // own size, which its header gives) whose bytes fill(uint8_t*) writes: bytes this process
  // made itself (a list node it compressed), so not validated again.
  template <typename Fill>
  static Listpack BuildTrusted(size_t total, size_t count, Fill&& fill) {
    auto* data = static_cast<uint8_t*>(mem::Allocate(total));
    fill(data);
    return Listpack(data, count);
  }

  // Adopts a copy of `blob` after validating all of it: header total equals blob size, every
  // element's encoding known and inside the block, every backlen exactly the one Redis writes,
  // the first 0xFF reached by walking is the last byte, and the header count equals the number
  // of elements unless it is 65535 (Redis leaves "unknown" in place when deletions bring the
  // count back under it, so any count is accepted then). nullopt when invalid.
  // Reads nothing outside `blob`, whatever it holds. This is how RDB loading refuses corrupt
  // inner blobs. Integers in wider encodings than needed are accepted (Redis accepts them).
  static std::optional<Listpack> FromBytes(std::string_view blob);
  // FromBytes's checks without the copy: true when `blob` is a valid listpack, with its
  // element count in *count. The blob can then be read in place with the *InBytes walk below.
  static bool Validate(std::string_view blob, size_t* count);
  // A walk over validated bytes (Validate) with no Listpack around them, for a loader that
  // converts an RDB blob into another form: positions as First/Next/Get give them.
  static uint32_t FirstInBytes(const uint8_t* block);
  static uint32_t NextInBytes(const uint8_t* block, uint32_t pos);
  static Value GetInBytes(const uint8_t* block, uint32_t pos);

  // The whole block, as written into an RDB file.
  std::string_view bytes() const;
  // Number of elements (kept in memory, so O(1) even when the header says "unknown").
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t bytes_size() const;
  // Heap bytes held (the allocator's usable size of the block).
  size_t MemoryUsage() const;

  // Navigation. All return kNone when there is no such element. Wherever a parameter is a
  // position, it must be an element's (not kNone) unless stated otherwise.
  uint32_t First() const;
  uint32_t Last() const;
  uint32_t Next(uint32_t pos) const;
  uint32_t Prev(uint32_t pos) const;
  // The element at `index`; negative counts from the end (-1 is the last). Walks from the
  // nearer end.
  uint32_t Seek(int64_t index) const;

  Value Get(uint32_t pos) const;

  // First position at or after `start` whose element equals `s`, looking at `start` and then
  // every `step`-th element after it (step >= 1; 2 visits the fields of a field/value
  // listpack). kNone if none. `start` may be kNone (then the result is kNone).
  uint32_t Find(uint32_t start, std::string_view s, uint32_t step = 1) const;

  // Whether two of the elements at First() and every `step`-th after it (step >= 1; 2 picks
  // the fields of a field/value listpack) have the same text (an integer and a string holding
  // its digits are the same). RDB loading refuses repeated hash fields and zset members.
  bool HasRepeats(uint32_t step) const;

  // Mutations. Each does at most one reallocation and one memmove. They invalidate all
  // positions and Values except the position they return. `s` may point into this listpack.
  void Append(std::string_view s);
  void Prepend(std::string_view s);
  void AppendInt(int64_t v);
  // Return the new element's position. `pos` must be an element.
  uint32_t InsertBefore(uint32_t pos, std::string_view s);
  uint32_t InsertAfter(uint32_t pos, std::string_view s);
  // Replaces the element at `pos`; returns its position (the same offset).
  uint32_t Replace(uint32_t pos, std::string_view s);
  // Returns the position of the element that followed, kNone if the deleted one was last.
  uint32_t Delete(uint32_t pos);
  // Deletes `count` elements starting at `pos`, or fewer when the listpack ends first. Does
  // nothing when `pos` is kNone (so an out-of-range Seek can be passed straight in).
  void DeleteRange(uint32_t pos, size_t count);
  void Clear();

  // Capacity hints for building a listpack element by element (e.g. converting an old RDB
  // encoding): Reserve makes room for a block of `total_bytes` so the appends that follow do
  // not reallocate; ShrinkToFit gives back what was not used.
  void Reserve(size_t total_bytes);
  void ShrinkToFit();

  // A listpack's bytes written straight into a buffer, with no Listpack (a file writer
  // building the block of a value kept in another form): BeginBytes reserves the header and
  // returns where the block starts, AppendElementBytes adds elements as Append would encode
  // them, EndBytes adds the terminator and fills in the header for `count` elements.
  static size_t BeginBytes(std::string& out);
  static void AppendElementBytes(std::string& out, std::string_view s);
  static void EndBytes(std::string& out, size_t start, size_t count);

  // Bytes the element for `s` would take (encoding + data + backlen), to check size limits
  // before inserting.
  static size_t EntrySizeFor(std::string_view s);
  static size_t EntrySizeForInt(int64_t v);

 private:
  struct Encoded;  // an element ready to copy in (listpack.cc)

  // Takes ownership of a block of `bytes` bytes holding `count` elements.
  Listpack(uint8_t* data, size_t count) : data_(data), count_(count) {}

  uint32_t Total() const;
  // Replaces `remove_bytes` bytes at `pos` with `enc` (which may be empty), adjusting the
  // element count by `count_delta`. Returns `pos`.
  uint32_t Splice(uint32_t pos, uint32_t remove_bytes, const Encoded* enc, int64_t count_delta);
  uint32_t InsertAt(uint32_t pos, std::string_view s);
  void SetTotal(uint32_t total);
  void StoreCount();

  uint8_t* data_;
  size_t count_;
};

}  // namespace basalt::store
