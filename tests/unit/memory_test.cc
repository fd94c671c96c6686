// common/memory: what the allocation helpers promise beyond malloc.
#include "common/memory.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <string_view>

namespace basalt::mem {
namespace {

TEST_SUITE("memory") {
  TEST_CASE("PrefaultForKernelWrite writes inside its range only, at any offset and length") {
    for (size_t offset : {0, 1, 4095, 4096, 5000}) {
      for (size_t length : {0, 1, 4095, 4096, 4097, 3 * 4096 + 17}) {
        std::string buffer(offset + length + 8192, '\x5a');
        PrefaultForKernelWrite(buffer.data() + offset, length);
        for (size_t i = 0; i < buffer.size(); ++i) {
          if (i >= offset && i < offset + length) continue;
          REQUIRE_MESSAGE(buffer[i] == '\x5a', "offset " << offset << " length " << length);
        }
      }
    }
  }

  TEST_CASE("SetLargePages reports the previous setting under mimalloc, is a no-op elsewhere") {
    const bool mimalloc = std::string_view(AllocatorName()).starts_with("mimalloc");
    const bool original = SetLargePages(true);
    CHECK(SetLargePages(true) == mimalloc);
    void* p = Allocate(4 << 20);  // allocation keeps working either way
    std::memset(p, 1, 4 << 20);
    Free(p);
    CHECK(SetLargePages(false) == mimalloc);
    CHECK_FALSE(SetLargePages(original));
  }
}

}  // namespace
}  // namespace basalt::mem
