// SPDX-License-Identifier: MIT
/*
 * cmd_key.c - oopsctl key: derive an agent's key from the master key.
 *
 * The collector holds one master key; each agent gets its own key,
 * HKDF-SHA256(master, the agent's identity) (wire_key_derive()), so a key
 * stolen from one board speaks for that board only and opens nothing
 * else.  The identity is what the agent sends as its sender id: the
 * 16 bytes of /etc/machine-id (32 hex digits), or, on a machine without
 * one, its host name (--hostname).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "oopsctl.h"
#include "base/util.h"
#include "wire/wire.h"

static void key_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl key --master FILE MACHINE-ID\n"
		"       oopsctl key --master FILE --hostname NAME\n"
		"Print the key file of one agent, derived from the collector's\n"
		"master key (its auth_key_file): install it as that agent's\n"
		"auth_key_file, readable by root only.  MACHINE-ID is the\n"
		"agent's /etc/machine-id (32 hex digits); --hostname NAME names\n"
		"a machine without one (the agent then sends its host name).\n"
		"  --master FILE   the collector's master key file\n"
		"  --hostname NAME the agent's host name as its identity\n"
		"Exit status: 0 written, 2 on error.\n");
}

int cmd_key(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "master", required_argument, NULL, 'm' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *master_path = NULL, *hostname = NULL;
	uint8_t id[WIRE_SENDER_ID_MAX];
	struct wire_key master, agent;
	int c, idlen, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			master_path = optarg;
			break;
		case 'H':
			hostname = optarg;
			break;
		default:
			return oopsctl_usage(c, key_usage);
		}
	}
	if (master_path == NULL ||
	    (hostname == NULL) != (optind + 1 == argc) ||
	    (hostname != NULL && optind != argc)) {
		key_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (hostname != NULL) {
		idlen = (int)strlen(hostname);
		if (idlen == 0 || idlen >= WIRE_SENDER_ID_MAX) {
			fprintf(stderr, "oopsctl key: host name of 1 to %d "
					"bytes expected\n",
				WIRE_SENDER_ID_MAX - 1);
			return OOPSCTL_ERROR;
		}
		memcpy(id, hostname, (size_t)idlen);
	} else {
		const char *m = argv[optind];

		idlen = strlen(m) == 32 ? hex_decode(m, id, sizeof(id)) : -1;
		if (idlen != 16) {
			fprintf(stderr, "oopsctl key: '%s': a machine id is 32 "
					"hex digits (/etc/machine-id)\n", m);
			return OOPSCTL_ERROR;
		}
	}
	rc = wire_key_load(master_path, &master);
	if (rc == 0 && master.identity_len > 0)
		rc = -EISDIR; /* said below */
	if (rc < 0) {
		fprintf(stderr, "oopsctl key: %s: %s\n", master_path,
			rc == -EISDIR ? "an agent's key, not the master" :
					wire_key_strerror(rc));
		wire_key_clear(&master);
		return OOPSCTL_ERROR;
	}
	rc = wire_key_derive(&master, id, (size_t)idlen, &agent);
	wire_key_clear(&master);
	if (rc == 0)
		rc = wire_key_write_agent(stdout, &agent);
	wire_key_clear(&agent);
	if (rc < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "oopsctl key: %s\n", strerror(rc < 0 ? -rc : EIO));
		return OOPSCTL_ERROR;
	}
	return OOPSCTL_OK;
}
