// LoadRdb: the keys an RDB reader decodes, inserted into a keyspace.
//
// Two stages, on two threads when RdbLoadOptions::insert_thread is set (the default). The
// calling thread runs the reader: it reads and checksums the stream, decompresses and
// validates blobs, builds each key's entry and hashes its key. An inserter thread puts the
// entries into the tables. An insert is a cache miss or two per key (the bucket, then the
// chain it compares against), which the inserter overlaps by prefetching a window of keys
// ahead (TableFiller). With the building on another core, a load takes about as long as the
// longer stage instead of the sum of both. The keyspace is only ever touched by the stage
// that inserts, so its listeners (Database's announcements of new keys) are called from the
// inserter thread: they must not be tied to the thread that started the load, which only
// waits meanwhile.
//
// Entries travel in batches through a bounded queue, so at most kMaxQueued batches of built
// entries wait in memory. A duplicate key stops the load: the inserter records the error,
// frees what it is handed from then on, and the reader sees the error at its next batch.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "persistence/rdb_reader.h"
#include "store/keyspace.h"

namespace basalt::persistence {

namespace {

// Table sizes taken from RESIZEDB are capped: a stream of unknown length (a replica's socket)
// cannot bound the hint by its remaining size.
constexpr uint64_t kMaxReserve = uint64_t{1} << 26;

// One key on its way into a table, or (entry == nullptr) a RESIZEDB hint of `reserve` keys.
struct Pending {
  int db;
  uint64_t hash;
  store::Entry* entry;
  uint64_t reserve;
};

// Inserts entries into the keyspace through a pipeline of kDepth keys: each key's bucket is
// prefetched when it arrives, its chain head half-way through, and it is inserted when it
// leaves, so the cache misses of many inserts overlap instead of stalling one after another.
class TableFiller {
 public:
  explicit TableFiller(store::Keyspace* keyspace) : keyspace_(keyspace) {}
  TableFiller(const TableFiller&) = delete;
  TableFiller& operator=(const TableFiller&) = delete;
  ~TableFiller() {
    // Entries still in the pipeline when a load fails belong to nobody else.
    for (; head_ != tail_; ++head_) store::Entry::Destroy(ring_[head_ % kDepth].entry);
  }

  // Takes p's entry whatever happens: inserted, kept in the pipeline, or freed on an error.
  Status Add(const Pending& p) {
    if (p.entry == nullptr) {
      // Sizing the table up front spares the rehashes of growing it key by key, as Redis
      // does. Keys of the database before are inserted first (they may share no table, but
      // the order keeps Reserve's "no keys yet" rule simple to reason about).
      if (Status st = Drain(); !st.ok()) return st;
      keyspace_->db(p.db).Reserve(static_cast<size_t>(std::min(p.reserve, kMaxReserve)));
      return Status::Ok();
    }
    keyspace_->db(p.db).PrefetchBucket(p.hash);
    if (tail_ - head_ >= kDepth / 2) {
      const Pending& mid = ring_[(tail_ - kDepth / 2) % kDepth];
      keyspace_->db(mid.db).PrefetchChainHead(mid.hash);
    }
    if (tail_ - head_ == kDepth) {
      if (Status st = InsertOldest(); !st.ok()) {
        store::Entry::Destroy(p.entry);
        return st;
      }
    }
    ring_[tail_++ % kDepth] = p;
    return Status::Ok();
  }

  // Inserts what is still in the pipeline.
  Status Drain() {
    while (head_ != tail_) {
      if (Status st = InsertOldest(); !st.ok()) return st;
    }
    return Status::Ok();
  }

  uint64_t loaded() const { return loaded_; }

 private:
  static constexpr uint64_t kDepth = 16;

  Status InsertOldest() {
    Pending p = ring_[head_++ % kDepth];
    if (!keyspace_->db(p.db).InsertIfAbsent(p.entry, p.hash)) {
      Status st = Status::Corruption("duplicate key " + QuoteKey(p.entry->key()) + " in database " +
                                     std::to_string(p.db));
      store::Entry::Destroy(p.entry);
      return st;
    }
    ++loaded_;
    return Status::Ok();
  }

  store::Keyspace* keyspace_;
  Pending ring_[kDepth];
  uint64_t head_ = 0;
  uint64_t tail_ = 0;
  uint64_t loaded_ = 0;
};

// A TableFiller on a thread of its own, fed in batches.
class InsertThread {
 public:
  explicit InsertThread(store::Keyspace* keyspace) : filler_(keyspace), thread_([this] { Run(); }) {
    batch_.reserve(kBatch);
  }
  InsertThread(const InsertThread&) = delete;
  InsertThread& operator=(const InsertThread&) = delete;
  // After a reader error: what was handed over is still inserted (the caller discards the
  // keyspace anyway), then the thread ends.
  ~InsertThread() {
    if (!finished_) (void)Finish();
  }

  Status Add(const Pending& p) {
    batch_.push_back(p);
    return batch_.size() == kBatch ? Submit() : Status::Ok();
  }

  // Hands over the last batch, waits until everything is inserted and the thread has ended,
  // and
  // returns the first error. Later calls return the same.
  Status Finish() {
    if (finished_) return finish_status_;
    finished_ = true;
    Status st = Submit();
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    has_work_.notify_one();
    thread_.join();
    std::lock_guard lock(mu_);
    finish_status_ = error_.ok() ? st : error_;
    return finish_status_;
  }

  uint64_t loaded() const { return filler_.loaded(); }  // after Finish

 private:
  static constexpr size_t kBatch = 4096;
  static constexpr size_t kMaxQueued = 4;

  Status Submit() {
    std::unique_lock lock(mu_);
    if (!error_.ok()) {
      for (const Pending& p : batch_) FreePending(p);
      batch_.clear();
      return error_;
    }
    if (batch_.empty()) return Status::Ok();
    has_room_.wait(lock, [&] { return queue_.size() < kMaxQueued; });
    queue_.push_back(std::move(batch_));
    lock.unlock();
    has_work_.notify_one();
    batch_ = {};
    batch_.reserve(kBatch);
    return Status::Ok();
  }

  // An exception (out of memory while inserting) ends the load with an error instead of
  // terminating the process from this thread; what is handed over later is freed.
  void Run() {
    try {
      RunBatches();
    } catch (const std::exception& e) {
      Fail(Status::IoError(std::string("loading stopped: ") + e.what()));
      DrainAfterFailure();
    }
  }

  void RunBatches() {
    while (true) {
      std::vector<Pending> batch;
      {
        std::unique_lock lock(mu_);
        has_work_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) break;  // closed and nothing left
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      has_room_.notify_one();
      Insert(batch);
    }
    Status st = filler_.Drain();
    if (!st.ok()) Fail(std::move(st));
  }

  // Frees every batch still queued or still to come (after a failure), until closed.
  void DrainAfterFailure() {
    while (true) {
      std::vector<Pending> batch;
      {
        std::unique_lock lock(mu_);
        has_work_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      has_room_.notify_one();
      for (const Pending& p : batch) FreePending(p);
    }
  }

  void Insert(const std::vector<Pending>& batch) {
    size_t i = 0;
    for (; i < batch.size() && !failed_; ++i) {
      Status st = filler_.Add(batch[i]);
      if (!st.ok()) Fail(std::move(st));
    }
    for (; i < batch.size(); ++i) FreePending(batch[i]);
  }

  void Fail(Status st) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = std::move(st);
    failed_ = true;
  }

  static void FreePending(const Pending& p) {
    if (p.entry != nullptr) store::Entry::Destroy(p.entry);
  }

  TableFiller filler_;
  bool failed_ = false;    // the inserter's own copy of !error_.ok()
  bool finished_ = false;  // the reader's: Finish() has run
  Status finish_status_;

  std::mutex mu_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::deque<std::vector<Pending>> queue_;
  bool closed_ = false;
  Status error_;

  std::vector<Pending> batch_;  // the reader's batch being filled
  std::thread thread_;          // last: starts after everything it uses exists
};

// The reader's visitor: builds entries and passes them to the inserting stage.
class KeyspaceLoader final : public RdbVisitor {
 public:
  KeyspaceLoader(store::Keyspace* keyspace, const RdbLoadOptions& options, RdbLoadStats* stats)
      : options_(options),
        stats_(stats),
        access_mode_(keyspace->access_policy().mode),
        filler_(keyspace) {
    if (options.insert_thread) thread_.emplace(keyspace);
  }

  void OnAccessHint(int64_t idle_seconds, int64_t lfu_freq) override {
    if (idle_seconds >= 0) idle_seconds_ = idle_seconds;
    if (lfu_freq >= 0) lfu_freq_ = lfu_freq;
  }

  Status OnResizeDb(int db, uint64_t keys, uint64_t keys_with_ttl) override {
    return Route({db, 0, nullptr, keys});
  }

  Status OnString(int db, std::string_view key, std::string_view value,
                  int64_t expire_at_ms) override {
    if (Skip(expire_at_ms)) return Status::Ok();
    return Route(
        {db, HashKey(key), WithHints(store::Entry::NewString(key, value, expire_at_ms)), 0});
  }

  Status OnObject(int db, std::string_view key, store::ValueType type,
                  std::unique_ptr<store::CompositeValue> value, int64_t expire_at_ms) override {
    if (Skip(expire_at_ms)) return Status::Ok();
    return Route({db, HashKey(key),
                  WithHints(store::Entry::NewObject(key, type, value.release(), expire_at_ms)), 0});
  }

  Status OnFunctionLibrary(std::string_view code) override {
    stats_->function_libraries.emplace_back(code);
    return Status::Ok();
  }

  // Inserts everything still on its way (at the end of the stream). Once.
  Status Finish() {
    Status st = thread_ ? thread_->Finish() : filler_.Drain();
    stats_->keys_loaded = thread_ ? thread_->loaded() : filler_.loaded();
    return st;
  }

 private:
  // The key's access record from the hints that came before it (Redis saves them under an
  // LRU or LFU policy); a key without stays unstamped and is stamped as new when inserted.
  store::Entry* WithHints(store::Entry* e) {
    if (e->has_access()) {
      e->set_access(
          store::access::FromHints(access_mode_, idle_seconds_, lfu_freq_, options_.now_ms));
    }
    idle_seconds_ = lfu_freq_ = -1;
    return e;
  }

  bool Skip(int64_t expire_at_ms) {
    if (options_.skip_expired && expire_at_ms >= 0 && expire_at_ms < options_.now_ms) {
      idle_seconds_ = lfu_freq_ = -1;
      ++stats_->expired_skipped;
      return true;
    }
    return false;
  }

  Status Route(const Pending& p) { return thread_ ? thread_->Add(p) : filler_.Add(p); }

  const RdbLoadOptions& options_;
  RdbLoadStats* stats_;
  store::AccessMode access_mode_;
  int64_t idle_seconds_ = -1;  // hints for the next key, -1 when none came
  int64_t lfu_freq_ = -1;
  TableFiller filler_;  // inserts inline when there is no thread
  std::optional<InsertThread> thread_;
};

}  // namespace

Status LoadRdb(ByteSource* source, store::Keyspace* keyspace, const RdbLoadOptions& options,
               RdbLoadStats* stats) {
  RdbLoadStats local;
  if (stats == nullptr) stats = &local;
  *stats = RdbLoadStats();
  if (keyspace->TotalKeys() != 0) {
    return Status::InvalidArgument("RDB files load only into an empty keyspace");
  }
  // New keys' access records (LRU/LFU policies) are stamped with the load's time.
  if (options.now_ms > 0) keyspace->set_now_ms(options.now_ms);
  RdbReaderOptions reader = options.reader;
  reader.databases = keyspace->db_count();
  reader.limits = keyspace->encoding_limits();
  KeyspaceLoader loader(keyspace, options, stats);
  Status st = ReadRdb(source, &loader, reader, &stats->read);
  // An insert error (a duplicate key) is about a key the reader had passed before any error of
  // its own, so it is the first error in the stream.
  Status finished = loader.Finish();
  return finished.ok() ? st : finished;
}

}  // namespace basalt::persistence
