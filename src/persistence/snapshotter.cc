#include "persistence/snapshotter.h"

#include "common/clock.h"

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
  encoder_ = nullptr;
}

void Snapshotter::Take(int db, store::Entry& e) {
  e.set_snapshot_bit(done_bit_);
  if (phase_ != Phase::kWriting || !status_.ok()) return;
  if (db != output_db_) {
    const store::Database& d = keyspace_.db(db);
    status_ = encoder_->BeginDatabase(db, d.size(), d.expires_count());
    output_db_ = db;
    if (!status_.ok()) return;
  }
  status_ = encoder_->WriteEntry(e);
  ++entries_written_;
}

void Snapshotter::BeforeEntryChange(int db, const store::Entry& e) {
  if (phase_ == Phase::kIdle || !Pending(e)) return;
  // The entry belongs to the keyspace; only its snapshot bit is touched here.
  Take(db, const_cast<store::Entry&>(e));
}

void Snapshotter::BeforeDatabaseReset(int db) {
  if (phase_ == Phase::kIdle) return;
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
    if (Pending(*e)) Take(walk_db_, *e);
  });
  return walk_cursor_ != 0;
}

bool Snapshotter::Step(int64_t budget_us) {
  if (phase_ == Phase::kIdle) return true;
  const int64_t start = budget_us >= 0 ? MonotonicUs() : 0;
  int since_clock_check = 0;
  while (walk_db_ < keyspace_.db_count()) {
    if (!WalkOneBucket()) {
      ++walk_db_;
      walk_cursor_ = 0;
      continue;
    }
    if (budget_us >= 0 && ++since_clock_check == 64) {
      since_clock_check = 0;
      if (MonotonicUs() - start >= budget_us) return false;
    }
  }
  Complete();
  return true;
}

void Snapshotter::Complete() {
  if (phase_ == Phase::kWriting && status_.ok()) status_ = encoder_->Finish();
  phase_ = Phase::kIdle;
  encoder_ = nullptr;
}

}  // namespace basalt::persistence
