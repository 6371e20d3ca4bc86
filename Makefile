# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
#   make            build .output/enforcer (BPF objects, skeletons, CLI)
#   make check      install missing packages, build, run every test suite
#                   (unit, BPF_PROG_TEST_RUN, ASan/UBSan, fuzz smoke, netns e2e)
#   make check-kernels  the BPF and e2e suites on Debian's 6.1 and 6.12 kernels,
#                   each booted under qemu (TCG) with this machine's root over
#                   9p; FULL=1 adds the sanitizer builds and the long suites
#   make cluster-demo  three nodes running the DaemonSet's agent from the image
#   make image      the agent's OCI image (mmdebstrap + umoci; no engine needed)
#   make demo       namespace topology + example manifest, traffic allowed and
#                   dropped, `enforcer status`, then everything removed
#   make deps       install the Debian packages the build and tests need
#   make bench      benchmarks -> bench/results.md and charts (docs/performance.md)
#   make fuzz       libFuzzer targets for FUZZ_SECONDS each, then the XDP
#                   differential fuzzer over FUZZ_FRAMES packets (default 1M)
#   make format [FILES="a.c b.h"]  rewrite C sources in kernel style
#                   (.clang-format); make format-check reports what differs
#   make V=1        show full commands
#   make SAN=1      build everything with AddressSanitizer + UBSan into .output/san
#
# Overridable tools: CC=, CLANG=, BPFTOOL=, PKG_CONFIG=.

SAN	?=
ifeq ($(SAN),1)
OUTPUT	?= .output/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OUTPUT	?= .output
SAN_FLAGS :=
endif

CC		?= cc
CLANG		?= clang
BPFTOOL		?= bpftool
PKG_CONFIG	?= pkg-config
ARCH		:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBBPF_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS	:= $(or $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null),-lbpf) -lelf -lz
YAML_LIBS	:= $(or $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null),-lyaml)

# clang -target bpf does not search the host's arch-specific include dirs
# (asm/types.h); borrow them from the host compiler, after our own.
CLANG_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
		   -Wall -Werror -Iinclude $(CLANG_SYS_INCLUDES)
# user/lib/ is the library every front end links (CLI, tests, benchmarks);
# user/cli/ the command line. Headers are found by name in any of them.
NL_CFLAGS	:= $(or $(shell $(PKG_CONFIG) --cflags libnl-route-3.0 2>/dev/null),-I/usr/include/libnl3)
USER_DIRS	:= $(sort $(dir $(shell find user -name '*.[ch]')))
USER_CFLAGS	:= -g -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		   -Iinclude $(addprefix -I,$(USER_DIRS)) -I$(OUTPUT) $(LIBBPF_CFLAGS) $(NL_CFLAGS) \
		   $(SAN_FLAGS) $(CFLAGS)
USER_LDFLAGS	:= $(SAN_FLAGS) $(LDFLAGS)
JSON_LIBS	:= $(or $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null),-ljson-c)
PCAP_LIBS	:= $(or $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null),-lpcap)
NL_LIBS		:= $(or $(shell $(PKG_CONFIG) --libs libnl-route-3.0 2>/dev/null),-lnl-route-3 -lnl-3)
MHD_LIBS	:= $(or $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null),-lmicrohttpd)
USER_LIBS	:= $(LIBBPF_LIBS) $(YAML_LIBS) $(JSON_LIBS) $(PCAP_LIBS) $(NL_LIBS) $(MHD_LIBS) \
		   -lcrypto -lpthread

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_HDRS	:= $(wildcard bpf/*.bpf.h) $(wildcard include/*.h)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,.output/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,.output/%.skel.h,$(BPF_SRCS))

LIB_SRCS	:= $(shell find user/lib -name '*.c')
CLI_SRCS	:= $(wildcard user/cli/*.c)
LIB_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
CLI_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(CLI_SRCS))
USER_HDRS	:= $(shell find user -name '*.h') $(wildcard include/*.h)

# selftests/{unit,bpf,fuzz}/test_*.c: one suite binary each, named after
# the file; selftests/lib/ holds what they share.
TEST_SRCS	:= $(wildcard selftests/*/test_*.c)
TEST_BINS	:= $(patsubst %.c,$(OUTPUT)/%,$(notdir $(TEST_SRCS)))
TEST_HDRS	:= $(wildcard selftests/lib/*.h)
TEST_CFLAGS	:= -I.output -Iselftests/lib

ENFORCER	:= $(OUTPUT)/enforcer

.PHONY: all clean check check-kernels test deps demo cluster-demo image fuzz bench install format format-check
all: $(ENFORCER) $(TEST_BINS) .output/xdp_pass.bpf.o

$(sort $(OUTPUT) .output):
	$(Q)mkdir -p $@

# BPF objects and skeletons are the same for both builds: always in .output.
.output/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | .output
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

.output/%.skel.h: .output/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -I.output -c $< -o $@

$(ENFORCER): $(CLI_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ $(USER_LIBS) -o $@

# The differential fuzzer includes its reference model.
$(OUTPUT)/test_difffuzz: selftests/fuzz/model.c selftests/fuzz/model.h

# The DNS fuzz suite also checks every reply with ldns when it is installed.
LDNS_LIBS	:= $(shell $(PKG_CONFIG) --libs ldns 2>/dev/null)
ifneq ($(LDNS_LIBS),)
$(OUTPUT)/test_dnsfuzz: USER_CFLAGS += -DHAVE_LDNS
$(OUTPUT)/test_dnsfuzz: USER_LIBS += $(LDNS_LIBS)
endif

define test_rule
$(OUTPUT)/$(basename $(notdir $(1))): $(1) $(TEST_HDRS) $(LIB_OBJS) $(USER_HDRS) $(SKELS)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(USER_CFLAGS) $(TEST_CFLAGS) -I$(dir $(1)) $$< $$(LIB_OBJS) $$(USER_LIBS) -lpthread $$(USER_LDFLAGS) -o $$@
endef
$(foreach t,$(TEST_SRCS),$(eval $(call test_rule,$(t))))

# Benchmarks (bench/*.c) build like the test suites; `make bench` runs them.
$(OUTPUT)/bench_%: bench/bench_%.c $(TEST_HDRS) $(wildcard bench/*.h) $(LIB_OBJS) $(USER_HDRS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(TEST_CFLAGS) $< $(LIB_OBJS) $(USER_LIBS) -lpthread $(USER_LDFLAGS) -o $@

# The benchmarks' live-frames flood sender (bench/flood.sh, bench/probe.sh):
# a small libbpf program and its XDP_REDIRECT program.
.output/flood_gen.bpf.o: bench/flood_gen.bpf.c | .output
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

.output/flood_gen: bench/flood_gen.c .output/flood_gen.bpf.o | .output
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -Wextra -Werror $(LIBBPF_CFLAGS) $< $(LIBBPF_LIBS) -o $@

# A program that only passes, for the far end of a test veth: a veth hands
# XDP_TX frames (DNS answers with attach --dns-xdp) only to a peer with one.
.output/xdp_pass.bpf.o: selftests/bpf/xdp_pass.bpf.c | .output
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

BENCH_BINS	:= $(OUTPUT)/bench_xdp $(OUTPUT)/bench_dns .output/flood_gen .output/flood_gen.bpf.o

bench: all $(BENCH_BINS)
	$(Q)scripts/install-deps.sh --bench
	$(Q)bench/run.sh

# `make check`: every suite, one closing line. scripts/run-tests.sh builds
# both the plain and the sanitizer variant and sums the per-suite lines.
check: deps
	$(Q)scripts/run-tests.sh

test: all
	$(Q)scripts/run-tests.sh --quick

# `make check-kernels [FULL=1]`: scripts/check-kernels.sh installs what it
# needs, builds, downloads the kernels once (ENF_KERNEL_CACHE) and boots them.
FULL ?=
check-kernels:
	$(Q)FULL=$(FULL) scripts/check-kernels.sh

deps:
	$(Q)scripts/install-deps.sh

demo: deps all
	$(Q)scripts/demo.sh

# `make cluster-demo`: three nodes in namespaces run the DaemonSet's agent
# from the image's root filesystem (scripts/build-image.sh), narrated.
cluster-demo: deps all
	$(Q)selftests/e2e/cluster_e2e.sh --demo

# `make image`: the OCI image layout and root filesystem in .output/image.
image: deps all
	$(Q)scripts/build-image.sh

FUZZ_SECONDS ?= 60
FUZZ_FRAMES ?= 1000000
fuzz: deps all
	$(Q)scripts/fuzz.sh $(FUZZ_SECONDS)
	$(Q)scripts/difffuzz.sh $(FUZZ_FRAMES)

# `make install [PREFIX=/usr] [DESTDIR=DIR]`: the binary (the BPF objects are
# inside it), the systemd unit and the docs. The image uses PREFIX=/usr.
PREFIX ?= /usr/local
install: $(ENFORCER)
	install -D -m 0755 $(ENFORCER) $(DESTDIR)$(PREFIX)/sbin/enforcer
	install -D -m 0644 deploy/enforcer.service $(DESTDIR)$(PREFIX)/lib/systemd/system/enforcer.service
	sed -i 's|/usr/sbin/enforcer|$(PREFIX)/sbin/enforcer|g; s|/usr/share/doc|$(PREFIX)/share/doc|' \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/enforcer.service
	install -d $(DESTDIR)$(PREFIX)/share/doc/enforcer
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/enforcer/

deploy/configmap.yaml: deploy/manifest.yaml scripts/render-configmap.sh
	$(Q)scripts/render-configmap.sh $< > $@

format:
	$(Q)scripts/check-format.sh --fix $(FILES)

format-check:
	$(Q)scripts/check-format.sh $(FILES)

clean:
	$(call msg,CLEAN,.output)
	$(Q)rm -rf .output

.DELETE_ON_ERROR:
.SECONDARY:
