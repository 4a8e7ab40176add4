/* SPDX-License-Identifier: MIT */
/*
 * pstore_internal.h - what the pstore reader's files share and nobody
 * else needs.
 */
#ifndef OOPSD_PSTORE_INTERNAL_H
#define OOPSD_PSTORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "pstore/pstore.h"

/*
 * Does buf look like kernel log text?  At least 95% of its bytes are
 * printable ASCII, tabs, newlines or valid UTF-8 sequences: uninitialised
 * RAM (random, all zero, all 0xff) and a wrong decoder's output are not.
 */
bool pstore_is_text(const char *buf, size_t len);

/* Analyse scan->files once they are read (pstore_core.c). */
int pstore_scan_analyse(struct pstore_scan *s, const struct pstore_options *o);

#endif /* OOPSD_PSTORE_INTERNAL_H */
