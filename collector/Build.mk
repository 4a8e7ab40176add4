# collector/: oops-collector.
collector-y += main.o config.o ingest.o ratelimit.o retention.o fleet.o alerts.o
collector-$(CONFIG_COLLECTOR_NETCONSOLE) += netconsole.o
