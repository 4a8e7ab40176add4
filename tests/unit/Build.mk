# tests/unit/: one cmocka test program per module (tests/unit/test_X.c).
tests-y += test_log test_conf test_evloop test_json test_daemon
tests-y += test_sandbox
tests-$(CONFIG_NETCONSOLE) += test_ncon test_ncon_rx
tests-$(CONFIG_AGENT) += test_spool
tests-y += test_transport
tests-y += test_wire test_signature test_record
tests-$(CONFIG_STORE_SQLITE) += test_store
# The fleet view over a store that answers from the test's tables.
tests-y += test_store_hosts
# --wrap redirects references between objects, which LTO has merged away:
# a test that wraps links the objects' ordinary code (-fno-lto; the
# objects are fat, CONFIG_LTO).
$(O)/tests/bin/test_store_hosts: ALL_LDFLAGS += -fno-lto \
	-Wl,--wrap=store_hosts -Wl,--wrap=store_heartbeats
tests-$(CONFIG_WEB) += test_web
$(O)/tests/unit/test_web.o: ALL_CFLAGS += -Iweb
tests-y += test_oops
tests-$(CONFIG_COLLECTOR) += test_collector_ingest test_collector_ratelimit
tests-$(CONFIG_COLLECTOR) += test_collector_retention
tests-$(CONFIG_PSTORE) += test_pstore
tests-$(CONFIG_AGENT) += test_agent_ship
tests-y += test_limits
tests-$(CONFIG_PSTORE) += test_limits_pstore
tests-$(CONFIG_NETCONSOLE) += test_limits_ncon
tests-y += test_replay
tests-y += test_siphash
tests-y += test_util test_termesc
tests-$(CONFIG_REDACT) += test_redact
tests-$(CONFIG_AGENT_KMSG) += test_agent_kmsg
# A full disk, simulated: the test wraps spool_put().
$(O)/tests/bin/test_agent_kmsg: ALL_LDFLAGS += -fno-lto -Wl,--wrap=spool_put
tests-$(CONFIG_AGENT_NETCONSOLE) += test_agent_netconsole
