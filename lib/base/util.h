/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers every layer needs: bounded file reads, crash-safe
 * file writes, host identity, clocks and hex.
 */
#ifndef OOPSD_UTIL_H
#define OOPSD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Read at most max bytes of a regular file (O_NOFOLLOW when nofollow).
 * *out is malloc'd and NUL-terminated (not counted in *len).  Returns 0,
 * -EFBIG when the file is larger than max (nothing returned), or -errno.
 */
int read_file_bounded(const char *path, size_t max, int nofollow, char **out,
		      size_t *len);
/* Same, relative to a directory fd (openat, never follows a symlink). */
int read_fileat_bounded(int dirfd, const char *name, size_t max, char **out,
			size_t *len);

/*
 * Write a file crash-safely: write name.tmp, fsync, rename over name,
 * fsync the directory.  After it returns 0 the file survives power loss
 * with exactly the new contents.  Returns 0 or -errno (no partial file).
 */
int write_file_atomic(int dirfd, const char *name, const void *buf,
		      size_t len);
/* fsync a directory by path.  0 or -errno. */
int fsync_dir(const char *path);

/* Host identity; each returns 0 and fills buf, or -errno. */
int host_hostname(char *buf, size_t len);
int host_machine_id(char *buf, size_t len);	/* 32 hex chars */
int host_boot_id(char *buf, size_t len);	/* 32 hex chars, no dashes */

/* CLOCK_REALTIME in microseconds. */
int64_t now_realtime_us(void);
/* Unix time (us) this boot started: realtime - CLOCK_BOOTTIME; 0 on error. */
int64_t boot_start_realtime_us(void);

/*
 * Return the free pages of the heap to the kernel (glibc's malloc_trim;
 * nothing elsewhere).  Daemons call it once start-up, which allocates and
 * frees more than the steady state keeps, is over.
 */
void release_free_memory(void);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const void *in, size_t n, char *out);
/* The value of one hex digit, or -1. */
int hex_digit_value(char c);
/* True when s[0..n) are all lower-case hex digits (and n > 0). */
bool hex_is_lower(const char *s, size_t n);
/* Decode 2n hex chars; returns bytes written or -EINVAL. */
int hex_decode(const char *in, void *out, size_t outlen);

/*
 * Make room for need elements of size bytes in *arr (capacity *cap),
 * doubling from 64.  *arr and *cap change only on success.  Returns 0, or
 * -ENOMEM when memory is short or need * size is more than one block can
 * hold (PTRDIFF_MAX; the doubling and the multiplication are both checked,
 * so realloc() never sees a wrapped size).
 */
int array_grow(void **arr, size_t *cap, size_t need, size_t size);
/*
 * array_grow() for arrays that start smaller or larger than 64 elements
 * (first, taken as 1 if 0) or must not pass a limit of their own (max
 * elements; SIZE_MAX for none): the capacity doubles from first and is
 * clamped to max.  Returns 0, or -ENOMEM when memory is short or need is
 * more than max or than one block can hold; *arr and *cap change only on
 * success.
 */
int array_grow_bounded(void **arr, size_t *cap, size_t need, size_t size,
		       size_t first, size_t max);

/* strlcpy: copy with truncation, always NUL-terminated; returns strlen(src). */
size_t str_lcpy(char *dst, const char *src, size_t size);

#endif /* OOPSD_UTIL_H */
