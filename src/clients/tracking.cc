#include "clients/tracking.h"

#include <algorithm>

#include "protocol/reply_writer.h"

namespace basalt::clients {

namespace {

bool OnePrefixOfOther(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

}  // namespace

std::string TrackingRegistry::PrefixCollision(const Client& client,
                                              const std::vector<std::string>& add) const {
  const TrackingState* st = client.tracking();
  for (size_t i = 0; i < add.size(); ++i) {
    if (st != nullptr) {
      for (const std::string& existing : st->prefixes) {
        if (OnePrefixOfOther(existing, add[i])) {
          return "ERR Prefix '" + add[i] + "' overlaps with an existing prefix '" + existing +
                 "'. Prefixes for a single client must not overlap.";
        }
      }
    }
    for (size_t j = i + 1; j < add.size(); ++j) {
      if (OnePrefixOfOther(add[i], add[j])) {
        return "ERR Prefix '" + add[i] + "' overlaps with another provided prefix '" + add[j] +
               "'. Prefixes for a single client must not overlap.";
      }
    }
  }
  return {};
}

// The checks run in Redis's order, each against the client's current mode.
std::string TrackingRegistry::Enable(Client& client, const TrackingOptions& opt) {
  const TrackingState* cur = client.tracking();
  const bool on = cur != nullptr && cur->on;
  if (!opt.bcast && !opt.prefixes.empty()) {
    return "ERR PREFIX option requires BCAST mode to be enabled";
  }
  if (on && cur->options.bcast != opt.bcast) {
    return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
           "and then re-enabling it with a different mode.";
  }
  if (opt.bcast && (opt.optin || opt.optout)) {
    return "ERR OPTIN and OPTOUT are not compatible with BCAST";
  }
  if (opt.optin && opt.optout) return "ERR You can't use both OPTIN and OPTOUT";
  if (on && ((opt.optin && cur->options.optout) || (opt.optout && cur->options.optin))) {
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
           "and then re-enabling it with a different mode.";
  }
  if (opt.bcast) {
    if (std::string err = PrefixCollision(client, opt.prefixes); !err.empty()) return err;
  }
  TrackingState& st = client.EnsureTracking();
  if (!st.on) ++tracking_clients_;
  st.on = true;
  st.redirect_broken = false;
  st.options.bcast = opt.bcast;
  st.options.optin = opt.optin;
  st.options.optout = opt.optout;
  st.options.noloop = opt.noloop;
  st.options.redirect = opt.redirect;
  if (opt.bcast) {
    std::vector<std::string> add = opt.prefixes;
    if (add.empty()) add.push_back("");  // BCAST alone: every key
    for (const std::string& p : add) {
      if (!st.prefixes.insert(p).second) continue;
      prefixes_[p].clients.push_back(&client);
    }
  }
  return {};
}

void TrackingRegistry::Disable(Client& client) {
  TrackingState* st = client.tracking();
  if (st == nullptr || !st->on) return;
  for (const std::string& p : st->prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    auto& clients = it->second.clients;
    clients.erase(std::remove(clients.begin(), clients.end(), &client), clients.end());
    if (clients.empty()) prefixes_.erase(it);
  }
  // Entries of the key table naming this client are skipped and dropped when their key
  // changes, as in Redis: no walk of the table here.
  *st = TrackingState{};
  --tracking_clients_;
}

void TrackingRegistry::RememberKeys(Client& client, const std::vector<std::string_view>& keys) {
  const TrackingState* st = client.tracking();
  if (st == nullptr || !st->on || st->options.bcast) return;
  if ((st->options.optin && !st->caching_given) || (st->options.optout && st->caching_given)) {
    return;
  }
  for (std::string_view key : keys) {
    std::vector<uint64_t>& ids = table_[std::string(key)];
    if (std::find(ids.begin(), ids.end(), client.id) == ids.end()) {
      ids.push_back(client.id);
      ++items_;
    }
  }
  if (max_keys_ > 0 && table_.size() > max_keys_) TrimTable();
}

void TrackingRegistry::TrimTable() {
  // The table's own order is as good a choice as Redis's random one: any key may go, the
  // client just refetches it.
  while (table_.size() > max_keys_) {
    std::string key = table_.begin()->first;
    Invalidate(key, /*changed=*/false);
  }
}

void TrackingRegistry::CommandDone(Client& client) {
  if (TrackingState* st = client.tracking()) st->caching_given = false;
}

void TrackingRegistry::BeginUnit(Client* current) {
  if (depth_++ == 0) current_ = current;
}

void TrackingRegistry::EndUnit() {
  if (--depth_ > 0) return;
  Client* current = current_;
  current_ = nullptr;
  // The unit of nearly every command: nothing deferred and no BCAST prefix to flush.
  if (deferred_keys_.empty() && !deferred_flush_ && prefixes_.empty()) return;
  std::vector<std::string> keys;
  keys.swap(deferred_keys_);
  if (current != nullptr && current->tracking() != nullptr && current->tracking()->on) {
    for (const std::string& key : keys) {
      std::vector<std::string_view> one = {key};
      Send(*current, &one);
    }
  }
  if (deferred_flush_) {
    deferred_flush_ = false;
    index_.ForEach([this](Client& c) {
      if (c.tracking() != nullptr && c.tracking()->on) Send(c, nullptr);
    });
  }
  FlushBroadcasts();
}

void TrackingRegistry::OnKeyChanged(int db, std::string_view key, store::KeyChange change) {
  if (tracking_clients_ == 0) return;
  Invalidate(key);
}

void TrackingRegistry::BeforeDatabaseReset(int db) {
  if (tracking_clients_ == 0) return;
  table_.clear();
  items_ = 0;
  for (auto& [prefix, p] : prefixes_) p.pending.clear();
  // One "everything" message per flush command, however many databases it empties: sent
  // when the unit ends (a flush always runs inside one).
  deferred_flush_ = true;
  if (depth_ == 0) {
    ++depth_;
    EndUnit();
  }
}

void TrackingRegistry::Invalidate(std::string_view key, bool changed) {
  if (changed && !prefixes_.empty()) RememberForBroadcast(key);
  auto it = table_.find(std::string(key));
  if (it == table_.end()) return;
  std::vector<uint64_t> ids = std::move(it->second);
  table_.erase(it);
  items_ -= ids.size();
  for (uint64_t id : ids) {
    Client* target = index_.Find(id);
    if (target == nullptr) continue;
    const TrackingState* st = target->tracking();
    if (st == nullptr || !st->on || st->options.bcast) continue;
    if (st->options.noloop && target == current_) continue;
    SendOrDefer(*target, key);
  }
}

void TrackingRegistry::SendOrDefer(Client& target, std::string_view key) {
  if (&target == current_ && depth_ > 0) {
    deferred_keys_.emplace_back(key);
    return;
  }
  std::vector<std::string_view> one = {key};
  Send(target, &one);
}

void TrackingRegistry::RememberForBroadcast(std::string_view key) {
  for (auto& [prefix, p] : prefixes_) {
    if (key.starts_with(prefix)) p.pending.push_back({std::string(key), current_});
  }
  if (depth_ == 0) FlushBroadcasts();
}

void TrackingRegistry::FlushBroadcasts() {
  for (auto& [prefix, p] : prefixes_) {
    if (p.pending.empty()) continue;
    std::vector<PendingKey> pending;
    pending.swap(p.pending);
    std::vector<Client*> clients = p.clients;
    for (Client* c : clients) {
      const bool noloop = c->tracking() != nullptr && c->tracking()->options.noloop;
      std::vector<std::string_view> keys;
      for (const PendingKey& k : pending) {
        if (!(noloop && k.changed_by == c)) keys.push_back(k.key);
      }
      if (!keys.empty()) Send(*c, &keys);
    }
  }
}

void TrackingRegistry::Send(Client& target, const std::vector<std::string_view>* keys) {
  TrackingState* st = target.tracking();
  Client* to = &target;
  bool redirected = false;
  if (st->options.redirect != 0) {
    to = index_.Find(st->options.redirect);
    if (to == nullptr) {
      // The redirection target is gone: say so once per message, on RESP3.
      st->redirect_broken = true;
      if (target.resp > 2) {
        std::string msg;
        protocol::ReplyWriter w(&msg, target.resp);
        w.PushHeader(2);
        w.Bulk("tracking-redir-broken");
        w.Integer(static_cast<int64_t>(st->options.redirect));
        target.Deliver(msg);
      }
      return;
    }
    redirected = true;
  }
  std::string msg;
  protocol::ReplyWriter w(&msg, to->resp);
  if (to->resp > 2) {
    w.PushHeader(2);
    w.Bulk("invalidate");
  } else if (redirected && to->subscribed()) {
    w.ArrayHeader(3);
    w.Bulk("message");
    w.Bulk("__redis__:invalidate");
  } else {
    return;  // RESP2 without redirection has no way to receive it
  }
  if (keys == nullptr) {
    // The null is in the tracking client's own protocol, as Redis sends it.
    w.set_protocol(target.resp);
    w.Null();
  } else {
    w.ArrayHeader(keys->size());
    for (std::string_view k : *keys) w.Bulk(k);
  }
  to->Deliver(msg);
}

}  // namespace basalt::clients
