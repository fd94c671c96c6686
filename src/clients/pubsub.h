// Publish/subscribe: who listens on which channel, pattern or shard channel, and delivery.
//
// A message is encoded once per protocol version and kind (message, pmessage per pattern,
// smessage) and the same bytes are handed to every receiver, so PUBLISH to N subscribers costs
// N appends, not N encodings. Delivery goes through Client::Deliver (the connection applies its
// output buffer limits there). Receivers are served in the order they subscribed, as Redis does.
//
// Shard channels (SSUBSCRIBE / SPUBLISH) behave as Redis 7.0 without cluster: a namespace of
// their own, not matched by patterns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "clients/client.h"

namespace basalt::clients {

enum class ChannelKind { kChannel, kPattern, kShard };

// A set of names that remembers the order they were added in: UNSUBSCRIBE / PUNSUBSCRIBE
// without arguments confirm in subscription order, as Redis 7.0 does for patterns.
class NameSet {
 public:
  bool insert(std::string_view name);
  bool erase(std::string_view name);
  bool contains(std::string_view name) const { return index_.count(std::string(name)) > 0; }
  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }
  void clear() {
    order_.clear();
    index_.clear();
  }
  std::vector<std::string>::const_iterator begin() const { return order_.begin(); }
  std::vector<std::string>::const_iterator end() const { return order_.end(); }

 private:
  std::vector<std::string> order_;
  std::unordered_set<std::string> index_;
};

// One client's subscriptions.
class Subscriptions {
 public:
  NameSet& of(ChannelKind kind) {
    return kind == ChannelKind::kChannel   ? channels_
           : kind == ChannelKind::kPattern ? patterns_
                                           : shard_channels_;
  }
  const NameSet& of(ChannelKind kind) const { return const_cast<Subscriptions*>(this)->of(kind); }
  bool empty() const { return channels_.empty() && patterns_.empty() && shard_channels_.empty(); }
  // The count SUBSCRIBE/PSUBSCRIBE replies show: channels + patterns (shard channels are
  // counted apart, for SSUBSCRIBE's replies).
  size_t count() const { return channels_.size() + patterns_.size(); }
  size_t shard_count() const { return shard_channels_.size(); }

 private:
  NameSet channels_;
  NameSet patterns_;
  NameSet shard_channels_;
};

class PubSubRegistry {
 public:
  // Adds / removes one subscription; false when it was already there / not there.
  bool Subscribe(Client& client, ChannelKind kind, std::string_view name);
  bool Unsubscribe(Client& client, ChannelKind kind, std::string_view name);
  // Drops every subscription of one kind; returns the names in subscription order.
  std::vector<std::string> UnsubscribeAll(Client& client, ChannelKind kind);
  // Drops every subscription of the client without replies (disconnect, RESET).
  void UnsubscribeAll(Client& client);

  // Delivers `message` to the subscribers of `channel` and of every matching pattern; returns
  // how many deliveries were made (a client matching twice counts twice, as in Redis).
  size_t Publish(std::string_view channel, std::string_view message);
  // The same for a shard channel (SPUBLISH): its subscribers only.
  size_t PublishShard(std::string_view channel, std::string_view message);

  // Introspection (PUBSUB): active channels matching `pattern` (nullptr: all), subscriber
  // counts, number of patterns.
  std::vector<std::string> Channels(ChannelKind kind, const std::string_view* pattern) const;
  size_t Subscribers(ChannelKind kind, std::string_view name) const;
  size_t pattern_count() const { return patterns_.size(); }
  size_t channel_count() const { return channels_.size(); }
  size_t shard_channel_count() const { return shard_channels_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::vector<Client*>, Hash, std::equal_to<>>;

  Map& map(ChannelKind kind) {
    return kind == ChannelKind::kChannel   ? channels_
           : kind == ChannelKind::kPattern ? patterns_
                                           : shard_channels_;
  }
  const Map& map(ChannelKind kind) const { return const_cast<PubSubRegistry*>(this)->map(kind); }
  // Takes the client off the receivers of one name (its own set is the caller's business).
  void RemoveReceiver(Client& client, ChannelKind kind, std::string_view name);
  // Delivers to each receiver the encoding for its protocol, built on first need.
  static size_t Deliver(const std::vector<Client*>& receivers, std::string_view kind,
                        std::string_view pattern, std::string_view channel,
                        std::string_view message);

  Map channels_;
  Map patterns_;
  Map shard_channels_;
};

// The RESP bytes of one pub/sub message: [kind, channel, payload], or for "pmessage"
// [kind, pattern, channel, payload], as an array (RESP2) or a push (RESP3).
std::string EncodePubSubMessage(int resp, std::string_view kind, std::string_view pattern,
                                std::string_view channel, std::string_view message);

}  // namespace basalt::clients
