// Entry: the compact key+value record. Round trips across the inline/heap boundary, TTL
// fields, Rebuild, Clone, composite values and memory accounting (no leaks).
#include "store/entry.h"

#include <doctest/doctest.h>

#include <string>

#include "common/memory.h"

namespace basalt::store {
namespace {

// Frees an entry at scope exit.
struct Owned {
  Entry* e;
  explicit Owned(Entry* entry) : e(entry) {}
  ~Owned() {
    if (e != nullptr) Entry::Destroy(e);
  }
  Entry* operator->() const { return e; }
};

int g_live_objects = 0;

class FakeObject final : public CompositeValue {
 public:
  explicit FakeObject(std::string payload) : payload_(std::move(payload)) { ++g_live_objects; }
  ~FakeObject() override { --g_live_objects; }
  size_t MemoryUsage() const override { return sizeof(*this) + payload_.capacity(); }
  CompositeValue* Clone() const override { return new FakeObject(payload_); }
  const std::string& payload() const { return payload_; }

 private:
  std::string payload_;
};

}  // namespace

TEST_SUITE("entry") {
  TEST_CASE("keys and string values round-trip across the inline/heap boundary") {
    const std::string binary_key("k\0e\r\ny\xff", 7);
    for (std::string key :
         {std::string(), std::string("k"), binary_key, std::string(127, 'K'), std::string(128, 'K'),
          std::string(300, 'K'), std::string(20000, 'K')}) {
      for (size_t len :
           {size_t{0}, size_t{1}, size_t{127}, size_t{128}, size_t{129}, size_t{5000}}) {
        CAPTURE(key.size());
        CAPTURE(len);
        std::string value(len, 'v');
        if (len > 2) value[1] = '\0';
        Owned e(Entry::NewString(key, value, -1));
        CHECK(e->key() == key);
        CHECK(e->string_value() == value);
        CHECK(e->type() == ValueType::kString);
        CHECK(e->encoding() ==
              (len <= kInlineStringMax ? Encoding::kInline : Encoding::kHeapString));
        CHECK_FALSE(e->has_expire());
        CHECK(e->expire_at() == -1);
        CHECK(e->next() == nullptr);
        CHECK_FALSE(e->snapshot_bit());
      }
    }
  }

  TEST_CASE("an entry with a TTL keeps its deadline and slot apart from key and value") {
    Owned e(Entry::NewString("key", "value", 1'700'000'000'123));
    CHECK(e->has_expire());
    CHECK(e->expire_at() == 1'700'000'000'123);
    e->set_expire_slot(77);
    e->set_expire_at(5);
    CHECK(e->expire_at() == 5);
    CHECK(e->expire_slot() == 77);
    CHECK(e->key() == "key");
    CHECK(e->string_value() == "value");
    // A deadline of 0 (the epoch) is still a TTL.
    Owned zero(Entry::NewString("k", std::string(200, 'x'), 0));
    CHECK(zero->has_expire());
    CHECK(zero->expire_at() == 0);
    CHECK(zero->string_value() == std::string(200, 'x'));
  }

  TEST_CASE("the snapshot bit is independent of type, encoding and TTL") {
    Owned e(Entry::NewString("k", std::string(300, 'x'), 42));
    e->set_snapshot_bit(true);
    CHECK(e->snapshot_bit());
    CHECK(e->type() == ValueType::kString);
    CHECK(e->encoding() == Encoding::kHeapString);
    CHECK(e->expire_at() == 42);
    e->set_snapshot_bit(false);
    CHECK_FALSE(e->snapshot_bit());
    CHECK(e->has_expire());
  }

  TEST_CASE("Rebuild keeps the value and changes key and TTL; the old shell is freed alone") {
    const int64_t before = mem::Used();
    {
      // Inline value: the bytes are copied.
      Entry* old = Entry::NewString("old", "inline value", -1);
      old->set_snapshot_bit(true);
      Entry* fresh = Entry::Rebuild(old, "a much longer new key", 99);
      Entry::FreeShell(old);
      CHECK(fresh->key() == "a much longer new key");
      CHECK(fresh->string_value() == "inline value");
      CHECK(fresh->expire_at() == 99);
      CHECK(fresh->snapshot_bit());
      // Heap value: the same heap string moves over; removing the TTL.
      Entry* back = Entry::Rebuild(fresh, "k", -1);
      Entry::FreeShell(fresh);
      CHECK_FALSE(back->has_expire());
      CHECK(back->string_value() == "inline value");
      Entry::Destroy(back);

      Entry* heap = Entry::NewString("h", std::string(1000, 'z'), 5);
      HeapString* s = heap->heap_string();
      Entry* moved = Entry::Rebuild(heap, "h", -1);
      Entry::FreeShell(heap);
      CHECK(moved->heap_string() == s);
      CHECK(moved->encoding() == Encoding::kHeapString);
      CHECK(moved->string_value() == std::string(1000, 'z'));
      CHECK_FALSE(moved->has_expire());
      Entry::Destroy(moved);
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("Clone makes a deep copy under another key and TTL") {
    Owned heap(Entry::NewString("src", std::string(500, 'a'), 10));
    Owned copy(Entry::Clone(heap.e, "dst", -1));
    CHECK(copy->key() == "dst");
    CHECK_FALSE(copy->has_expire());
    CHECK(copy->string_value() == heap->string_value());
    REQUIRE(copy->encoding() == Encoding::kHeapString);
    CHECK(copy->heap_string() != heap->heap_string());
    copy->heap_string()->data()[0] = 'X';
    CHECK(heap->string_value()[0] == 'a');

    Owned small(Entry::NewString("s", "tiny", -1));
    Owned small_copy(Entry::Clone(small.e, "s2", 7));
    CHECK(small_copy->string_value() == "tiny");
    CHECK(small_copy->expire_at() == 7);
    CHECK(small_copy->encoding() == Encoding::kInline);
  }

  TEST_CASE("a heap string entry owns the string it was given and can grow it") {
    const int64_t before = mem::Used();
    {
      HeapString* s = HeapString::Create("abc", 10);
      CHECK(s->len == 3);
      CHECK(s->cap == 10);
      Owned e(Entry::NewHeapString("k", s, -1));
      CHECK(e->string_value() == "abc");
      HeapString* grown = HeapString::Reserve(e->heap_string(), 5000);
      CHECK(grown->cap >= 5000);
      CHECK(grown->view() == "abc");
      std::memset(grown->data() + 3, 'd', 4997);
      grown->len = 5000;
      e->set_heap_string(grown);
      CHECK(e->string_value().size() == 5000);
      CHECK(HeapString::Reserve(grown, 100) == grown);  // already big enough
      // Huge strings grow by a bounded step, not by doubling.
      HeapString* big = HeapString::Create("", 0);
      big = HeapString::Reserve(big, 8 * 1024 * 1024);
      CHECK(big->cap == 9 * 1024 * 1024);
      HeapString::Destroy(big);
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("composite values are owned, cloned and destroyed with their entry") {
    g_live_objects = 0;
    {
      Owned e(Entry::NewObject("list", ValueType::kList, new FakeObject("payload"), 3));
      CHECK(e->type() == ValueType::kList);
      CHECK(e->encoding() == Encoding::kObject);
      CHECK(e->expire_at() == 3);
      CHECK(e->key() == "list");
      Owned copy(Entry::Clone(e.e, "list2", -1));
      CHECK(g_live_objects == 2);
      CHECK(copy->type() == ValueType::kList);
      CHECK(copy->object() != e->object());
      CHECK(static_cast<FakeObject*>(copy->object())->payload() == "payload");
      CHECK(e->MemoryUsage() > e->object()->MemoryUsage());
      Entry* rebuilt = Entry::Rebuild(copy.e, "list3", 100);
      Entry::FreeShell(copy.e);
      copy.e = rebuilt;
      CHECK(g_live_objects == 2);
      CHECK(rebuilt->type() == ValueType::kList);
      CHECK(static_cast<FakeObject*>(rebuilt->object())->payload() == "payload");
    }
    CHECK(g_live_objects == 0);
  }

  TEST_CASE("memory usage counts the entry and its heap value, and all of it is returned") {
    const int64_t before = mem::Used();
    {
      Owned small(Entry::NewString("key", "value", -1));
      CHECK(small->MemoryUsage() >= 9 + 1 + 3 + 1 + 5);
      CHECK(small->MemoryUsage() < 64);
      Owned ttl(Entry::NewString("key", "value", 1));
      CHECK(ttl->MemoryUsage() >= small->MemoryUsage());
      Owned big(Entry::NewString("key", std::string(10000, 'x'), -1));
      CHECK(big->MemoryUsage() >= 10000);
      CHECK(big->MemoryUsage() < 10000 + 256);
      CHECK(mem::Used() > before);
    }
    CHECK(mem::Used() == before);
  }

  TEST_CASE("a block always holds a whole Entry object, however short the record") {
    // Record: 9-byte header, key length varint, key, value field. Below sizeof(Entry) the
    // block is rounded up to it (the object is constructed there); above, it is the record.
    CHECK(Entry::BlockSize(0, false, 1) == sizeof(Entry));  // record 11
    CHECK(Entry::BlockSize(3, false, 2) == sizeof(Entry));  // record 15
    CHECK(Entry::BlockSize(11, false, 11) == 9 + 1 + 11 + 11);
    CHECK(Entry::BlockSize(0, true, 1) == 9 + 12 + 1 + 0 + 1);
    // Under ASan, usable size is the size asked for, so this catches a short block there.
    Owned tiny(Entry::NewString("", "", -1));
    CHECK(mem::UsableSize(tiny.e) >= sizeof(Entry));
    CHECK(tiny->key().empty());
    CHECK(tiny->string_value().empty());
    CHECK(tiny->next() == nullptr);
    Owned rebuilt(Entry::Rebuild(tiny.e, "k", -1));
    CHECK(mem::UsableSize(rebuilt.e) >= sizeof(Entry));
    CHECK(rebuilt->key() == "k");
    Entry::FreeShell(tiny.e);
    tiny.e = nullptr;
  }

  TEST_CASE("TypeName gives Redis's TYPE names") {
    CHECK(TypeName(ValueType::kString) == "string");
    CHECK(TypeName(ValueType::kList) == "list");
    CHECK(TypeName(ValueType::kSet) == "set");
    CHECK(TypeName(ValueType::kZSet) == "zset");
    CHECK(TypeName(ValueType::kHash) == "hash");
    CHECK(TypeName(ValueType::kStream) == "stream");
  }

}  // TEST_SUITE

}  // namespace basalt::store
