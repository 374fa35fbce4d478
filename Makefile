# SPDX-License-Identifier: Apache-2.0
# One entry point: make, make deps, make check, make demo, make bench, make install.
# New files are picked up by wildcard: userspace/lib/*.c form libtabby.a, every
# selftests/test_*.c is one Criterion binary, every bpf/*.bpf.c one BPF object with a skeleton.

BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang-14
BPFTOOL ?= bpftool
PREFIX  ?= /usr/local
NPROC   := $(shell nproc 2>/dev/null || echo 2)
CNIDIR  ?= /opt/cni/bin

PKGS    := jansson yaml-0.1 sqlite3 libbpf libnl-3.0 libnl-route-3.0 libcurl libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is loaded at run time by the etcd backend (curl_dl.c): headers only here.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null)

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow \
	   -Wstrict-prototypes -Wmissing-prototypes -fno-strict-aliasing -D_GNU_SOURCE \
	   -DTABBY_VERSION='"$(VERSION)"' \
	   -Iheaders -Iuserspace/lib -Iselftests -I$(BUILD)/include $(PKG_CFLAGS)
# Test helpers talk to etcd directly (selftests/helpers/etcd_fixture.c).
TEST_LIBS := $(shell pkg-config --libs libcurl 2>/dev/null)
LDLIBS  += -Wl,--as-needed $(PKG_LIBS) -lelf -lz -lpthread -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Werror -Wno-unused-function \
	      -Iheaders -Ibpf -I$(BUILD)/include

LIB_SRCS   := $(wildcard userspace/lib/*.c)
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB        := $(BUILD)/libtabby.a

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKELS      := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/include/%.skel.h)
VMLINUX    := $(BUILD)/include/vmlinux.h

# Programs: one folder each, all .c files in it linked with libtabby.
PROGS      := $(BUILD)/bin/tabbyctl $(BUILD)/bin/tabbyd $(BUILD)/cni/tabby $(BUILD)/cni/tabby-ipam

TEST_SRCS  := $(wildcard selftests/test_*.c)
TESTS      := $(TEST_SRCS:selftests/%.c=$(BUILD)/selftests/%)
TEST_HELPERS := $(wildcard selftests/helpers/*.c)
BENCH_SRCS := $(wildcard selftests/bench/bench_*.c)
BENCHES    := $(BENCH_SRCS:selftests/bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS  := $(wildcard selftests/fuzz/fuzz_*.c)
FUZZERS    := $(FUZZ_SRCS:selftests/fuzz/%.c=$(BUILD)/fuzz/%)

TOOL_SRCS  := $(wildcard vm-tests/tools/*.c)
TOOLS      := $(TOOL_SRCS:vm-tests/tools/%.c=$(BUILD)/tools/%)

HDRS := $(wildcard headers/tabby/*.h userspace/lib/*.h bpf/lib/*.h)

.SECONDARY:
.PHONY: all deps check test unit fuzz vmtest demo bench install clean format
# A program is built once its folder has sources.
PROG_DIR_tabbyctl := userspace/tabbyctl
PROG_DIR_tabbyd := userspace/tabbyd
PROG_DIR_tabby := cni/tabby
PROG_DIR_tabby-ipam := cni/tabby-ipam
BUILT_PROGS := $(foreach p,$(PROGS),$(if $(wildcard $(PROG_DIR_$(notdir $(p)))/*.c),$(p)))

all: $(SKELS) $(LIB) $(BUILT_PROGS) $(TOOLS)

deps:
	@scripts/deps.sh

# --- BPF ---------------------------------------------------------------------------
$(VMLINUX):
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(HDRS) $(VMLINUX)
	@mkdir -p $(@D)
	@echo "  BPF     $<"
	@$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/include/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@echo "  SKEL    $@"
	@$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# Test-only BPF programs: selftests/progs/*.bpf.c, skeletons as <build>/include/progs/*.skel.h.
TEST_PROG_SRCS := $(wildcard selftests/progs/*.bpf.c)
TEST_SKELS := $(TEST_PROG_SRCS:selftests/progs/%.bpf.c=$(BUILD)/include/progs/%.skel.h)
$(BUILD)/progs/%.bpf.o: selftests/progs/%.bpf.c $(HDRS) $(VMLINUX)
	@mkdir -p $(@D)
	@echo "  BPF     $<"
	@$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/include/progs/%.skel.h: $(BUILD)/progs/%.bpf.o
	@mkdir -p $(@D)
	@echo "  SKEL    $@"
	@$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@
$(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_SRCS) $(BENCH_SRCS) $(TEST_HELPERS)): | $(TEST_SKELS)

# --- userspace ---------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c $(HDRS) | $(SKELS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@
# The loader embeds the workload object's skeleton: it must be rebuilt when the object changes.
$(BUILD)/obj/userspace/lib/bpf_loader.o $(BUILD)/fuzz-obj/userspace/lib/bpf_loader.o: \
	$(BUILD)/include/workload.skel.h

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

# prog_rule(output, source folder): every .c in the folder, linked with libtabby.
define prog_rule
$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(2)/*.c)) $(LIB)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$$(CC) $$(CFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIB) $$(LDLIBS)
endef
$(eval $(call prog_rule,$(BUILD)/bin/tabbyctl,userspace/tabbyctl))
$(eval $(call prog_rule,$(BUILD)/bin/tabbyd,userspace/tabbyd))
$(eval $(call prog_rule,$(BUILD)/cni/tabby,cni/tabby))
$(eval $(call prog_rule,$(BUILD)/cni/tabby-ipam,cni/tabby-ipam))

# Test tools (traffic generators and probes), plain programs without the library.
$(BUILD)/tools/%: vm-tests/tools/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

# Tools that drive the library or libbpf (the live benchmark's loader, the conntrack flush
# of udpflow, bpfsrc's JIT line info): linked with libtabby and its libraries.
LIB_TOOLS := $(BUILD)/tools/dpload $(BUILD)/tools/udpflow $(BUILD)/tools/bpfsrc
$(LIB_TOOLS): $(BUILD)/tools/%: $(BUILD)/obj/vm-tests/tools/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# --- tests -------------------------------------------------------------------------
TEST_HELPER_OBJS := $(TEST_HELPERS:%.c=$(BUILD)/obj/%.o)
$(BUILD)/selftests/%: $(BUILD)/obj/selftests/%.o $(TEST_HELPER_OBJS) $(LIB) $(BPF_OBJS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(LIB) $(LDLIBS) $(TEST_LIBS) -lcriterion

# The etcd runs of the datastore suites include the SQLite suites' sources.
$(BUILD)/obj/selftests/test_datastore_etcd_suite.o: selftests/test_datastore.c
$(BUILD)/obj/selftests/test_datastore_etcd_watch.o: selftests/test_datastore_watch.c
$(BUILD)/obj/selftests/test_datastore_etcd_concurrency.o: selftests/test_datastore_concurrency.c
# The host-side tests and bench compile tabbyd's reconciler sources in.
HOSTSIDE_SRCS := $(wildcard userspace/tabbyd/hostside*.c userspace/tabbyd/hostside*.h)
$(BUILD)/obj/selftests/test_hostside.o $(BUILD)/obj/selftests/test_hostside_changes.o \
	$(BUILD)/obj/selftests/bench/bench_hostside.o: $(HOSTSIDE_SRCS)

# Benchmarks print one JSON row per line ({"name","value","unit","peer","peer_value",
# "ratio","target"}); scripts/bench.sh gathers them into build/bench.json.
$(BUILD)/bench/%: $(BUILD)/obj/selftests/bench/%.o $(TEST_HELPER_OBJS) $(LIB) $(BPF_OBJS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(LIB) $(LDLIBS) $(TEST_LIBS)

COMMA := ,
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
	       -Iheaders -Iuserspace/lib -Iselftests -I$(BUILD)/include $(PKG_CFLAGS)
# The fuzzers link a sanitizer build of the library, as an archive like the real one.
FUZZ_LIB := $(BUILD)/libtabby-fuzz.a
$(BUILD)/fuzz-obj/%.o: %.c $(HDRS) | $(SKELS)
	@mkdir -p $(@D)
	@echo "  CC/FUZZ $<"
	@$(CLANG) $(subst fuzzer$(COMMA),fuzzer-no-link$(COMMA),$(FUZZ_CFLAGS)) -c $< -o $@
$(FUZZ_LIB): $(LIB_SRCS:%.c=$(BUILD)/fuzz-obj/%.o)
	@rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/%: selftests/fuzz/%.c $(FUZZ_LIB) $(HDRS)
	@mkdir -p $(@D)
	@echo "  LD/FUZZ $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LDLIBS)

unit: all $(TESTS)
fuzz: $(FUZZERS)

check: deps
	$(MAKE) -j$(NPROC) all $(TESTS) $(FUZZERS)
	BUILD=$(BUILD) scripts/run-tests.sh

vmtest: all
	BUILD=$(BUILD) scripts/run-tests.sh --only vm

demo: deps
	$(MAKE) -j$(NPROC) all
	BUILD=$(BUILD) scripts/demo.sh

bench: deps
	$(MAKE) -j$(NPROC) all $(TESTS) $(BENCHES)
	BUILD=$(BUILD) BENCH="$(BENCH)" scripts/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(CNIDIR) $(DESTDIR)/etc/tabby/examples
	for p in $(wildcard $(BUILD)/bin/*); do install -m 0755 $$p $(DESTDIR)$(PREFIX)/bin/; done
	for p in $(wildcard $(BUILD)/cni/*); do install -m 0755 $$p $(DESTDIR)$(CNIDIR)/; done
	install -m 0644 docs/examples/* $(DESTDIR)/etc/tabby/examples/ 2>/dev/null || true

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
