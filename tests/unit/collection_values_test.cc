// The collection values (hash, set, list) against std:: models: random operations with fixed
// seeds, every encoding conversion, and the memory count.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/memory.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"

namespace basalt::store {

namespace {

std::string RandomText(std::mt19937_64& rng, size_t max_len) {
  static const char* kPool[] = {
      "",  "0",     "1",  "-1", "007", "-0", "42", "9223372036854775807", "9223372036854775808",
      "a", "field", "x y"};
  if (rng() % 3 == 0) return kPool[rng() % std::size(kPool)];
  std::string s(rng() % (max_len + 1), 'a');
  for (char& c : s) c = static_cast<char>('a' + rng() % 4);
  return s;
}

std::map<std::string, std::string> Contents(const HashValue& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) {
    CHECK(out.emplace(std::string(f), std::string(v)).second);
  });
  return out;
}

std::set<std::string> Contents(const SetValue& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { CHECK(out.emplace(m).second); });
  return out;
}

std::deque<std::string> Contents(const ListValue& l) {
  std::deque<std::string> out;
  l.ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

}  // namespace

TEST_SUITE("collection values") {
  TEST_CASE("a hash matches a std::map through random sets and deletes, in both encodings") {
    for (int64_t max_entries : {2, 16, 512}) {
      CAPTURE(max_entries);
      EncodingLimits limits;
      limits.hash_max_listpack_entries = max_entries;
      limits.hash_max_listpack_value = 8;
      std::mt19937_64 rng(static_cast<uint64_t>(max_entries));
      HashValue h;
      std::map<std::string, std::string> model;
      for (int i = 0; i < 3000; ++i) {
        const std::string f = RandomText(rng, 6);
        if (rng() % 3 == 0) {
          CHECK(h.Delete(f) == (model.erase(f) == 1));
        } else {
          const std::string v = RandomText(rng, 10);
          CHECK(h.Set(f, v, limits) == !model.count(f));
          model[f] = v;
        }
        // Past a limit the encoding is a table for good (until the hash is emptied).
        if (model.size() > static_cast<size_t>(max_entries)) CHECK_FALSE(h.is_listpack());
        REQUIRE(h.size() == model.size());
      }
      CHECK(Contents(h) == model);
      for (const auto& [f, v] : model) {
        std::string_view got;
        REQUIRE(h.Get(f, &got));
        CHECK(got == v);
      }
      auto* copy = static_cast<HashValue*>(h.Clone());
      CHECK(Contents(*copy) == model);
      CHECK(copy->is_listpack() == h.is_listpack());
      delete copy;
    }
  }

  TEST_CASE("a hash leaves the listpack at the entry and value limits, not before") {
    EncodingLimits limits;
    limits.hash_max_listpack_entries = 3;
    limits.hash_max_listpack_value = 4;
    HashValue h;
    h.Set("a", "1234", limits);
    h.Set("b", "2", limits);
    h.Set("c", "3", limits);
    CHECK(h.is_listpack());
    CHECK(h.EncodingName() == "listpack");
    h.Set("d", "4", limits);
    CHECK_FALSE(h.is_listpack());
    CHECK(h.EncodingName() == "hashtable");
    HashValue long_value;
    long_value.Set("a", "12345", limits);
    CHECK_FALSE(long_value.is_listpack());
    HashValue long_field;
    long_field.Set("abcde", "1", limits);
    CHECK_FALSE(long_field.is_listpack());
  }

  TEST_CASE("hash memory is counted by mem:: and returned when the hash goes") {
    const int64_t before = mem::Used();
    auto* h = new HashValue();
    EncodingLimits limits;
    for (int i = 0; i < 2000; ++i)
      h->Set("field:" + std::to_string(i), std::string(30, 'v'), limits);
    CHECK_FALSE(h->is_listpack());
    CHECK(mem::Used() - before >= 2000 * 46);
    CHECK(h->MemoryUsage() >= 2000 * 46);
    delete h;
    CHECK(mem::Used() == before);
  }

  TEST_CASE("a set matches a std::set and converts intset -> table as Redis does") {
    for (int64_t max_ints : {0, 4, 512}) {
      CAPTURE(max_ints);
      EncodingLimits limits;
      limits.set_max_intset_entries = max_ints;
      std::mt19937_64 rng(static_cast<uint64_t>(max_ints) + 7);
      std::unique_ptr<SetValue> s(SetValue::NewFor("1", limits));
      CHECK(s->is_intset() == (max_ints > 0));
      std::set<std::string> model;
      for (int i = 0; i < 3000; ++i) {
        const bool ints_only = i < 1500;
        const std::string m = ints_only ? std::to_string(static_cast<int64_t>(rng() % 700) - 350)
                                        : RandomText(rng, 5);
        if (rng() % 3 == 0) {
          CHECK(s->Remove(m) == (model.erase(m) == 1));
        } else {
          CHECK(s->Add(m, limits) == model.insert(m).second);
        }
        REQUIRE(s->size() == model.size());
        if (ints_only && model.size() <= static_cast<size_t>(max_ints) && max_ints > 0 &&
            s->is_intset()) {
          // Still an intset: members come back in ascending numeric order.
          std::vector<int64_t> seen;
          s->ForEach([&](std::string_view v) { seen.push_back(std::stoll(std::string(v))); });
          CHECK(std::is_sorted(seen.begin(), seen.end()));
        }
      }
      CHECK_FALSE(s->is_intset());  // non-integers arrived
      CHECK(Contents(*s) == model);
      for (const std::string& m : model) CHECK(s->Contains(m));
      CHECK_FALSE(s->Contains("not there"));
    }
  }

  TEST_CASE("an intset accepts only canonical integers") {
    EncodingLimits limits;
    std::unique_ptr<SetValue> s(SetValue::NewFor("5", limits));
    for (const char* m : {"5", "-5", "9223372036854775807", "-9223372036854775808"}) {
      s->Add(m, limits);
    }
    CHECK(s->is_intset());
    CHECK_FALSE(s->Contains("05"));
    CHECK_FALSE(s->Contains("+5"));
    s->Add("-0", limits);  // not canonical: the set becomes a table
    CHECK_FALSE(s->is_intset());
    CHECK(s->Contains("-0"));
    CHECK(s->Contains("-9223372036854775808"));
  }

  TEST_CASE("a list matches a std::deque through random pushes, pops, sets, inserts and trims") {
    for (int64_t fill : {-2, -1, 3, 128}) {
      CAPTURE(fill);
      EncodingLimits limits;
      limits.list_max_listpack_size = fill;
      std::mt19937_64 rng(static_cast<uint64_t>(fill + 100));
      ListValue l;
      std::deque<std::string> model;
      for (int i = 0; i < 4000; ++i) {
        const std::string v = RandomText(rng, rng() % 20 == 0 ? 3000 : 12);
        switch (rng() % 9) {
          case 0:
          case 1:
            l.PushFront(v, limits);
            model.push_front(v);
            break;
          case 2:
          case 3:
            l.PushBack(v, limits);
            model.push_back(v);
            break;
          case 4:
            if (!model.empty()) {
              CHECK(l.PopFront() == model.front());
              model.pop_front();
            }
            break;
          case 5:
            if (!model.empty()) {
              CHECK(l.PopBack() == model.back());
              model.pop_back();
            }
            break;
          case 6:
            if (!model.empty()) {
              const size_t at = rng() % model.size();
              l.Set(at, v, limits);
              model[at] = v;
            }
            break;
          case 7:
            if (!model.empty()) {
              const std::string pivot = model[rng() % model.size()];
              const bool after = rng() % 2 == 0;
              CHECK(l.InsertAtPivot(pivot, v, after, limits));
              auto it = std::find(model.begin(), model.end(), pivot);
              model.insert(after ? it + 1 : it, v);
            }
            break;
          case 8:
            if (model.size() > 10 && rng() % 10 == 0) {
              const size_t start = rng() % 3;
              const size_t stop = model.size() - 1 - rng() % 3;
              l.Trim(start, stop);
              model.erase(model.begin() + static_cast<std::ptrdiff_t>(stop) + 1, model.end());
              model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(start));
            }
            break;
        }
        REQUIRE(l.size() == model.size());
      }
      CHECK(Contents(l) == model);
      for (size_t i = 0; i < model.size(); i += 7) {
        NumberBuffer buf;
        CHECK(l.At(i, &buf) == model[i]);
      }
      for (const auto& node : l.nodes()) CHECK(node.size() > 0);
    }
  }

  TEST_CASE("LREM removes from the head, the tail, or everywhere") {
    EncodingLimits limits;
    limits.list_max_listpack_size = 2;  // many small nodes, so removals cross nodes
    auto fill = [&](ListValue& l) {
      for (const char* v : {"a", "x", "b", "x", "c", "x", "d"}) l.PushBack(v, limits);
    };
    ListValue head;
    fill(head);
    CHECK(head.Remove("x", 2) == 2);
    CHECK(Contents(head) == std::deque<std::string>{"a", "b", "c", "x", "d"});
    ListValue tail;
    fill(tail);
    CHECK(tail.Remove("x", -2) == 2);
    CHECK(Contents(tail) == std::deque<std::string>{"a", "x", "b", "c", "d"});
    ListValue all;
    fill(all);
    CHECK(all.Remove("x", 0) == 3);
    CHECK(Contents(all) == std::deque<std::string>{"a", "b", "c", "d"});
    CHECK(all.Remove("nope", 0) == 0);
    for (const auto& node : all.nodes()) CHECK(node.size() > 0);
  }

  TEST_CASE("list nodes stay within the byte limit") {
    EncodingLimits limits;
    limits.list_max_listpack_size = -1;  // 4 KB
    ListValue l;
    for (int i = 0; i < 1000; ++i) l.PushBack(std::string(100, 'x'), limits);
    CHECK(l.nodes().size() > 20);
    for (const auto& node : l.nodes()) CHECK(node.raw_bytes_size() <= 4096);
  }
}

}  // namespace basalt::store
