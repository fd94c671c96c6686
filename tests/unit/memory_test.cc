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
}

}  // namespace
}  // namespace basalt::mem
