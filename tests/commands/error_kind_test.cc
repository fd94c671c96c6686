// ClientSession::last_error_kind: every refusal of the dispatcher and every error a handler
// answers with carries the kind in-process callers act on (the embedded Store's Status codes).
#include <doctest/doctest.h>

#include "commands/harness.h"

using namespace basalt::test;
using basalt::cmd::ErrorKind;
using basalt::cmd::ErrorReply;

namespace {

// Persistence whose answers the test sets: a write refusal and what SAVE and friends return.
class FakePersistence : public basalt::cmd::PersistenceControl {
 public:
  ErrorReply Save() override { return save; }
  ErrorReply BackgroundSave(bool, std::string* status) override {
    *status = "Background saving started";
    return background;
  }
  ErrorReply RewriteAof(std::string* status) override {
    *status = "Background append only file rewriting started";
    return background;
  }
  int64_t last_save_unix_seconds() const override { return 0; }
  void AppendInfoFields(std::string&) const override {}
  std::string WriteRefusal() const override { return refusal; }

  ErrorReply save;
  ErrorReply background;
  std::string refusal;
};

// The kind the last request of the harness's client answered with.
ErrorKind KindOf(Harness& h, std::initializer_list<std::string_view> args) {
  h.Run(args);
  return h.session().last_error_kind;
}

constexpr std::string_view kMisconf =
    "MISCONF Errors writing to the AOF file: No space left on device";

}  // namespace

TEST_SUITE("error kinds") {
  TEST_CASE("a successful reply has no kind, and each request resets it") {
    Harness h;
    CHECK(KindOf(h, {"SET", "k", "v"}) == ErrorKind::kNone);
    CHECK(KindOf(h, {"nosuch"}) == ErrorKind::kArgument);
    CHECK(KindOf(h, {"GET", "k"}) == ErrorKind::kNone);
  }

  TEST_CASE("unknown command, wrong arity and handler errors are argument errors") {
    Harness h;
    CHECK(KindOf(h, {"nosuch", "a"}) == ErrorKind::kArgument);
    CHECK(KindOf(h, {"CLIENT", "nosuch"}) == ErrorKind::kArgument);
    CHECK(KindOf(h, {"GET"}) == ErrorKind::kArgument);
    CHECK(h.Run({"SET", "k", "v", "NX", "XX"}) == Err("ERR syntax error"));
    CHECK(h.session().last_error_kind == ErrorKind::kArgument);
    h.Run({"SET", "k", "v"});
    CHECK(KindOf(h, {"INCR", "k"}) == ErrorKind::kArgument);
    CHECK(KindOf(h, {"SET", "k", "v", "PX", "0"}) == ErrorKind::kArgument);
  }

  TEST_CASE("NOAUTH is kNoAuth") {
    Harness h;
    h.config().settings().requirepass = "secret";
    CHECK(h.Run({"GET", "k"}) == Err("NOAUTH Authentication required."));
    CHECK(h.session().last_error_kind == ErrorKind::kNoAuth);
  }

  TEST_CASE("commands the client's mode forbids are kClientMode") {
    Harness h;
    CHECK(KindOf(h, {"MULTI"}) == ErrorKind::kNone);
    CHECK(h.Run({"SAVE"}) == Err("ERR Command not allowed inside a transaction"));
    CHECK(h.session().last_error_kind == ErrorKind::kClientMode);
    CHECK(KindOf(h, {"DISCARD"}) == ErrorKind::kNone);
    CHECK(KindOf(h, {"SUBSCRIBE", "ch"}) == ErrorKind::kNone);
    CHECK(KindOf(h, {"GET", "k"}) == ErrorKind::kClientMode);
  }

  TEST_CASE("OOM is kOutOfMemory; a read still succeeds") {
    Harness h;
    h.Run({"SET", "x", std::string(100, 'x')});
    h.config().settings().maxmemory = 1;  // exceeded from now on
    CHECK(h.Run({"SET", "a", "1"}) ==
          Err("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.session().last_error_kind == ErrorKind::kOutOfMemory);
    CHECK(KindOf(h, {"GET", "x"}) == ErrorKind::kNone);
  }

  TEST_CASE("a write refused by persistence (MISCONF) is kWriteRefused; reads still succeed") {
    FakePersistence persistence;  // outlives the harness
    Harness h;
    h.server().persistence = &persistence;
    persistence.refusal = kMisconf;
    CHECK(h.Run({"SET", "k", "v"}) == Err(kMisconf));
    CHECK(h.session().last_error_kind == ErrorKind::kWriteRefused);
    CHECK(KindOf(h, {"GET", "k"}) == ErrorKind::kNone);
  }

  TEST_CASE("LOADING is kLoading") {
    Harness h;
    h.server().loading = true;
    CHECK(h.Run({"GET", "k"}) == Err("LOADING Redis is loading the dataset in memory"));
    CHECK(h.session().last_error_kind == ErrorKind::kLoading);
  }

  TEST_CASE("SAVE, BGSAVE and BGREWRITEAOF carry the persistence layer's kind") {
    FakePersistence persistence;  // outlives the harness
    Harness h;
    h.server().persistence = &persistence;
    CHECK(KindOf(h, {"SAVE"}) == ErrorKind::kNone);
    persistence.save = {ErrorKind::kBusy, "ERR Background save already in progress"};
    CHECK(h.Run({"SAVE"}) == Err("ERR Background save already in progress"));
    CHECK(h.session().last_error_kind == ErrorKind::kBusy);
    persistence.save = {ErrorKind::kIoError, "ERR"};
    CHECK(h.Run({"SAVE"}) == Err("ERR"));
    CHECK(h.session().last_error_kind == ErrorKind::kIoError);

    CHECK(KindOf(h, {"BGSAVE"}) == ErrorKind::kNone);
    persistence.background = {ErrorKind::kBusy, "ERR Background save already in progress"};
    CHECK(KindOf(h, {"BGSAVE"}) == ErrorKind::kBusy);
    CHECK(KindOf(h, {"BGREWRITEAOF"}) == ErrorKind::kBusy);
    persistence.background = {ErrorKind::kIoError, "ERR"};
    CHECK(KindOf(h, {"BGSAVE"}) == ErrorKind::kIoError);
    // A syntax error found before the persistence layer is asked stays an argument error.
    CHECK(KindOf(h, {"BGSAVE", "NOW"}) == ErrorKind::kArgument);
  }

  TEST_CASE("a refused EXEC keeps the refusal's kind; EXEC's array of errors is no error") {
    FakePersistence persistence;  // outlives the harness
    Harness h;
    h.server().persistence = &persistence;
    h.Run({"MULTI"});
    h.Run({"SET", "k", "v"});
    persistence.refusal = kMisconf;
    CHECK(h.Run({"EXEC"}) ==
          Err("EXECABORT Transaction discarded because of: " + std::string(kMisconf)));
    CHECK(h.session().last_error_kind == ErrorKind::kWriteRefused);
    persistence.refusal.clear();

    // Errors inside the transaction's reply are the queued commands', not EXEC's.
    h.Run({"SET", "s", "not a number"});
    h.Run({"MULTI"});
    CHECK(KindOf(h, {"INCR", "s"}) == ErrorKind::kNone);  // QUEUED
    CHECK(h.Run({"EXEC"}) == "*1\r\n-ERR value is not an integer or out of range\r\n");
    CHECK(h.session().last_error_kind == ErrorKind::kNone);

    // A transaction doomed at queue time: EXEC's own error.
    h.Run({"MULTI"});
    h.Run({"GET"});
    CHECK(KindOf(h, {"EXEC"}) == ErrorKind::kArgument);
    CHECK(KindOf(h, {"EXEC"}) == ErrorKind::kArgument);  // without MULTI
  }
}
