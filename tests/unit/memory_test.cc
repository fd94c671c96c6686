// common/memory: what the allocation helpers promise beyond malloc.
#include "common/memory.h"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>

namespace basalt::mem {
namespace {

std::string g_switched;  // what the recording switch was told, in order

TEST_SUITE("memory") {
  TEST_CASE("freed pages go back at once only inside the outermost scope, and then stop") {
    { ReturnFreedPagesAtOnce before_any_switch; }  // nothing installed: nothing to call
    SetReturnAtOnceSwitch([](bool at_once) { g_switched += at_once ? "on " : "off "; });
    {
      ReturnFreedPagesAtOnce outer;
      CHECK(g_switched == "on ");
      {
        ReturnFreedPagesAtOnce inner;
        void* freed_inside = Allocate(16 * 1024);
        Free(freed_inside);
      }
      CHECK(g_switched == "on ");  // the outer scope still holds
    }
    CHECK(g_switched == "on off ");
    { ReturnFreedPagesAtOnce again; }
    CHECK(g_switched == "on off on off ");
    SetReturnAtOnceSwitch(nullptr);
    g_switched.clear();
  }

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

  TEST_CASE("PrefaultForKernelWrite makes exactly the pages of its range resident") {
    constexpr size_t kPage = 4096;
    REQUIRE(static_cast<size_t>(sysconf(_SC_PAGESIZE)) == kPage);
    constexpr size_t kPages = 16;
    void* region =
        mmap(nullptr, kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(region != MAP_FAILED);
    char* base = static_cast<char*>(region);
    // From the middle of page 3 to the first byte of page 9: pages 3..9, nothing around them.
    PrefaultForKernelWrite(base + 3 * kPage + 100, 6 * kPage - 99);
    unsigned char resident[kPages] = {};
    REQUIRE(mincore(region, kPages * kPage, resident) == 0);
    for (size_t page = 0; page < kPages; ++page) {
      CHECK_MESSAGE((resident[page] & 1) == (page >= 3 && page <= 9 ? 1 : 0), "page " << page);
    }
    munmap(region, kPages * kPage);
  }

  TEST_CASE("PrefaultForKernelWrite backs a range that is resident but for one page") {
    // Ranges already backed are skipped after a residency check, which covers 512 pages per
    // call: the missing page is past the first step.
    constexpr size_t kPage = 4096;
    constexpr size_t kPages = 600;
    void* region =
        mmap(nullptr, kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(region != MAP_FAILED);
    char* base = static_cast<char*>(region);
    std::memset(base, 1, (kPages - 1) * kPage);
    PrefaultForKernelWrite(base, kPages * kPage);
    unsigned char resident[kPages] = {};
    REQUIRE(mincore(region, kPages * kPage, resident) == 0);
    for (size_t page = 0; page < kPages; ++page) {
      CHECK_MESSAGE((resident[page] & 1) == 1, "page " << page);
    }
    CHECK(base[0] == 1);
    CHECK(base[(kPages - 1) * kPage - 1] == 1);
    munmap(region, kPages * kPage);
  }
}

}  // namespace
}  // namespace basalt::mem
