# collector/: oops-collector.
collector-y += main.o config.o
