// Conversions between RESP replies and Lua values, by Redis's rules, so scripts written for
// Redis see the same values and their callers the same replies:
//   command reply -> Lua: integer -> number, bulk -> string, null -> false (RESP2) or nil
//   (RESP3), array -> table, status -> {ok=...}, error -> {err=...}; RESP3 only: map ->
//   {map={...}}, set -> {set={member=true}}, double -> {double=n}, boolean -> boolean,
//   big number -> {big_number=...}, verbatim -> {verbatim_string={format=, string=}}.
//   Lua -> reply: the reverse, numbers truncated to integers, true -> 1 and false -> null
//   under RESP2 (booleans under RESP3), an array up to its first nil, anything else null.
#pragma once

#include <string>
#include <string_view>

#include "protocol/reply_writer.h"

struct lua_State;

namespace basalt::scripting {

// Pushes the error table {err="CODE message"} Redis's scripts see for `text`. A text that
// starts with '-' has it dropped; one without a space after its code gets the code ERR.
void PushErrorTable(lua_State* L, std::string_view text);
// Pushes the reply at in[*pos] (complete, as the reply writer wrote it for the script's session
// at protocol version `resp`) and moves *pos past it. False when it is nested too deep for
// Lua's stack (part of it may have been pushed).
bool PushReply(lua_State* L, std::string_view in, size_t* pos, int resp);
// Writes the value on top of the stack as a reply and pops it. `script_resp` is the version the
// script chose: it decides how booleans are answered.
void WriteLuaValue(lua_State* L, protocol::ReplyWriter& reply, int script_resp);
// The error text {err=...} carries (on top of the stack), or empty when it is not such a table.
std::string ErrorTableText(lua_State* L, int index);

}  // namespace basalt::scripting
