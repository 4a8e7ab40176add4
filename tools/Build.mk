# tools/: oopsctl.  One file per subcommand, registered in tools/oopsctl.c.
oopsctl-y += oopsctl.o
oopsctl-$(CONFIG_NETCONSOLE) += cmd_netconsole.o
