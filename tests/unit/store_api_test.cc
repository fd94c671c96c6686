// The embedded Store (include/basalt/store.h): operations, TTLs on an injected clock, reopen
// after Close and after a crash, damaged files, and the directory lock.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "basalt/store.h"
#include "common/clock.h"

using namespace basalt;
using std::chrono::milliseconds;

namespace {

namespace fs = std::filesystem;

// A fresh directory under /tmp, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/basalt-store-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Deterministic options: no upkeep thread, quiet logs, optionally a manual clock.
Options TestOptions(const Clock* clock = nullptr) {
  Options o;
  o.background_thread = false;
  o.log_level = "warning";
  o.clock = clock;
  return o;
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir, const Options& options) {
  auto store = Store::Open(dir, options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store.value());
}

std::string ValueOf(Store& s, std::string_view key) {
  auto v = s.Get(key);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return v->value_or("<nil>");
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// The incr file the AOF writer appends to: the last one the manifest names.
std::string LastIncrPath(const TempDir& tmp) {
  std::istringstream manifest(ReadAll(tmp / "appendonlydir/appendonly.aof.manifest"));
  std::string last;
  for (std::string line; std::getline(manifest, line);) {
    if (line.size() > 7 && line.substr(line.size() - 6) == "type i") {
      last = line.substr(5, line.find(' ', 5) - 5);  // "file NAME seq N type i"
    }
  }
  REQUIRE(!last.empty());
  return tmp / ("appendonlydir/" + last);
}

// A manual clock at the real time: files name absolute expiry times, and loading compares
// them with the system clock.
ManualClock RealTimeManualClock() { return ManualClock(SystemClock::Instance()->NowMs()); }

}  // namespace

TEST_SUITE("store api") {
  TEST_CASE("Open creates the data directory and a new store is empty") {
    TempDir tmp;
    const std::string dir = tmp / "a/b/data";
    auto store = OpenOrDie(dir, TestOptions());
    CHECK(fs::is_directory(dir));
    CHECK(*store->Count() == 0);
    CHECK(store->Keys()->empty());
  }

  TEST_CASE("Set then Get returns the value; a missing key is nullopt; values are binary-safe") {
    TempDir tmp;
    auto store = OpenOrDie(tmp.path(), TestOptions());
    const std::string binary("a\0b\r\n$3\r\n", 10);
    REQUIRE(store->Set("k", "v").ok());
    REQUIRE(store->Set(binary, binary).ok());
    CHECK(ValueOf(*store, "k") == "v");
    CHECK(ValueOf(*store, binary) == binary);
    auto missing = store->Get("nope");
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());
    REQUIRE(store->Set("k", "").ok());
    CHECK(ValueOf(*store, "k").empty());
  }

  TEST_CASE("Del and Exists tell whether the key existed") {
    TempDir tmp;
    auto store = OpenOrDie(tmp.path(), TestOptions());
    REQUIRE(store->Set("k", "v").ok());
    CHECK(*store->Exists("k"));
    CHECK(*store->Del("k"));
    CHECK_FALSE(*store->Exists("k"));
    CHECK_FALSE(*store->Del("k"));
    CHECK(*store->Count() == 0);
  }

  TEST_CASE("Set with a TTL expires the key once the clock passes it") {
    TempDir tmp;
    ManualClock clock = RealTimeManualClock();
    auto store = OpenOrDie(tmp.path(), TestOptions(&clock));
    REQUIRE(store->Set("k", "v", milliseconds(1500)).ok());
    CHECK(store->Ttl("k")->value() == milliseconds(1500));
    clock.AdvanceMs(1499);
    CHECK(ValueOf(*store, "k") == "v");
    CHECK(store->Ttl("k")->value() == milliseconds(1));
    clock.AdvanceMs(1);  // at the deadline itself the key still exists, as in Redis
    CHECK(store->Ttl("k")->value() == milliseconds(0));
    clock.AdvanceMs(1);
    CHECK(ValueOf(*store, "k") == "<nil>");
    CHECK_FALSE(*store->Exists("k"));
    CHECK(store->Ttl("k").status().IsNotFound());
  }

  TEST_CASE("Set without a TTL replaces the value and removes an earlier TTL") {
    TempDir tmp;
    ManualClock clock = RealTimeManualClock();
    auto store = OpenOrDie(tmp.path(), TestOptions(&clock));
    REQUIRE(store->Set("k", "old", milliseconds(100)).ok());
    REQUIRE(store->Set("k", "new").ok());
    CHECK_FALSE(store->Ttl("k")->has_value());
    clock.AdvanceMs(1000);
    CHECK(ValueOf(*store, "k") == "new");
  }

  TEST_CASE("A non-positive TTL in Set is InvalidArgument with Redis's text") {
    TempDir tmp;
    auto store = OpenOrDie(tmp.path(), TestOptions());
    Status st = store->Set("k", "v", milliseconds(0));
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message() == "ERR invalid expire time in 'set' command");
    CHECK_FALSE(*store->Exists("k"));
  }

  TEST_CASE("Expire sets a TTL on an existing key, reports a missing one, deletes at <= 0") {
    TempDir tmp;
    ManualClock clock = RealTimeManualClock();
    auto store = OpenOrDie(tmp.path(), TestOptions(&clock));
    CHECK_FALSE(*store->Expire("missing", milliseconds(100)));
    REQUIRE(store->Set("k", "v").ok());
    CHECK(*store->Expire("k", milliseconds(100)));
    CHECK(store->Ttl("k")->value() == milliseconds(100));
    clock.AdvanceMs(101);
    CHECK_FALSE(*store->Exists("k"));

    REQUIRE(store->Set("gone", "v").ok());
    CHECK(*store->Expire("gone", milliseconds(0)));
    CHECK_FALSE(*store->Exists("gone"));
  }

  TEST_CASE("Persist removes the TTL; Ttl is nullopt without one and NotFound without key") {
    TempDir tmp;
    ManualClock clock = RealTimeManualClock();
    auto store = OpenOrDie(tmp.path(), TestOptions(&clock));
    CHECK(store->Ttl("k").status().IsNotFound());
    REQUIRE(store->Set("k", "v", milliseconds(10)).ok());
    CHECK(*store->Persist("k"));
    CHECK_FALSE(*store->Persist("k"));
    auto ttl = store->Ttl("k");
    REQUIRE(ttl.ok());
    CHECK_FALSE(ttl->has_value());
    clock.AdvanceMs(100);
    CHECK(ValueOf(*store, "k") == "v");
  }

  TEST_CASE("Count and Keys with a pattern; Scan visits every key") {
    TempDir tmp;
    auto store = OpenOrDie(tmp.path(), TestOptions());
    std::set<std::string> all;
    for (int i = 0; i < 500; ++i) {
      std::string key = (i % 2 ? "odd:" : "even:") + std::to_string(i);
      REQUIRE(store->Set(key, "x").ok());
      all.insert(key);
    }
    CHECK(*store->Count() == 500);
    auto odd = store->Keys("odd:*");
    REQUIRE(odd.ok());
    CHECK(odd->size() == 250);
    for (const std::string& k : *odd) CHECK(k.rfind("odd:", 0) == 0);
    CHECK(store->Keys("odd:1?")->size() == 5);  // odd:11, 13, 15, 17, 19

    std::set<std::string> seen;
    uint64_t cursor = 0;
    int pages = 0;
    do {
      auto page = store->Scan(cursor, "*", 50);
      REQUIRE(page.ok());
      seen.insert(page->keys.begin(), page->keys.end());
      cursor = page->next_cursor;
      REQUIRE(++pages < 1000);
    } while (cursor != 0);
    CHECK(seen == all);
    CHECK(pages > 1);
  }

  TEST_CASE("Reopen after Close keeps values and TTLs (AOF)") {
    TempDir tmp;
    {
      auto store = OpenOrDie(tmp.path(), TestOptions());
      REQUIRE(store->Set("k", "v").ok());
      REQUIRE(store->Set("ttl", "t", milliseconds(3'600'000)).ok());
      REQUIRE(store->Set("gone", "x").ok());
      REQUIRE(*store->Del("gone"));
      REQUIRE(store->Close().ok());
    }
    CHECK(fs::exists(tmp / "dump.rdb"));
    CHECK(fs::exists(tmp / "appendonlydir/appendonly.aof.manifest"));
    auto store = OpenOrDie(tmp.path(), TestOptions());
    CHECK(*store->Count() == 2);
    CHECK(ValueOf(*store, "k") == "v");
    auto ttl = store->Ttl("ttl");
    REQUIRE(ttl.ok());
    REQUIRE(ttl->has_value());
    CHECK(ttl->value() > milliseconds(3'000'000));
    CHECK_FALSE(*store->Exists("gone"));
  }

  TEST_CASE("Reopen after Close keeps values without the AOF (RDB written by Close)") {
    TempDir tmp;
    Options options = TestOptions();
    options.appendonly = false;
    {
      auto store = OpenOrDie(tmp.path(), options);
      REQUIRE(store->Set("k", "v").ok());
    }  // the destructor closes
    CHECK_FALSE(fs::exists(tmp / "appendonlydir"));
    auto store = OpenOrDie(tmp.path(), options);
    CHECK(ValueOf(*store, "k") == "v");
  }

  TEST_CASE("Reopen with maxmemory below the dataset's size still loads every key (AOF)") {
    TempDir tmp;
    {
      auto store = OpenOrDie(tmp.path(), TestOptions());
      REQUIRE(store->Set("big", std::string(1000, 'x')).ok());
      REQUIRE(store->Set("k", "v").ok());
    }
    Options options = TestOptions();
    options.parameters = {{"maxmemory", "1"}};  // no write could be accepted now
    auto store = OpenOrDie(tmp.path(), options);
    CHECK(*store->Count() == 2);
    CHECK(ValueOf(*store, "k") == "v");
  }

  TEST_CASE("A directory holding only an RDB is adopted as the base of a new AOF") {
    TempDir tmp;
    Options rdb_only = TestOptions();
    rdb_only.appendonly = false;
    {
      auto store = OpenOrDie(tmp.path(), rdb_only);
      REQUIRE(store->Set("from-rdb", "1").ok());
    }
    {
      auto store = OpenOrDie(tmp.path(), TestOptions());
      CHECK(ValueOf(*store, "from-rdb") == "1");
      REQUIRE(store->Set("after", "2").ok());
    }
    fs::remove(tmp / "dump.rdb");  // the data must come from the AOF alone
    auto store = OpenOrDie(tmp.path(), TestOptions());
    CHECK(ValueOf(*store, "from-rdb") == "1");
    CHECK(ValueOf(*store, "after") == "2");
    const std::string manifest = ReadAll(tmp / "appendonlydir/appendonly.aof.manifest");
    CHECK(manifest.find("type b") != std::string::npos);
  }

  TEST_CASE("Without a final snapshot the AOF alone restores the data") {
    TempDir tmp;
    Options options = TestOptions();
    options.snapshot_on_close = false;
    {
      auto store = OpenOrDie(tmp.path(), options);
      REQUIRE(store->Set("k", "v").ok());
      REQUIRE(store->Close().ok());
    }
    CHECK_FALSE(fs::exists(tmp / "dump.rdb"));
    auto store = OpenOrDie(tmp.path(), options);
    CHECK(ValueOf(*store, "k") == "v");
  }

  TEST_CASE("Repeated short-lived opens keep one base and one incr file") {
    TempDir tmp;
    for (int i = 0; i < 5; ++i) {
      auto store = OpenOrDie(tmp.path(), TestOptions());
      REQUIRE(store->Set("k" + std::to_string(i), "v").ok());
    }
    const std::string manifest = ReadAll(tmp / "appendonlydir/appendonly.aof.manifest");
    // As Redis 7 names them: the base written at the first start, and its incr file.
    CHECK(manifest ==
          "file appendonly.aof.1.base.rdb seq 1 type b\n"
          "file appendonly.aof.1.incr.aof seq 1 type i\n");
    auto store = OpenOrDie(tmp.path(), TestOptions());
    CHECK(*store->Count() == 5);
  }

  TEST_CASE("Save writes a snapshot now") {
    TempDir tmp;
    Options options = TestOptions();
    options.appendonly = false;
    auto store = OpenOrDie(tmp.path(), options);
    REQUIRE(store->Set("k", "v").ok());
    REQUIRE(store->Save().ok());
    CHECK(ReadAll(tmp / "dump.rdb").rfind("REDIS0010", 0) == 0);
  }

  TEST_CASE("A rejected request is InvalidArgument and an OOM refusal Busy, with Redis's text") {
    TempDir tmp;
    {
      auto store = OpenOrDie(tmp.path(), TestOptions());
      REQUIRE(store->Set("big", std::string(1000, 'x')).ok());
    }
    Options options = TestOptions();
    options.parameters = {{"maxmemory", "1"}};  // exceeded by the loaded key
    auto store = OpenOrDie(tmp.path(), options);
    Status set = store->Set("k", "v");
    CHECK(set.code() == Status::Code::kBusy);
    CHECK(set.message() == "OOM command not allowed when used memory > 'maxmemory'.");
    CHECK(ValueOf(*store, "big").size() == 1000);  // reads are not refused
    auto scan = store->Scan(0, "*", 0);
    CHECK(scan.status().code() == Status::Code::kInvalidArgument);
    CHECK(scan.status().message() == "ERR syntax error");
  }

  TEST_CASE("A failed Save is IoError, and so are the writes a failed background save refuses") {
    TempDir tmp;
    ManualClock clock = RealTimeManualClock();
    Options options = TestOptions(&clock);
    options.appendonly = false;
    options.snapshot_on_close = false;
    options.save = "1 1";                  // a background snapshot 1 s after a change
    options.parameters = {{"hz", "500"}};  // and a cron run every 2 ms of real time
    auto store = OpenOrDie(tmp.path(), options);
    REQUIRE(store->Set("k", "v").ok());
    // A directory where the snapshot goes: renaming the written file into place fails.
    fs::create_directories(tmp / "dump.rdb/occupied");
    Status save = store->Save();
    CHECK(save.code() == Status::Code::kIoError);
    CHECK(save.message() == "the snapshot could not be written (ERR)");
    // As in Redis, a failed SAVE refuses no write (its caller has the error)...
    REQUIRE(store->Set("k", "w").ok());
    // ...a failed background save does (stop-writes-on-bgsave-error, on by default): writes
    // get MISCONF, reads still answer.
    clock.AdvanceMs(1001);
    Status set;
    for (int i = 0; i < 10'000 && (set = store->Set("probe", "x")).ok(); ++i) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    CHECK(set.code() == Status::Code::kIoError);
    CHECK(set.message().rfind("MISCONF ", 0) == 0);
    CHECK(ValueOf(*store, "k") == "w");
    fs::remove_all(tmp / "dump.rdb");
    REQUIRE(store->Save().ok());
    CHECK(store->Set("k", "x").ok());
  }

  TEST_CASE("Save while a background snapshot is being written is Busy") {
    TempDir tmp;
    ManualClock clock = RealTimeManualClock();
    Options options = TestOptions(&clock);
    options.appendonly = false;
    options.save = "1 1";                  // a background snapshot 1 s after a change
    options.parameters = {{"hz", "500"}};  // and a cron run every 2 ms of real time
    auto store = OpenOrDie(tmp.path(), options);
    // Enough keys that the snapshot cannot be walked in the one 1 ms slice a call runs: with a
    // single key it could finish (walk, write and all) before SAVE looked, and the test failed
    // about once in forty runs.
    bool all_set = true;
    for (int i = 0; i < 200'000; ++i) all_set &= store->Set("k" + std::to_string(i), "v").ok();
    REQUIRE(all_set);
    clock.AdvanceMs(1001);
    // The next call runs the cron first, which starts the snapshot; SAVE then finds it running.
    std::this_thread::sleep_for(milliseconds(5));
    Status save = store->Save();
    CHECK(save.code() == Status::Code::kBusy);
    CHECK(save.message() == "ERR Background save already in progress");
    // Calls advance the snapshot (no upkeep thread): it ends and Save works again.
    for (int i = 0; i < 5000 && save.code() == Status::Code::kBusy; ++i) {
      std::this_thread::sleep_for(milliseconds(1));
      save = store->Save();
    }
    CHECK(save.ok());
  }

  TEST_CASE("Calls after Close fail with InvalidArgument; a second Close is Ok") {
    TempDir tmp;
    auto store = OpenOrDie(tmp.path(), TestOptions());
    REQUIRE(store->Close().ok());
    CHECK(store->Close().ok());
    CHECK(store->Set("k", "v").code() == Status::Code::kInvalidArgument);
    CHECK(store->Get("k").status().code() == Status::Code::kInvalidArgument);
    CHECK(store->Count().status().code() == Status::Code::kInvalidArgument);
  }

  TEST_CASE("A directory open in one Store is Busy for another until it is closed") {
    TempDir tmp;
    auto first = OpenOrDie(tmp.path(), TestOptions());
    auto second = Store::Open(tmp.path(), TestOptions());
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == Status::Code::kBusy);
    REQUIRE(first->Close().ok());
    auto third = Store::Open(tmp.path(), TestOptions());
    CHECK(third.ok());
  }

  TEST_CASE("Open of a missing directory without create_if_missing is NotFound") {
    TempDir tmp;
    Options options = TestOptions();
    options.create_if_missing = false;
    auto store = Store::Open(tmp / "missing", options);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().IsNotFound());
    CHECK_FALSE(fs::exists(tmp / "missing"));
  }

  TEST_CASE("An invalid server parameter makes Open fail naming it") {
    TempDir tmp;
    Options options = TestOptions();
    options.parameters = {{"hz", "fast"}};
    auto store = Store::Open(tmp.path(), options);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == Status::Code::kInvalidArgument);
    CHECK(store.status().message().find("'hz'") != std::string::npos);
    options.parameters = {{"no-such-parameter", "1"}};
    CHECK(Store::Open(tmp.path(), options).status().code() == Status::Code::kInvalidArgument);
  }

  TEST_CASE("A corrupt RDB file makes Open return Corruption naming it, and is left as it was") {
    TempDir tmp;
    Options options = TestOptions();
    options.appendonly = false;
    {
      auto store = OpenOrDie(tmp.path(), options);
      for (int i = 0; i < 20; ++i) REQUIRE(store->Set("key" + std::to_string(i), "value").ok());
    }
    std::string rdb = ReadAll(tmp / "dump.rdb");
    rdb[rdb.size() / 2] ^= 0x5a;  // the CRC64 at the end no longer matches
    WriteAll(tmp / "dump.rdb", rdb);
    auto store = Store::Open(tmp.path(), options);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().IsCorruption());
    CHECK(store.status().message().find(tmp / "dump.rdb") != std::string::npos);
    CHECK(ReadAll(tmp / "dump.rdb") == rdb);  // no "final snapshot" of a partial load
    // The lock was released: once repaired (here: removed) the directory opens.
    fs::remove(tmp / "dump.rdb");
    CHECK(Store::Open(tmp.path(), options).ok());
  }

  TEST_CASE("Garbage inside an AOF file makes Open return Corruption naming the file") {
    TempDir tmp;
    Options options = TestOptions();
    options.snapshot_on_close = false;
    {
      auto store = OpenOrDie(tmp.path(), options);
      REQUIRE(store->Set("a", "1").ok());
      REQUIRE(store->Set("b", "2").ok());
    }
    const std::string incr = LastIncrPath(tmp);
    std::string data = ReadAll(incr);
    REQUIRE(data.size() > 10);
    data[0] = '!';
    WriteAll(incr, data);
    auto store = Store::Open(tmp.path(), options);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().IsCorruption());
    CHECK(store.status().message().find(incr) != std::string::npos);
  }

  TEST_CASE("A damaged AOF manifest makes Open return Corruption naming it") {
    TempDir tmp;
    { auto store = OpenOrDie(tmp.path(), TestOptions()); }
    const std::string manifest = tmp / "appendonlydir/appendonly.aof.manifest";
    WriteAll(manifest, "file appendonly.aof.1.base.rdb seq x type b\n");
    auto store = Store::Open(tmp.path(), TestOptions());
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().IsCorruption());
    CHECK(store.status().message().find(manifest) != std::string::npos);
  }

  TEST_CASE("Writes from several threads all land (appendfsync always, shared fsyncs)") {
    TempDir tmp;
    Options options = TestOptions();
    options.background_thread = true;
    options.appendfsync = AppendFsync::kAlways;
    {
      auto store = OpenOrDie(tmp.path(), options);
      std::vector<std::thread> threads;
      std::atomic<int> failures{0};
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&store, &failures, t] {
          for (int i = 0; i < 100; ++i) {
            std::string key = "t" + std::to_string(t) + ":" + std::to_string(i);
            if (!store->Set(key, key).ok()) ++failures;
            auto v = store->Get(key);
            if (!v.ok() || v->value_or("") != key) ++failures;
          }
        });
      }
      for (auto& th : threads) th.join();
      CHECK(failures.load() == 0);
      CHECK(*store->Count() == 400);
    }
    auto store = OpenOrDie(tmp.path(), TestOptions());
    CHECK(*store->Count() == 400);
    CHECK(ValueOf(*store, "t3:99") == "t3:99");
  }
}

namespace {

// Forks a child that opens `dir` with `options` and sets key<i> = i for i = 0, 1, ...,
// writing i to a pipe after each Set returned. The parent SIGKILLs it after `kill_after`
// acknowledgements (or lets it run to `total` and exit without Close when kill_after < 0).
// Returns the number of acknowledged writes.
int RunCrashingWriter(const std::string& dir, const Options& options, int total, int kill_after) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = Store::Open(dir, options);
    if (!store.ok()) ::_exit(3);
    for (int i = 0; i < total; ++i) {
      if (!(*store)->Set("key" + std::to_string(i), std::to_string(i)).ok()) ::_exit(4);
      const int32_t acked = i;
      if (::write(fds[1], &acked, sizeof(acked)) != sizeof(acked)) ::_exit(5);
    }
    ::_exit(0);  // a crash of sorts: no Close, no destructors
  }
  ::close(fds[1]);
  int acked = 0;
  int32_t last = -1;
  bool killed = false;
  while (::read(fds[0], &last, sizeof(last)) == sizeof(last)) {
    CHECK(last == acked);  // acknowledgements come in order
    ++acked;
    if (!killed && kill_after >= 0 && acked >= kill_after) {
      ::kill(pid, SIGKILL);
      killed = true;  // keep reading: what the child wrote before dying was acknowledged
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (killed) {
    CHECK((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)));
  } else {
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  return acked;
}

void CheckAcknowledgedKeys(const std::string& dir, int acked) {
  auto store = OpenOrDie(dir, TestOptions());
  int lost = 0;
  for (int i = 0; i < acked; ++i) {
    auto v = store->Get("key" + std::to_string(i));
    REQUIRE(v.ok());
    if (v->value_or("") != std::to_string(i)) ++lost;
  }
  CHECK(lost == 0);
  CHECK(*store->Count() >= static_cast<uint64_t>(acked));
}

}  // namespace

TEST_SUITE("store crash") {
  TEST_CASE("After an AOF write error writes are refused and reads still answer") {
    // In a child process: RLIMIT_FSIZE makes the next AOF append fail (EFBIG) without
    // touching the parent's files. alarm() turns a hang into a failure.
    TempDir tmp;
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::alarm(60);
      Options options = TestOptions();
      options.appendfsync = AppendFsync::kAlways;
      options.log_level = "nothing";
      auto store = Store::Open(tmp.path(), options);
      if (!store.ok() || !(*store)->Set("a", "1").ok()) ::_exit(2);
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{static_cast<rlim_t>(fs::file_size(LastIncrPath(tmp)) + 10), RLIM_INFINITY};
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
      if ((*store)->Set("b", std::string(100, 'x')).ok()) ::_exit(4);
      auto a = (*store)->Get("a");
      if (!a.ok() || a->value_or("") != "1") ::_exit(5);
      // Refused by the dispatcher (MISCONF) from now on: IoError, as the failed write was.
      if ((*store)->Set("c", "1").code() != Status::Code::kIoError) ::_exit(6);
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE_MESSAGE(WIFEXITED(status), "child killed by signal ", WTERMSIG(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  TEST_CASE("SIGKILL with appendfsync always loses no acknowledged write") {
    TempDir tmp;
    Options options = TestOptions();
    options.background_thread = true;
    options.appendfsync = AppendFsync::kAlways;
    options.log_level = "nothing";
    const int acked = RunCrashingWriter(tmp.path(), options, 100000, 300);
    CHECK(acked >= 300);
    CheckAcknowledgedKeys(tmp.path(), acked);
  }

  TEST_CASE("A process exit without Close loses no acknowledged write (everysec)") {
    TempDir tmp;
    Options options = TestOptions();
    options.log_level = "nothing";
    const int acked = RunCrashingWriter(tmp.path(), options, 2000, -1);
    CHECK(acked == 2000);
    CheckAcknowledgedKeys(tmp.path(), acked);
  }

  TEST_CASE("SIGKILL with a torn AOF tail: the store reopens with every acknowledged write") {
    TempDir tmp;
    Options options = TestOptions();
    options.background_thread = true;
    options.appendfsync = AppendFsync::kAlways;
    options.log_level = "nothing";
    const int acked = RunCrashingWriter(tmp.path(), options, 100000, 100);
    // A crash in the middle of a write(2) leaves half a command at the end of the last incr.
    const std::string incr = LastIncrPath(tmp);
    REQUIRE(fs::file_size(incr) > 0);
    {
      std::ofstream out(incr, std::ios::binary | std::ios::app);
      out << "*3\r\n$3\r\nSET\r\n$4\r\nhal";
    }
    CheckAcknowledgedKeys(tmp.path(), acked);
  }
}
