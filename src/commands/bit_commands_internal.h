// Pieces shared by the bitmap command files: bit_commands.cc (SETBIT, GETBIT, BITCOUNT,
// BITPOS, BITOP), bitfield_command.cc (BITFIELD, BITFIELD_RO) and lcs_command.cc (LCS).
//
// Bit numbering is Redis's: bit 0 is the most significant bit of byte 0, so a bitmap reads
// left to right the way GETRANGE shows its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/command.h"
#include "store/entry.h"

namespace basalt::cmd {

class CommandTable;

void RegisterBitfieldCommands(CommandTable& table);
void RegisterLcsCommand(CommandTable& table);

// Parses a bit offset as SETBIT, GETBIT and BITFIELD take it. With `bits` > 0 (BITFIELD) a
// leading '#' multiplies the number by the field width. Offsets that are negative or whose
// byte is at or past proto-max-bulk-len are refused; replies the error and returns false.
bool ParseBitOffset(CommandContext& ctx, std::string_view text, int bits, uint64_t* offset);

// Ones in `len` bytes from `p`.
uint64_t PopCount(const uint8_t* p, size_t len);
// Position (from bit 0 of p) of the first bit equal to `bit` in `len` bytes, or -1.
int64_t FindFirstBit(const uint8_t* p, size_t len, int bit);

// Write access to a string key's bytes for the bit-writing commands, grown with zero bytes to
// at least the length they need (created when missing). Changes must go through Touch() first:
// it announces them to the database once (snapshots, WATCH), and only when something really
// changes, because Redis leaves a key untouched when a write stores the bits already there.
class BitStringEditor {
 public:
  // False after replying WRONGTYPE when `key` holds another type; nothing was created then.
  bool Open(CommandContext& ctx, std::string_view key, size_t min_len);

  // Whether Open() had to create or lengthen the string (Redis counts that as a change).
  bool grew() const { return grew_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Announces the coming change (once) and returns the bytes to modify.
  uint8_t* Touch();
  // Stores the edits of a short (in-entry) value; call after the last Touch().
  void Finish();

 private:
  CommandContext* ctx_ = nullptr;
  store::Entry* entry_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool grew_ = false;
  bool touched_ = false;
  bool buffered_ = false;  // the value lives in the entry: edits go to buf_ until Finish()
  uint8_t buf_[store::kInlineStringMax];
};

}  // namespace basalt::cmd
