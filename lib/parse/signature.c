// SPDX-License-Identifier: MIT
/*
 * signature.c - title and stack signatures.  See signature.h; the choices
 * are explained in doc/parser.md, "Signatures".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/signature.h"
#include "base/util.h"
#include "base/zconst.h"
#include "sig_plumbing.h"

static bool sig_is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool sig_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool sig_is_xdigit(char c)
{
	return sig_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static bool sig_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/*
 * If s (just after a '.') starts a compiler suffix, return its length
 * (not counting the '.'), else 0.  "isra.0" -> 6, "cold" -> 4.
 */
static size_t sig_suffix_len(const char *s)
{
	static const char *const suffixes[] = {
		"isra", "constprop", "part", "cold", "llvm", "lto_priv",
		"localalias", "specialized",
	};

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t n = strlen(suffixes[i]);

		if (strncmp(s, suffixes[i], n) != 0 || sig_is_word(s[n]))
			continue;
		/* An optional ".123" after it. */
		if (s[n] == '.' && sig_is_digit(s[n + 1])) {
			n++;
			while (sig_is_digit(s[n]))
				n++;
		}
		return n;
	}
	return 0;
}

size_t sig_normalize_title(const char *title, char *out, size_t cap)
{
	size_t o = 0;
	bool space = false;

	if (cap == 0)
		return 0;
	if (title == NULL)
		title = "";
	for (const char *p = title; *p;) {
		const char *tok;
		size_t n, sl;
		char buf1[2] = { 0 };

		if (sig_is_space(*p)) {
			space = true;
			p++;
			continue;
		}
		if (*p == '.' && (sl = sig_suffix_len(p + 1)) > 0) {
			p += 1 + sl;
			continue;
		}
		if (sig_is_word(*p)) {
			const char *w = p;
			bool dec = true, hex = true, has_digit = false;

			while (sig_is_word(*p))
				p++;
			n = (size_t)(p - w);
			for (size_t i = 0; i < n; i++) {
				dec &= sig_is_digit(w[i]);
				hex &= sig_is_xdigit(w[i]);
				has_digit |= sig_is_digit(w[i]);
			}
			if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
				hex = true;
				for (size_t i = 2; i < n; i++)
					hex &= sig_is_xdigit(w[i]);
				if (hex) {
					tok = "X";
					n = 1;
					goto emit;
				}
			}
			if (dec) {
				tok = "N";
				n = 1;
			} else if (hex && has_digit && n >= 8) {
				tok = "X";
				n = 1;
			} else {
				tok = w;
			}
		} else {
			buf1[0] = *p++;
			tok = buf1;
			n = 1;
		}
emit:
		if (space && o > 0 && o + 1 < cap)
			out[o++] = ' ';
		space = false;
		if (n > cap - 1 - o)
			n = cap - 1 - o;
		memcpy(out + o, tok, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/* Fold the normalised title into h (unnormalised if out of memory). */
static uint64_t sig_hash_title(uint64_t h, const char *title)
{
	size_t len = title ? strlen(title) : 0;
	char stackbuf[512];
	char *buf = len < sizeof(stackbuf) ? stackbuf : malloc(len + 1);

	if (buf == NULL) {
		/* Out of memory for a giant title: hash it unnormalised. */
		return fnv1a64(h, title, len);
	}
	len = sig_normalize_title(title, buf, len + 1);
	h = fnv1a64(h, buf, len);
	if (buf != stackbuf)
		free(buf);
	return h;
}

uint64_t sig_title(const char *title)
{
	return sig_hash_title(FNV1A64_INIT, title);
}

size_t sig_function_len(const char *function)
{
	const char *dot = strchr(function, '.');

	return dot ? (size_t)(dot - function) : strlen(function);
}

/*
 * Functions that print or route a report rather than cause it.  They sit
 * on top of the trace of a WARNING, a KASAN report, a page fault or a
 * lockup, and differ between kernel versions, so they would split one bug
 * into several signatures.  The names are in lib/parse/sig_plumbing.list,
 * carried deflated (sig_plumbing.h, scripts/gen-sig-plumbing) and
 * inflated at the first use; names with these prefixes too:
 */
static const char *const sig_plumbing_prefix[] = {
	"__asan_", "__hwasan_", "__msan_", "__tsan_", "__ubsan_handle_",
	"__sanitizer_", "kcsan_", "__kcsan_",
};

bool sig_is_plumbing(const char *function, size_t len)
{
	static char names[SIG_PLUMBING_LEN];
	static int state;
	static const struct zconst names_z = {
		sig_plumbing_z, sizeof(sig_plumbing_z), names, sizeof(names),
		SIG_PLUMBING_ADLER, &state,
	};
	/* NULL only when zlib's 7 KB cannot be allocated (tried again at
	 * the next frame): then only the prefixes below are known. */
	const char *plumbing = zconst_text(&names_z);
	size_t m;

	/* Each name's length is measured once: it is also the step. */
	for (const char *p = plumbing; p != NULL && *p; p += m + 1) {
		m = strlen(p);
		if (m == len && memcmp(p, function, len) == 0)
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sig_plumbing_prefix); i++) {
		size_t n = strlen(sig_plumbing_prefix[i]);

		if (len >= n && memcmp(sig_plumbing_prefix[i], function, n) == 0)
			return true;
	}
	return false;
}

size_t sig_pc_function(const char *pc, const char **fn)
{
	const char *plus, *start;

	*fn = NULL;
	if (pc == NULL)
		return 0;
	plus = strstr(pc, "+0x");
	if (plus == NULL)
		return 0;
	start = plus;
	while (start > pc && (sig_is_word(start[-1]) || start[-1] == '.'))
		start--;
	if (start == plus || sig_is_digit(*start))
		return 0;
	*fn = start;
	for (const char *p = start; p < plus; p++)
		if (*p == '.')
			return (size_t)(p - start);
	return (size_t)(plus - start);
}

/*
 * Syscall entry points are named per architecture (__x64_sys_ioctl,
 * __arm64_sys_ioctl): hashed as "sys_ioctl" so one bug reached through a
 * system call has one signature on every architecture.
 */
static const char *const sig_syscall_prefix[] = {
	"__x64_sys_", "__ia32_sys_", "__x32_compat_sys_", "__ia32_compat_sys_",
	"__arm64_sys_", "__arm64_compat_sys_", "__riscv_sys_", "__se_sys_",
	"__do_sys_", "__s390x_sys_", "sys_",
};

static uint64_t sig_hash_frame(uint64_t h, const char *fn, size_t n,
			       const char *module)
{
	h = fnv1a64(h, "\n", 1);
	for (size_t i = 0; i < ARRAY_SIZE(sig_syscall_prefix); i++) {
		size_t pl = strlen(sig_syscall_prefix[i]);

		if (n > pl && memcmp(fn, sig_syscall_prefix[i], pl) == 0) {
			h = fnv1a64(h, "sys_", 4);
			fn += pl;
			n -= pl;
			break;
		}
	}
	h = fnv1a64(h, fn, n);
	if (module && module[0]) {
		h = fnv1a64(h, " [", 2);
		h = fnv1a64(h, module, strlen(module));
		h = fnv1a64(h, "]", 1);
	}
	return h;
}

uint64_t sig_stack(enum oops_kind kind, const char *pc,
		   const struct oops_frame *frames, size_t nframes,
		   const char *title)
{
	const char *pcfn;
	size_t pclen, kept = 0;
	char num[16];
	uint64_t h;

	snprintf(num, sizeof(num), "%u", (unsigned int)kind);
	h = fnv1a64(FNV1A64_INIT, num, strlen(num));
	pclen = sig_pc_function(pc, &pcfn);
	if (pclen > 0 && sig_is_plumbing(pcfn, pclen))
		pclen = 0;
	if (pclen > 0) {
		/* "f+0x1/0x2 [mod]": the module, if any, follows the offset. */
		const char *mod = strchr(pcfn, ' ');
		char modbuf[64] = "";

		if (mod && mod[1] == '[') {
			size_t ml = strcspn(mod + 2, "] ");

			if (mod[2 + ml] == ']' && ml < sizeof(modbuf)) {
				memcpy(modbuf, mod + 2, ml);
				modbuf[ml] = '\0';
			}
		}
		h = sig_hash_frame(h, pcfn, pclen, modbuf);
		kept++;
	}
	bool first = true;

	for (size_t i = 0; i < nframes && kept < SIG_STACK_FRAMES; i++) {
		const struct oops_frame *f = &frames[i];
		size_t n;

		if (f->function == NULL || !f->reliable || f->inlined)
			continue;
		n = sig_function_len(f->function);
		if (n == 0 || sig_is_plumbing(f->function, n))
			continue;
		/* arm64 and others print the PC function again on top. */
		if (first && n == pclen && memcmp(f->function, pcfn, n) == 0) {
			first = false;
			continue;
		}
		first = false;
		h = sig_hash_frame(h, f->function, n, f->module);
		kept++;
	}
	if (kept == 0) {
		h = fnv1a64(h, "\n", 1);
		h = sig_hash_title(h, title);
	}
	return h;
}

void sig_format(uint64_t sig, char out[SIG_HEX_LEN + 1])
{
	snprintf(out, SIG_HEX_LEN + 1, "%016llx", (unsigned long long)sig);
}

int sig_parse(const char *s, uint64_t *sig)
{
	uint64_t v = 0;

	if (s == NULL || strlen(s) != SIG_HEX_LEN)
		return -EINVAL;
	for (int i = 0; i < SIG_HEX_LEN; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*sig = v;
	return 0;
}
