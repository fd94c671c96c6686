// The write stream: units commit once, several writes wrap in MULTI/EXEC, SELECTs appear only
// where a unit changes database, nothing is formatted while no consumer accepts, and the AOF
// writer adds the SELECT its own file needs.
#include "commands/write_stream.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/command_encoder.h"

namespace basalt::cmd {
namespace {

class Collector : public WriteStreamConsumer {
 public:
  bool accepting() const override { return on; }
  bool Consume(const WriteUnit& unit) override {
    units.push_back(std::string(unit.resp));
    starts.push_back(unit.start_db);
    ends.push_back(unit.end_db);
    return wants_durability;
  }
  bool on = true;
  bool wants_durability = false;
  std::vector<std::string> units;
  std::vector<int> starts, ends;
};

std::string Resp(std::vector<std::string_view> argv) {
  std::string out;
  protocol::AppendCommand(out, argv);
  return out;
}

void Add(WriteStream& s, int db, std::vector<std::string_view> argv) { s.Append(db, argv); }

TEST_SUITE("write stream") {
  TEST_CASE("a write outside any unit is committed at once") {
    WriteStream s;
    Collector c;
    s.AddConsumer(&c);
    Add(s, 3, {"DEL", "k"});
    REQUIRE(c.units.size() == 1);
    CHECK(c.units[0] == Resp({"DEL", "k"}));
    CHECK(c.starts[0] == 3);
  }

  TEST_CASE("one unit of several writes commits once, wrapped, SELECT only mid-unit") {
    WriteStream s;
    Collector c;
    s.AddConsumer(&c);
    s.BeginUnit();
    Add(s, 0, {"SET", "a", "1"});
    s.BeginUnit();  // nested (EXEC inside a request)
    Add(s, 2, {"SET", "b", "2"});
    CHECK_FALSE(s.EndUnit());
    CHECK(c.units.empty());
    CHECK_FALSE(s.EndUnit());
    REQUIRE(c.units.size() == 1);
    CHECK(c.units[0] == Resp({"MULTI"}) + Resp({"SET", "a", "1"}) + Resp({"SELECT", "2"}) +
                            Resp({"SET", "b", "2"}) + Resp({"EXEC"}));
    CHECK(c.starts[0] == 0);
    CHECK(c.ends[0] == 2);
  }

  TEST_CASE("a unit without writes commits nothing; durability is asked by the consumer") {
    WriteStream s;
    Collector c;
    c.wants_durability = true;
    s.AddConsumer(&c);
    s.BeginUnit();
    CHECK_FALSE(s.EndUnit());
    s.BeginUnit();
    Add(s, 0, {"SET", "a", "1"});
    CHECK(s.EndUnit());
    CHECK(c.units.size() == 1);
  }

  TEST_CASE("nothing is formatted while no consumer accepts") {
    WriteStream s;
    Collector c;
    c.on = false;
    s.AddConsumer(&c);
    Add(s, 0, {"SET", "a", "1"});
    c.on = true;
    Add(s, 0, {"SET", "b", "1"});
    REQUIRE(c.units.size() == 1);
    CHECK(c.units[0] == Resp({"SET", "b", "1"}));
    CHECK(s.units_committed() == 1);
  }
}

}  // namespace
}  // namespace basalt::cmd
