// When a collection leaves its compact encoding: Redis's *-max-listpack-* and
// set-max-intset-entries parameters. Commands pass the configured values to the value types;
// loaders pass them so a file's small collections come back compact, as Redis does.
#pragma once

#include <cstdint>

namespace basalt::store {

struct EncodingLimits {
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  // > 0: entries per list node; < 0: bytes per node, -1 = 4 KB ... -5 = 64 KB.
  int64_t list_max_listpack_size = -2;
  // Redis's default is 0; basalt's is 1 (config/basalt.toml says why).
  int64_t list_compress_depth = 1;
  // A stream's node (listpack) takes no more entries past either limit (0: no limit).
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
};

}  // namespace basalt::store
