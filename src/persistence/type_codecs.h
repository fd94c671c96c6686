// The per-type codecs behind value_codec.h: one group of functions per collection type, each
// implemented in its own file (hash_codec.cc, ...). Only value_codec.cc calls these.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "basalt/status.h"
#include "persistence/value_codec.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace basalt::persistence {

// Hash: HASH_LISTPACK for listpacks, HASH for tables; loads HASH, HASH_ZIPMAP, HASH_ZIPLIST
// and HASH_LISTPACK.
uint8_t HashRdbType(const store::HashValue& h);
void WriteHashBody(RdbWriter& w, const store::HashValue& h);
std::unique_ptr<BodyCursor> NewHashBodyCursor(const store::HashValue& h);  // table encoding
Status ReadHashBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out);
Status AppendHashRewrite(std::string_view key, const store::HashValue& h, std::string& out,
                         const std::function<Status()>& flush);

// Set: SET_INTSET for intsets, SET for tables; loads both.
uint8_t SetRdbType(const store::SetValue& s);
void WriteSetBody(RdbWriter& w, const store::SetValue& s);
std::unique_ptr<BodyCursor> NewSetBodyCursor(const store::SetValue& s);  // table encoding
Status ReadSetBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                   DecodedValue* out);
Status AppendSetRewrite(std::string_view key, const store::SetValue& s, std::string& out,
                        const std::function<Status()>& flush);

// List: QUICKLIST_2 (listpack nodes); loads LIST, LIST_ZIPLIST, QUICKLIST and QUICKLIST_2.
uint8_t ListRdbType(const store::ListValue& list);
void WriteListBody(RdbWriter& w, const store::ListValue& list);
std::unique_ptr<BodyCursor> NewListBodyCursor(const store::ListValue& list);
Status ReadListBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out);
Status AppendListRewrite(std::string_view key, const store::ListValue& list, std::string& out,
                         const std::function<Status()>& flush);

// Sorted set: ZSET_LISTPACK for listpacks, ZSET_2 for trees; loads ZSET, ZSET_2, ZSET_ZIPLIST
// and ZSET_LISTPACK.
uint8_t ZsetRdbType(const store::ZsetValue& z);
void WriteZsetBody(RdbWriter& w, const store::ZsetValue& z);
std::unique_ptr<BodyCursor> NewZsetBodyCursor(const store::ZsetValue& z);  // tree encoding
Status ReadZsetBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out);
Status AppendZsetRewrite(std::string_view key, const store::ZsetValue& z, std::string& out,
                         const std::function<Status()>& flush);

}  // namespace basalt::persistence
