// Allocation with accounting. The keyspace allocates its entries and values through here so
// INFO's used_memory is the exact sum of what the store holds (plus what others report).
#pragma once

#include <cstddef>
#include <cstdint>

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

// Touches every page of [p, p + n) from user space (one byte written per page, so only memory
// about to be overwritten may be passed). A buffer the kernel fills with recv() should go
// through this first: on some hypervisors a page first faulted in by the kernel, inside the
// copy to user space, makes the process's first read of that page ~7 us slower (measured on
// our 2-core CI VM: the first GET of a 1 MB value received that way took 1.9 ms instead of
// 0.07 ms). Faulting it here costs what the kernel's fault would have cost.
void PrefaultForKernelWrite(char* p, size_t n);

}  // namespace basalt::mem
