#include "store/stream_groups.h"

namespace basalt::store {

namespace {

// A std::map's bytes: per node the tree links and colour (32 bytes on the usual 64-bit
// library) and the pair.
template <typename Map>
size_t MapBytes(const Map& m) {
  return m.size() * (32 + sizeof(typename Map::value_type));
}

}  // namespace

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : &it->second;
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, added] = consumers.try_emplace(MemString(name));
  if (!added) return nullptr;
  it->second.name = it->first;
  it->second.seen_time_ms = now_ms;
  return &it->second;
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  const size_t pending_count = it->second.pending.size();
  for (const auto& [id, nack] : it->second.pending) pending.erase(id);
  consumers.erase(it);
  return pending_count;
}

StreamNack& StreamGroup::Claim(StreamId id, StreamConsumer* consumer) {
  auto [it, added] = pending.try_emplace(id);
  StreamNack& nack = it->second;
  if (added) nack.delivery_count = 1;  // a new pending entry counts its first delivery
  if (nack.consumer != nullptr && nack.consumer != consumer) nack.consumer->pending.erase(id);
  nack.consumer = consumer;
  consumer->pending[id] = &nack;
  return nack;
}

bool StreamGroup::Ack(StreamId id) {
  auto it = pending.find(id);
  if (it == pending.end()) return false;
  it->second.consumer->pending.erase(id);
  pending.erase(it);
  return true;
}

StreamGroup* StreamGroups::Find(std::string_view name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

const StreamGroup* StreamGroups::Find(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

StreamGroup* StreamGroups::Create(std::string_view name, StreamId last_id, int64_t entries_read) {
  auto [it, added] = groups_.try_emplace(MemString(name));
  if (!added) return nullptr;
  it->second.last_id = last_id;
  it->second.entries_read = entries_read;
  return &it->second;
}

bool StreamGroups::Destroy(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

void StreamGroups::CopyFrom(const StreamGroups& other) {
  for (const auto& [name, from] : other.groups_) {
    StreamGroup& to = *Create(name, from.last_id, from.entries_read);
    for (const auto& [cname, consumer] : from.consumers) {
      to.CreateConsumer(cname, consumer.seen_time_ms);
    }
    for (const auto& [id, nack] : from.pending) {
      StreamNack& copy = to.Claim(id, to.FindConsumer(nack.consumer->name));
      copy.delivery_time_ms = nack.delivery_time_ms;
      copy.delivery_count = nack.delivery_count;
    }
  }
}

size_t StreamGroups::MemoryUsage() const {
  size_t bytes = MapBytes(groups_);
  for (const auto& [name, group] : groups_) {
    bytes += name.capacity() > 15 ? name.capacity() + 1 : 0;
    bytes += MapBytes(group.pending) + MapBytes(group.consumers);
    for (const auto& [cname, consumer] : group.consumers) {
      bytes += cname.capacity() > 15 ? cname.capacity() + 1 : 0;
      bytes += MapBytes(consumer.pending);
    }
  }
  return bytes;
}

size_t StreamGroups::FreeEffort() const {
  size_t effort = groups_.size();
  for (const auto& [name, group] : groups_) effort += group.pending.size() + group.consumers.size();
  return effort;
}

}  // namespace basalt::store
