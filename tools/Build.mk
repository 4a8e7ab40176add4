# tools/: oopsctl.  One file per subcommand, registered in tools/oopsctl.c.
oopsctl-y += oopsctl.o
oopsctl-y += cmd_parse.o
oopsctl-y += cmd_decode.o cmd_encode.o
oopsctl-y += cmd_agent_status.o
oopsctl-$(CONFIG_PSTORE) += cmd_pstore.o
oopsctl-$(CONFIG_NETCONSOLE) += cmd_netconsole.o
