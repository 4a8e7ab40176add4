/* SPDX-License-Identifier: MIT */
/*
 * sources.h - the agent's built-in sources (one file each).
 */
#ifndef OOPSD_AGENT_SOURCES_H
#define OOPSD_AGENT_SOURCES_H

#include "agent.h"

extern const struct agent_source_ops agent_source_pstore;
extern const struct agent_source_ops agent_source_kdump;
extern const struct agent_source_ops agent_source_journal;
extern const struct agent_source_ops agent_source_kmsg;
extern const struct agent_source_ops agent_source_netconsole;

#endif /* OOPSD_AGENT_SOURCES_H */
