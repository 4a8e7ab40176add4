# collector/: oops-collector.
collector-y += main.o config.o ingest.o ratelimit.o retention.o
collector-$(CONFIG_COLLECTOR_NETCONSOLE) += netconsole.o
