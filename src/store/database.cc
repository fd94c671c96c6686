#include "store/database.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/hash.h"
#include "store/keyspace.h"

namespace basalt::store {

void Database::BeforeChange(const Entry* e) { owner_->NotifyBeforeEntryChange(index_, *e); }

void Database::Announce(std::string_view key, KeyChange change) {
  owner_->NotifyKeyChanged(index_, key, change);
}

void Database::OnNewEntry(Entry* e) {
  e->set_snapshot_bit(owner_->new_entry_bit());
  if (e->has_access() && e->access() == access::kUnstamped) {
    e->set_access(access::Fresh(owner_->access_policy(), owner_->now_ms()));
  }
  if (e->has_expire()) TrackExpire(e);
}

void Database::TrackExpire(Entry* e) {
  e->set_expire_slot(static_cast<uint32_t>(expiring_.size()));
  expiring_.push_back(e);
}

void Database::UntrackExpire(Entry* e) {
  uint32_t slot = e->expire_slot();
  Entry* last = expiring_.back();
  expiring_[slot] = last;
  last->set_expire_slot(slot);
  expiring_.pop_back();
}

void Database::ReplaceAt(Entry** link, Entry* fresh) { ReplaceAt(link, fresh, owner_->now_ms()); }

void Database::ReplaceAt(Entry** link, Entry* fresh, int64_t now_ms) {
  Entry* old = *link;
  // The key lives on in `fresh`: an overwrite counts as an access to it (Redis keeps an
  // overwritten key's LFU counter, and its LRU clock reads now).
  if (fresh->has_access()) fresh->set_access(owner_->Touched(*old, fresh, now_ms, false));
  table_.Replace(link, fresh);
  if (old->has_expire() && fresh->has_expire()) {
    fresh->set_expire_slot(old->expire_slot());
    expiring_[old->expire_slot()] = fresh;
  } else if (old->has_expire()) {
    UntrackExpire(old);
  } else if (fresh->has_expire()) {
    TrackExpire(fresh);
  }
}

void Database::DestroyUnlinked(Entry* e, bool lazy) {
  if (e->has_expire()) UntrackExpire(e);
  owner_->DisposeEntry(e, lazy);
}

Entry* Database::LookupRaw(std::string_view key) const { return table_.Find(key, HashKey(key)); }

Entry* Database::Lookup(std::string_view key, int64_t now_ms, bool touch) {
  Entry** link = table_.FindLink(key, HashKey(key));
  if (link == nullptr) return nullptr;
  Entry* e = *link;
  if (!IsExpired(e, now_ms)) {
    if (!touch || owner_->access_policy().mode == AccessMode::kNone) return e;
    return Touch(link, now_ms);
  }
  if (owner_->replica_mode()) return owner_->applying_primary_stream() ? e : nullptr;
  DeleteExpired(link);
  return nullptr;
}

Entry* Database::Touch(Entry** link, int64_t now_ms) {
  Entry* e = *link;
  if (e->has_access()) {
    e->set_access(owner_->Touched(*e, e, now_ms, /*by_lookup=*/true));
    return e;
  }
  if (!Entry::AccessFieldForNewEntries()) return e;
  // Built before tracking began: from its first access on, the key keeps its own record. The
  // value moves to the new entry unchanged, so no change is announced (WATCH, tracking and
  // the write stream see none); a running snapshot is told, since the entry's address changes.
  BeforeChange(e);
  Entry* fresh = Entry::Rebuild(e, e->key(), e->expire_at());
  ReplaceAt(link, fresh, now_ms);
  Entry::FreeShell(e);
  return fresh;
}

void Database::DeleteExpired(Entry** link) {
  Entry* e = *link;
  BeforeChange(e);
  owner_->NotifyKeyExpired(index_, e->key());
  table_.Unlink(link);
  // The key's bytes live in the entry: announce before destroying it.
  Announce(e->key(), KeyChange::kExpired);
  DestroyUnlinked(e, owner_->lazy_free_policy().expire);
  ++owner_->stats().expired_keys;
}

Entry* Database::SetString(std::string_view key, std::string_view value, int64_t expire_at_ms,
                           bool keep_ttl) {
  return PutString(
      key, expire_at_ms, keep_ttl, [&](Entry* old) { return old->TryOverwriteString(value); },
      [&](int64_t at_ms) { return Entry::NewString(key, value, at_ms); });
}

Entry* Database::SetOwnedString(std::string_view key, HeapString* value, int64_t expire_at_ms,
                                bool keep_ttl) {
  auto swap_in = [&](Entry* old) {
    if (old->type() != ValueType::kString || old->encoding() != Encoding::kHeapString) {
      return false;
    }
    HeapString::Release(old->heap_string());
    old->set_heap_string(value);
    return true;
  };
  return PutString(key, expire_at_ms, keep_ttl, swap_in,
                   [&](int64_t at_ms) { return Entry::NewHeapString(key, value, at_ms); });
}

template <typename Overwrite, typename MakeEntry>
Entry* Database::PutString(std::string_view key, int64_t expire_at_ms, bool keep_ttl,
                           Overwrite overwrite, MakeEntry make) {
  table_.RehashStep(1);
  uint64_t hash = HashKey(key);
  Entry** link = table_.FindLink(key, hash);
  if (link == nullptr) {
    Entry* e = make(keep_ttl ? -1 : expire_at_ms);
    OnNewEntry(e);
    table_.Insert(e, hash);
    Announce(key, KeyChange::kCreated);
    return e;
  }
  Entry* old = *link;
  BeforeChange(old);
  // Overwriting a value with one of the same shape (the common SET of a key that exists) needs
  // no allocation when the TTL stays as it is: the entry keeps its layout and its TTL slot.
  const bool ttl_unchanged = keep_ttl || (expire_at_ms < 0 && !old->has_expire());
  if (ttl_unchanged && overwrite(old)) {
    if (old->has_access()) old->set_access(owner_->Touched(*old, old, owner_->now_ms(), false));
    Announce(key, KeyChange::kChanged);
    return old;
  }
  Entry* fresh = make(keep_ttl ? old->expire_at() : expire_at_ms);
  fresh->set_snapshot_bit(owner_->new_entry_bit());
  ReplaceAt(link, fresh);
  owner_->DisposeEntry(old, owner_->lazy_free_policy().server_del);
  Announce(key, KeyChange::kChanged);
  return fresh;
}

void Database::Insert(Entry* e) {
  table_.RehashStep(1);
  OnNewEntry(e);
  table_.Insert(e, HashKey(e->key()));
  Announce(e->key(), KeyChange::kCreated);
}

Entry* Database::AddObject(std::string_view key, ValueType type, CompositeValue* value) {
  Entry* e = Entry::NewObject(key, type, value, -1);
  Insert(e);
  return e;
}

Entry* Database::SetObject(std::string_view key, ValueType type, CompositeValue* value) {
  table_.RehashStep(1);
  Entry** link = table_.FindLink(key, HashKey(key));
  if (link == nullptr) return AddObject(key, type, value);
  Entry* old = *link;
  BeforeChange(old);
  Entry* fresh = Entry::NewObject(key, type, value, -1);
  fresh->set_snapshot_bit(owner_->new_entry_bit());
  ReplaceAt(link, fresh);
  owner_->DisposeEntry(old, owner_->lazy_free_policy().server_del);
  Announce(key, KeyChange::kChanged);
  return fresh;
}

bool Database::InsertIfAbsent(Entry* e, uint64_t hash) {
  table_.RehashStep(1);
  if (!table_.InsertIfAbsent(e, hash)) return false;
  OnNewEntry(e);
  Announce(e->key(), KeyChange::kCreated);
  return true;
}

bool Database::Delete(std::string_view key) {
  return Delete(key, owner_->lazy_free_policy().server_del);
}

bool Database::Delete(std::string_view key, bool lazy) {
  Entry* e = Take(key);
  if (e == nullptr) return false;
  owner_->DisposeEntry(e, lazy);
  return true;
}

Entry* Database::Take(std::string_view key) {
  table_.RehashStep(1);
  Entry** link = table_.FindLink(key, HashKey(key));
  if (link == nullptr) return nullptr;
  BeforeChange(*link);
  Entry* e = table_.Unlink(link);
  if (e->has_expire()) UntrackExpire(e);
  Announce(e->key(), KeyChange::kDeleted);
  return e;
}

Entry* Database::SetExpire(std::string_view key, int64_t at_ms) {
  Entry** link = table_.FindLink(key, HashKey(key));
  if (link == nullptr) return nullptr;
  Entry* e = *link;
  if (!e->has_expire() && at_ms < 0) return e;  // nothing to remove: no change
  BeforeChange(e);
  if (e->has_expire() && at_ms >= 0) {
    e->set_expire_at(at_ms);
    Announce(key, KeyChange::kChanged);
    return e;
  }
  Entry* fresh = Entry::Rebuild(e, e->key(), at_ms);
  ReplaceAt(link, fresh);
  Entry::FreeShell(e);
  Announce(key, KeyChange::kChanged);
  return fresh;
}

Entry* Database::PrepareModify(Entry* e) {
  BeforeChange(e);
  Announce(e->key(), KeyChange::kChanged);
  return e;
}

Entry* Database::SetRange(std::string_view key, size_t offset, std::string_view bytes) {
  Entry** link = table_.FindLink(key, HashKey(key));
  Entry* e = *link;
  BeforeChange(e);
  std::string_view current = e->string_value();
  size_t new_len = std::max(current.size(), offset + bytes.size());
  if (e->encoding() == Encoding::kHeapString) {
    e->UnshareString();
    HeapString* s = HeapString::Reserve(e->heap_string(), new_len);
    if (offset > s->len) std::memset(s->data() + s->len, 0, offset - s->len);
    if (!bytes.empty()) std::memcpy(s->data() + offset, bytes.data(), bytes.size());
    s->len = std::max<uint64_t>(s->len, offset + bytes.size());
    e->set_heap_string(s);
    Announce(key, KeyChange::kChanged);
    return e;
  }
  // Inline values are rebuilt; a result too long to stay inline moves to a heap string with
  // room to grow, since a string that grew once tends to grow again (APPEND loops).
  std::string value(current);
  value.resize(new_len, '\0');
  if (!bytes.empty()) value.replace(offset, bytes.size(), bytes);
  Entry* fresh;
  if (new_len <= kInlineStringMax) {
    fresh = Entry::NewString(key, value, e->expire_at());
  } else {
    fresh = Entry::NewHeapString(key, HeapString::Create(value, new_len * 2), e->expire_at());
  }
  fresh->set_snapshot_bit(owner_->new_entry_bit());
  ReplaceAt(link, fresh);
  Entry::Destroy(e);
  Announce(key, KeyChange::kChanged);
  return fresh;
}

Entry* Database::AppendString(std::string_view key, std::string_view suffix) {
  Entry* e = LookupRaw(key);
  return SetRange(key, e->string_value().size(), suffix);
}

void Database::Clear(bool lazy) {
  owner_->NotifyBeforeDatabaseReset(index_);
  if (lazy) {
    owner_->DisposeTable(std::move(table_));
    table_ = EntryTable();
  }
  table_.Clear();
  expiring_.clear();
  sweep_cursor_ = 0;
}

void Database::SwapContents(Database& other) {
  owner_->NotifyBeforeDatabasesSwap(index_, other.index_);
  std::swap(table_, other.table_);
  std::swap(expiring_, other.expiring_);
  std::swap(sweep_cursor_, other.sweep_cursor_);
}

Database::SweepResult Database::SweepExpired(int64_t now_ms, size_t max_checks) {
  SweepResult result;
  if (owner_->replica_mode()) return result;
  max_checks = std::min(max_checks, expiring_.size());
  while (result.checked < max_checks && !expiring_.empty()) {
    if (sweep_cursor_ >= expiring_.size()) sweep_cursor_ = 0;
    Entry* e = expiring_[sweep_cursor_];
    ++result.checked;
    if (IsExpired(e, now_ms)) {
      // The last slot's entry moves into this slot; check the same slot again next.
      DeleteExpired(table_.FindLink(e->key(), HashKey(e->key())));
      ++result.expired;
    } else {
      ++sweep_cursor_;
    }
  }
  return result;
}

}  // namespace basalt::store
