# tools/: oopsctl.  One file per subcommand, registered in tools/oopsctl.c.
oopsctl-y += oopsctl.o
oopsctl-$(CONFIG_COLLECTOR) += store_cli.o cmd_top.o cmd_show.o cmd_hosts.o cmd_alerts.o cmd_export.o cmd_collector_status.o cmd_triage.o cmd_store.o
oopsctl-y += cmd_parse.o
oopsctl-y += cmd_decode.o cmd_encode.o
oopsctl-y += cmd_agent_status.o
oopsctl-$(CONFIG_AUTH_HMAC) += cmd_key.o
oopsctl-$(CONFIG_PSTORE) += cmd_pstore.o
oopsctl-$(CONFIG_NETCONSOLE) += cmd_netconsole.o
