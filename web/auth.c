// SPDX-License-Identifier: MIT
/*
 * auth.c - the users who may write (triage) through oops-web.
 *
 * The users file has one "name:hash" line per user, the hash a crypt(3)
 * string (yescrypt "$y$", SHA-512 "$6$" or bcrypt "$2b$", as mkpasswd(1)
 * or htpasswd -B make them); '#' starts a comment.  Reading needs no
 * write: without a users file oops-web never writes.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "web.h"

#define WEB_MAX_USERS 1000
#define WEB_MAX_USER_LINE 1024

int web_auth_load(const char *path, struct web_auth *a, char *err,
		  size_t errlen)
{
	char line[WEB_MAX_USER_LINE + 2];
	size_t cap = 0;
	unsigned no = 0;
	FILE *f;

	memset(a, 0, sizeof(*a));
	f = fopen(path, "re");
	if (f == NULL) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon, *name = line, *hash;
		size_t n = strlen(line);

		no++;
		if (n > WEB_MAX_USER_LINE) {
			snprintf(err, errlen, "%s:%u: line too long", path, no);
			goto bad;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
				 line[n - 1] == ' '))
			line[--n] = '\0';
		while (*name == ' ' || *name == '\t')
			name++;
		if (*name == '\0' || *name == '#')
			continue;
		colon = strchr(name, ':');
		if (colon == NULL || colon == name) {
			snprintf(err, errlen, "%s:%u: expected NAME:HASH", path,
				 no);
			goto bad;
		}
		*colon = '\0';
		hash = colon + 1;
		/* A hash crypt(3) knows, so a plain password never counts. */
		if (hash[0] != '$' || strlen(hash) < 20) {
			snprintf(err, errlen,
				 "%s:%u: '%s' has no crypt(3) hash (make one "
				 "with mkpasswd -m yescrypt)",
				 path, no, name);
			goto bad;
		}
		if (a->n >= WEB_MAX_USERS ||
		    array_grow_bounded((void **)&a->users, &cap, a->n + 1,
				       sizeof(*a->users), 8,
				       WEB_MAX_USERS) < 0) {
			snprintf(err, errlen, "%s:%u: too many users", path,
				 no);
			goto bad;
		}
		a->users[a->n].name = strdup(name);
		a->users[a->n].hash = strdup(hash);
		if (a->users[a->n].name == NULL ||
		    a->users[a->n].hash == NULL) {
			a->n++;
			snprintf(err, errlen, "%s: out of memory", path);
			goto bad;
		}
		a->n++;
	}
	fclose(f);
	if (a->n == 0) {
		snprintf(err, errlen, "%s: no users", path);
		return -EINVAL;
	}
	return 0;
bad:
	fclose(f);
	web_auth_free(a);
	return -EINVAL;
}

bool web_auth_check(const struct web_auth *a, const char *name,
		    const char *password)
{
	struct crypt_data cd;

	if (name == NULL || password == NULL || strlen(password) > 256)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const char *h;

		if (strcmp(a->users[i].name, name) != 0)
			continue;
		/* crypt_rn(): libxcrypt's form that fails with NULL (never
		 * a "*0" token) and that sanitizers do not intercept. */
		memset(&cd, 0, sizeof(cd));
		h = crypt_rn(password, a->users[i].hash, &cd, sizeof(cd));
		return h != NULL && strcmp(h, a->users[i].hash) == 0;
	}
	return false;
}

void web_auth_free(struct web_auth *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->users[i].name);
		free(a->users[i].hash);
	}
	free(a->users);
	memset(a, 0, sizeof(*a));
}
