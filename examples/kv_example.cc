// kv_example: a tiny command-line key-value store on the embedded basalt::Store.
//
//   kv_example [--fsync always|everysec|no] [--no-aof] DIR COMMAND [ARGS...]
//
//   set KEY VALUE [TTL_MS]   prints OK
//   get KEY                  prints the value, or "(nil)" and exits 1
//   del KEY | exists KEY     prints 1 or 0
//   expire KEY TTL_MS        prints 1 (TTL set) or 0 (no such key)
//   ttl KEY                  prints the remaining ms, -1 without TTL, -2 for no key
//   keys [PATTERN]           prints matching keys, one a line
//   count                    prints the number of keys
//   fill PREFIX N            sets PREFIX0..PREFIX<N-1> to their index, printing each index
//                            once its write returned (with --fsync always: once it is durable)
//
// Each run opens DIR, does one command and closes it (Close writes a snapshot), so runs see
// each other's writes; the directory can also be served by basalt-server or redis-server.
// Only basalt/store.h is used: this is what an embedding program sees.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "basalt/store.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: kv_example [--fsync always|everysec|no] [--no-aof] DIR COMMAND [ARGS]\n"
               "commands: set KEY VALUE [TTL_MS] | get KEY | del KEY | exists KEY |\n"
               "          expire KEY TTL_MS | ttl KEY | keys [PATTERN] | count |\n"
               "          fill PREFIX N\n");
  return 2;
}

int Fail(const basalt::Status& st) {
  std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
  return 1;
}

bool ParseNumber(const std::string& text, long long* out) {
  char* end = nullptr;
  *out = std::strtoll(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0';
}

void PrintLine(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

// Runs one command; returns the process exit code.
int Run(basalt::Store& store, const std::vector<std::string>& a) {
  using std::chrono::milliseconds;
  const std::string& cmd = a[0];
  long long n = 0;
  if (cmd == "set" && (a.size() == 3 || a.size() == 4)) {
    if (a.size() == 4 && !ParseNumber(a[3], &n)) return Usage();
    basalt::Status st =
        a.size() == 4 ? store.Set(a[1], a[2], milliseconds(n)) : store.Set(a[1], a[2]);
    if (!st.ok()) return Fail(st);
    PrintLine("OK");
    return 0;
  }
  if (cmd == "get" && a.size() == 2) {
    auto v = store.Get(a[1]);
    if (!v.ok()) return Fail(v.status());
    if (!v->has_value()) {
      PrintLine("(nil)");
      return 1;
    }
    PrintLine(**v);
    return 0;
  }
  if ((cmd == "del" || cmd == "exists") && a.size() == 2) {
    auto r = cmd == "del" ? store.Del(a[1]) : store.Exists(a[1]);
    if (!r.ok()) return Fail(r.status());
    PrintLine(*r ? "1" : "0");
    return 0;
  }
  if (cmd == "expire" && a.size() == 3 && ParseNumber(a[2], &n)) {
    auto r = store.Expire(a[1], milliseconds(n));
    if (!r.ok()) return Fail(r.status());
    PrintLine(*r ? "1" : "0");
    return 0;
  }
  if (cmd == "ttl" && a.size() == 2) {
    auto r = store.Ttl(a[1]);
    if (r.status().IsNotFound()) {
      PrintLine("-2");
      return 0;
    }
    if (!r.ok()) return Fail(r.status());
    PrintLine(r->has_value() ? std::to_string((*r)->count()) : "-1");
    return 0;
  }
  if (cmd == "keys" && a.size() <= 2) {
    auto r = store.Keys(a.size() == 2 ? a[1] : "*");
    if (!r.ok()) return Fail(r.status());
    for (const std::string& k : *r) PrintLine(k);
    return 0;
  }
  if (cmd == "count" && a.size() == 1) {
    auto r = store.Count();
    if (!r.ok()) return Fail(r.status());
    PrintLine(std::to_string(*r));
    return 0;
  }
  if (cmd == "fill" && a.size() == 3 && ParseNumber(a[2], &n)) {
    for (long long i = 0; i < n; ++i) {
      const std::string index = std::to_string(i);
      if (basalt::Status st = store.Set(a[1] + index, index); !st.ok()) return Fail(st);
      PrintLine(index);
      std::fflush(stdout);  // the index is out only after its write returned
    }
    return 0;
  }
  return Usage();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  basalt::Options options;
  options.log_level = "warning";  // keep stdout for the command's output
  size_t i = 0;
  for (; i < args.size() && args[i].rfind("--", 0) == 0; ++i) {
    if (args[i] == "--no-aof") {
      options.appendonly = false;
    } else if (args[i] == "--fsync" && i + 1 < args.size()) {
      const std::string& p = args[++i];
      if (p == "always") {
        options.appendfsync = basalt::AppendFsync::kAlways;
      } else if (p == "everysec") {
        options.appendfsync = basalt::AppendFsync::kEverySec;
      } else if (p == "no") {
        options.appendfsync = basalt::AppendFsync::kNo;
      } else {
        return Usage();
      }
    } else {
      return Usage();
    }
  }
  if (args.size() - i < 2) return Usage();
  auto store = basalt::Store::Open(args[i], options);
  if (!store.ok()) return Fail(store.status());
  int rc = Run(**store, std::vector<std::string>(args.begin() + i + 1, args.end()));
  if (basalt::Status st = (*store)->Close(); !st.ok()) {
    Fail(st);
    return 1;
  }
  return rc;
}
