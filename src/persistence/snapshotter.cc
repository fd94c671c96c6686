#include "persistence/snapshotter.h"

#include "common/clock.h"
#include "persistence/value_codec.h"

namespace basalt::persistence {

Status WriteKeyspace(const store::Keyspace& keyspace, SnapshotEncoder& encoder) {
  Status st;
  for (int db = 0; db < keyspace.db_count() && st.ok(); ++db) {
    const store::Database& d = keyspace.db(db);
    if (d.size() == 0) continue;
    st = encoder.BeginDatabase(db, d.size(), d.expires_count());
    // Nothing changes during this walk, so storage order (sequential, prefetched) is safe.
    d.ForEach([&](store::Entry* e) {
      if (st.ok()) st = encoder.WriteEntry(*e);
    });
  }
  if (st.ok()) st = encoder.Finish();
  return st;
}

namespace {

// Elements of an open record written between two looks at the clock.
constexpr size_t kPieceElements = 512;

}  // namespace

void Snapshotter::Begin(SnapshotEncoder* encoder) {
  encoder_ = encoder;
  phase_ = Phase::kWriting;
  done_bit_ = !keyspace_.new_entry_bit();
  keyspace_.set_new_entry_bit(done_bit_);
  walk_db_ = 0;
  walk_cursor_ = 0;
  output_db_ = -1;
  entries_written_ = 0;
  status_ = Status::Ok();
}

void Snapshotter::Abort() {
  if (phase_ == Phase::kWriting) phase_ = Phase::kCleanup;
  // The open record writes into the encoder, which may go away now. Queued keys stay: the
  // cleanup walk must still mark them (the walker passed them by).
  open_ = {};
  aside_.clear();
  encoder_ = nullptr;
  ++releases_;
}

bool Snapshotter::IsOpen(const store::Entry& e) const {
  return open_.writer != nullptr && e.encoding() == store::Encoding::kObject &&
         e.object() == open_.value;
}

bool Snapshotter::HoldsWrite(int db, const store::Entry& e) const {
  if (!writing_ok() || !encoder_->WritesPieces()) return false;
  return IsOpen(e) || (Pending(e) && WritesInPieces(e));
}

void Snapshotter::SaveSoon(int db, std::string_view key) {
  for (const SoonKey& k : soon_) {
    if (k.db == db && k.key == key) return;
  }
  soon_.push_back({db, std::string(key)});
}

Status Snapshotter::SelectOutputDb(int db) {
  if (db == output_db_) return Status::Ok();
  output_db_ = db;
  const store::Database& d = keyspace_.db(db);
  return encoder_->BeginDatabase(db, d.size(), d.expires_count());
}

void Snapshotter::Take(int db, store::Entry& e) {
  e.set_snapshot_bit(done_bit_);
  if (!writing_ok()) return;
  status_ = SelectOutputDb(db);
  if (status_.ok()) status_ = encoder_->WriteEntry(e);
  ++entries_written_;
}

void Snapshotter::Visit(int db, store::Entry& e) {
  if (!writing_ok()) return Take(db, e);
  if (open_.writer != nullptr) {
    if (encoder_->WritesPieces() && WritesInPieces(e)) {
      // Behind the open record rather than in one go; it stays pending until then.
      SaveSoon(db, e.key());
      return;
    }
    Aside aside{db, {}};
    status_ = encoder_->SerializeEntry(e, &aside.record);
    e.set_snapshot_bit(done_bit_);
    aside_.push_back(std::move(aside));
    ++entries_written_;
    return;
  }
  status_ = SelectOutputDb(db);
  if (!status_.ok()) return Take(db, e);
  open_.writer = encoder_->OpenEntry(e);
  if (open_.writer == nullptr) return Take(db, e);
  open_.value = e.object();
  e.set_snapshot_bit(done_bit_);
  ++entries_written_;
}

bool Snapshotter::ContinueRecord(size_t max_elements) {
  bool done = false;
  if (Status st = open_.writer->WriteSome(max_elements, &done); !st.ok()) {
    status_ = st;
    done = true;
  }
  if (done) CloseRecord();
  return done;
}

void Snapshotter::CompleteOpenRecord() {
  while (open_.writer != nullptr && !ContinueRecord(SIZE_MAX)) {
  }
}

void Snapshotter::CloseRecord() {
  open_ = {};
  ++releases_;
  // The entries saved meanwhile follow the record.
  for (const Aside& aside : aside_) {
    if (!status_.ok()) break;
    status_ = SelectOutputDb(aside.db);
    if (status_.ok()) status_ = encoder_->WriteSerialized(aside.record);
  }
  aside_.clear();
}

bool Snapshotter::SaveNextSoonKey() {
  while (!soon_.empty()) {
    SoonKey next = std::move(soon_.front());
    soon_.pop_front();
    // Gone or replaced since: its old contents were saved when it changed.
    store::Entry* e = keyspace_.db(next.db).LookupRaw(next.key);
    if (e == nullptr || !Pending(*e)) continue;
    Visit(next.db, *e);
    return true;
  }
  return false;
}

void Snapshotter::BeforeEntryChange(int db, const store::Entry& e) {
  if (phase_ == Phase::kIdle) return;
  // The entry belongs to the keyspace; only its snapshot bit is touched here.
  auto& entry = const_cast<store::Entry&>(e);
  if (IsOpen(entry)) return CompleteOpenRecord();
  if (!Pending(entry)) return;
  // A big one is not set aside (a copy as big as itself): the open record goes first.
  if (open_.writer != nullptr && encoder_->WritesPieces() && WritesInPieces(entry)) {
    CompleteOpenRecord();
  }
  Visit(db, entry);
  // Visit opens no record for it here: it changes right after this returns.
  if (IsOpen(entry)) CompleteOpenRecord();
}

void Snapshotter::BeforeDatabaseReset(int db) {
  if (phase_ == Phase::kIdle) return;
  CompleteOpenRecord();
  // Everything still pending in this database must be written before it changes wholesale.
  // This costs a full pass over the database (FLUSHDB/SWAPDB during a snapshot only).
  const store::Database& d = keyspace_.db(db);
  uint64_t cursor = 0;
  do {
    cursor = d.Scan(cursor, [&](store::Entry* e) {
      if (Pending(*e)) Take(db, *e);
    });
  } while (cursor != 0);
}

bool Snapshotter::WalkOneBucket() {
  const store::Database& d = keyspace_.db(walk_db_);
  if (d.size() == 0) return false;
  walk_cursor_ = d.Scan(walk_cursor_, [&](store::Entry* e) {
    if (Pending(*e)) Visit(walk_db_, *e);
  });
  return walk_cursor_ != 0;
}

bool Snapshotter::Step(int64_t budget_us) {
  if (phase_ == Phase::kIdle) return true;
  const int64_t start = budget_us >= 0 ? MonotonicUs() : 0;
  auto out_of_time = [&] { return budget_us >= 0 && MonotonicUs() - start >= budget_us; };
  int since_clock_check = 0;
  for (;;) {
    if (open_.writer != nullptr) {
      if (!ContinueRecord(kPieceElements) && out_of_time()) return false;
      continue;
    }
    // Keys whose writers wait go before the rest of the walk.
    if (SaveNextSoonKey()) continue;
    if (walk_db_ >= keyspace_.db_count()) break;
    if (!WalkOneBucket()) {
      ++walk_db_;
      walk_cursor_ = 0;
      continue;
    }
    if (budget_us >= 0 && ++since_clock_check == 64) {
      since_clock_check = 0;
      if (out_of_time()) return false;
    }
  }
  Complete();
  return true;
}

void Snapshotter::Complete() {
  if (phase_ == Phase::kWriting && status_.ok()) status_ = encoder_->Finish();
  phase_ = Phase::kIdle;
  encoder_ = nullptr;
  ++releases_;
}

}  // namespace basalt::persistence
