// Forkless point-in-time snapshots of the keyspace.
//
// Redis forks and lets the child serialize a copy-on-write image; memory can double under
// writes. We serialize in the event loop instead, a slice per loop turn, and keep the result
// exact with one bit per entry:
//
//  - Begin() flips the keyspace's "new entry bit". Every existing entry now has the other value:
//    it is *pending*. Entries created from now on carry the new value: they are *done* (they did
//    not exist at the snapshot point and must not be written).
//  - The walker visits the tables with the SCAN cursor, which reaches every entry present for
//    the whole walk at least once even while tables grow or shrink. It writes pending entries
//    and marks them done; done entries are skipped, so nothing is written twice.
//  - Every change to an existing entry is announced first (KeyspaceListener). If that entry is
//    still pending, its current (pre-change) contents are written right then and it is marked
//    done. Deleted and overwritten keys are therefore saved as they were at Begin().
//  - Emptying or swapping a database first writes all its pending entries.
//
// The output is the exact state at Begin(); memory overhead is one output buffer. Entries
// reached out of order go to the output under their own SELECTDB (RDB allows switching).
//
// After Abort() the bits are inconsistent, so the walker keeps going without output (cleanup)
// until every entry is marked; active() stays true until then.
#pragma once

#include <cstdint>

#include "basalt/status.h"
#include "store/keyspace.h"

namespace basalt::persistence {

// Receives the entries of a snapshot (an RDB file, an AOF base in RESP, a replica stream).
class SnapshotEncoder {
 public:
  virtual ~SnapshotEncoder() = default;
  // Starts (or switches back to) database `db`; counts are sizing hints.
  virtual Status BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) = 0;
  virtual Status WriteEntry(const store::Entry& e) = 0;
  // After the last entry (EOF marker, checksum).
  virtual Status Finish() = 0;
};

// Writes every entry of the keyspace to `encoder` in one go, then Finish()es it. For callers
// that hold the event loop for the whole walk (SAVE, the first AOF base), so nothing changes
// meanwhile and no per-entry bookkeeping is needed; a background snapshot in progress is not
// disturbed.
Status WriteKeyspace(const store::Keyspace& keyspace, SnapshotEncoder& encoder);

class Snapshotter final : public store::KeyspaceListener {
 public:
  explicit Snapshotter(store::Keyspace& keyspace) : keyspace_(keyspace) {}

  // Starts a snapshot of the keyspace as it is now. The caller routes the keyspace's change
  // announcements to this object for as long as active() is true.
  void Begin(SnapshotEncoder* encoder);
  // True from Begin() until the walk (or the cleanup after Abort) is over.
  bool active() const { return phase_ != Phase::kIdle; }
  // True while output is being produced (not aborted).
  bool writing() const { return phase_ == Phase::kWriting; }
  // Walks for about budget_us microseconds (budget_us < 0: to the end). Returns true when the
  // walk is complete; after a complete writing walk, the encoder has been Finish()ed and
  // status() tells the outcome.
  bool Step(int64_t budget_us);
  // Stops producing output; the remaining walk only restores the per-entry bits.
  void Abort();
  const Status& status() const { return status_; }
  uint64_t entries_written() const { return entries_written_; }

  // store::KeyspaceListener
  void BeforeEntryChange(int db, const store::Entry& e) override;
  void BeforeDatabaseReset(int db) override;

 private:
  enum class Phase { kIdle, kWriting, kCleanup };

  bool Pending(const store::Entry& e) const { return e.snapshot_bit() != done_bit_; }
  // Writes e (if output is on) and marks it done.
  void Take(int db, store::Entry& e);
  // Visits one SCAN step of the walker's database; false when that database is finished.
  bool WalkOneBucket();
  void Complete();

  store::Keyspace& keyspace_;
  SnapshotEncoder* encoder_ = nullptr;
  Phase phase_ = Phase::kIdle;
  bool done_bit_ = false;
  int walk_db_ = 0;
  uint64_t walk_cursor_ = 0;
  int output_db_ = -1;  // database of the last BeginDatabase sent to the encoder
  uint64_t entries_written_ = 0;
  Status status_;
};

}  // namespace basalt::persistence
