/* SPDX-License-Identifier: MIT */
/*
 * signature.h - crash signatures: 64-bit hashes that group the same bug
 * across kernel builds, load addresses, CPUs, PIDs and timestamps.
 *
 *  - title signature = FNV-1a 64 of the normalised title
 *    (sig_normalize_title());
 *  - stack signature = FNV-1a 64 of the kind number in decimal, then for
 *    each of the top SIG_STACK_FRAMES kept frames "\n" function, plus
 *    " [module]" when the frame is in a module.  The function of the PC
 *    line (RIP, pc, NIP, epc) is the top frame when it is not plumbing;
 *    the trace frames follow (its first frame is skipped when it repeats
 *    the PC function, as arm64 traces do).  A frame is kept when it is
 *    reliable (not "? "), not an "[inline]" frame of a symbolized trace and
 *    not report plumbing (sig_is_plumbing()); the function loses its
 *    compiler suffix (".isra.0", ".cold", ".constprop.2": everything from
 *    the first '.'), offsets and sizes are never hashed.  With no frame
 *    kept, "\n" and the normalised title stand in for the frames.
 *
 * The hash is FNV-1a 64 (base/hash.h) of the UTF-8 text.  Signatures print
 * as 16 lower-case hex digits.
 */
#ifndef OOPSD_SIGNATURE_H
#define OOPSD_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hash.h"
#include "parse/oops.h"

#define SIG_STACK_FRAMES 5
#define SIG_HEX_LEN 16

/*
 * Normalise a title into out (cap bytes, always NUL-terminated, cut if
 * needed; the result is never longer than the input).  Whitespace runs
 * become one space and the ends are trimmed; compiler suffixes (.isra.N,
 * .constprop.N, .part.N, .cold[.N], .llvm.N, .lto_priv.N) are removed;
 * "0x" hex numbers and bare hex words of 8 or more digits (addresses)
 * become "X"; bare decimal numbers (line numbers, PIDs, CPU numbers)
 * become "N".  Returns the length written.
 */
size_t sig_normalize_title(const char *title, char *out, size_t cap);

/* Title signature; NULL or empty title hashes the empty string. */
uint64_t sig_title(const char *title);

/*
 * Stack signature of kind, the PC line (may be NULL) and frames (innermost
 * first, as the parser gives them); title is the fallback when no frame is
 * kept (may be NULL).
 */
uint64_t sig_stack(enum oops_kind kind, const char *pc,
		   const struct oops_frame *frames, size_t nframes,
		   const char *title);

/*
 * The function of a PC line ("RIP: 0010:f+0x1/0x2 ...", "pc : f+0x1/0x2"):
 * its start in *fn and its length without compiler suffix, or 0 when the
 * line names no function.
 */
size_t sig_pc_function(const char *pc, const char **fn);

/* True for frames that belong to the reporting machinery, not the bug. */
bool sig_is_plumbing(const char *function, size_t len);

/* Length of function without its compiler suffix (up to the first '.'). */
size_t sig_function_len(const char *function);

/* 16 lower-case hex digits and a NUL. */
void sig_format(uint64_t sig, char out[SIG_HEX_LEN + 1]);
/* Parse 16 hex digits; 0 or -EINVAL. */
int sig_parse(const char *s, uint64_t *sig);

#endif /* OOPSD_SIGNATURE_H */
