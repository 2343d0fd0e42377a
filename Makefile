# Skiff build. `make` builds the binaries into build/;
# `make SAN=1` builds an ASan+UBSan variant into build/san/.
# `make test` and `make demo` first install missing Debian packages.

SAN ?= 0
BUILD ?= build
ifeq ($(SAN),1)
B := $(BUILD)/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B := $(BUILD)
SANFLAGS :=
endif

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKGS := libmicrohttpd gnutls libcjson libcurl yaml-0.1 sqlite3 libbpf libnl-3.0 libnl-route-3.0 libarchive libnetfilter_conntrack
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	  -Ilib -Icontrolplane -Idataplane -Ictl -Ibpf -I$(B)/bpf $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := $(PKG_LIBS) -lev -lelf -lz -lm -lpthread

LIB_SRC := $(wildcard lib/*.c)
CP_SRC  := $(filter-out controlplane/main.c,$(wildcard controlplane/*.c controlplane/*/*.c))
DP_SRC  := $(filter-out dataplane/main.c dataplane/shim_main.c,$(wildcard dataplane/*.c dataplane/*/*.c))
CTL_SRC := $(filter-out ctl/main.c,$(wildcard ctl/*.c))
BPF_SRC := $(wildcard bpf/*.bpf.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIB_OBJ := $(call obj,$(LIB_SRC))
CP_OBJ  := $(call obj,$(CP_SRC))
DP_OBJ  := $(call obj,$(DP_SRC))
CTL_OBJ := $(call obj,$(CTL_SRC))
SKELS   := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.skel.h,$(BPF_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

BINS := $(B)/skiff-server $(B)/skiff-node $(B)/skiff-shim $(B)/skiffctl

.PHONY: all deps test unit demo check fuzz clean format bench
all: $(BINS)

deps:
	@sh scripts/deps.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Objects that include a BPF skeleton must wait for it.
$(DP_OBJ) $(call obj,dataplane/main.c) $(CTL_OBJ) $(call obj,ctl/main.c) $(call obj,$(UNIT_SRC)): $(SKELS)

$(B)/libskiff.a: $(LIB_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(B)/libcp.a: $(CP_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(B)/libdp.a: $(DP_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(B)/libctl.a: $(CTL_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^

$(B)/skiff-server: $(call obj,controlplane/main.c) $(B)/libcp.a $(B)/libskiff.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# The kubelet's HTTPS server reuses skiff-server's http layer and its
# certificate maker.
NODE_CP_OBJ := $(call obj,controlplane/http/http.c controlplane/tls.c)
$(B)/skiff-node: $(call obj,dataplane/main.c) $(B)/libdp.a $(NODE_CP_OBJ) $(B)/libskiff.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# The container shim: exec'd per container start, so it links libc alone.
$(B)/skiff-shim: $(call obj,dataplane/shim_main.c dataplane/kubelet/shim.c dataplane/kubelet/cgroups.c)
	$(CC) $(LDFLAGS) -o $@ $^
$(B)/skiffctl: $(call obj,ctl/main.c) $(B)/libctl.a $(B)/libdp.a $(NODE_CP_OBJ) $(B)/libskiff.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- BPF: vmlinux.h from the running kernel's BTF, object, skeleton ---
$(B)/bpf/vmlinux.h:
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(B)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(B)/bpf/vmlinux.h
	$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Wextra -Werror \
		-Wno-unused-parameter -I$(B)/bpf -Ibpf -c $< -o $@.tmp.o
	$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# --- tests ---
$(B)/tests/%: tests/unit/%.c $(B)/libcp.a $(B)/libdp.a $(B)/libctl.a $(B)/libskiff.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(B)/libcp.a $(B)/libdp.a \
		$(B)/libctl.a $(B)/libskiff.a $(LDLIBS) -lcmocka

# The schema tables are not in libcp.a until controlplane/ builds its
# subfolders: this test links the Pod tables directly, with stand-ins for
# the types other table files own (tests/unit/schema_pod_stubs.c).
SCHEMA_POD_SRC := $(wildcard controlplane/schema/types_pod*.c)
$(B)/tests/test_schema_pod: tests/unit/test_schema_pod.c tests/unit/schema_pod_stubs.c \
		$(SCHEMA_POD_SRC) $(wildcard controlplane/schema/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icontrolplane/schema $(LDFLAGS) -o $@ $(filter %.c,$^) \
		$(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

test: deps
	@bash tests/run.sh

fuzz:
	@for f in tests/fuzz/fuzz_*.c; do bash tests/fuzz/run_fuzz.sh $$f $${SECS:-60}; done

demo: deps
	@bash scripts/demo.sh

bench: deps
	@DEPS_BENCH=1 sh scripts/deps.sh; bash bench/run.sh $(BENCH)

check:
	cppcheck --quiet --error-exitcode=1 --enable=warning --inline-suppr -Ilib -Icontrolplane \
		--include=scripts/cppcheck-defs.h \
		--suppress=missingIncludeSystem \
		lib controlplane dataplane ctl

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
