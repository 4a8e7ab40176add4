# agent/: oops-agent.  main.o is linked into the binary only; the rest goes
# to libagent.a so unit tests can link it.
agent-y += main.o config.o
agent-y += ship.o fit.o
agent-y += core.o emit.o status.o sources.o
agent-$(CONFIG_AGENT_PSTORE) += source_pstore.o
agent-$(CONFIG_AGENT_KDUMP) += source_kdump.o
agent-$(CONFIG_AGENT_JOURNAL) += source_journal.o
agent-$(CONFIG_AGENT_KMSG) += source_kmsg.o
agent-$(CONFIG_AGENT_NETCONSOLE) += source_netconsole.o
