# vni-reconcile: plain Makefile. Objects and binaries under $(BUILD) (default build/).
# `make check` builds twice (plain, and with ASan+UBSan under build/asan) and runs the suite on both.

BUILD   ?= build
SAN     ?=
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

PKGS := yaml-0.1 libcurl libcjson libgit2 libmicrohttpd libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
             -DVR_VERSION='"$(VERSION)"' -I. -Imodel -Idesired -Ilive -Ireconcile -Ireport -Icmd -Isim \
             $(PKG_CFLAGS) $(SAN) $(CFLAGS)
LDLIBS  = $(PKG_LIBS) -lpthread -lm $(SAN)

VR_SRC   := $(sort $(wildcard model/*.c desired/*.c live/*.c reconcile/*.c report/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
SIM_LIB_SRC := $(sort $(filter-out sim/sim_main.c,$(wildcard sim/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
# One fuzz target per fuzz/fuzz_<name>.c, its corpus in fixtures/fuzz/<name>/ (docs/fuzzing.md).
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:fuzz/fuzz_%.c=%)

VR_OBJ   := $(VR_SRC:%.c=$(BUILD)/obj/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/obj/%.o)
SIM_LIB_OBJ := $(SIM_LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
REPLAY_BIN := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
# What unit tests and fuzz targets link: everything but the two main()s.
TEST_LINK := $(filter-out $(BUILD)/obj/cmd/main.o,$(CMD_OBJ)) $(BUILD)/libvr.a $(BUILD)/libsim.a
HARNESS_OBJ := $(BUILD)/obj/fuzz/harness.o
REPLAY_OBJ := $(BUILD)/obj/fuzz/replay_main.o

BINS := $(BUILD)/bin/vni-reconcile $(BUILD)/bin/vni-sim

.PHONY: all deps build check unit asan demo bench fuzz fuzz-build clean install format format-check \
        lint help
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build

help:
	@echo "make            build build/bin/vni-reconcile and build/bin/vni-sim"
	@echo "make deps       install missing Debian packages (idempotent)"
	@echo "make check      make lint, then the whole test suite, plain and under ASan+UBSan"
	@echo "make lint       format, include rule, banned functions, shellcheck"
	@echo "make demo       start vni-sim on loopback and run plan, apply, drift against it"
	@echo "make bench      benchmarks (see docs/benchmarks.md)"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60; docs/fuzzing.md)"
	@echo "make install    install binaries and man page (PREFIX, DESTDIR)"

deps:
	@scripts/deps.sh

build: $(BINS) $(UNIT_BIN) $(REPLAY_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libvr.a: $(VR_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libsim.a: $(SIM_LIB_OBJ) $(filter $(BUILD)/obj/model/%,$(VR_OBJ))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/vni-reconcile: $(CMD_OBJ) $(BUILD)/libvr.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libvr.a $(LDLIBS)

$(BUILD)/bin/vni-sim: $(BUILD)/obj/sim/sim_main.o $(BUILD)/libsim.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LINK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(TEST_LINK) $(LDLIBS) -lcmocka

# A fuzz target as a replay program (no libFuzzer): part of every build, run by make check.
$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c $(REPLAY_OBJ) $(HARNESS_OBJ) $(TEST_LINK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ifuzz -o $@ $< $(REPLAY_OBJ) $(HARNESS_OBJ) $(TEST_LINK) $(LDLIBS)

# Only pattern rules name these two objects: keep make from deleting them as intermediates.
.SECONDARY: $(REPLAY_OBJ) $(HARNESS_OBJ)

# A fuzz target with libFuzzer: only in FUZZ_BUILD (clang, instrumented), see fuzz-build.
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(HARNESS_OBJ) $(TEST_LINK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ifuzz -fsanitize=fuzzer -o $@ $< $(HARNESS_OBJ) $(TEST_LINK) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libvr.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libvr.a $(LDLIBS)

asan: deps
	@$(MAKE) --no-print-directory build BUILD=build/asan \
		SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
		-fno-omit-frame-pointer" CFLAGS="-O1 -g"

unit: deps
	@$(MAKE) --no-print-directory build
	@tests/run.sh --unit-only build

check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory asan
	@tests/run.sh build build/asan

demo: deps
	@$(MAKE) --no-print-directory build
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory build $(BENCH_BIN)
	@bench/run.sh

# Fuzzing (docs/fuzzing.md): clang with libFuzzer, ASan and UBSan, under build/libfuzzer.
# FUZZ_TARGETS picks some (default all), FUZZ_SECONDS the time each runs.
FUZZ_BUILD   := build/libfuzzer
FUZZ_SAN     := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)

fuzz-build: deps
	@scripts/deps.sh --fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SAN="$(FUZZ_SAN)" CFLAGS="-O1 -g" \
		$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

install: deps
	@$(MAKE) --no-print-directory build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BUILD)/bin/vni-reconcile $(BUILD)/bin/vni-sim $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/vni-reconcile.1 $(DESTDIR)$(PREFIX)/share/man/man1/

C_FILES   = $(sort $(wildcard */*.c */*.h tests/unit/*.c tests/unit/*.h))
SH_FILES  = $(wildcard scripts/*.sh bench/*.sh) tests/run.sh $(wildcard tests/e2e/test_*.sh)
BANNED    = sprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets

format:
	clang-format -i $(C_FILES)

format-check:
	clang-format --dry-run -Werror $(C_FILES)

# The format, the include rule of docs/architecture.md, the banned functions (whole-word
# calls), and shellcheck over the scripts (tests/e2e/lib.sh and apply_lib.sh through -x).
lint:
	@clang-format --dry-run -Werror $(C_FILES)
	@scripts/check-includes.sh
	@if grep -nwE '($(BANNED))[[:space:]]*\(' $(C_FILES); then \
		echo "lint: banned function call above ($(BANNED))" >&2; exit 1; fi
	@shellcheck -x -P SCRIPTDIR $(SH_FILES)
	@echo "lint: ok"

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
