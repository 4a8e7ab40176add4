/* SPDX-License-Identifier: MIT */
/*
 * testlimits.h - what the resource-limit tests (test_limits*.c) share: the
 * bytes currently allocated on the heap, so a test can assert that memory
 * stays bounded whatever the input.  Under AddressSanitizer the allocator
 * is ASan's, which answers through its own interface; otherwise glibc's
 * mallinfo2() (brk heap plus mmap'd blocks).  Under valgrind both read 0:
 * the bounds then hold trivially, the sanitizer and plain runs check them.
 */
#ifndef OOPSD_TEST_LIMITS_H
#define OOPSD_TEST_LIMITS_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define LIMITS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIMITS_ASAN 1
#endif
#endif

#ifdef LIMITS_ASAN
/* From <sanitizer/allocator_interface.h>, which gcc does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
static inline size_t heap_in_use(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
static inline size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}
#endif

/* Heap growth over a baseline, 0 when it shrank. */
static inline size_t heap_growth(size_t base)
{
	size_t now = heap_in_use();

	return now > base ? now - base : 0;
}

#endif /* OOPSD_TEST_LIMITS_H */
