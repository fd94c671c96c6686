// Constants of the RDB file format, version 10 (Redis 7.0). Facts only; see rdb_writer.h and
// rdb_reader.h for how they are used.
//
// File layout:
//   "REDIS" + 4 ASCII digits of version ("0010")
//   items, each starting with one byte: an opcode below, or a value type id followed by
//     <key string> <value>
//   kOpEof, then 8 bytes: CRC-64 (little-endian) of every byte before them, or 0 when the
//     writer had checksums disabled (version >= 5).
//
// Lengths ("length encoding"): the top two bits of the first byte select the form:
//   00xxxxxx                 6-bit length
//   01xxxxxx xxxxxxxx        14-bit length, big-endian
//   10000000 + 4 bytes       32-bit length, big-endian   (first byte 0x80)
//   10000001 + 8 bytes       64-bit length, big-endian   (first byte 0x81)
//   11xxxxxx                 not a length: a special string encoding in the low 6 bits
// Strings are a length then that many bytes, or one of the special encodings:
//   0xC0 + 1 byte, 0xC1 + 2 bytes, 0xC2 + 4 bytes   signed little-endian integer, which
//                                                   stands for its decimal text
//   0xC3 <compressed len> <original len> <bytes>     LZF-compressed string
#pragma once

#include <cstdint>
#include <string_view>

namespace basalt::persistence::rdb {

inline constexpr std::string_view kMagic = "REDIS";
inline constexpr int kVersion = 10;
inline constexpr std::string_view kVersionText = "0010";
inline constexpr size_t kHeaderSize = 9;    // magic + 4 digits
inline constexpr size_t kChecksumSize = 8;  // after kOpEof, for versions >= 5
inline constexpr int kFirstVersionWithChecksum = 5;

// Opcodes.
inline constexpr uint8_t kOpFunctionPreGa = 0xF6;  // Redis 7.0 release candidates; refused
inline constexpr uint8_t kOpFunction2 = 0xF5;
inline constexpr uint8_t kOpModuleAux = 0xF7;
inline constexpr uint8_t kOpIdle = 0xF8;          // LRU idle time in seconds (a length)
inline constexpr uint8_t kOpFreq = 0xF9;          // LFU counter (1 byte)
inline constexpr uint8_t kOpAux = 0xFA;           // two strings: field name, value
inline constexpr uint8_t kOpResizeDb = 0xFB;      // two lengths: keys, keys with a TTL
inline constexpr uint8_t kOpExpireTimeMs = 0xFC;  // 8-byte little-endian Unix ms
inline constexpr uint8_t kOpExpireTime = 0xFD;    // 4-byte little-endian Unix seconds
inline constexpr uint8_t kOpSelectDb = 0xFE;      // a length: the database number
inline constexpr uint8_t kOpEof = 0xFF;

// Value type ids.
inline constexpr uint8_t kTypeString = 0;
inline constexpr uint8_t kTypeList = 1;
inline constexpr uint8_t kTypeSet = 2;
inline constexpr uint8_t kTypeZSet = 3;
inline constexpr uint8_t kTypeHash = 4;
inline constexpr uint8_t kTypeZSet2 = 5;
inline constexpr uint8_t kTypeModulePreGa = 6;
inline constexpr uint8_t kTypeModule2 = 7;
// 8 has never been used.
inline constexpr uint8_t kTypeHashZipmap = 9;
inline constexpr uint8_t kTypeListZiplist = 10;
inline constexpr uint8_t kTypeSetIntset = 11;
inline constexpr uint8_t kTypeZSetZiplist = 12;
inline constexpr uint8_t kTypeHashZiplist = 13;
inline constexpr uint8_t kTypeListQuicklist = 14;
inline constexpr uint8_t kTypeStreamListpacks = 15;
inline constexpr uint8_t kTypeHashListpack = 16;
inline constexpr uint8_t kTypeZSetListpack = 17;
inline constexpr uint8_t kTypeListQuicklist2 = 18;
inline constexpr uint8_t kTypeStreamListpacks2 = 19;
inline constexpr uint8_t kTypeSetListpack = 20;       // RDB 11 (Redis 7.2)
inline constexpr uint8_t kTypeStreamListpacks3 = 21;  // RDB 11 (Redis 7.2)
inline constexpr uint8_t kTypeMax = 21;

struct TypeInfo {
  std::string_view logical;   // what TYPE would answer: string, list, set, zset, hash, ...
  std::string_view encoding;  // how the value is laid out in the file
};

// Names for type id `t`; {"", ""} for ids that are not value types (8, > kTypeMax).
constexpr TypeInfo DescribeType(uint8_t t) {
  constexpr TypeInfo kInfo[kTypeMax + 1] = {
      {"string", "string"},        {"list", "linked list"},    {"set", "hashtable"},
      {"zset", "skiplist"},        {"hash", "hashtable"},      {"zset", "skiplist v2"},
      {"module", "module pre-GA"}, {"module", "module v2"},    {"", ""},
      {"hash", "zipmap"},          {"list", "ziplist"},        {"set", "intset"},
      {"zset", "ziplist"},         {"hash", "ziplist"},        {"list", "quicklist"},
      {"stream", "listpacks"},     {"hash", "listpack"},       {"zset", "listpack"},
      {"list", "quicklist v2"},    {"stream", "listpacks v2"}, {"set", "listpack"},
      {"stream", "listpacks v3"},
  };
  return t <= kTypeMax ? kInfo[t] : TypeInfo{"", ""};
}

constexpr bool IsValueType(uint8_t t) { return !DescribeType(t).logical.empty(); }

// Length encoding.
inline constexpr uint8_t kLen6Bit = 0;      // top bits 00
inline constexpr uint8_t kLen14Bit = 1;     // top bits 01
inline constexpr uint8_t kLenEncoded = 3;   // top bits 11: special string encoding
inline constexpr uint8_t kLen32Bit = 0x80;  // whole first byte
inline constexpr uint8_t kLen64Bit = 0x81;  // whole first byte
inline constexpr uint64_t kLen6BitMax = (1u << 6) - 1;
inline constexpr uint64_t kLen14BitMax = (1u << 14) - 1;

// Special string encodings (low 6 bits after the 11 prefix).
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;
inline constexpr uint8_t kEncodedPrefix = 0xC0;

// Writers try the integer encoding only for strings this short ("-2147483648" is 11 bytes),
// and LZF only for strings longer than kLzfMinLength whose compressed form is at least
// kLzfMinSaving bytes shorter.
inline constexpr size_t kIntEncodingMaxLength = 11;
inline constexpr size_t kLzfMinLength = 20;
inline constexpr size_t kLzfMinSaving = 4;

// Well-known AUX field names written by Redis 7.0.
inline constexpr std::string_view kAuxRedisVer = "redis-ver";
inline constexpr std::string_view kAuxRedisBits = "redis-bits";
inline constexpr std::string_view kAuxCtime = "ctime";
inline constexpr std::string_view kAuxUsedMem = "used-mem";
inline constexpr std::string_view kAuxReplStreamDb = "repl-stream-db";
inline constexpr std::string_view kAuxReplId = "repl-id";
inline constexpr std::string_view kAuxReplOffset = "repl-offset";
inline constexpr std::string_view kAuxAofBase = "aof-base";
// Older servers: "aof-preamble" (same meaning as aof-base), "lua" (scripts; ignored).
inline constexpr std::string_view kAuxAofPreamble = "aof-preamble";

}  // namespace basalt::persistence::rdb
