# oopsd - Linux kernel crash collector.
#
#   make                    build with .config (configs/defconfig if none)
#   make demo               install missing packages, build, run the demo
#   make check              install missing packages, build, run every test
#   make <name>_defconfig   start from configs/<name>_defconfig
#   make menuconfig / olddefconfig / savedefconfig   (python3-kconfiglib)
#   make bench / eval / fuzz / lint / valgrind / debug / install / clean / distclean
#   make dist               $(O)/oopsd-VERSION.tar.gz and .sha256 (scripts/mkdist)
#
# Kbuild-style: every folder has a Build.mk with one `obj-$(CONFIG_X)` line
# per feature; a disabled feature is neither compiled nor linked.
# Objects go to $(O) (default build/), binaries to $(O)/bin.  V=1 shows
# full command lines.  CC, CROSS_COMPILE, CFLAGS, LDFLAGS and PKG_CONFIG are
# honoured, so cross builds work as in Buildroot or Yocto.

# The version: `git describe` in a git checkout of this tree (a tag v1.2
# gives 1.2), else the VERSION file `make dist` puts in the tarball.  The
# checkout must be this tree itself: a tarball unpacked inside another
# repository (Buildroot's, OpenWrt's) must not take that one's version.
VERSION := $(or $(shell test "$$(git -C '$(CURDIR)' rev-parse --show-toplevel \
	2>/dev/null)" = '$(CURDIR)' && git -C '$(CURDIR)' describe --tags \
	--always --dirty 2>/dev/null | sed 's/^v//'),$(shell head -n 1 \
	'$(CURDIR)/VERSION' 2>/dev/null | tr -cd 'A-Za-z0-9.+~_-'),unknown)

O ?= build
CROSS_COMPILE ?=
CC := $(if $(filter default,$(origin CC)),$(CROSS_COMPILE)gcc,$(CC))
AR := $(if $(filter default,$(origin AR)),$(CROSS_COMPILE)ar,$(AR))
PKG_CONFIG ?= pkg-config
KCONFIG_PY ?= /usr/bin/python3
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

# ---------------------------------------------------------------- config --
KCONFIG_FILES := Kconfig lib/Kconfig agent/Kconfig collector/Kconfig tools/Kconfig \
	web/Kconfig
# CONFIG_FILE=configs/X_defconfig builds another configuration in its own O=
# directory without touching .config.
CONFIG_FILE ?= $(if $(wildcard .config),.config,configs/defconfig)
include $(CONFIG_FILE)
AUTOCONF := $(O)/include/generated/autoconf.h

# ---------------------------------------------------------------- flags ---
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wno-missing-field-initializers -Wformat=2 -Wundef
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
# SANITIZE=1: ASan + UBSan (make check-asan, make debug, make fuzz);
# SANITIZE=ub: UBSan alone (the fast build of long fuzz campaigns).
SANITIZE ?=
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif
ifeq ($(SANITIZE),ub)
SANFLAGS := -fsanitize=undefined -fno-sanitize-recover=undefined
endif

# The build options of the .config (Kconfig "Build options").  The
# optimization level and -g make the default CFLAGS (-O2 -g by default),
# which CFLAGS from the command line or the environment replace, as
# before; the other options come before the user's CFLAGS and LDFLAGS, so
# a recipe's own flags win where they disagree.
CFLAGS ?= $(if $(CONFIG_CC_OPTIMIZE_FOR_SIZE),-Os,-O2)$(if $(CONFIG_DEBUG_INFO_NONE),, -g)
LDFLAGS ?=
# Sanitizer builds (make check-asan, debug, fuzz: their own link lines, with
# clang) are for finding bugs, not for size: none of these there.
ifeq ($(SANITIZE),)
cfg-cflags-$(CONFIG_LD_DEAD_CODE_DATA_ELIMINATION) += -ffunction-sections -fdata-sections
cfg-ldflags-$(CONFIG_LD_DEAD_CODE_DATA_ELIMINATION) += -Wl,--gc-sections
# Fat objects: an `ar` without the LTO plugin still indexes the archives.
# The link gets CFLAGS too (ALL_LDFLAGS): that is where LTO generates code.
cfg-cflags-$(CONFIG_LTO) += -flto -ffat-lto-objects
cfg-ldflags-$(CONFIG_LTO) += -flto=auto
cfg-cflags-$(CONFIG_NO_UNWIND_TABLES) += -fno-asynchronous-unwind-tables -fno-unwind-tables
cfg-ldflags-$(CONFIG_NO_UNWIND_TABLES) += -Wl,--no-eh-frame-hdr
cfg-cflags-$(CONFIG_NO_PIE) += -fno-pie
cfg-ldflags-$(CONFIG_NO_PIE) += -no-pie
cfg-ldflags-$(CONFIG_LD_NO_SEPARATE_CODE) += -Wl,-z,noseparate-code
cfg-ldflags-$(CONFIG_LD_HASH_STYLE_GNU) += -Wl,--hash-style=gnu
cfg-cflags-$(CONFIG_NO_PLT) += -fno-plt
cfg-ldflags-$(CONFIG_NO_PLT) += -Wl,-z,now
cfg-ldflags-$(CONFIG_STATIC) += -static
endif

# pkg-config packages the enabled features need (each Build.mk adds its own).
pkgs-y := libprotobuf-c zlib
# lib/ is built layer by layer, in the order lib/LAYERS gives.
LAYERS := $(shell sed -e 's/\#.*//' lib/LAYERS)
include $(foreach l,$(LAYERS),lib/$(l)/Build.mk) agent/Build.mk \
	collector/Build.mk tools/Build.mk web/Build.mk tests/unit/Build.mk
PKGS := $(sort $(pkgs-y))
PKG_CFLAGS := $(if $(PKGS),$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null))
PKG_LIBS := $(if $(PKGS),$(shell $(PKG_CONFIG) --libs $(if $(filter -static,$(cfg-ldflags-y)),--static) \
	$(PKGS) 2>/dev/null))

ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(SANFLAGS) \
	-include $(AUTOCONF) -Ilib -I$(O)/proto -I$(O)/include \
	$(PKG_CFLAGS) $(cfg-cflags-y) $(CFLAGS) -MMD -MP
ALL_LDFLAGS := $(SANFLAGS) $(cfg-ldflags-y) $(if $(filter -flto,$(cfg-cflags-y)),$(CFLAGS)) \
	-Wl,--as-needed $(LDFLAGS)
# OOPSD_VERSION comes from a generated header that changes only when the
# version does, and only the files that use it include it: a new commit
# rebuilds those few objects, not the tree.
VERSION_H := $(O)/include/generated/version.h
VERSION_OBJS := $(patsubst %.c,$(O)/%.o,$(shell grep -rl --include='*.c' \
	OOPSD_VERSION agent collector tools web lib bench 2>/dev/null))
# Unit tests may include a library source that uses it (test_daemon.c).
VERSION_OBJS += $(patsubst %.c,$(O)/%.o,$(wildcard tests/unit/*.c))

LIBS := $(PKG_LIBS) -lm

# ---------------------------------------------------------------- objects -
PROTO_C := $(O)/proto/oopsd.pb-c.c
PROTO_H := $(O)/proto/oopsd.pb-c.h
LIB_OBJS := $(foreach l,$(LAYERS),$(addprefix $(O)/lib/$(l)/,$($(l)-y))) \
	$(O)/proto/oopsd.pb-c.o
AGENT_OBJS := $(addprefix $(O)/agent/,$(agent-y))
COLLECTOR_OBJS := $(addprefix $(O)/collector/,$(collector-y))
OOPSCTL_OBJS := $(addprefix $(O)/tools/,$(oopsctl-y))
WEB_OBJS := $(addprefix $(O)/web/,$(web-y))
# Each program's main.o stays out of its archive so tests can link the rest.
AGENT_LIB := $(O)/agent/libagent.a
COLLECTOR_LIB := $(O)/collector/libcollector.a
OOPSCTL_LIB := $(O)/tools/liboopsctl.a
WEB_LIB := $(O)/web/libweb.a
LIBOOPSD := $(O)/liboopsd.a

PROGS-$(CONFIG_AGENT) += $(O)/bin/oops-agent
PROGS-$(CONFIG_COLLECTOR) += $(O)/bin/oops-collector
PROGS-$(CONFIG_OOPSCTL) += $(O)/bin/oopsctl
PROGS-$(CONFIG_WEB) += $(O)/bin/oops-web
PROGS := $(PROGS-y)
# The programs of another configuration built into the same $(O): `all`
# removes them, so $(O)/bin holds what this configuration builds.
STALE_PROGS := $(filter-out $(PROGS),$(wildcard $(addprefix $(O)/bin/, \
	oops-agent oops-collector oopsctl)))
TESTS := $(addprefix $(O)/tests/bin/,$(tests-y))
ARCHIVES := $(if $(CONFIG_WEB),$(WEB_LIB)) \
	$(if $(CONFIG_OOPSCTL),$(OOPSCTL_LIB)) \
	$(if $(CONFIG_COLLECTOR),$(COLLECTOR_LIB)) \
	$(if $(CONFIG_AGENT),$(AGENT_LIB)) $(LIBOOPSD)

.PHONY: all
# Keep intermediate objects (tests, bench) so reruns do not rebuild them.
.SECONDARY:
all: $(PROGS)
	$(if $(STALE_PROGS),$(Q)rm -f $(STALE_PROGS))

$(AUTOCONF): $(CONFIG_FILE) $(KCONFIG_FILES) scripts/mkautoconf
	@mkdir -p $(dir $@)
	$(Q)scripts/mkautoconf $(KCONFIG_FILES) < $(CONFIG_FILE) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(VERSION_OBJS): ALL_CFLAGS += -include $(VERSION_H)
$(VERSION_OBJS): $(VERSION_H)
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '#define OOPSD_VERSION "$(VERSION)"' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:

$(PROTO_C) $(PROTO_H) &: proto/oopsd.proto
	$(quiet) PROTOC $<
	@mkdir -p $(O)/proto
	$(Q)protoc-c --proto_path=proto --c_out=$(O)/proto $<

$(O)/%.o: %.c | $(AUTOCONF) $(PROTO_H)
	$(quiet) CC $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/proto/oopsd.pb-c.o: $(PROTO_C) | $(AUTOCONF)
	$(quiet) CC $@
	$(Q)$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(ALL_CFLAGS)) \
	  $(if $(CONFIG_PROTO_NDEBUG),-DNDEBUG) -c -o $@ $<

$(LIBOOPSD): $(LIB_OBJS)
$(AGENT_LIB): $(filter-out %/main.o,$(AGENT_OBJS))
$(COLLECTOR_LIB): $(filter-out %/main.o,$(COLLECTOR_OBJS))
$(OOPSCTL_LIB): $(filter-out %/oopsctl.o,$(OOPSCTL_OBJS))
$(WEB_LIB): $(filter-out %/main.o,$(WEB_OBJS))
%.a:
	$(quiet) AR $@
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ $(if $^,,$(O)/empty.o)

$(O)/empty.o: | $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(Q)echo 'extern int oopsd_empty_unit;' | $(CC) -x c -c -o $@ -

$(AGENT_LIB) $(COLLECTOR_LIB) $(OOPSCTL_LIB) $(WEB_LIB): | $(O)/empty.o

define link
	$(quiet) LD $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(1) -Wl,--start-group $(2) -Wl,--end-group $(LIBS) $(3)
endef

$(O)/bin/oops-agent: $(O)/agent/main.o $(AGENT_LIB) $(LIBOOPSD)
	$(call link,$<,$(AGENT_LIB) $(LIBOOPSD))
$(O)/bin/oops-collector: $(O)/collector/main.o $(COLLECTOR_LIB) $(LIBOOPSD)
	$(call link,$<,$(COLLECTOR_LIB) $(LIBOOPSD))
$(O)/bin/oopsctl: $(O)/tools/oopsctl.o $(ARCHIVES)
	$(call link,$<,$(ARCHIVES))
$(O)/bin/oops-web: $(O)/web/main.o $(WEB_LIB) $(LIBOOPSD)
	$(call link,$<,$(WEB_LIB) $(LIBOOPSD))

# ---------------------------------------------------------------- tests ---
$(O)/tests/bin/%: $(O)/tests/unit/%.o $(ARCHIVES)
	$(call link,$<,$(ARCHIVES),$(shell $(PKG_CONFIG) --libs cmocka))

# Benchmark programs: bench/NAME.c -> $(O)/bench/bin/NAME, built on demand
# by the bench/*.sh scripts (`make $(O)/bench/bin/NAME`).
$(O)/bench/bin/%: $(O)/bench/%.o $(ARCHIVES)
	$(call link,$<,$(ARCHIVES))

$(O)/tests/unit/%.o: ALL_CFLAGS += -Itests/unit $(shell $(PKG_CONFIG) --cflags cmocka)

.PHONY: deps unit check check-asan e2e demo
deps:
	@scripts/install-deps --for $(if $(filter check,$(MAKECMDGOALS)),check,$(if $(filter demo,$(MAKECMDGOALS)),demo,check)) $(CONFIG_FILE)

unit: $(TESTS) $(PROGS)
	@scripts/run-unit $(TESTS)

check-asan:
	$(Q)$(MAKE) --no-print-directory O=$(O)/asan SANITIZE=1 unit

e2e: $(PROGS)
	@O=$(O) scripts/run-e2e

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory check-asan
	$(Q)$(MAKE) --no-print-directory e2e
	$(Q)LINT_ONLY=cppcheck $(MAKE) --no-print-directory lint

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	@O=$(O) scripts/demo

debug:
	$(Q)$(MAKE) --no-print-directory O=$(O)/debug SANITIZE=1 CFLAGS='-O0 -g3' all

# ---------------------------------------------------------------- extras --
.PHONY: bench eval fuzz lint valgrind
bench: all
	@O=$(O) scripts/run-bench

eval: all
	@O=$(O) scripts/eval

FUZZ_SECONDS ?= 10
fuzz:
	@O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz

lint: $(AUTOCONF) $(PROTO_H)
	@O=$(O) scripts/lint

# The unit tests under valgrind (memcheck): any error or definite leak fails.
valgrind: $(TESTS) $(PROGS)
	@UNIT_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --track-fds=no" scripts/run-unit $(TESTS)

# The release tarball and its SHA-256: $(O)/oopsd-$(VERSION).tar.gz(.sha256).
.PHONY: dist
dist:
	$(Q)scripts/mkdist '$(O)' '$(VERSION)'

# `make print-VAR` prints a variable (scripts use LIBS, ARCHIVES, ...).
print-%:
	@echo '$($*)'

# ---------------------------------------------------------------- kconfig -
KCONFIG_RUN = KCONFIG_CONFIG=.config $(KCONFIG_PY) \
	$(shell $(KCONFIG_PY) -c 'import kconfiglib,os;print(os.path.dirname(kconfiglib.__file__))' 2>/dev/null)

.PHONY: defconfig olddefconfig savedefconfig menuconfig
defconfig: configs/defconfig
	cp $< .config
%_defconfig: configs/%_defconfig
	cp $< .config
olddefconfig savedefconfig menuconfig:
	@$(KCONFIG_PY) -c 'import kconfiglib' 2>/dev/null || { \
	  echo "make $@ needs a Kconfig frontend: apt-get install python3-kconfiglib"; exit 1; }
	@test -f .config || cp configs/defconfig .config
	$(if $(filter savedefconfig,$@),$(KCONFIG_RUN)/savedefconfig.py --kconfig Kconfig --out defconfig,$(KCONFIG_RUN)/$@.py Kconfig)

# ---------------------------------------------------------------- install -
# A config file someone edited is never overwritten: the shipped one goes
# next to it as NAME.dist.  Units, sysusers.d and tmpfiles.d files go where
# systemd reads them; on the live system (no DESTDIR, as root) the oopsd
# user and the spool are made at once.  `make uninstall` removes what
# `install` put there, configs only when unedited; state is kept.
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
INSTALL_UNITS := $(if $(CONFIG_AGENT),oops-agent.service) \
	$(if $(CONFIG_COLLECTOR),oops-collector.service) \
	$(if $(CONFIG_WEB),oops-web.service)
INSTALL_CONFS := $(if $(CONFIG_AGENT),agent.conf) \
	$(if $(CONFIG_COLLECTOR),collector.conf) \
	$(if $(CONFIG_WEB),web.conf)
INSTALL_MANS := $(if $(CONFIG_AGENT),man/oops-agent.8) \
	$(if $(CONFIG_COLLECTOR),man/oops-collector.8) \
	$(if $(CONFIG_WEB),man/oops-web.8) \
	$(if $(CONFIG_OOPSCTL),$(wildcard man/oopsctl*.1))
INSTALL_BINS := $(if $(CONFIG_AGENT),sbin/oops-agent) \
	$(if $(CONFIG_COLLECTOR),sbin/oops-collector) \
	$(if $(CONFIG_WEB),sbin/oops-web) \
	$(if $(CONFIG_OOPSCTL),bin/oopsctl)

.PHONY: install uninstall clean distclean deb
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(SYSCONFDIR)/oopsd $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	for b in $(INSTALL_BINS); do \
	  install -m755 $(O)/bin/$${b#*/} $(DESTDIR)$(PREFIX)/$$b; done
	for f in $(INSTALL_CONFS); do \
	  d=$(DESTDIR)$(SYSCONFDIR)/oopsd/$$f; \
	  if [ ! -e $$d ]; then install -m644 configs/$$f $$d; \
	  elif ! cmp -s configs/$$f $$d; then install -m644 configs/$$f $$d.dist; \
	    echo "$$d was edited: kept; the shipped one is $$d.dist"; fi; done
	for u in $(INSTALL_UNITS); do \
	  sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  systemd/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done
	install -m644 systemd/oopsd.sysusers $(DESTDIR)$(SYSUSERSDIR)/oopsd.conf
	$(if $(CONFIG_AGENT),install -m644 systemd/oopsd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/oopsd.conf)
	for m in $(INSTALL_MANS); do \
	  install -m644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then \
	  systemd-sysusers $(SYSUSERSDIR)/oopsd.conf; \
	  $(if $(CONFIG_AGENT),systemd-tmpfiles --create $(TMPFILESDIR)/oopsd.conf;) \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi

uninstall:
	for b in $(INSTALL_BINS); do rm -f $(DESTDIR)$(PREFIX)/$$b; done
	for u in $(INSTALL_UNITS); do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done
	rm -f $(DESTDIR)$(SYSUSERSDIR)/oopsd.conf $(DESTDIR)$(TMPFILESDIR)/oopsd.conf
	for m in $(INSTALL_MANS); do \
	  rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; done
	for f in $(INSTALL_CONFS); do \
	  d=$(DESTDIR)$(SYSCONFDIR)/oopsd/$$f; rm -f $$d.dist; \
	  if cmp -s configs/$$f $$d; then rm -f $$d; \
	  elif [ -e $$d ]; then echo "$$d was edited: kept"; fi; done
	-rmdir $(DESTDIR)$(SYSCONFDIR)/oopsd 2>/dev/null

# Debian packages (debian/, debhelper): into $(O)/deb/.
deb:
	@scripts/build-deb $(O)/deb

clean:
	rm -rf $(O)
distclean: clean
	rm -f .config .config.old defconfig

# Only our own object folders: anything else under $(O) (a kernel tree of the
# QEMU tests, say) has .d files of its own.
-include $(shell find $(addprefix $(O)/,lib agent collector tools web tests bench proto) \
	-name '*.d' 2>/dev/null)
