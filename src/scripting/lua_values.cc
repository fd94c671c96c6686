#include "scripting/lua_values.h"

#include <cmath>
#include <limits>
#include <lua.hpp>
#include <string>

#include "common/strings.h"

namespace basalt::scripting {

namespace {

void SetStringField(lua_State* L, const char* field, std::string_view value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, field);
}

// {name=<value on top>}: wraps the value on top of the stack in a one-field table.
void WrapInField(lua_State* L, const char* name) {
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);
}

std::string WithoutLineBreaks(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// (long long) of a Lua number as x86 converts it: out-of-range and NaN become INT64_MIN.
int64_t TruncateToInteger(lua_Number n) {
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  if (std::isnan(n) || n >= kLimit || n < -kLimit) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(n);
}

// The string field `name` of the table at the top, if it is one.
bool StringField(lua_State* L, const char* name, std::string* out) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  const bool found = lua_type(L, -1) == LUA_TSTRING;
  if (found) {
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    out->assign(s, len);
  }
  lua_pop(L, 1);
  return found;
}

void WriteTable(lua_State* L, protocol::ReplyWriter& reply, int script_resp);

// Writes every pair of the table at the top: key and value, or the key alone (`keys_only`,
// a set). Returns how many were written.
size_t WritePairs(lua_State* L, protocol::ReplyWriter& reply, int script_resp, bool keys_only) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    if (keys_only) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteLuaValue(L, reply, script_resp);
    } else {
      lua_pushvalue(L, -2);
      WriteLuaValue(L, reply, script_resp);  // the key
      WriteLuaValue(L, reply, script_resp);  // the value
    }
    ++n;
  }
  return n;
}

size_t CountPairs(lua_State* L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++n;
  }
  return n;
}

// A table with a `map` or `set` table field (a RESP3 aggregate, degraded for RESP2 callers
// by the writer). Returns false when the table has neither.
bool WriteMapOrSet(lua_State* L, protocol::ReplyWriter& reply, int script_resp) {
  for (const bool is_map : {true, false}) {
    lua_pushstring(L, is_map ? "map" : "set");
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TTABLE) {
      const size_t n = CountPairs(L);
      if (is_map) {
        reply.MapHeader(n);
      } else {
        reply.SetHeader(n);
      }
      WritePairs(L, reply, script_resp, !is_map);
      lua_pop(L, 1);
      return true;
    }
    lua_pop(L, 1);
  }
  return false;
}

bool WriteVerbatim(lua_State* L, protocol::ReplyWriter& reply) {
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, -2);
  std::string format, text;
  const bool ok = lua_type(L, -1) == LUA_TTABLE && StringField(L, "format", &format) &&
                  StringField(L, "string", &text);
  lua_pop(L, 1);
  if (ok) reply.Verbatim(text, std::string_view(format).substr(0, 3));
  return ok;
}

// The table at the top (left there): an error, a status, a RESP3 type, or an array.
void WriteTable(lua_State* L, protocol::ReplyWriter& reply, int script_resp) {
  std::string text;
  if (StringField(L, "err", &text)) {
    reply.Error(text);
    return;
  }
  if (StringField(L, "ok", &text)) {
    reply.SimpleString(WithoutLineBreaks(text));
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    reply.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, "big_number", &text)) {
    reply.BigNumber(WithoutLineBreaks(text));
    return;
  }
  if (WriteVerbatim(L, reply) || WriteMapOrSet(L, reply, script_resp)) return;
  size_t n = 0;
  while (true) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    const bool end = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (end) break;
    ++n;
  }
  reply.ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteLuaValue(L, reply, script_resp);
  }
}

}  // namespace

void PushErrorTable(lua_State* L, std::string_view text) {
  std::string code = "ERR";
  std::string_view message = text;
  if (!text.empty() && text[0] == '-') {
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      message = text.substr(1);
    } else {
      code.assign(text.substr(1, space - 1));
      message = text.substr(space + 1);
    }
  }
  while (!message.empty() && (message.back() == '\r' || message.back() == '\n')) {
    message.remove_suffix(1);
  }
  while (!message.empty() && (message.front() == '\r' || message.front() == '\n')) {
    message.remove_prefix(1);
  }
  lua_newtable(L);
  SetStringField(L, "err", code + " " + std::string(message));
}

namespace {

// Reads the line after the type byte at in[*pos] (up to CRLF) and moves *pos past it.
std::string_view ReadLine(std::string_view in, size_t* pos) {
  const size_t start = *pos + 1;
  const size_t end = in.find("\r\n", start);
  *pos = end + 2;
  return in.substr(start, end - start);
}

int64_t LineInteger(std::string_view line) {
  int64_t v = 0;
  ParseInt64(line, &v);
  return v;
}

}  // namespace

bool PushReply(lua_State* L, std::string_view in, size_t* pos, int resp) {
  // A deep reply needs stack room at every level; Lua refuses past its C stack limit.
  if (!lua_checkstack(L, 4)) return false;
  const char type = in[*pos];
  const std::string_view line = ReadLine(in, pos);
  switch (type) {
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(LineInteger(line)));
      return true;
    case '$':
    case '=': {
      const int64_t len = LineInteger(line);
      if (len < 0) break;  // RESP2's null bulk
      std::string_view text = in.substr(*pos, static_cast<size_t>(len));
      *pos += static_cast<size_t>(len) + 2;
      if (type == '$') {
        lua_pushlstring(L, text.data(), text.size());
        return true;
      }
      lua_newtable(L);  // verbatim: "txt:" then the text
      SetStringField(L, "string", text.substr(4));
      SetStringField(L, "format", text.substr(0, 3));
      WrapInField(L, "verbatim_string");
      return true;
    }
    case '+':
      lua_newtable(L);
      SetStringField(L, "ok", line);
      return true;
    case '-':
      PushErrorTable(L, "-" + std::string(line));
      return true;
    case '#':
      lua_pushboolean(L, line == "t");
      return true;
    case ',': {
      double d = 0;
      ParseDouble(line, &d);
      lua_pushnumber(L, d);
      WrapInField(L, "double");
      return true;
    }
    case '(':
      lua_pushlstring(L, line.data(), line.size());
      WrapInField(L, "big_number");
      return true;
    case '%':
    case '~': {
      lua_newtable(L);
      for (int64_t i = LineInteger(line); i > 0; --i) {
        if (!PushReply(L, in, pos, resp)) return false;
        if (type == '%') {
          if (!PushReply(L, in, pos, resp)) return false;
        } else {
          lua_pushboolean(L, 1);
        }
        lua_settable(L, -3);
      }
      WrapInField(L, type == '%' ? "map" : "set");
      return true;
    }
    case '*':
    case '>': {
      const int64_t n = LineInteger(line);
      if (n < 0) break;  // RESP2's null array
      lua_createtable(L, static_cast<int>(n), 0);
      for (int64_t i = 1; i <= n; ++i) {
        if (!PushReply(L, in, pos, resp)) return false;
        lua_rawseti(L, -2, static_cast<int>(i));
      }
      return true;
    }
    default:  // '_': RESP3's null
      break;
  }
  // A null: false for a RESP2 script (null bulk, null array), nil for a RESP3 one.
  if (resp >= 3) {
    lua_pushnil(L);
  } else {
    lua_pushboolean(L, 0);
  }
  return true;
}

void WriteLuaValue(lua_State* L, protocol::ReplyWriter& reply, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      reply.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          reply.Integer(1);
        } else {
          reply.Null();
        }
      } else {
        reply.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      reply.Integer(TruncateToInteger(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(L, reply, script_resp);
      break;
    default:
      reply.Null();
  }
  lua_pop(L, 1);
}

std::string ErrorTableText(lua_State* L, int index) {
  if (!lua_istable(L, index)) return {};
  // Raw: a metamethod of a script's table would run Lua code outside any protected call.
  lua_pushliteral(L, "err");
  lua_rawget(L, index < 0 ? index - 1 : index);
  std::string text;
  if (lua_isstring(L, -1)) {
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    text.assign(s, len);
  }
  lua_pop(L, 1);
  return text;
}

}  // namespace basalt::scripting
