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

VR_OBJ   := $(VR_SRC:%.c=$(BUILD)/obj/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/obj/%.o)
SIM_LIB_OBJ := $(SIM_LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

BINS := $(BUILD)/bin/vni-reconcile $(BUILD)/bin/vni-sim

.PHONY: all deps build check unit asan demo bench clean install format format-check lint help
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
	@echo "make install    install binaries and man page (PREFIX, DESTDIR)"

deps:
	@scripts/deps.sh

build: $(BINS) $(UNIT_BIN)

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

# Unit tests link everything but the two main()s.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvr.a $(BUILD)/libsim.a $(filter-out $(BUILD)/obj/cmd/main.o,$(CMD_OBJ))
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(filter-out $(BUILD)/obj/cmd/main.o,$(CMD_OBJ)) \
		$(BUILD)/libvr.a $(BUILD)/libsim.a $(LDLIBS) -lcmocka

$(BUILD)/bench/%: bench/%.c $(BUILD)/libvr.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libvr.a $(LDLIBS)

asan: deps
	@$(MAKE) --no-print-directory build BUILD=build/asan \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" CFLAGS="-O1 -g"

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
