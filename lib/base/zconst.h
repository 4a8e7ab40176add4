/* SPDX-License-Identifier: MIT */
/*
 * zconst.h - constant text the programs carry deflated and inflate once,
 * at its first use (the tiny agent's size: doc/boards.md).  The deflated
 * bytes, the text's length and its Adler-32 come from a generated header
 * (scripts/gen-*), which checked that they inflate back.
 */
#ifndef OOPSD_ZCONST_H
#define OOPSD_ZCONST_H

#include <stddef.h>

/*
 * Constant itself (read-only data); what changes is behind its pointers,
 * in bss: a writable descriptor would cost its bytes in the program file.
 */
struct zconst {
	const unsigned char *z;	/* raw deflate stream */
	size_t zlen;
	char *text;		/* where it is inflated: len bytes */
	size_t len;
	unsigned long adler;	/* of the text */
	int *state;		/* 0: not yet, 1: inflated, -1: corrupt */
};

/*
 * The text (c->len bytes), or NULL: no memory for the inflater now (tried
 * again at the next call), or a stream that does not inflate to its
 * Adler-32 (memory corruption: never tried again).  The programs are
 * single-threaded.
 */
const char *zconst_inflate(const struct zconst *c);

/* The text, or NULL (above); inline: the parser asks at every frame. */
static inline const char *zconst_text(const struct zconst *c)
{
	return *c->state == 1 ? c->text : zconst_inflate(c);
}

#endif /* OOPSD_ZCONST_H */
