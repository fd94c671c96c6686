// The per-type codecs behind value_codec.h: one group of functions per collection type, each
// implemented in its own file (hash_codec.cc, ...). Only value_codec.cc calls these.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "basalt/status.h"
#include "persistence/rdb_writer.h"
#include "persistence/value_codec.h"
#include "store/hash_ref.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/stream_value.h"
#include "store/zset_value.h"

namespace basalt::persistence {

// The body of a hash or set table written in pieces: its length, then every element as
// write_element(RdbWriter&, element...) writes it, walked with the SCAN cursor. The table does
// not change while the body is open, so every element comes exactly once.
template <typename Table, typename WriteElement>
class TableScanCursor final : public BodyCursor {
 public:
  TableScanCursor(const Table& table, WriteElement write_element)
      : table_(table), write_element_(write_element) {}
  bool WriteSome(RdbWriter& w, size_t max_elements) override {
    if (!started_) {
      w.AppendLength(table_.size());
      started_ = true;
    }
    size_t written = 0;
    do {
      cursor_ = table_.Scan(cursor_, [&](auto... element) {
        write_element_(w, element...);
        ++written;
      });
    } while (cursor_ != 0 && written < max_elements);
    return cursor_ == 0;
  }

 private:
  const Table& table_;
  WriteElement write_element_;
  bool started_ = false;
  uint64_t cursor_ = 0;
};

// Hash: HASH_LISTPACK for listpacks, HASH for tables; loads HASH, HASH_ZIPMAP, HASH_ZIPLIST
// and HASH_LISTPACK.
uint8_t HashRdbType(const store::HashRef& h);
void WriteHashBody(RdbWriter& w, const store::HashRef& h);
std::unique_ptr<BodyCursor> NewHashBodyCursor(const store::HashValue& h);  // table encoding
Status ReadHashBody(uint8_t rdb_type, RdbValueInput& in, const store::EncodingLimits& limits,
                    DecodedValue* out);
Status AppendHashRewrite(std::string_view key, const store::HashRef& h, std::string& out,
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

// Stream: STREAM_LISTPACKS_2, node by node; loads STREAM_LISTPACKS and STREAM_LISTPACKS_2.
void WriteStreamBody(RdbWriter& w, const store::StreamValue& s);
std::unique_ptr<BodyCursor> NewStreamBodyCursor(const store::StreamValue& s);
Status ReadStreamBody(uint8_t rdb_type, RdbValueInput& in, DecodedValue* out);
Status AppendStreamRewrite(std::string_view key, const store::StreamValue& s, std::string& out,
                           const std::function<Status()>& flush);

}  // namespace basalt::persistence
