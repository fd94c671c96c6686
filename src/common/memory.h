// Allocation with accounting. The keyspace allocates its entries and values through here so
// INFO's used_memory is the exact sum of what the store holds (plus what others report).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

namespace basalt::mem {

void* Allocate(size_t size);
// Zero-filled. Large blocks come straight from the kernel already zeroed, so a 128 MB bucket
// array costs no up-front memset (that would stall the event loop for tens of ms).
void* AllocateZeroed(size_t size);
void* Reallocate(void* p, size_t size);
void Free(void* p);
// Bytes currently held by Allocate'd blocks (usable size, so allocator rounding is counted).
int64_t Used();
// Usable size of a block from Allocate.
size_t UsableSize(void* p);
// The malloc this process runs on, as INFO's mem_allocator shows it: "mimalloc-2.0.9" when
// the server was linked with mimalloc (it replaces malloc process-wide), else "libc".
const char* AllocatorName();

// Asks the allocator to hand free pages back to the kernel now (MEMORY PURGE): mimalloc's
// forced collect, glibc's malloc_trim. (mimalloc 2.0.9 still keeps most freed pages mapped
// until its decommit delay passes and later allocations touch their segments.)
void ReturnFreePages();

// While one of these is alive, whole pages that frees leave empty go back to the kernel at
// once, not after the allocator's decommit delay (10 s: main.cc's TuneAllocator). For memory
// freed because it will not be wanted soon: an idle client's buffers. mimalloc 2.0.9 carries
// out a delayed decommit only when a later allocation takes a page from the same segment, so
// on a server gone quiet that memory stayed resident for good: 10k clients idle after one
// PING kept 4-5 KB of RSS each (the touched first page of each freed 16 KB input buffer),
// against Redis's 1.9 KB once jemalloc's decay had run.
class ReturnFreedPagesAtOnce {
 public:
  ReturnFreedPagesAtOnce();
  ~ReturnFreedPagesAtOnce();
  ReturnFreedPagesAtOnce(const ReturnFreedPagesAtOnce&) = delete;
  ReturnFreedPagesAtOnce& operator=(const ReturnFreedPagesAtOnce&) = delete;
};
// Installed by an executable that links an allocator with such a switch (main.cc, for
// mimalloc); until then the scope above changes nothing. Called with true when the outermost
// scope opens, false when it closes.
void SetReturnAtOnceSwitch(void (*set_return_at_once)(bool));

// Faults in every page of [p, p + n) writable before the kernel writes there (madvise
// MADV_POPULATE_WRITE; on older kernels one byte written per page, so only memory about to be
// overwritten may be passed). A buffer the kernel fills with recv() should go through this
// first: on some hypervisors a page first faulted in by the kernel, inside the copy to user
// space, made the process's first read of that page ~7 us slower (measured on our 2-core CI
// VM: the first GET of a 1 MB value received that way took 1.9 ms instead of 0.07 ms).
// A range whose pages are all backed already (memory freed and handed out again) is left as
// it is after one residency check (mincore).
void PrefaultForKernelWrite(char* p, size_t n);

// A std allocator over Allocate/Free, for standard containers inside stored values (a zset's
// index, a list's node vector): without it their memory would be invisible to INFO's
// used_memory and to maxmemory.
template <typename T>
struct Allocator {
  using value_type = T;
  Allocator() noexcept = default;
  template <typename U>
  Allocator(const Allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor): rebind
  T* allocate(size_t n) { return static_cast<T*>(Allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { Free(p); }
  template <typename U>
  bool operator==(const Allocator<U>&) const noexcept {
    return true;
  }
};

// unique_ptr for single objects on the accounted heap (a collection's table or index).
template <typename T>
struct Deleter {
  void operator()(T* p) const noexcept {
    p->~T();
    Free(p);
  }
};
template <typename T>
using UniquePtr = std::unique_ptr<T, Deleter<T>>;
template <typename T, typename... Args>
UniquePtr<T> MakeUnique(Args&&... args) {
  void* block = Allocate(sizeof(T));
  return UniquePtr<T>(new (block) T(std::forward<Args>(args)...));
}

}  // namespace basalt::mem
