// Conversion of the compact encodings older RDB files use into listpacks, for loading them.
//
// Redis 7.0 writes small hashes, sorted sets and list nodes as listpacks, but reads the
// encodings earlier versions wrote and converts them on load, so we do the same:
//
//   ziplist  RDB types HASH_ZIPLIST (13), ZSET_ZIPLIST (12), LIST_ZIPLIST (10) and each node
//            of QUICKLIST (14, version 1). Layout, little-endian:
//              [zlbytes: u32][zltail: u32][zllen: u16][entry]...[0xFF]
//            zltail is the offset of the last entry; zllen is 65535 when unknown. An entry is
//              [prevlen: 1 byte (< 254), or 0xFE + u32][encoding][data]
//            with encodings 00llllll, 01llllll llllllll, 10______ + u32 (string lengths, the
//            two longer ones big-endian), 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24,
//            0xFE int8, 0xF1..0xFD the values 0..12.
//   zipmap   RDB type HASH_ZIPMAP (9): [count: u8, 254 = unknown] then pairs of
//              [len][field] [len][free: u8][value][free unused bytes]
//            where len is 1 byte (< 254) or 0xFE + u32 little-endian; then 0xFF.
//
// Both functions validate the whole blob first-to-last and return nullopt on any
// inconsistency (lengths past the end, a prevlen that is not the previous entry's size, a
// zltail that is not the last entry, a wrong count, unknown encodings, a missing or early
// terminator); they never read outside the blob. The listpack holds the same elements in
// order; integers stay integers, and strings that are canonical integers become integers (the
// listpack's own rule, as Redis's conversion does). Checks that depend on the data type (a
// hash's duplicate fields, an even element count) are left to the caller.
#pragma once

#include <optional>
#include <string_view>

#include "store/listpack.h"

namespace basalt::store {

std::optional<Listpack> ZiplistToListpack(std::string_view ziplist_blob);

// An empty zipmap is refused, as Redis refuses it (an empty hash is never saved).
std::optional<Listpack> ZipmapToListpack(std::string_view zipmap);

}  // namespace basalt::store
