// Why a request was answered with an error, as a value. Clients get Redis's exact text and match
// on its code; in-process callers (the embedded Store) must act on the reason, and parsing
// wording meant for humans would break whenever a text changes or two reasons share a code
// ("ERR" is both a syntax error and a failed SAVE). So the dispatcher records a kind next to
// every error it answers a request with (ClientSession::last_error_kind).
#pragma once

#include <cstdint>
#include <string>

namespace basalt::cmd {

enum class ErrorKind : uint8_t {
  kNone,          // the reply is not an error
  kArgument,      // the request is wrong as sent: unknown command, arity, syntax, value, type
  kNoAuth,        // NOAUTH: the client must authenticate first
  kClientMode,    // not allowed in the client's mode (inside MULTI, RESP2 subscribed mode)
  kOutOfMemory,   // OOM: used memory is over maxmemory, commands that may grow it are refused
  kWriteRefused,  // MISCONF: writes are refused since the disk failed (AOF write, last save)
  kLoading,       // LOADING: the dataset is still being loaded
  kBusy,          // a conflicting job is in progress (a save or AOF rewrite already running)
  kIoError,       // the command's own disk work failed (SAVE, starting BGSAVE or a rewrite)
  kReplication,   // READONLY replica, NOREPLICAS, MASTERDOWN: refused by the replication state
};

// An error reply handed to a handler by a component it called (e.g. PersistenceControl):
// Redis's text and its kind. An empty text means there is no error.
struct ErrorReply {
  ErrorKind kind = ErrorKind::kNone;
  std::string text;

  bool empty() const { return text.empty(); }
};

}  // namespace basalt::cmd
