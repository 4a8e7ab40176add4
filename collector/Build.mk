# collector/: oops-collector.
collector-y += main.o config.o ingest.o ratelimit.o
