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
//
// Big collections (WritesInPieces: thousands of elements) are written a piece per slice, so
// no slice takes long. While such a record is open its value must not change and nothing else
// may enter the output:
//  - a client's write to the open entry, or to a pending big one, is held back by the
//    dispatcher (HoldsWrite) and retried once the entry is saved; the entry is saved next
//    (SaveSoon), ahead of the walk;
//  - any other change to the open entry (expiry, eviction, a replica's stream, FLUSHALL)
//    first completes its record in one go, as before;
//  - a pending entry that changes meanwhile is serialized aside and written after the record
//    (a big one completes the open record first, then is written whole);
//  - the walker meeting another pending big entry queues it behind the open one.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/status.h"
#include "store/keyspace.h"

namespace basalt::persistence {

// One entry's record being written a piece at a time (SnapshotEncoder::OpenEntry).
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  // Writes about max_elements more elements; *done once the record is complete.
  virtual Status WriteSome(size_t max_elements, bool* done) = 0;
};

// Receives the entries of a snapshot (an RDB file, an AOF base in RESP, a replica stream).
class SnapshotEncoder {
 public:
  virtual ~SnapshotEncoder() = default;
  // Starts (or switches back to) database `db`; counts are sizing hints.
  virtual Status BeginDatabase(int db, uint64_t keys, uint64_t keys_with_ttl) = 0;
  virtual Status WriteEntry(const store::Entry& e) = 0;
  // After the last entry (EOF marker, checksum).
  virtual Status Finish() = 0;

  // Big collections in pieces. OpenEntry starts e's record and returns its writer when this
  // encoder writes e in pieces, or nullptr (then WriteEntry writes it whole). Until that
  // record is complete nothing else may be written, so an entry that must be saved meanwhile
  // is serialized aside (SerializeEntry) and written after it (WriteSerialized). The last two
  // are called only while a record returned by OpenEntry is open.
  virtual bool WritesPieces() const { return false; }
  virtual std::unique_ptr<RecordWriter> OpenEntry(const store::Entry& e) { return nullptr; }
  virtual Status SerializeEntry(const store::Entry& e, std::string* out) {
    return Status::NotSupported("this encoder writes no record in pieces");
  }
  virtual Status WriteSerialized(std::string_view bytes) {
    return Status::NotSupported("this encoder writes no record in pieces");
  }
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

  // Whether a write to e (of database db) must wait until this snapshot has saved it: e's
  // record is open, or e is a pending big collection. Saving it would otherwise stop the
  // event loop for the whole value.
  bool HoldsWrite(int db, const store::Entry& e) const;
  // Saves `key` of `db` as soon as the open record (if any) is complete, ahead of the walk.
  void SaveSoon(int db, std::string_view key);
  // Counts the moments held writes may go on: a big record completed, or the snapshot ended.
  uint64_t releases() const { return releases_; }

  // store::KeyspaceListener
  void BeforeEntryChange(int db, const store::Entry& e) override;
  void BeforeDatabaseReset(int db) override;

 private:
  enum class Phase { kIdle, kWriting, kCleanup };
  struct OpenRecord {
    std::unique_ptr<RecordWriter> writer;
    const store::CompositeValue* value = nullptr;  // what must not change meanwhile
  };
  struct Aside {
    int db;
    std::string record;
  };
  struct SoonKey {
    int db;
    std::string key;
  };

  bool Pending(const store::Entry& e) const { return e.snapshot_bit() != done_bit_; }
  bool writing_ok() const { return phase_ == Phase::kWriting && status_.ok(); }
  bool IsOpen(const store::Entry& e) const;
  // Saves pending e: opens its record, or writes it whole, or (a record being open) sets it
  // aside or queues it; marks it done unless queued.
  void Visit(int db, store::Entry& e);
  // Writes e whole (if output is on) and marks it done.
  void Take(int db, store::Entry& e);
  Status SelectOutputDb(int db);
  // Writes up to a slice of the open record; true when it is complete (and closed).
  bool ContinueRecord(size_t max_elements);
  void CompleteOpenRecord();
  void CloseRecord();
  // Saves the next SaveSoon key that is still pending; false when there is none.
  bool SaveNextSoonKey();
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
  OpenRecord open_;
  int open_db_ = -1;
  std::vector<Aside> aside_;
  std::deque<SoonKey> soon_;
  uint64_t releases_ = 0;
};

}  // namespace basalt::persistence
