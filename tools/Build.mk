# tools/: oopsctl.  One file per subcommand, registered in tools/oopsctl.c.
oopsctl-y += oopsctl.o
oopsctl-$(CONFIG_COLLECTOR) += store_cli.o cmd_top.o cmd_show.o cmd_hosts.o cmd_export.o cmd_collector_status.o
