require oopsd.inc

# The content of oopsd-0.1.0.tar.gz.sha256 (`make dist`): replace.
SRC_URI[sha256sum] = "0000000000000000000000000000000000000000000000000000000000000000"
