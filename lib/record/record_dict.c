// SPDX-License-Identifier: MIT
/*
 * record_dict.c - the preset zlib dictionary of report texts (RFC 1950
 * FDICT).  Small texts compress poorly on their own: deflate has seen
 * nothing to refer back to.  This dictionary holds the boilerplate every
 * kernel crash report prints (the oops banner, register dumps and their
 * architectural default values, exception and syscall entry frames,
 * KASAN / lockdep / hung task / RCU stall wording, common source paths),
 * written by hand from the kernel's printing code, with the most common
 * strings last (deflate codes near matches in fewer bits).
 *
 * It is part of the record format: a record's zlib header names it by its
 * Adler-32 (DICTID 0xc47e2a12).  Never edit it: add another dictionary to
 * record_zdicts[] in lib/record.c and make it the one record_pack() uses,
 * so that every record ever written still inflates.
 */
#include <stddef.h>

#include "record/record.h"

const char record_zdict_v1[] =
#include "record_dict_v1.inc"
;
const size_t record_zdict_v1_len = sizeof(record_zdict_v1) - 1;
