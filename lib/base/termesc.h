/* SPDX-License-Identifier: MIT */
/*
 * termesc.h - make peer text safe to show to a person.
 *
 * Titles, host names, kernel releases, comm and report text come from
 * crashing machines and from the network: an attacker can put an OSC
 * sequence in a title that sets the operator's terminal title, or one
 * that clears the screen, rewrites earlier lines or (on some terminals)
 * answers with bytes typed into the shell.  Every human-readable output
 * (oopsctl's tables and text, the daemons' log lines) passes peer text
 * through here; JSON output stays exact (JSON escaping handles it).
 *
 * Escaped, as \xHH (the kernel's own notation): the C0 controls (ESC
 * included: the netconsole decoder turns the kernel's "\x1b" back into a
 * real ESC), DEL, the C1 controls (U+0080..U+009F in UTF-8, and the raw
 * bytes 0x80..0x9f that 8-bit terminals read as CSI, OSC, ...), and any
 * byte that is not part of valid UTF-8.  Valid UTF-8 text passes as is.
 * TERMESC_TEXT keeps newlines and tabs (a report's lines); without it they
 * are escaped too, so a field cannot forge a line of a table or a log.
 */
#ifndef OOPSD_TERMESC_H
#define OOPSD_TERMESC_H

#include <stddef.h>
#include <stdio.h>

#define TERMESC_TEXT 0x1u /* keep \n and \t */

/*
 * Escape len bytes of s into out (cap >= 1 bytes, always NUL-terminated;
 * cut short at an escape boundary when it does not fit).  s NULL gives
 * "(null)", as printf does.  Returns out, for use as a printf argument.
 */
char *termesc(const char *s, size_t len, unsigned flags, char *out,
	      size_t cap);

/* termesc() of a NUL-terminated string (may be NULL). */
char *termesc_str(const char *s, char *out, size_t cap);

/* Write len bytes of s to f, escaped; no length limit.  0 or -EIO. */
int termesc_write(FILE *f, const char *s, size_t len, unsigned flags);

/* termesc_str() into a local array buf: printf("%s", TERMESC(t, title)). */
#define TERMESC(buf, s) termesc_str((s), (buf), sizeof(buf))

#endif /* OOPSD_TERMESC_H */
