// SPDX-License-Identifier: MIT
/*
 * util.c - see util.h.
 */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int read_fd_bounded(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	/* sysfs-like files report size 0 or 4096: read up to max anyway. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int read_file_bounded(const char *path, size_t max, int nofollow, char **out,
		      size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	int rc;

	if (fd < 0)
		return -errno;
	rc = read_fd_bounded(fd, max, out, len);
	close(fd);
	return rc;
}

int read_fileat_bounded(int dirfd, const char *name, size_t max, char **out,
			size_t *len)
{
	int fd = openat(dirfd, name,
			O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int rc;

	if (fd < 0)
		return -errno;
	rc = read_fd_bounded(fd, max, out, len);
	close(fd);
	return rc;
}

int write_file_atomic(int dirfd, const char *name, const void *buf,
		      size_t len)
{
	char tmp[512];
	const char *p = buf;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc < 0) {
		unlinkat(dirfd, tmp, 0);
		return rc;
	}
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;
}

int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int host_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0)
		return -errno;
	buf[len - 1] = '\0';
	return 0;
}

/* Read a one-line id file, keep hex digits only (boot_id has dashes). */
static int read_id(const char *path, char *buf, size_t len)
{
	char *data = NULL;
	size_t n = 0, o = 0;
	int rc = read_file_bounded(path, 256, 0, &data, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && o + 1 < len; i++)
		if (isxdigit((unsigned char)data[i]))
			buf[o++] = (char)tolower((unsigned char)data[i]);
	buf[o] = '\0';
	free(data);
	return o == 32 ? 0 : -EINVAL;
}

int host_machine_id(char *buf, size_t len)
{
	return read_id("/etc/machine-id", buf, len);
}

int host_boot_id(char *buf, size_t len)
{
	return read_id("/proc/sys/kernel/random/boot_id", buf, len);
}

int64_t now_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void release_free_memory(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

void hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_is_lower(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int hex_decode(const char *in, void *out, size_t outlen)
{
	size_t n = strlen(in);
	unsigned char *o = out;

	if (n % 2 != 0 || n / 2 > outlen)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit_value(in[2 * i]),
		    lo = hex_digit_value(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		o[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

size_t str_lcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int array_grow_bounded(void **arr, size_t *cap, size_t need, size_t size,
		       size_t first, size_t max)
{
	/* No allocator hands out more than PTRDIFF_MAX bytes in one block. */
	size_t lim = size ? PTRDIFF_MAX / size : 0;
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	if (max < lim)
		lim = max;
	if (need > lim)
		return -ENOMEM;
	ncap = *cap ? *cap : first ? first : 1;
	while (ncap < need)
		ncap = ncap > lim / 2 ? lim : ncap * 2;
	if (ncap > lim)
		ncap = lim;
	p = realloc(*arr, ncap * size);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int array_grow(void **arr, size_t *cap, size_t need, size_t size)
{
	return array_grow_bounded(arr, cap, need, size, 64, SIZE_MAX);
}

int64_t boot_start_realtime_us(void)
{
	struct timespec bt;

	if (clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
		return 0;
	return now_realtime_us() - ((int64_t)bt.tv_sec * 1000000 +
				    bt.tv_nsec / 1000);
}
