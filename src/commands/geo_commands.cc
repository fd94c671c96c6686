// Geo commands: GEOADD GEOPOS GEODIST GEOHASH GEORADIUS[_RO] GEORADIUSBYMEMBER[_RO] GEOSEARCH
// GEOSEARCHSTORE, over sorted sets whose scores are geohashes (store/geohash.h), as in Redis:
// a geo set is an ordinary zset, so every Z* command, RDB, DUMP and replication carry it.
//
// Redis 7.0's behaviour kept on purpose:
//  - GEOADD is ZADD with computed scores: it is propagated as that ZADD and fires "zadd".
//  - GEORADIUS and GEOSEARCH share one argument reader whose check order (and so which error
//    a wrong call gets) is Redis's; GEORADIUSBYMEMBER on a missing key skips reading its
//    radius, and GEOSEARCH FROMMEMBER on a missing key skips finding the member.
//  - A search scans the 9 cells of store::geo::SearchCells in order; without ASC/DESC results
//    come in that order. COUNT without ANY sorts ascending; ANY stops the scan at COUNT.
//  - STORE / STOREDIST and GEOSEARCHSTORE write a zset (scores: geohashes, or distances in the
//    unit asked), fire "georadiusstore" / "geosearchstore", and delete the destination when
//    nothing is found. They are propagated as sent.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/helpers.h"
#include "commands/keyspace_notify.h"
#include "commands/zset_commands_internal.h"
#include "common/sort_orders.h"
#include "common/strings.h"
#include "store/geohash.h"

namespace basalt::cmd {
namespace {

namespace geo = store::geo;
using store::ZsetValue;

// A coordinate pair argument; false after replying Redis's error.
bool ParsePosition(CommandContext& ctx, size_t at, double* lon, double* lat) {
  if (!ParseScoreArg(ctx, ctx.arg(at), lon) || !ParseScoreArg(ctx, ctx.arg(at + 1), lat)) {
    return false;
  }
  if (geo::ValidPosition(*lon, *lat)) return true;
  char buf[800];  // "%f" of two doubles of any size (DBL_MAX: 316 characters)
  std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
  ctx.reply.Error(buf);
  return false;
}

// A unit argument as meters per unit; false after replying.
bool ParseUnit(CommandContext& ctx, std::string_view unit, double* to_meters) {
  if (IsOption(unit, "m")) {
    *to_meters = 1;
  } else if (IsOption(unit, "km")) {
    *to_meters = 1000;
  } else if (IsOption(unit, "ft")) {
    *to_meters = 0.3048;
  } else if (IsOption(unit, "mi")) {
    *to_meters = 1609.34;
  } else {
    ctx.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
    return false;
  }
  return true;
}

// A non-negative length argument; false after replying.
bool ParseLength(CommandContext& ctx, std::string_view text, std::string_view not_number,
                 double* out) {
  return ParseScoreArg(ctx, text, out, not_number);
}

// "radius unit" at `at`.
bool ParseRadius(CommandContext& ctx, size_t at, geo::Shape* shape) {
  if (!ParseLength(ctx, ctx.arg(at), "ERR need numeric radius", &shape->radius)) return false;
  if (shape->radius < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  shape->kind = geo::Shape::Kind::kCircle;
  return ParseUnit(ctx, ctx.arg(at + 1), &shape->to_meters);
}

// "width height unit" at `at`.
bool ParseBox(CommandContext& ctx, size_t at, geo::Shape* shape) {
  if (!ParseLength(ctx, ctx.arg(at), "ERR need numeric width", &shape->width) ||
      !ParseLength(ctx, ctx.arg(at + 1), "ERR need numeric height", &shape->height)) {
    return false;
  }
  if (shape->height < 0 || shape->width < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  shape->kind = geo::Shape::Kind::kBox;
  return ParseUnit(ctx, ctx.arg(at + 2), &shape->to_meters);
}

// A member's position; false (no reply) when it is absent.
bool MemberPosition(const ZsetValue& zset, std::string_view member, double* lon, double* lat) {
  double score;
  if (!zset.Score(member, &score)) return false;
  geo::DecodeScore(score, lon, lat);
  return true;
}

// GEOPOS's and WITHCOORD's pair, in Redis's human long-double format.
void ReplyPosition(CommandContext& ctx, double lon, double lat) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.FormattedDouble(FormatLongDoubleHuman(lon));
  ctx.reply.FormattedDouble(FormatLongDoubleHuman(lat));
}

// Distances are replied with 4 decimals, as a bulk string in both protocols. Redis 7.0.15 does
// not print them with "%.4f": it rounds distance * 10^4 to an integer (llrint: to nearest, ties
// to even, on the product) and prints that with the point put back. The two differ in the last
// digit now and then (28708142.49454999... ft: "%.4f" says ...4945, Redis ...4946). A NaN or
// out-of-range product gives llrint's LLONG_MIN, printed as Redis prints it.
void ReplyDistance(CommandContext& ctx, double distance) {
  if (distance == 0) {
    ctx.reply.Bulk("0.0000");
    return;
  }
  const long long scaled = std::llrint(distance * 10000.0);
  const bool negative = scaled < 0;
  // The magnitude in unsigned arithmetic: LLONG_MIN has no positive long long.
  const unsigned long long magnitude =
      negative ? 0ULL - static_cast<unsigned long long>(scaled) : scaled;
  // Written by hand: snprintf was a fifth of a GEORADIUS ... WITHDIST.
  char buf[32];
  char* p = buf;
  if (negative) *p++ = '-';
  p = std::to_chars(p, buf + sizeof(buf), magnitude / 10000).ptr;
  *p++ = '.';
  unsigned long long fraction = magnitude % 10000;
  for (int i = 3; i >= 0; --i, fraction /= 10) p[i] = static_cast<char>('0' + fraction % 10);
  p += 4;
  ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(p - buf)));
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
void GeoAdd(CommandContext& ctx) {
  ZaddFlags f;
  size_t first = 2;
  for (; first < ctx.argc(); ++first) {
    const std::string_view a = ctx.arg(first);
    if (IsOption(a, "nx")) {
      f.nx = true;
    } else if (IsOption(a, "xx")) {
      f.xx = true;
    } else if (IsOption(a, "ch")) {
      f.ch = true;
    } else {
      break;
    }
  }
  if ((ctx.argc() - first) % 3 != 0 || (f.nx && f.xx)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  // The ZADD this GEOADD is: what reaches the AOF and replicas.
  std::vector<std::string> zadd(ctx.args.begin(), ctx.args.begin() + first);
  zadd[0] = "zadd";
  std::vector<double> scores;
  std::vector<std::string_view> members;
  for (size_t i = first; i < ctx.argc(); i += 3) {
    double lon, lat;
    if (!ParsePosition(ctx, i, &lon, &lat)) return;
    const uint64_t score = geo::ScoreOf(lon, lat);
    scores.push_back(static_cast<double>(score));
    members.push_back(ctx.arg(i + 2));
    zadd.push_back(std::to_string(score));
    zadd.emplace_back(ctx.arg(i + 2));
  }
  if (members.empty()) {  // ZADD's own check
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ApplyZadd(ctx, f, ctx.arg(1), scores, members);
  ctx.PropagateAs(std::move(zadd));
}

// GEOPOS key [member ...]
void GeoPos(CommandContext& ctx) {
  bool ok;
  const ZsetValue* zset = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double lon, lat;
    if (zset == nullptr || !MemberPosition(*zset, ctx.arg(i), &lon, &lat)) {
      ctx.reply.NullArray();
    } else {
      ReplyPosition(ctx, lon, lat);
    }
  }
}

// GEOHASH key [member ...]
void GeoHash(CommandContext& ctx) {
  bool ok;
  const ZsetValue* zset = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score;
    if (zset == nullptr || !zset->Score(ctx.arg(i), &score)) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(geo::HashString(score));
    }
  }
}

// GEODIST key member1 member2 [M|KM|FT|MI]
void GeoDist(CommandContext& ctx) {
  double to_meters = 1;
  if (ctx.argc() == 5 && !ParseUnit(ctx, ctx.arg(4), &to_meters)) return;
  if (ctx.argc() > 5) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool ok;
  const ZsetValue* zset = ReadZset(ctx, ctx.arg(1), &ok);
  if (!ok) return;
  double lon1, lat1, lon2, lat2;
  if (zset == nullptr || !MemberPosition(*zset, ctx.arg(2), &lon1, &lat1) ||
      !MemberPosition(*zset, ctx.arg(3), &lon2, &lat2)) {
    ctx.reply.Null();
    return;
  }
  ReplyDistance(ctx, geo::Distance(lon1, lat1, lon2, lat2) / to_meters);
}

// ---- Searches -------------------------------------------------------------------------------

enum SearchFlag : uint32_t {
  kFromCoords = 1,    // GEORADIUS[_RO]: key longitude latitude radius unit
  kFromMember = 2,    // GEORADIUSBYMEMBER[_RO]: key member radius unit
  kNoStore = 4,       // the _RO forms: no STORE / STOREDIST
  kSearch = 8,        // GEOSEARCH's FROM... / BY... options
  kSearchStore = 16,  // GEOSEARCHSTORE: dst src, STOREDIST without a key
};

enum class Order { kNone, kAsc, kDesc };

struct SearchRequest {
  geo::Shape shape;
  bool withdist = false;
  bool withhash = false;
  bool withcoord = false;
  bool any = false;
  Order order = Order::kNone;
  int64_t count = 0;  // 0: all
  std::optional<std::string_view> store_key;
  bool storedist = false;
  bool from_member = false;
  bool from_position = false;
  bool by_radius = false;
  bool by_box = false;
};

// The shape's centre and extent given in the fixed arguments of GEORADIUS and
// GEORADIUSBYMEMBER; *first_option is where the options start. False after replying.
bool ParseFixedSearch(CommandContext& ctx, const ZsetValue* zset, uint32_t flags,
                      SearchRequest* req, size_t* first_option) {
  geo::Shape& shape = req->shape;
  if (flags & kFromCoords) {
    *first_option = 6;
    return ParsePosition(ctx, 2, &shape.lon, &shape.lat) && ParseRadius(ctx, 4, &shape);
  }
  if (flags & kFromMember) {
    *first_option = 5;
    if (zset == nullptr) return true;  // the reply is empty whatever the radius says
    if (!MemberPosition(*zset, ctx.arg(2), &shape.lon, &shape.lat)) {
      ctx.reply.Error("ERR could not decode requested zset member");
      return false;
    }
    return ParseRadius(ctx, 3, &shape);
  }
  *first_option = (flags & kSearchStore) ? 3 : 2;
  if (flags & kSearchStore) req->store_key = ctx.arg(1);
  return true;
}

// One option at args[i] with `left` arguments after it; advances *i past its values.
// False after replying.
bool ParseSearchOption(CommandContext& ctx, const ZsetValue* zset, uint32_t flags, size_t* i,
                       size_t left, SearchRequest* req) {
  const std::string_view a = ctx.arg(*i);
  const bool search = flags & kSearch;
  const bool store_options = !(flags & kNoStore) && !search;
  if (IsOption(a, "withdist")) {
    req->withdist = true;
  } else if (IsOption(a, "withhash")) {
    req->withhash = true;
  } else if (IsOption(a, "withcoord")) {
    req->withcoord = true;
  } else if (IsOption(a, "any")) {
    req->any = true;
  } else if (IsOption(a, "asc")) {
    req->order = Order::kAsc;
  } else if (IsOption(a, "desc")) {
    req->order = Order::kDesc;
  } else if (IsOption(a, "count") && left >= 1) {
    if (!ParseInt64(ctx.arg(*i + 1), &req->count)) {
      ctx.reply.Error(err::kNotInteger);
      return false;
    }
    if (req->count <= 0) {
      ctx.reply.Error("ERR COUNT must be > 0");
      return false;
    }
    *i += 1;
  } else if ((IsOption(a, "store") || IsOption(a, "storedist")) && left >= 1 && store_options) {
    req->store_key = ctx.arg(*i + 1);
    req->storedist = IsOption(a, "storedist");
    *i += 1;
  } else if (IsOption(a, "storedist") && (flags & kSearchStore)) {
    req->storedist = true;
  } else if (IsOption(a, "frommember") && left >= 1 && search && !req->from_position) {
    if (zset != nullptr &&
        !MemberPosition(*zset, ctx.arg(*i + 1), &req->shape.lon, &req->shape.lat)) {
      ctx.reply.Error("ERR could not decode requested zset member");
      return false;
    }
    req->from_member = true;
    *i += 1;
  } else if (IsOption(a, "fromlonlat") && left >= 2 && search && !req->from_member) {
    if (!ParsePosition(ctx, *i + 1, &req->shape.lon, &req->shape.lat)) return false;
    req->from_position = true;
    *i += 2;
  } else if (IsOption(a, "byradius") && left >= 2 && search && !req->by_box) {
    if (!ParseRadius(ctx, *i + 1, &req->shape)) return false;
    req->by_radius = true;
    *i += 2;
  } else if (IsOption(a, "bybox") && left >= 3 && search && !req->by_radius) {
    if (!ParseBox(ctx, *i + 1, &req->shape)) return false;
    req->by_box = true;
    *i += 3;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

// The checks across options, in Redis's order; false after replying.
bool CheckSearchRequest(CommandContext& ctx, uint32_t flags, const SearchRequest& req) {
  if (req.store_key && (req.withdist || req.withhash || req.withcoord)) {
    ctx.reply.Error((flags & kSearchStore)
                        ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and "
                          "WITHCOORD options"
                        : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, "
                          "WITHHASH and WITHCOORD options");
    return false;
  }
  const std::string name(ctx.arg(0));  // as the client typed it
  if ((flags & kSearch) && !(req.from_member || req.from_position)) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name);
    return false;
  }
  if ((flags & kSearch) && !(req.by_radius || req.by_box)) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + name);
    return false;
  }
  if (req.any && req.count == 0) {
    ctx.reply.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

struct Found {
  // A copy: a listpack's integer members are formatted into a buffer that lives only during
  // the visit.
  std::string member;
  double score;
  double lon;
  double lat;
  double meters;
};

// The positions within the shape, in scan order, at most `limit` (0: no limit).
std::vector<Found> FindWithin(const ZsetValue& zset, const geo::Shape& shape, size_t limit) {
  std::vector<Found> found;
  auto full = [&] { return limit != 0 && found.size() >= limit; };
  const std::array<geo::Cell, 9> cells = geo::SearchCells(shape);
  // Redis skips a cell equal to the last one scanned, except that the centre (index 0) never
  // counts as "last scanned".
  size_t last = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].none()) continue;
    if (last != 0 && cells[i] == cells[last]) continue;
    if (full()) break;
    uint64_t min, max;
    geo::CellScores(cells[i], &min, &max);
    const size_t from = zset.ScoreLowerBound(static_cast<double>(min), false);
    const size_t to = zset.ScoreLowerBound(static_cast<double>(max), false);
    zset.ForEachInRanks(from, std::max(from, to), false, [&](std::string_view m, double score) {
      Found f{{}, score, 0, 0, 0};
      geo::DecodeScore(score, &f.lon, &f.lat);
      if (!geo::WithinShape(shape, f.lon, f.lat, &f.meters)) return !full();
      f.member.assign(m);
      found.push_back(std::move(f));
      return !full();
    });
    last = i;
  }
  return found;
}

// Sorts by distance the way redis-server's reply shows it, ties (several members at one place)
// included: all results with libc's qsort, the first `keep` of more with its partial quicksort
// (common/sort_orders.h).
void OrderResults(std::vector<Found>* found, Order order, size_t keep) {
  if (order == Order::kNone) return;
  // Redis's comparator: a NaN distance (near the antipode) compares as less, both ways.
  auto ascending = [](const Found& a, const Found& b) {
    if (a.meters > b.meters) return 1;
    return a.meters == b.meters ? 0 : -1;
  };
  auto cmp = [&](const Found& a, const Found& b) {
    return order == Order::kAsc ? ascending(a, b) : -ascending(a, b);
  };
  if (keep == found->size()) {
    MergeSortLikeLibc(*found, cmp);
  } else if (keep > 0) {
    PartialQuicksortLikeRedis(*found, cmp, 0, keep - 1);
  }
}

void ReplyResults(CommandContext& ctx, const SearchRequest& req, const std::vector<Found>& found,
                  size_t n) {
  const size_t extras = (req.withdist ? 1 : 0) + (req.withhash ? 1 : 0) + (req.withcoord ? 1 : 0);
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const Found& f = found[i];
    if (extras > 0) ctx.reply.ArrayHeader(extras + 1);
    ctx.reply.Bulk(f.member);
    if (req.withdist) ReplyDistance(ctx, f.meters / req.shape.to_meters);
    if (req.withhash) ctx.reply.Integer(static_cast<int64_t>(f.score));
    if (req.withcoord) ReplyPosition(ctx, f.lon, f.lat);
  }
}

void StoreResults(CommandContext& ctx, uint32_t flags, const SearchRequest& req,
                  const std::vector<Found>& found, size_t n) {
  size_t longest = 0;
  for (size_t i = 0; i < n; ++i) longest = std::max(longest, found[i].member.size());
  const store::EncodingLimits& limits = ctx.server.keyspace.encoding_limits();
  std::unique_ptr<ZsetValue> result(ZsetValue::NewFor(n, longest, limits));
  for (size_t i = 0; i < n; ++i) {
    const Found& f = found[i];
    result->Set(f.member, req.storedist ? f.meters / req.shape.to_meters : f.score, limits);
  }
  StoreZsetResult(ctx, *req.store_key, std::move(result),
                  (flags & kSearch) ? "geosearchstore" : "georadiusstore");
}

// Every search command: `source` is the index of the key searched.
void GeoSearchGeneric(CommandContext& ctx, size_t source, uint32_t flags) {
  bool ok;
  const ZsetValue* zset = ReadZset(ctx, ctx.arg(source), &ok);
  if (!ok) return;
  SearchRequest req;
  size_t i;
  if (!ParseFixedSearch(ctx, zset, flags, &req, &i)) return;
  for (; i < ctx.argc(); ++i) {
    if (!ParseSearchOption(ctx, zset, flags, &i, ctx.argc() - i - 1, &req)) return;
  }
  if (!CheckSearchRequest(ctx, flags, req)) return;
  if (zset == nullptr) {
    if (!req.store_key) {
      ctx.reply.ArrayHeader(0);
      return;
    }
    StoreZsetResult(ctx, *req.store_key, std::make_unique<ZsetValue>(), "");
    return;
  }
  if (req.count != 0 && req.order == Order::kNone && !req.any) req.order = Order::kAsc;
  std::vector<Found> found = FindWithin(*zset, req.shape, req.any ? req.count : 0);
  const size_t n =
      req.count == 0 ? found.size() : std::min(found.size(), static_cast<size_t>(req.count));
  OrderResults(&found, req.order, n);
  if (req.store_key) {
    StoreResults(ctx, flags, req, found, n);
  } else {
    ReplyResults(ctx, req, found, n);
  }
}

void GeoRadius(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kFromCoords); }
void GeoRadiusRo(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kFromCoords | kNoStore); }
void GeoRadiusByMember(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kFromMember); }
void GeoRadiusByMemberRo(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kFromMember | kNoStore); }
void GeoSearch(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kSearch); }
void GeoSearchStore(CommandContext& ctx) { GeoSearchGeneric(ctx, 2, kSearch | kSearchStore); }

// The STORE and STOREDIST destinations, for the key positions, as Redis's keyword key specs
// find them: the first STORE from the first option on, then the first STOREDIST (the command
// itself writes to the last one named).
void StoreKeysFrom(size_t first_option, std::span<const std::string_view> args,
                   std::vector<size_t>* out) {
  for (std::string_view keyword : {"store", "storedist"}) {
    for (size_t i = first_option; i + 1 < args.size(); ++i) {
      if (IsOption(args[i], keyword)) {
        out->push_back(i + 1);
        break;
      }
    }
  }
}
void RadiusStoreKeys(std::span<const std::string_view> args, std::vector<size_t>* out) {
  StoreKeysFrom(6, args, out);
}
void ByMemberStoreKeys(std::span<const std::string_view> args, std::vector<size_t>* out) {
  StoreKeysFrom(5, args, out);
}

}  // namespace

void RegisterGeoCommands(CommandTable& table) {
  auto add = [&](std::string_view name, int arity, uint32_t flags, KeyRange keys, Handler handler,
                 std::string_view summary, std::string_view since, std::string_view complexity) {
    table.Add(KeysSpec(name, arity, flags, keys, handler, "geo", summary, since, complexity));
  };
  constexpr std::string_view kSearchComplexity =
      "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
      "area delimited by center and radius and M is the number of items inside the index.";
  add("geoadd", -5, kWrite | kDenyOom, {1, 1, 1}, GeoAdd,
      "Add one or more geospatial items in the geospatial index represented using a sorted set",
      "3.2.0",
      "O(log(N)) for each item added, where N is the number of elements in the sorted set.");
  add("geopos", -2, kReadOnly, {1, 1, 1}, GeoPos,
      "Returns longitude and latitude of members of a geospatial index", "3.2.0",
      "O(N) where N is the number of members requested.");
  add("geohash", -2, kReadOnly, {1, 1, 1}, GeoHash,
      "Returns members of a geospatial index as standard geohash strings", "3.2.0",
      "O(log(N)) for each member requested, where N is the number of elements in the sorted set.");
  add("geodist", -4, kReadOnly, {1, 1, 1}, GeoDist,
      "Returns the distance between two members of a geospatial index", "3.2.0", "O(log(N))");
  CommandSpec radius =
      KeysSpec("georadius", -6, kWrite | kDenyOom | kMovableKeys, {1, 1, 1}, GeoRadius, "geo",
               "Query a sorted set representing a geospatial index to fetch "
               "members matching a given maximum distance from a point",
               "3.2.0", kSearchComplexity);
  radius.option_keys = RadiusStoreKeys;
  table.Add(std::move(radius));
  CommandSpec by_member =
      KeysSpec("georadiusbymember", -5, kWrite | kDenyOom | kMovableKeys, {1, 1, 1},
               GeoRadiusByMember, "geo",
               "Query a sorted set representing a geospatial index to fetch members matching a "
               "given maximum distance from a member",
               "3.2.0",
               "O(N+log(M)) where N is the number of elements inside the bounding box of the "
               "circular area delimited by center and radius and M is the number of items inside "
               "the index.");
  by_member.option_keys = ByMemberStoreKeys;
  table.Add(std::move(by_member));
  add("georadius_ro", -6, kReadOnly, {1, 1, 1}, GeoRadiusRo, "A read-only variant for GEORADIUS",
      "3.2.10", kSearchComplexity);
  add("georadiusbymember_ro", -5, kReadOnly, {1, 1, 1}, GeoRadiusByMemberRo,
      "A read-only variant for GEORADIUSBYMEMBER", "3.2.10",
      "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
      "area delimited by center and radius and M is the number of items inside the index.");
  add("geosearch", -7, kReadOnly, {1, 1, 1}, GeoSearch,
      "Query a sorted set representing a geospatial index to fetch members inside an area of a "
      "box or a circle.",
      "6.2.0",
      "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
      "around the shape provided as the filter and M is the number of items inside the shape");
  add("geosearchstore", -8, kWrite | kDenyOom, {1, 2, 1}, GeoSearchStore,
      "Query a sorted set representing a geospatial index to fetch members inside an area of a "
      "box or a circle, and store the result in another key.",
      "6.2.0",
      "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
      "around the shape provided as the filter and M is the number of items inside the shape");
}

}  // namespace basalt::cmd
