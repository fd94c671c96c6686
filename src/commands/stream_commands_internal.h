// What the stream command files share (stream_commands.cc: entries; stream_read_commands.cc:
// XREAD, XREADGROUP; stream_group_commands.cc: groups and pending entries; stream_info_command.cc:
// XINFO): ID arguments with Redis's errors, entry replies, the propagated forms of group
// changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "commands/command_table.h"
#include "store/stream_value.h"

namespace basalt::cmd {

inline constexpr std::string_view kInvalidStreamId =
    "ERR Invalid stream ID specified as stream command argument";

inline store::StreamValue& AsStream(store::Entry* e) {
  return static_cast<store::StreamValue&>(*e->object());
}

// Before changing a stream's groups or pending entries (XGROUP, XACK, XCLAIM, XREADGROUP): the
// change is announced quietly, as Redis does not signal these keys (no WATCH, no client-side
// caching invalidation, no woken readers), while snapshots still see it.
store::StreamValue& ModifyGroups(CommandContext& ctx, store::Entry* e);

// An ID where Redis's strict form is wanted: "ms" or "ms-seq" (no "-", "+", "*"). False after
// replying the invalid ID error.
bool ParseStrictStreamId(CommandContext& ctx, std::string_view text, store::StreamId* id,
                         uint64_t missing_seq = 0);
// An ID where "-" and "+" also mean the first and last possible IDs (XRANGE, XGROUP SETID).
bool ParseRangeStreamId(CommandContext& ctx, std::string_view text, store::StreamId* id,
                        uint64_t missing_seq);
// A range bound: a "(" prefix makes it exclusive (strict ID after it), and moves it one ID
// inwards; false after replying (the invalid ID, or "invalid start/end ID for the interval").
bool ParseIntervalStart(CommandContext& ctx, std::string_view text, store::StreamId* id);
bool ParseIntervalEnd(CommandContext& ctx, std::string_view text, store::StreamId* id);

// An entry as Redis replies it: [id, [field, value, ...]].
void ReplyStreamEntry(CommandContext& ctx, const store::StreamEntryView& entry);
// Entries of [start, end] (at most `count`, 0: all), ascending or descending; returns how many.
size_t ReplyStreamRange(CommandContext& ctx, const store::StreamValue& s, store::StreamId start,
                        store::StreamId end, size_t count, bool reverse);

// The error for a group that is not there, as the group commands word it.
void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group);

// What a change to a group is propagated as. A delivery or claim: XCLAIM key group consumer 0
// id TIME t RETRYCOUNT n FORCE JUSTID LASTID group-last-id (its replay recreates the pending
// entry exactly, or drops it when the entry is gone). A new last delivered ID: XGROUP SETID
// key group id ENTRIESREAD n.
void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                    const store::StreamGroup& group, store::StreamId id,
                    const store::StreamNack& nack);
void PropagateGroupLastId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                          const store::StreamGroup& group);

// Whether this client applies what a primary or the AOF sent (XADD's LIMIT then needs no "~").
bool ObeysWithoutChecks(const CommandContext& ctx);

// The consumer `name` of `group`, created (with its event) when missing; *created tells.
store::StreamConsumer* ConsumerForDelivery(CommandContext& ctx, std::string_view key,
                                           store::StreamGroup& group, std::string_view name,
                                           bool* created);

// COMMAND INFO's key-spec flags of a stream command or XGROUP subcommand (by its own name), as
// Redis 7.0 declares them ("RW update", "RW delete", ...); empty: the guess from its flags.
std::string_view StreamKeyFlags(std::string_view name);

// Serving a blocked XREAD / XREADGROUP and XINFO's radix tree numbers are in the files above.
void RegisterStreamReadCommands(CommandTable& table);
void RegisterStreamGroupCommands(CommandTable& table);
void RegisterStreamInfoCommand(CommandTable& table);

}  // namespace basalt::cmd
