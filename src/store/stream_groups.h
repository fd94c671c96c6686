// A stream's consumer groups: each has a last delivered ID, an entries-read counter, its
// pending entries list (PEL: entries delivered and not yet acknowledged, with when they were
// last delivered, how often, and to which consumer) and its consumers, each with its own view
// of the pending entries it holds.
//
// Groups and consumers are kept ordered by name (byte order), pending entries by ID, which is
// the order XINFO, XPENDING and an RDB file list them in. Everything is on the accounted heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/memory.h"
#include "store/stream_id.h"

namespace basalt::store {

using MemString = std::basic_string<char, std::char_traits<char>, mem::Allocator<char>>;

struct NameLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a < b; }
};

struct StreamConsumer;

// One pending entry of a group.
struct StreamNack {
  int64_t delivery_time_ms = 0;
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;  // its owner, one of the group's consumers
};

template <typename V>
using IdMap = std::map<StreamId, V, std::less<>, mem::Allocator<std::pair<const StreamId, V>>>;
template <typename V>
using NameMap = std::map<MemString, V, NameLess, mem::Allocator<std::pair<const MemString, V>>>;

struct StreamConsumer {
  std::string_view name;  // the key of its entry in the group's map
  int64_t seen_time_ms = 0;
  IdMap<StreamNack*> pending;  // points into the group's PEL
};

struct StreamGroup {
  StreamId last_id;
  int64_t entries_read = -1;  // -1: unknown
  IdMap<StreamNack> pending;
  NameMap<StreamConsumer> consumers;

  StreamConsumer* FindConsumer(std::string_view name);
  // Creates the consumer (seen now); nullptr when it exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Deletes the consumer and its pending entries; returns how many were pending.
  size_t DeleteConsumer(std::string_view name);
  // Adds (delivered once) or moves a pending entry to `consumer`; the caller sets the time.
  StreamNack& Claim(StreamId id, StreamConsumer* consumer);
  // Acknowledges `id`; false when it was not pending.
  bool Ack(StreamId id);
};

class StreamGroups {
 public:
  StreamGroups() = default;
  StreamGroups(const StreamGroups&) = delete;
  StreamGroups& operator=(const StreamGroups&) = delete;

  StreamGroup* Find(std::string_view name);
  const StreamGroup* Find(std::string_view name) const;
  // nullptr when a group of that name exists.
  StreamGroup* Create(std::string_view name, StreamId last_id, int64_t entries_read);
  bool Destroy(std::string_view name);
  size_t size() const { return groups_.size(); }
  bool empty() const { return groups_.empty(); }

  const NameMap<StreamGroup>& all() const { return groups_; }
  NameMap<StreamGroup>& all() { return groups_; }

  // A deep copy of `other` into this (empty) set of groups.
  void CopyFrom(const StreamGroups& other);
  size_t MemoryUsage() const;
  size_t FreeEffort() const;

 private:
  NameMap<StreamGroup> groups_;
};

}  // namespace basalt::store
