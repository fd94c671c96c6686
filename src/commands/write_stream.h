// The write stream: every change to the dataset, as the RESP commands that reproduce it, in the
// order it happened, handed to its consumers (the AOF now, the replication backlog next).
//
// Writes are staged per execution unit (one client request; EXEC's whole transaction; later a
// script) and committed once, when the outermost unit ends. A unit with more than one write
// goes out wrapped in MULTI ... EXEC, so no consumer ever holds half of one: a crash inside it
// leaves a torn AOF tail that loading reverts, a replica applies all or nothing. This is
// Redis's call() -> alsoPropagate() -> propagatePendingCommands() path. Writes made outside
// any unit (active expiry in the cron) are committed at once, each on its own.
//
// Commands are formatted once for every consumer. Each consumer tracks which database its own
// output has selected (a fresh AOF file selects none): a unit tells the database it starts in,
// and carries SELECTs only where it changes database midway.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::cmd {

struct WriteUnit {
  std::string_view resp;  // complete RESP commands (MULTI ... EXEC when more than one write)
  int start_db = 0;       // database the first command runs in (SELECT it first if needed)
  int end_db = 0;         // database selected after the last command
  size_t commands = 0;    // writes in the unit, not counting MULTI/EXEC/SELECT
};

class WriteStreamConsumer {
 public:
  virtual ~WriteStreamConsumer() = default;
  // False while the consumer takes nothing (the AOF is off): with no consumer accepting, the
  // stream formats nothing at all.
  virtual bool accepting() const = 0;
  // One committed unit. Returns true when the replies of the client that made it must wait
  // until this consumer reports the bytes durable (the AOF's group commit).
  virtual bool Consume(const WriteUnit& unit) = 0;
};

class WriteStream {
 public:
  void AddConsumer(WriteStreamConsumer* consumer) { consumers_.push_back(consumer); }
  void RemoveConsumer(WriteStreamConsumer* consumer);
  bool accepting() const;

  // Units nest (EXEC inside a request, a command inside a script); only the outermost commits.
  void BeginUnit() { ++depth_; }
  // Ends a unit. At the outermost level the staged writes are committed; returns true when a
  // consumer asked the writer's replies to wait for durability.
  bool EndUnit();
  bool in_unit() const { return depth_ > 0; }

  // Adds one write (already rewritten to be replayable: absolute TTLs, resolved values).
  void Append(int db, std::span<const std::string_view> argv);
  // Forgets what the open unit staged so far: a script stopped by SHUTDOWN NOSAVE, whose
  // changes must reach neither the AOF nor replicas (Redis exits before propagating them).
  void DiscardStaged() {
    staged_.clear();
    staged_commands_ = 0;
  }
  // Writes committed so far (units, for statistics and tests).
  uint64_t units_committed() const { return units_committed_; }

 private:
  bool Commit();

  std::vector<WriteStreamConsumer*> consumers_;
  int depth_ = 0;
  std::string staged_;
  std::string wrapped_;  // MULTI + staged + EXEC, kept for its capacity
  size_t staged_commands_ = 0;
  int start_db_ = 0;
  int current_db_ = 0;
  uint64_t units_committed_ = 0;
};

// Appends "SELECT db" as a RESP command.
void AppendSelect(std::string& out, int db);

}  // namespace basalt::cmd
