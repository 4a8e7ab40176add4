// SPDX-License-Identifier: MIT
/*
 * oopsctl.c - dispatch `oopsctl COMMAND [ARGS]` to tools/cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "oopsctl.h"

static const struct oopsctl_cmd oopsctl_cmds[] = {
	/* { "NAME", "ARGS", "summary", cmd_NAME }, one line per command */
#if ENABLE_COLLECTOR
	{ "top", "[--since DURATION] [--all] [--json]", "crash signatures by count", cmd_top },
	{ "show", "SIGNATURE [--json]", "one signature: kernels, hosts, example", cmd_show },
	{ "hosts", "[--json] [--silent]",
	  "hosts: crashes, and whether their agent reports", cmd_hosts },
	{ "alerts", "[--json] [--pending]",
	  "alerts raised and their delivery", cmd_alerts },
	{ "export", "--json [--since DURATION]", "stored records as JSON Lines", cmd_export },
	{ "triage", "SIGNATURE [--state open|fixed|ignored] [--fixed-in RELEASE] [--bug URL] [--note TEXT]",
	  "mark a signature open, fixed or ignored", cmd_triage },
	{ "collector-status", "[--json]", "the collector's counters", cmd_collector_status },
	{ "store", "check [--full]", "check the store's integrity", cmd_store },
#endif
	{ "parse", "[--json] [FILE...]", "find kernel crash reports in logs", cmd_parse },
	{ "encode", "[--no-text] [FILE...]", "write a length-delimited crash record per report", cmd_encode },
	{ "decode", "[FILE...]", "print length-delimited crash records as JSON Lines", cmd_decode },
#if ENABLE_AUTH_HMAC
	{ "key", "--master FILE MACHINE-ID", "derive and print an agent's key file", cmd_key },
#endif
	{ "agent-status", "[--state-dir DIR] [--json]",
	  "what oops-agent has pending: spool, oldest age, last ack, counters",
	  cmd_agent_status },
#if ENABLE_PSTORE
	{ "pstore", "[--dir DIR] [--json] [--state FILE]",
	  "print the crash records in a pstore directory (removes nothing)",
	  cmd_pstore },
#endif
#if ENABLE_NETCONSOLE
	{ "netconsole", "[--listen ADDR:PORT] [--json]",
	  "receive netconsole and print each crash report", cmd_netconsole },
#endif
	{ NULL, NULL, NULL, NULL },
};


static void usage(FILE *out)
{
	fprintf(out, "Usage: oopsctl COMMAND [ARGS]\n"
		     "The oopsd operator's tool.\n\nCommands:\n");
	for (size_t i = 0; oopsctl_cmds[i].name != NULL; i++)
		fprintf(out, "  %-16s %s\n      %s\n", oopsctl_cmds[i].name,
			oopsctl_cmds[i].args, oopsctl_cmds[i].summary);
	fprintf(out, "\n`oopsctl COMMAND --help` describes each command. "
		     "Exit status: 0 found/ok, 1 nothing found, 2 error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return OOPSCTL_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("oopsctl %s\n", OOPSD_VERSION);
		return OOPSCTL_OK;
	}
	for (size_t i = 0; oopsctl_cmds[i].name != NULL; i++)
		if (strcmp(argv[1], oopsctl_cmds[i].name) == 0)
			return oopsctl_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "oopsctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return OOPSCTL_ERROR;
}
