// A preloadable disk-fault library (LD_PRELOAD) for tests and benchmarks: it makes file system
// calls of basalt-server or redis-server fail with a chosen errno, stall, or run slowly, so
// the servers' failure paths can be driven and compared. Built as the `fault_inject` CMake
// target (build/libfault_inject.so). Everything is configured by environment variables, read
// once when the library is loaded (copied: redis-server reuses its environment's memory for its
// process title). With none of them set, every call passes straight through.
//
// Calls intercepted (public libc symbols, through the PLT) and their op names:
//   write      write, pwrite, pwrite64, writev, pwritev, pwritev64, pwritev2, pwritev64v2
//   fsync      fsync, fdatasync, sync_file_range
//   rename     rename, renameat, renameat2
//   ftruncate  ftruncate, ftruncate64
//   read       read, __read_chk, pread, pread64, readv, preadv, preadv64, preadv2, preadv64v2
//   all        every op above
// NOT intercepted: stdio (fwrite, fflush, fclose, fread) and anything else libc does inside
// itself (it calls its internal __write/__read, which no preload can replace). So redis-server's
// RDB writes (rio → fwrite/fflush) and RDB reads (fread) are not seen; its AOF, manifest and
// RDB fsync/rename are. basalt writes its data files (AOF, manifest, RDB) with write/writev
// (common/file_util.cc, persistence/byte_io.cc) and reads them with read, so all of that is
// seen; its log (spdlog, stdio) is not. mmap'd I/O and io_uring are not seen either.
//
// Which calls match: fd-based calls only when the fd is a regular file or a directory (never a
// socket, pipe or tty, so replies and logs to a terminal are safe), and, with
// BASALT_FAULT_MATCH set, only when the fd's path (/proc/self/fd readlink, read on every call,
// since fds are reused) contains that text. Renames match when either path (made absolute
// against the cwd or the dirfd) contains it. Tip: "appendonlydir/" matches the files inside the
// directory but not the directory itself (its fsync after a rename).
//
// Faults:
//   BASALT_FAULT_OPS=op,op     ops to fail (names above). Unset or empty: no faults.
//   BASALT_FAULT_ERRNO=name|n  ENOSPC, EIO (default), EDQUOT, EROFS, EFBIG, EACCES, EPERM, EBADF,
//                              EINVAL, EAGAIN, EINTR, ENOMEM, EXDEV, EBUSY, ENOENT, or a number.
//   BASALT_FAULT_MATCH=text    only files whose path contains text (see above).
//   BASALT_FAULT_ON_CALL=N     the Nth matching call of a listed op (counted from 1, all listed
//                              ops together) is the first to fail (default 1: every call).
//   BASALT_FAULT_COUNT=M       at most M calls fail, then calls pass again: the fault is spent
//                              (default 0: no limit, every call from the first failing one on
//                              fails). COUNT=1 gives a transient error.
//   BASALT_FAULT_AFTER_BYTES=N a full disk: writes (write-family calls) to matching files pass
//                              until N bytes in all were written to them; the write that crosses
//                              N is cut short (writes what fits, returns that count, like a real
//                              full disk), and from then on every listed op on a matching file
//                              fails (subject to COUNT; a spent fault lets calls pass in full).
//                              Bytes are counted even when write is not a listed op (then only
//                              the other listed ops fail once N is reached). Cannot be combined
//                              with ON_CALL (the library aborts at load).
//   BASALT_FAULT_CONTROL_FILE=path  faults are armed only while this file exists (stat on every
//                              matching call). An arming period is the life of one version of
//                              the file, identified by its inode and ctime: deleting it disarms,
//                              creating it again (or touching it) starts a new period in which
//                              the call counter, the byte counter and the failure count restart
//                              from zero. Calls made while disarmed are not counted. Calls
//                              racing with the first sight of a new period may be counted in
//                              either period. Without a control file there is one period from
//                              load on.
//   BASALT_FAULT_LOG=path      one line appended per injected fault, short write or stall:
//                                fault_inject pid=P fail <fn> fd=F path=<p> errno=<NAME> call=K
//                                fault_inject pid=P fail rename from=<a> to=<b> errno=<NAME> ...
//                                fault_inject pid=P short <fn> fd=F path=<p> wrote=W of=L
//                                fault_inject pid=P stall <fn> fd=F path=<p>
//                              (<fn> is the real function name, e.g. pwrite64 or fdatasync).
// Stalls (hold a call until the test lets it go, e.g. to keep a server loading):
//   BASALT_STALL_FILE=path     while this file exists, matching calls of the stall ops wait
//                              (polling every millisecond) before they run.
//   BASALT_STALL_OPS=op,op     default read.
//   BASALT_STALL_MATCH=text    like BASALT_FAULT_MATCH, for stalls.
// Slow fsync (what tools/slow_fsync.cc was): after every real fsync and fdatasync (not
// sync_file_range, as before):
//   BASALT_SLOW_FSYNC_US=us    sleep this long (a real SSD flush takes ~0.5-3 ms, tmpfs ~0.05).
//   BASALT_SLOW_FSYNC_MATCH=t  only fds whose path contains t are slowed and counted.
//   BASALT_FSYNC_COUNT_FILE=p  one byte appended to p per (matching) call, to count fsyncs.
//   A call failed by a fault returns at once: neither slowed nor counted.
//
// Order within one call: stall, then fault, then the real call, then the slow-fsync delay.
// Thread-safe (counters are atomics) and free of allocation; a forked child (redis's BGSAVE)
// goes on with a copy of the counters. Checks need up to ~30 KiB of stack (paths, a log line,
// a cut iovec array), only when configured.
// Built with -fno-sanitize=all: it is loaded next to the sanitizer runtimes, not instrumented.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);

namespace {

// -- the real functions ----------------------------------------------------------------------

// The next definition of a symbol (libc's). All are looked up when the library is loaded
// (ResolveAll), so no hook calls dlsym later (not async-signal-safe: a hook may run in a signal
// handler); one called before that, by another library's constructor, looks up its own. A race
// only looks it up twice. The slots are constant-initialized: no guard, no allocation.
template <typename Fn>
Fn Real(std::atomic<void*>& slot, const char* name) {
  void* p = slot.load(std::memory_order_acquire);
  if (p == nullptr) {
    p = ::dlsym(RTLD_NEXT, name);
    slot.store(p, std::memory_order_release);
  }
  return reinterpret_cast<Fn>(p);
}

// clang-format off
#define BASALT_INTERPOSED(X)                                                                  \
  X(write) X(pwrite) X(pwrite64) X(writev) X(pwritev) X(pwritev64) X(pwritev2) X(pwritev64v2) \
  X(fsync) X(fdatasync) X(sync_file_range)                                                    \
  X(rename) X(renameat) X(renameat2) X(ftruncate) X(ftruncate64)                              \
  X(read) X(__read_chk) X(pread) X(pread64) X(readv) X(preadv) X(preadv64) X(preadv2)         \
  X(preadv64v2)
// clang-format on

struct RealSlots {
#define BASALT_SLOT(fn) std::atomic<void*> fn{nullptr};
  BASALT_INTERPOSED(BASALT_SLOT)
#undef BASALT_SLOT
};
RealSlots g_real;

#define REAL(fn) Real<decltype(&::fn)>(g_real.fn, #fn)

void ResolveAll() {
#define BASALT_RESOLVE(fn) (void)REAL(fn);
  BASALT_INTERPOSED(BASALT_RESOLVE)
#undef BASALT_RESOLVE
}

// -- configuration ---------------------------------------------------------------------------

enum OpBit : unsigned {
  kOpWrite = 1u << 0,
  kOpFsync = 1u << 1,
  kOpRename = 1u << 2,
  kOpFtruncate = 1u << 3,
  kOpRead = 1u << 4,
};

struct OpName {
  const char* name;
  unsigned bits;
};
constexpr OpName kOpNames[] = {
    {"write", kOpWrite},   {"fsync", kOpFsync},
    {"rename", kOpRename}, {"ftruncate", kOpFtruncate},
    {"read", kOpRead},     {"all", kOpWrite | kOpFsync | kOpRename | kOpFtruncate | kOpRead},
};

struct ErrnoName {
  const char* name;
  int value;
};
constexpr ErrnoName kErrnoNames[] = {
    {"ENOSPC", ENOSPC}, {"EIO", EIO},       {"EDQUOT", EDQUOT}, {"EROFS", EROFS},
    {"EFBIG", EFBIG},   {"EACCES", EACCES}, {"EPERM", EPERM},   {"EBADF", EBADF},
    {"EINVAL", EINVAL}, {"EAGAIN", EAGAIN}, {"EINTR", EINTR},   {"ENOMEM", ENOMEM},
    {"EXDEV", EXDEV},   {"EBUSY", EBUSY},   {"ENOENT", ENOENT},
};

constexpr size_t kTextSize = 1024;

struct Config {
  unsigned fault_ops;
  int err;
  char match[kTextSize];
  bool budget_mode;  // BASALT_FAULT_AFTER_BYTES set
  uint64_t after_bytes;
  uint64_t on_call;
  uint64_t count;  // 0: no limit
  char control_file[kTextSize];
  int log_fd;
  unsigned stall_ops;
  char stall_match[kTextSize];
  char stall_file[kTextSize];
  long slow_fsync_us;
  char slow_match[kTextSize];
  int count_fd;
};

// Zero-initialized (static storage), written once by Init, read-only afterwards.
Config g_cfg;
std::atomic<int> g_init_state{0};  // 0 not yet, 1 in progress, 2 done

// The counters of the current arming period (see BASALT_FAULT_CONTROL_FILE).
std::atomic<uint64_t> g_period_key{0};
std::atomic<uint64_t> g_calls{0};
std::atomic<uint64_t> g_bytes{0};
std::atomic<uint64_t> g_failures{0};

void WriteAll(int fd, const char* text, size_t len) {
  while (len > 0) {
    const ssize_t n = REAL(write)(fd, text, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text += n;
    len -= static_cast<size_t>(n);
  }
}

// A configuration mistake in a test: say so on stderr and stop the process at once.
[[noreturn]] void Die(const char* what, const char* value) {
  WriteAll(2, "fault_inject: ", 14);
  WriteAll(2, what, std::strlen(what));
  WriteAll(2, ": '", 3);
  WriteAll(2, value, std::strlen(value));
  WriteAll(2, "'\n", 2);
  std::abort();
}

// Copies the variable into buf; false when it is unset or empty.
bool CopyEnv(const char* name, char* buf) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return false;
  if (std::strlen(text) >= kTextSize) Die("value too long", name);
  std::strcpy(buf, text);
  return true;
}

unsigned ParseOps(const char* text) {
  unsigned bits = 0;
  while (*text != '\0') {
    while (*text == ',' || *text == ' ') ++text;
    const size_t len = std::strcspn(text, ", ");
    if (len == 0) break;
    bool known = false;
    for (const OpName& op : kOpNames) {
      if (std::strlen(op.name) == len && std::strncmp(op.name, text, len) == 0) {
        bits |= op.bits;
        known = true;
      }
    }
    if (!known) Die("unknown op (write, fsync, rename, ftruncate, read, all)", text);
    text += len;
  }
  return bits;
}

int ParseErrno(const char* text) {
  if (*text >= '0' && *text <= '9') return std::atoi(text);
  for (const ErrnoName& e : kErrnoNames) {
    if (std::strcmp(e.name, text) == 0) return e.value;
  }
  Die("unknown BASALT_FAULT_ERRNO", text);
}

uint64_t ParseCount(const char* name, const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') Die(name, text);
  return value;
}

int OpenAppend(const char* name) {
  char path[kTextSize];
  if (!CopyEnv(name, path)) return -1;
  return ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

void ReadFaultConfig(Config& c) {
  char buf[kTextSize];
  if (CopyEnv("BASALT_FAULT_OPS", buf)) c.fault_ops = ParseOps(buf);
  c.err = CopyEnv("BASALT_FAULT_ERRNO", buf) ? ParseErrno(buf) : EIO;
  CopyEnv("BASALT_FAULT_MATCH", c.match);
  c.on_call = 1;
  const bool has_on_call = CopyEnv("BASALT_FAULT_ON_CALL", buf);
  if (has_on_call) c.on_call = ParseCount("BASALT_FAULT_ON_CALL", buf);
  if (c.on_call == 0) Die("BASALT_FAULT_ON_CALL counts from 1", buf);
  if (CopyEnv("BASALT_FAULT_COUNT", buf)) c.count = ParseCount("BASALT_FAULT_COUNT", buf);
  c.budget_mode = CopyEnv("BASALT_FAULT_AFTER_BYTES", buf);
  if (c.budget_mode) c.after_bytes = ParseCount("BASALT_FAULT_AFTER_BYTES", buf);
  if (c.budget_mode && has_on_call)
    Die("exclusive, set only one", "BASALT_FAULT_AFTER_BYTES, BASALT_FAULT_ON_CALL");
  CopyEnv("BASALT_FAULT_CONTROL_FILE", c.control_file);
  c.log_fd = OpenAppend("BASALT_FAULT_LOG");
}

void Init() {
  ResolveAll();
  Config& c = g_cfg;
  ReadFaultConfig(c);
  char buf[kTextSize];
  if (CopyEnv("BASALT_STALL_FILE", c.stall_file)) {
    c.stall_ops = CopyEnv("BASALT_STALL_OPS", buf) ? ParseOps(buf) : kOpRead;
    CopyEnv("BASALT_STALL_MATCH", c.stall_match);
  }
  if (CopyEnv("BASALT_SLOW_FSYNC_US", buf)) c.slow_fsync_us = std::atol(buf);
  CopyEnv("BASALT_SLOW_FSYNC_MATCH", c.slow_match);
  c.count_fd = OpenAppend("BASALT_FSYNC_COUNT_FILE");
}

void EnsureInit() {
  if (g_init_state.load(std::memory_order_acquire) == 2) return;
  int expected = 0;
  if (g_init_state.compare_exchange_strong(expected, 1)) {
    Init();
    g_init_state.store(2, std::memory_order_release);
    return;
  }
  while (g_init_state.load(std::memory_order_acquire) != 2) ::sched_yield();
}

__attribute__((constructor)) void InitAtLoad() { EnsureInit(); }

// Whether calls of op need a closer look (the fast path of every hook).
bool Watched(unsigned op) {
  EnsureInit();
  if ((g_cfg.fault_ops | g_cfg.stall_ops) & op) return true;
  return op == kOpWrite && g_cfg.budget_mode;
}

// -- what a call touches ---------------------------------------------------------------------

struct Call {
  const char* fn;
  unsigned op;
  int fd;
  const char* from = nullptr;  // rename only
  const char* to = nullptr;
  int from_dirfd = AT_FDCWD;
  int to_dirfd = AT_FDCWD;
};

// The call's files as paths, resolved on first need (left uninitialized until then: a memset
// of 8 KiB per write would be a waste).
struct Paths {
  bool resolved = false;
  bool is_file = false;
  char a[PATH_MAX];  // the fd's file, or the rename source
  char b[PATH_MAX];  // the rename target
};

void AppendText(char* out, size_t size, size_t& len, const char* text) {
  while (*text != '\0' && len + 1 < size) out[len++] = *text++;
  out[len] = '\0';
}

void AppendNumber(char* out, size_t size, size_t& len, uint64_t value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[24];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = '\0';
  AppendText(out, size, len, text);
}

void FdPath(int fd, char* out) {
  char link[40];
  size_t len = 0;
  link[0] = '\0';
  AppendText(link, sizeof(link), len, "/proc/self/fd/");
  AppendNumber(link, sizeof(link), len, static_cast<uint64_t>(fd));
  const ssize_t n = ::readlink(link, out, PATH_MAX - 1);
  out[n < 0 ? 0 : n] = '\0';
}

// path made absolute against dirfd (AT_FDCWD: the working directory), for matching.
void AbsolutePath(int dirfd, const char* path, char* out) {
  size_t len = 0;
  out[0] = '\0';
  if (path[0] != '/') {
    if (dirfd == AT_FDCWD) {
      if (::getcwd(out, PATH_MAX) == nullptr) out[0] = '\0';
    } else {
      FdPath(dirfd, out);
    }
    len = std::strlen(out);
    AppendText(out, PATH_MAX, len, "/");
  }
  AppendText(out, PATH_MAX, len, path);
}

void Resolve(const Call& c, Paths& p) {
  p.resolved = true;
  p.a[0] = p.b[0] = '\0';
  if (c.from != nullptr) {
    p.is_file = true;
    AbsolutePath(c.from_dirfd, c.from, p.a);
    AbsolutePath(c.to_dirfd, c.to, p.b);
    return;
  }
  struct stat st;
  p.is_file = ::fstat(c.fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
  if (p.is_file) FdPath(c.fd, p.a);
}

bool Matches(const Call& c, Paths& p, const char* match) {
  if (!p.resolved) Resolve(c, p);
  if (!p.is_file) return false;
  if (*match == '\0') return true;
  return std::strstr(p.a, match) != nullptr || std::strstr(p.b, match) != nullptr;
}

// -- the log ---------------------------------------------------------------------------------

class LogLine {
 public:
  LogLine(const char* what, const Call& c, const Paths& p) {
    Add("fault_inject pid=").Num(static_cast<uint64_t>(::getpid())).Add(" ").Add(what);
    Add(" ").Add(c.fn);
    if (c.from != nullptr) {
      Add(" from=").Add(p.a).Add(" to=").Add(p.b);
    } else {
      Add(" fd=").Num(static_cast<uint64_t>(c.fd)).Add(" path=").Add(p.a);
    }
  }
  LogLine& Add(const char* text) {
    AppendText(buf_, sizeof(buf_), len_, text);
    return *this;
  }
  LogLine& Num(uint64_t value) {
    AppendNumber(buf_, sizeof(buf_), len_, value);
    return *this;
  }
  void Emit() {
    if (g_cfg.log_fd < 0) return;
    Add("\n");
    WriteAll(g_cfg.log_fd, buf_, len_);
  }

 private:
  char buf_[PATH_MAX + 512];  // one path in full; a rename's two share it (cut if very long)
  size_t len_ = 0;
};

void LogFailure(const Call& c, const Paths& p, uint64_t call) {
  LogLine line("fail", c, p);
  line.Add(" errno=");
  const char* name = nullptr;
  for (const ErrnoName& e : kErrnoNames) {
    if (e.value == g_cfg.err) name = e.name;
  }
  if (name != nullptr) {
    line.Add(name);
  } else {
    line.Num(static_cast<uint64_t>(g_cfg.err));
  }
  if (call > 0) line.Add(" call=").Num(call);
  line.Emit();
}

// -- deciding --------------------------------------------------------------------------------

// Armed now? Starts a new period (counters at zero) when the control file is a new one.
bool Armed() {
  if (g_cfg.control_file[0] == '\0') return true;
  struct stat st;
  if (::stat(g_cfg.control_file, &st) != 0) return false;
  const uint64_t key = (static_cast<uint64_t>(st.st_ino) * 0x9E3779B97F4A7C15ull) ^
                       (static_cast<uint64_t>(st.st_ctim.tv_sec) * 1'000'000'000ull +
                        static_cast<uint64_t>(st.st_ctim.tv_nsec)) ^
                       1;  // never 0, the key before any period
  uint64_t seen = g_period_key.load();
  if (seen != key && g_period_key.compare_exchange_strong(seen, key)) {
    g_calls = 0;
    g_bytes = 0;
    g_failures = 0;
  }
  return true;
}

// Takes one failure from the fault's allowance (BASALT_FAULT_COUNT); false once it is spent.
bool TakeFailure() {
  const uint64_t taken = g_failures.fetch_add(1);
  return g_cfg.count == 0 || taken < g_cfg.count;
}

bool Spent() { return g_cfg.count != 0 && g_failures.load() >= g_cfg.count; }

// Whether a listed, matching, armed call fails; *call is its number (ON_CALL mode, else 0).
bool Fires(uint64_t* call) {
  *call = 0;
  if (g_cfg.budget_mode) return g_bytes.load() >= g_cfg.after_bytes && TakeFailure();
  *call = g_calls.fetch_add(1) + 1;
  if (*call < g_cfg.on_call) return false;
  return g_cfg.count == 0 || *call - g_cfg.on_call < g_cfg.count;
}

void SleepUs(long us) {
  timespec ts{us / 1'000'000, (us % 1'000'000) * 1000};
  while (::nanosleep(&ts, &ts) != 0) {
  }
}

void StallWhileHeld(const Call& c, Paths& p) {
  if (!(g_cfg.stall_ops & c.op) || !Matches(c, p, g_cfg.stall_match)) return;
  if (::access(g_cfg.stall_file, F_OK) != 0) return;
  LogLine("stall", c, p).Emit();
  while (::access(g_cfg.stall_file, F_OK) == 0) SleepUs(1000);
}

// Stalls, then decides: true when the call must fail (logged; errno is then set).
bool InjectFault(const Call& c, Paths& p) {
  const int saved_errno = errno;
  StallWhileHeld(c, p);
  uint64_t call = 0;
  if ((g_cfg.fault_ops & c.op) && Matches(c, p, g_cfg.match) && Armed() && Fires(&call)) {
    LogFailure(c, p, call);
    errno = g_cfg.err;
    return true;
  }
  errno = saved_errno;
  return false;
}

// For every call but writes: fails it or runs it.
template <typename Run>
auto Guarded(const Call& c, Run run) -> decltype(run()) {
  if (Watched(c.op)) {
    Paths p;
    if (InjectFault(c, p)) return -1;
  }
  return run();
}

// -- writes ----------------------------------------------------------------------------------

// Counts bytes written to a matching file (BASALT_FAULT_AFTER_BYTES).
template <typename Write>
ssize_t CountedWrite(size_t len, Write write) {
  const ssize_t n = write(len);
  if (n > 0) g_bytes.fetch_add(static_cast<uint64_t>(n));
  return n;
}

// A full disk: grants what is left of the byte budget, cuts the write to it, fails once none is.
template <typename Write>
ssize_t BudgetedWrite(const Call& c, const Paths& p, size_t len, Write write) {
  if (!(g_cfg.fault_ops & kOpWrite) || len == 0 || Spent()) return CountedWrite(len, write);
  uint64_t used = g_bytes.load();
  uint64_t grant = 0;
  do {
    if (used >= g_cfg.after_bytes) {
      if (!TakeFailure()) return CountedWrite(len, write);
      LogFailure(c, p, 0);
      errno = g_cfg.err;
      return -1;
    }
    grant = std::min<uint64_t>(len, g_cfg.after_bytes - used);
  } while (!g_bytes.compare_exchange_weak(used, used + grant));
  const ssize_t n = write(static_cast<size_t>(grant));
  const uint64_t written = n > 0 ? static_cast<uint64_t>(n) : 0;
  if (written < grant) g_bytes.fetch_sub(grant - written);  // give back what was not used
  if (grant < len && n >= 0) {
    LogLine("short", c, p).Add(" wrote=").Num(written).Add(" of=").Num(len).Emit();
  }
  return n;
}

// write(max) does the real write of at most max bytes.
template <typename Write>
ssize_t GuardedWrite(const Call& c, size_t len, Write write) {
  if (!Watched(kOpWrite)) return write(len);
  const int saved_errno = errno;
  Paths p;
  StallWhileHeld(c, p);
  const bool listed = g_cfg.fault_ops & kOpWrite;
  const bool applies = (listed || g_cfg.budget_mode) && Matches(c, p, g_cfg.match) && Armed();
  errno = saved_errno;
  if (!applies) return write(len);
  if (g_cfg.budget_mode) return BudgetedWrite(c, p, len, write);
  uint64_t call = 0;
  if (Fires(&call)) {
    LogFailure(c, p, call);
    errno = g_cfg.err;
    return -1;
  }
  return write(len);
}

size_t IovLength(const iovec* iov, int count) {
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  return total;
}

// Runs a vectored write of at most max bytes: the iovecs cut to max when max is short.
template <typename VecWrite>
ssize_t CutVecWrite(const iovec* iov, int count, size_t max, VecWrite vec_write) {
  if (count < 0 || count > IOV_MAX || max >= IovLength(iov, count)) return vec_write(iov, count);
  iovec cut[IOV_MAX];
  int n = 0;
  for (; n < count && max > 0; ++n) {
    cut[n] = iov[n];
    cut[n].iov_len = std::min(cut[n].iov_len, max);
    max -= cut[n].iov_len;
  }
  return vec_write(cut, n);
}

// -- slow fsync ------------------------------------------------------------------------------

void AfterSync(int fd) {
  if (g_cfg.slow_fsync_us <= 0 && g_cfg.count_fd < 0) return;
  if (g_cfg.slow_match[0] != '\0') {
    char path[PATH_MAX];
    FdPath(fd, path);
    if (std::strstr(path, g_cfg.slow_match) == nullptr) return;
  }
  if (g_cfg.count_fd >= 0) WriteAll(g_cfg.count_fd, "s", 1);
  if (g_cfg.slow_fsync_us > 0) SleepUs(g_cfg.slow_fsync_us);
}

// slow: whether the slow-fsync delay and count apply (fsync and fdatasync).
template <typename Run>
int GuardedSync(const char* fn, int fd, bool slow, Run run) {
  if (Watched(kOpFsync)) {
    Paths p;
    if (InjectFault(Call{fn, kOpFsync, fd}, p)) return -1;
  }
  const int rc = run();
  if (!slow) return rc;
  const int saved_errno = errno;
  AfterSync(fd);
  errno = saved_errno;
  return rc;
}

}  // namespace

// -- the interposed functions ----------------------------------------------------------------

extern "C" {

ssize_t write(int fd, const void* buf, size_t n) {
  return GuardedWrite(Call{"write", kOpWrite, fd}, n,
                      [&](size_t max) { return REAL(write)(fd, buf, max); });
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  return GuardedWrite(Call{"pwrite", kOpWrite, fd}, n,
                      [&](size_t max) { return REAL(pwrite)(fd, buf, max, off); });
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  return GuardedWrite(Call{"pwrite64", kOpWrite, fd}, n,
                      [&](size_t max) { return REAL(pwrite64)(fd, buf, max, off); });
}

ssize_t writev(int fd, const iovec* iov, int count) {
  return GuardedWrite(Call{"writev", kOpWrite, fd}, IovLength(iov, count), [&](size_t max) {
    return CutVecWrite(iov, count, max,
                       [&](const iovec* v, int c) { return REAL(writev)(fd, v, c); });
  });
}

ssize_t pwritev(int fd, const iovec* iov, int count, off_t off) {
  return GuardedWrite(Call{"pwritev", kOpWrite, fd}, IovLength(iov, count), [&](size_t max) {
    return CutVecWrite(iov, count, max,
                       [&](const iovec* v, int c) { return REAL(pwritev)(fd, v, c, off); });
  });
}

ssize_t pwritev64(int fd, const iovec* iov, int count, off64_t off) {
  return GuardedWrite(Call{"pwritev64", kOpWrite, fd}, IovLength(iov, count), [&](size_t max) {
    return CutVecWrite(iov, count, max,
                       [&](const iovec* v, int c) { return REAL(pwritev64)(fd, v, c, off); });
  });
}

ssize_t pwritev2(int fd, const iovec* iov, int count, off_t off, int flags) {
  return GuardedWrite(Call{"pwritev2", kOpWrite, fd}, IovLength(iov, count), [&](size_t max) {
    return CutVecWrite(iov, count, max,
                       [&](const iovec* v, int c) { return REAL(pwritev2)(fd, v, c, off, flags); });
  });
}

ssize_t pwritev64v2(int fd, const iovec* iov, int count, off64_t off, int flags) {
  return GuardedWrite(Call{"pwritev64v2", kOpWrite, fd}, IovLength(iov, count), [&](size_t max) {
    return CutVecWrite(iov, count, max, [&](const iovec* v, int c) {
      return REAL(pwritev64v2)(fd, v, c, off, flags);
    });
  });
}

int fsync(int fd) {
  return GuardedSync("fsync", fd, true, [&] { return REAL(fsync)(fd); });
}

int fdatasync(int fd) {
  return GuardedSync("fdatasync", fd, true, [&] { return REAL(fdatasync)(fd); });
}

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags) {
  return GuardedSync("sync_file_range", fd, false,
                     [&] { return REAL(sync_file_range)(fd, off, n, flags); });
}

int rename(const char* from, const char* to) {
  Call c{"rename", kOpRename, -1, from, to};
  return Guarded(c, [&] { return REAL(rename)(from, to); });
}

int renameat(int from_dirfd, const char* from, int to_dirfd, const char* to) {
  Call c{"renameat", kOpRename, -1, from, to, from_dirfd, to_dirfd};
  return Guarded(c, [&] { return REAL(renameat)(from_dirfd, from, to_dirfd, to); });
}

int renameat2(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned flags) {
  Call c{"renameat2", kOpRename, -1, from, to, from_dirfd, to_dirfd};
  return Guarded(c, [&] { return REAL(renameat2)(from_dirfd, from, to_dirfd, to, flags); });
}

int ftruncate(int fd, off_t length) {
  return Guarded(Call{"ftruncate", kOpFtruncate, fd}, [&] { return REAL(ftruncate)(fd, length); });
}

int ftruncate64(int fd, off64_t length) {
  return Guarded(Call{"ftruncate64", kOpFtruncate, fd},
                 [&] { return REAL(ftruncate64)(fd, length); });
}

ssize_t read(int fd, void* buf, size_t n) {
  return Guarded(Call{"read", kOpRead, fd}, [&] { return REAL(read)(fd, buf, n); });
}

ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  return Guarded(Call{"__read_chk", kOpRead, fd},
                 [&] { return REAL(__read_chk)(fd, buf, n, buflen); });
}

ssize_t pread(int fd, void* buf, size_t n, off_t off) {
  return Guarded(Call{"pread", kOpRead, fd}, [&] { return REAL(pread)(fd, buf, n, off); });
}

ssize_t pread64(int fd, void* buf, size_t n, off64_t off) {
  return Guarded(Call{"pread64", kOpRead, fd}, [&] { return REAL(pread64)(fd, buf, n, off); });
}

ssize_t readv(int fd, const iovec* iov, int count) {
  return Guarded(Call{"readv", kOpRead, fd}, [&] { return REAL(readv)(fd, iov, count); });
}

ssize_t preadv(int fd, const iovec* iov, int count, off_t off) {
  return Guarded(Call{"preadv", kOpRead, fd}, [&] { return REAL(preadv)(fd, iov, count, off); });
}

ssize_t preadv64(int fd, const iovec* iov, int count, off64_t off) {
  return Guarded(Call{"preadv64", kOpRead, fd},
                 [&] { return REAL(preadv64)(fd, iov, count, off); });
}

ssize_t preadv2(int fd, const iovec* iov, int count, off_t off, int flags) {
  return Guarded(Call{"preadv2", kOpRead, fd},
                 [&] { return REAL(preadv2)(fd, iov, count, off, flags); });
}

ssize_t preadv64v2(int fd, const iovec* iov, int count, off64_t off, int flags) {
  return Guarded(Call{"preadv64v2", kOpRead, fd},
                 [&] { return REAL(preadv64v2)(fd, iov, count, off, flags); });
}

}  // extern "C"
