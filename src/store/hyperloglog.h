// HyperLogLog values (PFADD, PFCOUNT, PFMERGE): plain strings in Redis 7.0's exact layout, so
// GET, DUMP, RDB files and replicas carry them between basalt and Redis unchanged, and the
// same elements give the same registers and the same estimate on both.
//
// Layout (facts of Redis's format):
//   "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, the cached cardinality (8 bytes,
//   little-endian; the top bit of the last byte set means "not valid"), then the registers.
//   16384 registers of 6 bits. Dense: packed little-endian, 12288 bytes. Sparse: run-length
//   opcodes, ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx yyyyyyyy (1-16384 zero
//   registers), VAL 1vvvvvxx (1-4 registers of value 1-32). A sparse value that would grow
//   past hll-sparse-max-bytes, or hold a register above 32, becomes dense.
// An element's register and value come from MurmurHash64A (seed 0xadc83b19): the low 14
// bits pick the register, the run of zero bits above them (plus one) is the value. The
// estimate is Ertl's improved estimator over the registers' histogram, as Redis computes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::store::hll {

inline constexpr int kRegisters = 16384;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + kRegisters * 6 / 8;

// One byte per register: what PFCOUNT of several keys and PFMERGE merge into.
using RawRegisters = std::array<uint8_t, kRegisters>;

// Whether `s` is a HyperLogLog as Redis checks one: the magic, a known encoding, and the
// dense size for a dense one (a sparse one's opcodes are checked when they are read).
bool LooksValid(std::string_view s);
bool IsDense(std::string_view s);

// A new, empty HyperLogLog (sparse: one XZERO for all registers; cached cardinality 0).
std::string NewSparse();

// Adds an element: 1 when a register changed, 0 when not, -1 when the value is corrupt.
int Add(std::string& hll, std::string_view element, size_t sparse_max_bytes);

// The cached cardinality, when valid.
bool CachedCount(std::string_view hll, uint64_t* count);
void SetCachedCount(std::string& hll, uint64_t count);
void InvalidateCache(std::string& hll);

// The estimate from the registers; *corrupt set when a sparse value does not decode to
// exactly kRegisters registers.
uint64_t Count(std::string_view hll, bool* corrupt);
uint64_t CountRaw(const RawRegisters& registers);

// Raises each of `max`'s registers to `hll`'s where that is higher; false when corrupt.
bool MergeInto(RawRegisters& max, std::string_view hll);

// Converts a sparse value to dense (a dense one is left as it is); false when corrupt.
bool ToDense(std::string& hll);

// Sets register `index` to `value` if that is higher (PFMERGE's write): as Add's result.
int SetRegister(std::string& hll, int index, uint8_t value, size_t sparse_max_bytes);

// In-place access to a dense value's bytes (header included), so PFADD and PFCOUNT edit a
// 12 KB value without copying it: the register an element offers a value to (*index) and
// that value; a dense register; the cache.
int ElementRegister(std::string_view element, int* index);
int DenseRegister(const uint8_t* hll, int index);
void SetDenseRegister(uint8_t* hll, int index, int value);
void MarkCacheStale(uint8_t* hll);
void StoreCachedCount(uint8_t* hll, uint64_t count);

// PFDEBUG DECODE's text of a sparse value's opcodes, in order, separated by spaces: "z:<run>"
// for ZERO, "Z:<run>" for XZERO, "v:<value>,<run>" for VAL (read as they are, corrupt or not).
std::string DescribeSparse(std::string_view hll);

// PFSELFTEST: checks the dense register packing and that both encodings hold the same
// registers and give the same estimate, within the error bound, as elements are added.
// Returns "" when everything held, else what did not.
std::string SelfTest();

// Redis's MurmurHash64A, as the register choice depends on it.
uint64_t MurmurHash64A(std::string_view key, uint64_t seed);

}  // namespace basalt::store::hll
