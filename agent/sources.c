// SPDX-License-Identifier: MIT
/*
 * sources.c - the registry of built-in sources.  A source is listed when
 * its Kconfig symbol is on; its object file is only built then too.
 */
#include <stddef.h>

#include "sources.h"

const struct agent_source_ops *const agent_sources[] = {
#ifdef CONFIG_AGENT_PSTORE
	&agent_source_pstore,
#endif
#ifdef CONFIG_AGENT_KDUMP
	&agent_source_kdump,
#endif
#ifdef CONFIG_AGENT_JOURNAL
	&agent_source_journal,
#endif
#ifdef CONFIG_AGENT_KMSG
	&agent_source_kmsg,
#endif
#ifdef CONFIG_AGENT_NETCONSOLE
	&agent_source_netconsole,
#endif
	NULL,
};
