// OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP: how a key's value is stored.
//
// Collections report their own encoding names (listpack, hashtable, intset, quicklist,
// skiplist), which tools and tests check. Strings follow Redis's rules from the value alone:
// "int" for a canonical integer of at most 20 characters, "embstr" up to 44 bytes, else "raw".
// (Redis also answers "raw" for short strings built by APPEND or SETRANGE; basalt does not
// track how a string was made.) basalt keeps no LRU/LFU data, so IDLETIME is always 0 and FREQ
// is refused as under an LRU policy.
#include <string>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "common/strings.h"
#include "store/access.h"

namespace basalt::cmd {

namespace {

// Redis shares the integers 0..9999 between keys (its OBJ_SHARED_INTEGERS) and reports such
// objects with this reference count.
constexpr int64_t kSharedIntegers = 10000;
constexpr int64_t kSharedRefCount = 2147483647;

constexpr size_t kEmbstrMax = 44;
constexpr size_t kIntEncodingMaxLength = 20;

bool IsIntegerString(std::string_view value, int64_t* v) {
  return value.size() <= kIntEncodingMaxLength && ParseInt64(value, v);
}

std::string_view StringEncoding(std::string_view value) {
  int64_t v;
  if (IsIntegerString(value, &v)) return "int";
  return value.size() <= kEmbstrMax ? "embstr" : "raw";
}

// The key named by OBJECT's third argument (looking is not an access to it); a reply of null
// when it is absent.
store::Entry* ObjectLookup(CommandContext& ctx) {
  store::Entry* e = ctx.db().Lookup(ctx.arg(2), ctx.now_ms, /*touch=*/false);
  if (e == nullptr) ctx.reply.Null();
  return e;
}

void ObjectEncoding(CommandContext& ctx) {
  store::Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (e->type() == store::ValueType::kString) {
    ctx.reply.Bulk(StringEncoding(e->string_value()));
  } else {
    ctx.reply.Bulk(e->encoding() == store::Encoding::kCompact ? "listpack"
                                                              : e->object()->EncodingName());
  }
}

void ObjectRefCount(CommandContext& ctx) {
  store::Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  int64_t v;
  const bool shared =
      e->type() == store::ValueType::kString && IsIntegerString(e->string_value(), &v) && v >= 0 &&
      v < kSharedIntegers &&
      ctx.server.config.settings().maxmemory_policy.find("lru") == std::string::npos &&
      ctx.server.config.settings().maxmemory_policy.find("lfu") == std::string::npos;
  ctx.reply.Integer(shared ? kSharedRefCount : 1);
}

// Keys record accesses only under an LRU or LFU maxmemory-policy (store/access.h); under the
// others basalt keeps no access time and answers 0.
void ObjectIdleTime(CommandContext& ctx) {
  store::Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  const store::Keyspace& ks = ctx.server.keyspace;
  if (ks.access_policy().mode == store::AccessMode::kLfu) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  ctx.reply.Integer(ks.IdleMs(*e, ctx.now_ms) / 1000);
}

void ObjectFreq(CommandContext& ctx) {
  store::Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  const store::Keyspace& ks = ctx.server.keyspace;
  if (ks.access_policy().mode != store::AccessMode::kLfu) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  ctx.reply.Integer(
      store::access::LfuDecayed(ks.AccessOf(*e), ctx.now_ms, ks.access_policy().lfu_decay_time));
}

void ObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.SimpleString(line);
}

}  // namespace

void RegisterObjectCommand(CommandTable& table) {
  auto sub = [](std::string_view name, uint32_t flags, Handler h, std::string_view summary,
                std::string_view since) {
    CommandSpec spec = KeylessSpec(name, 3, flags, h, "generic", summary, since);
    spec.first_key = 2;
    spec.last_key = 2;
    spec.key_step = 1;
    return spec;
  };
  CommandSpec help = KeylessSpec("help", 2, kLoading | kStale, ObjectHelp, "generic",
                                 "Show helpful text about the different subcommands", "6.2.0");
  table.Add({.name = "object",
             .arity = -2,
             .group = "generic",
             .summary = "A container for object introspection commands",
             .since = "2.2.3",
             .complexity = "Depends on subcommand.",
             .subcommands = {
                 sub("encoding", kReadOnly, ObjectEncoding,
                     "Inspect the internal encoding of a Redis object", "2.2.3"),
                 sub("refcount", kReadOnly, ObjectRefCount,
                     "Get the number of references to the value of the key", "2.2.3"),
                 sub("idletime", kReadOnly, ObjectIdleTime,
                     "Get the time since a Redis object was last accessed", "2.2.3"),
                 sub("freq", kReadOnly, ObjectFreq,
                     "Get the logarithmic access frequency counter of a Redis object", "4.0.0"),
                 help,
             }});
}

}  // namespace basalt::cmd
