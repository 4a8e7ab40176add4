/* SPDX-License-Identifier: MIT */
/*
 * oopsctl.h - the operator's tool.  Each subcommand lives in its own file
 * (tools/cmd_NAME.c) and is listed once in the table in tools/oopsctl.c.
 *
 * Exit status convention (like grep): 0 found/ok, 1 nothing found, 2 error.
 */
#ifndef OOPSD_OOPSCTL_H
#define OOPSD_OOPSCTL_H

#include <stdio.h>

#define OOPSCTL_OK 0
#define OOPSCTL_NONE 1
#define OOPSCTL_ERROR 2

/*
 * The end of a subcommand's option switch: c 'h' (--help) prints usage
 * on stdout and gives OOPSCTL_OK, any other c (a bad option) prints it on
 * stderr and gives OOPSCTL_ERROR.
 */
static inline int oopsctl_usage(int c, void (*usage)(FILE *out))
{
	usage(c == 'h' ? stdout : stderr);
	return c == 'h' ? OOPSCTL_OK : OOPSCTL_ERROR;
}

struct oopsctl_cmd {
	const char *name;
	const char *args;    /* "[--json] [FILE...]" for the usage line */
	const char *summary;
	/* argv[0] is the subcommand name; returns an exit status. */
	int (*run)(int argc, char **argv);
};

/* Subcommands (one file each). */
int cmd_parse(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_hosts(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_collector_status(int argc, char **argv);
int cmd_netconsole(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_agent_status(int argc, char **argv);
int cmd_pstore(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_store(int argc, char **argv);

#endif /* OOPSD_OOPSCTL_H */
