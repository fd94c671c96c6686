#include "commands/keyspace_notify.h"

#include <string>

#include "clients/pubsub.h"
#include "common/strings.h"

namespace basalt::cmd {

namespace {

// "__keyspace@<db>__:" + suffix (or "__keyevent@..."), built in one allocation.
std::string ChannelName(std::string_view kind, int db, std::string_view suffix) {
  char digits[21];
  const int len = FormatInt64(db, digits);
  std::string channel;
  channel.reserve(2 + kind.size() + 1 + static_cast<size_t>(len) + 3 + suffix.size());
  channel += "__";
  channel += kind;
  channel += '@';
  channel.append(digits, static_cast<size_t>(len));
  channel += "__:";
  channel += suffix;
  return channel;
}

}  // namespace

void PublishKeyspaceEvent(ServerContext& server, int type_flag, std::string_view event,
                          std::string_view key, int db) {
  const int flags = server.config.settings().notify_keyspace_events;
  if ((flags & type_flag) == 0) return;
  clients::PubSubRegistry& pubsub = server.pubsub;
  // With no subscriber at all nobody could receive it: skip building the channel names (the
  // usual case while loading an AOF, whose replay engine has no clients).
  if (pubsub.channel_count() == 0 && pubsub.pattern_count() == 0) return;
  if (flags & config::kNotifyKeyspace) {
    pubsub.Publish(ChannelName("keyspace", db, key), event);
  }
  if (flags & config::kNotifyKeyevent) {
    pubsub.Publish(ChannelName("keyevent", db, event), key);
  }
}

}  // namespace basalt::cmd
