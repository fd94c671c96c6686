#include "clients/pubsub.h"

#include <algorithm>

#include "common/strings.h"
#include "protocol/reply_writer.h"

namespace basalt::clients {

std::string EncodePubSubMessage(int resp, std::string_view kind, std::string_view pattern,
                                std::string_view channel, std::string_view message) {
  std::string out;
  out.reserve(48 + kind.size() + pattern.size() + channel.size() + message.size());
  protocol::ReplyWriter w(&out, resp);
  const bool with_pattern = kind == "pmessage";
  w.PushHeader(with_pattern ? 4 : 3);
  w.Bulk(kind);
  if (with_pattern) w.Bulk(pattern);
  w.Bulk(channel);
  w.Bulk(message);
  return out;
}

bool NameSet::insert(std::string_view name) {
  if (!index_.emplace(name).second) return false;
  order_.emplace_back(name);
  return true;
}

bool NameSet::erase(std::string_view name) {
  if (index_.erase(std::string(name)) == 0) return false;
  // Linear, but a client's own subscriptions are few, and only unsubscribing pays it.
  order_.erase(std::find(order_.begin(), order_.end(), name));
  return true;
}

bool PubSubRegistry::Subscribe(Client& client, ChannelKind kind, std::string_view name) {
  if (!client.EnsureSubscriptions().of(kind).insert(name)) return false;
  Map& m = map(kind);
  auto entry = m.find(name);
  if (entry == m.end()) entry = m.emplace(std::string(name), std::vector<Client*>{}).first;
  entry->second.push_back(&client);
  return true;
}

bool PubSubRegistry::Unsubscribe(Client& client, ChannelKind kind, std::string_view name) {
  Subscriptions* subs = client.subscriptions();
  if (subs == nullptr) return false;
  if (!subs->of(kind).erase(name)) return false;
  RemoveReceiver(client, kind, name);
  return true;
}

void PubSubRegistry::RemoveReceiver(Client& client, ChannelKind kind, std::string_view name) {
  Map& m = map(kind);
  auto entry = m.find(name);
  if (entry != m.end()) {
    std::vector<Client*>& receivers = entry->second;
    receivers.erase(std::find(receivers.begin(), receivers.end(), &client));
    if (receivers.empty()) m.erase(entry);
  }
}

std::vector<std::string> PubSubRegistry::UnsubscribeAll(Client& client, ChannelKind kind) {
  Subscriptions* subs = client.subscriptions();
  if (subs == nullptr) return {};
  std::vector<std::string> names(subs->of(kind).begin(), subs->of(kind).end());
  for (const std::string& name : names) RemoveReceiver(client, kind, name);
  subs->of(kind).clear();
  return names;
}

void PubSubRegistry::UnsubscribeAll(Client& client) {
  for (ChannelKind kind : {ChannelKind::kChannel, ChannelKind::kPattern, ChannelKind::kShard}) {
    UnsubscribeAll(client, kind);
  }
}

size_t PubSubRegistry::Deliver(const std::vector<Client*>& receivers, std::string_view kind,
                               std::string_view pattern, std::string_view channel,
                               std::string_view message) {
  std::string encoded[2];  // RESP2, RESP3; each built when the first receiver needs it
  // A receiver may drop its own connection in Deliver (output limit), which unsubscribes it:
  // walk a copy of the list.
  std::vector<Client*> snapshot = receivers;
  for (Client* c : snapshot) {
    std::string& bytes = encoded[c->resp >= 3 ? 1 : 0];
    if (bytes.empty()) bytes = EncodePubSubMessage(c->resp, kind, pattern, channel, message);
    c->Deliver(bytes);
  }
  return snapshot.size();
}

size_t PubSubRegistry::Publish(std::string_view channel, std::string_view message) {
  size_t receivers = 0;
  if (auto it = channels_.find(channel); it != channels_.end()) {
    receivers += Deliver(it->second, "message", {}, channel, message);
  }
  if (patterns_.empty()) return receivers;
  // Matching patterns are collected first: a delivery may unsubscribe a client and so edit
  // the pattern map.
  std::vector<std::string> matching;
  for (const auto& [pattern, clients] : patterns_) {
    if (GlobMatch(pattern, channel)) matching.push_back(pattern);
  }
  for (const std::string& pattern : matching) {
    auto it = patterns_.find(pattern);
    if (it != patterns_.end())
      receivers += Deliver(it->second, "pmessage", pattern, channel, message);
  }
  return receivers;
}

size_t PubSubRegistry::PublishShard(std::string_view channel, std::string_view message) {
  auto it = shard_channels_.find(channel);
  if (it == shard_channels_.end()) return 0;
  return Deliver(it->second, "smessage", {}, channel, message);
}

std::vector<std::string> PubSubRegistry::Channels(ChannelKind kind,
                                                  const std::string_view* pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : map(kind)) {
    if (pattern == nullptr || GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSubRegistry::Subscribers(ChannelKind kind, std::string_view name) const {
  const Map& m = map(kind);
  auto it = m.find(name);
  return it == m.end() ? 0 : it->second.size();
}

}  // namespace basalt::clients
