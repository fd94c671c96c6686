// list-compress-depth: interior list nodes are kept LZF-compressed, the ends never are, and
// every operation, RDB/DUMP and a copy see the same elements as without compression.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "persistence/rdb_dump.h"
#include "store/entry.h"
#include "store/list_value.h"

namespace basalt::store {
namespace {

std::deque<std::string> Contents(const ListValue& l) {
  std::deque<std::string> out;
  l.ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

// Nodes within `depth` of either end are raw; none is empty.
void CheckForm(const ListValue& l, size_t depth) {
  const auto& nodes = l.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    CAPTURE(i);
    const bool interior = depth > 0 && i >= depth && i + depth < nodes.size();
    if (!interior) CHECK_FALSE(nodes[i].compressed());
    CHECK(nodes[i].size() > 0);
  }
}

size_t Compressed(const ListValue& l) {
  size_t n = 0;
  for (const ListNode& node : l.nodes()) n += node.compressed() ? 1 : 0;
  return n;
}

std::string Element(std::mt19937_64& rng, int i) {
  // Mostly compressible text, sometimes random bytes (nodes that do not shrink stay raw).
  if (rng() % 8 != 0) return "element:" + std::to_string(i % 5000);
  std::string s(rng() % 40 + 1, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_SUITE("list compression") {
  TEST_CASE("interior nodes are compressed and shrink the list; the ends stay raw") {
    for (int64_t depth : {1, 2, 5}) {
      CAPTURE(depth);
      EncodingLimits plain;
      plain.list_compress_depth = 0;
      EncodingLimits packed;
      packed.list_compress_depth = depth;
      // On the heap: MemoryUsage counts the object's own block.
      std::unique_ptr<ListValue> a_holder(new ListValue());
      std::unique_ptr<ListValue> b_holder(new ListValue());
      ListValue& a = *a_holder;
      ListValue& b = *b_holder;
      for (int i = 0; i < 50000; ++i) {
        const std::string v = "element:" + std::to_string(i);
        a.PushBack(v, plain);
        b.PushBack(v, packed);
      }
      CHECK(Compressed(a) == 0);
      CHECK(Compressed(b) == b.nodes().size() - 2 * static_cast<size_t>(depth));
      CheckForm(b, static_cast<size_t>(depth));
      CHECK(b.MemoryUsage() * 2 < a.MemoryUsage());
      CHECK(Contents(a) == Contents(b));
      NumberBuffer buf;
      CHECK(b.At(25000, &buf) == "element:25000");
      // Popping down to nothing decompresses nodes as they reach the ends.
      for (int i = 0; i < 25000; ++i) {
        CHECK(b.PopFront() == "element:" + std::to_string(i));
        CHECK(b.PopBack() == "element:" + std::to_string(49999 - i));
      }
      CHECK(b.size() == 0);
    }
  }

  TEST_CASE("a compressed list matches a std::deque through every operation") {
    for (int64_t depth : {1, 3}) {
      for (int64_t fill : {-1, 16}) {
        CAPTURE(depth);
        CAPTURE(fill);
        EncodingLimits limits;
        limits.list_compress_depth = depth;
        limits.list_max_listpack_size = fill;
        std::mt19937_64 rng(static_cast<uint64_t>(depth * 100 + fill));
        ListValue l;
        std::deque<std::string> model;
        for (int i = 0; i < 6000; ++i) model.push_back(Element(rng, i));
        for (const std::string& v : model) l.PushBack(v, limits);
        for (int i = 0; i < 3000; ++i) {
          const std::string v = Element(rng, i);
          switch (rng() % 8) {
            case 0:
              l.PushFront(v, limits);
              model.push_front(v);
              break;
            case 1:
              l.PushBack(v, limits);
              model.push_back(v);
              break;
            case 2:
              if (!model.empty()) {
                REQUIRE(l.PopFront() == model.front());
                model.pop_front();
              }
              break;
            case 3:
              if (!model.empty()) {
                const size_t at = rng() % model.size();
                l.Set(at, v, limits);
                model[at] = v;
              }
              break;
            case 4:
              if (!model.empty()) {
                const std::string pivot = model[rng() % model.size()];
                REQUIRE(l.InsertAtPivot(pivot, v, true, limits));
                model.insert(std::find(model.begin(), model.end(), pivot) + 1, v);
              }
              break;
            case 5:
              if (rng() % 20 == 0) {
                const std::string target = model.empty() ? v : model[rng() % model.size()];
                const int64_t count = static_cast<int64_t>(rng() % 5) - 2;
                size_t removed = 0;
                if (count >= 0) {
                  for (auto it = model.begin(); it != model.end();) {
                    if (*it == target && (count == 0 || removed < static_cast<size_t>(count))) {
                      it = model.erase(it);
                      ++removed;
                    } else {
                      ++it;
                    }
                  }
                } else {
                  for (size_t k = model.size(); k-- > 0 && removed < size_t(-count);) {
                    if (model[k] == target) {
                      model.erase(model.begin() + static_cast<std::ptrdiff_t>(k));
                      ++removed;
                    }
                  }
                }
                REQUIRE(l.Remove(target, count) == removed);
              }
              break;
            case 6:
              if (model.size() > 100 && rng() % 10 == 0) {
                const size_t start = rng() % 40;
                const size_t stop = model.size() - 1 - rng() % 40;
                l.Trim(start, stop);
                model.erase(model.begin() + static_cast<std::ptrdiff_t>(stop) + 1, model.end());
                model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(start));
              }
              break;
            case 7:
              if (!model.empty()) {
                NumberBuffer buf;
                const size_t at = rng() % model.size();
                REQUIRE(l.At(at, &buf) == model[at]);
              }
              break;
          }
          REQUIRE(l.size() == model.size());
        }
        CHECK(Contents(l) == model);
        CheckForm(l, static_cast<size_t>(depth));
        CHECK(Compressed(l) > 0);
        std::unique_ptr<CompositeValue> copy(l.Clone());
        CHECK(Contents(static_cast<ListValue&>(*copy)) == model);
      }
    }
  }

  TEST_CASE("reads of interior nodes never see another node's or an older version's elements") {
    // The read cache names a node's contents by its block and id: changes, frees and clones
    // that hand a block's address to other contents must all miss.
    EncodingLimits packed;
    packed.list_compress_depth = 1;
    std::mt19937_64 rng(7);
    for (int round = 0; round < 3; ++round) {
      auto a = std::make_unique<ListValue>();
      std::deque<std::string> model;
      for (int i = 0; i < 6000; ++i) {
        model.push_back("e" + std::to_string(round) + ":" + std::to_string(i));
        a->PushBack(model.back(), packed);
      }
      REQUIRE(Compressed(*a) > 2);
      NumberBuffer buf;
      for (int step = 0; step < 3000; ++step) {
        const size_t i = rng() % model.size();
        if (rng() % 3 == 0) {
          model[i] = "changed:" + std::to_string(step);
          a->Set(i, model[i], packed);
        }
        REQUIRE(a->At(i, &buf) == model[i]);
        REQUIRE(a->At(model.size() - 1 - i, &buf) == model[model.size() - 1 - i]);
      }
      std::unique_ptr<CompositeValue> copy(a->Clone());
      a.reset();  // frees every block; the copy's are new ones
      const auto& c = static_cast<const ListValue&>(*copy);
      for (size_t i = 0; i < model.size(); i += 97) REQUIRE(c.At(i, &buf) == model[i]);
    }
  }

  TEST_CASE("DUMP of a compressed list restores the same elements, compressed or not") {
    EncodingLimits packed;
    packed.list_compress_depth = 1;
    auto* list = new ListValue();
    for (int i = 0; i < 20000; ++i) list->PushBack("element:" + std::to_string(i), packed);
    REQUIRE(Compressed(*list) > 0);
    Entry* e = Entry::NewObject("k", ValueType::kList, list, -1);
    const auto& format = persistence::DumpFormatInstance();
    for (bool compress : {true, false}) {
      const std::string payload = format.Dump(*e, compress);
      for (int64_t depth : {0, 1, 2}) {
        CAPTURE(compress);
        CAPTURE(depth);
        EncodingLimits limits;
        limits.list_compress_depth = depth;
        Entry* restored = nullptr;
        REQUIRE(format.Restore(payload, "k", -1, limits, &restored) ==
                cmd::DumpFormat::RestoreResult::kOk);
        const auto& r = static_cast<const ListValue&>(*restored->object());
        CHECK(Contents(r) == Contents(*list));
        CHECK((Compressed(r) > 0) == (depth > 0));
        CheckForm(r, static_cast<size_t>(depth));
        if (compress && depth == 1) {
          // The payload's LZF nodes are kept as they are, not decompressed and compressed again.
          REQUIRE(r.nodes().size() == list->nodes().size());
          for (size_t i = 1; i + 1 < r.nodes().size(); ++i) {
            CHECK(r.nodes()[i].packed_bytes() == list->nodes()[i].packed_bytes());
          }
        }
        Entry::Destroy(restored);
      }
    }
    Entry::Destroy(e);
  }
}

}  // namespace
}  // namespace basalt::store
