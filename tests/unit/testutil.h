/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - what cmocka test programs share: the includes cmocka needs
 * and helpers for fixtures and temporary directories.
 */
#ifndef OOPSD_TESTUTIL_H
#define OOPSD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"

/* Read tests/data/NAME (OOPSD_TESTDATA overrides the folder); fails the test if absent. */
static inline char *test_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("OOPSD_TESTDATA");
	char path[1024];
	char *buf = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", name);
	if (read_file_bounded(path, 256u << 20, 0, &buf, &n) < 0)
		fail_msg("cannot read fixture %s", path);
	if (len)
		*len = n;
	return buf;
}

/* A fresh temporary directory; the caller removes it with test_rmtree(). */
static inline char *test_tmpdir(void)
{
	char tmpl[] = "/tmp/oopsd-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline void test_rmtree(char *dir)
{
	char cmd[1200];

	if (dir == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
	free(dir);
}

#endif /* OOPSD_TESTUTIL_H */
