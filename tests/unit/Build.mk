# tests/unit/: one cmocka test program per module (tests/unit/test_X.c).
tests-y += test_log test_conf test_evloop test_json
tests-y += test_sandbox
tests-y += test_wire
