# SPDX-License-Identifier: GPL-3.0-or-later
# circuit: a terminal chat client for large language models.
#
#   make run      build (installing missing -dev packages) and start circuit
#   make test     build and run every test suite; ends with "N passed, N failed"
#   make asan     the whole suite under AddressSanitizer + UBSan
#   make lint     cppcheck, banned functions, layering, size and complexity
#   make fuzz     libFuzzer targets (clang), FUZZ_SECONDS each
#   make bench    benchmarks
#   make soak     fault soak, SOAK_SECONDS (default 600)
#   make install  PREFIX=/usr/local DESTDIR=

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BUILD      ?= build
CC         ?= cc
PKGS       := ncursesw libcurl jansson readline sqlite3 inih md4c cmocka
# Debian package for each pkg-config name above, in the same order.
DEB_PKGS   := libncurses-dev libcurl4-openssl-dev libjansson-dev libreadline-dev \
              libsqlite3-dev libinih-dev libmd4c-dev libcmocka-dev
# Tools the tests and lint use.
DEB_TOOLS  := tmux cppcheck pmccabe python3
# Data packages, as package:a-file-it-installs (pkg-config knows libraries
# only): nano's syntax files colour code blocks (src/ui/highlight.c).
DEB_DATA   := nano:/usr/share/nano/c.nanorc

WARN      := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 $(if $(CI),-Werror)
# Recursive (=) so pkg-config runs only when a recipe needs it, after deps.
PKG_CFLAGS = $(filter-out -D_XOPEN_SOURCE=%,$(shell pkg-config --cflags $(filter-out cmocka,$(PKGS))))
# Not linked into the binary but loaded at first use: libcurl at the first
# request (linked, its dependencies cost every start ~8 ms in the dynamic
# loader; net/libcurl.c), SQLite at the first history file (linked, it and
# the libm it needs cost every start ~0.5 MiB of resident memory;
# model/libsqlite.c). Nor is libm used (util/mathlog.c). The tests link
# SQLite and libm: they read the history file and check mathlog against it.
BIN_LIBS   = $(shell pkg-config --libs $(filter-out cmocka libcurl sqlite3,$(PKGS))) -ldl
PKG_LIBS   = $(BIN_LIBS) $(shell pkg-config --libs sqlite3) -lm
CMOCKA     = $(shell pkg-config --cflags --libs cmocka)
OPT       ?= -O2 -g
CFLAGS    ?= $(OPT)
ALL_CFLAGS = -std=c11 -D_XOPEN_SOURCE=700 -DCIRCUIT_VERSION='"$(VERSION)"' \
             -DCIRCUIT_SHAREDIR='"$(PREFIX)/share/circuit"' \
             $(WARN) -Isrc $(PKG_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_CFLAGS)

LIB_SRC  := $(sort $(wildcard src/util/*.c src/wire/*.c src/net/*.c src/route/*.c \
                               src/model/*.c src/ui/*.c))
APP_SRC  := $(sort $(filter-out src/app/main.c,$(wildcard src/app/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(APP_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libcircuit.a
BIN      := $(BUILD)/circuit

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HDR := $(wildcard tests/unit/*.h)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all run test check asan lint fuzz bench soak install uninstall clean deps tests

all: $(BIN) circuit

# ./circuit is a link to the build, so the README's commands work as written.
circuit: $(BIN)
	@ln -sf $(BIN) circuit

# The objects depend on the flags they were built with, so a different
# PREFIX (the themes' folder is compiled in), CFLAGS or CI rebuilds them.
# The stamp changes only when the flags do; make then sees it unchanged.
$(BUILD)/flags: FORCE
	$(shell mkdir -p $(BUILD))$(file >$@.new,$(ALL_CFLAGS))
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

FORCE:

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/src/app/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_HDR) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIB) $(CMOCKA) $(PKG_LIBS) $(ALL_LDFLAGS)

# Each fuzz target is also built with the plain compiler and a small driver
# that replays its corpus: make test runs those, no clang needed.
$(BUILD)/tests/replay_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_decoder.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(PKG_LIBS) $(ALL_LDFLAGS)

$(BUILD)/bench/bench_%: tests/bench/bench_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(ALL_LDFLAGS)

tests: $(BIN) $(UNIT_BIN) $(FUZZ_REPLAY)

run: deps
	@$(MAKE) --no-print-directory -s all
	@if [ -t 0 ] && [ -t 1 ]; then $(BIN); \
	else $(BIN) -p "What is circuit, and how do I connect it to a real model?"; fi

test: deps
	@$(MAKE) --no-print-directory check

# check: the suites, without the dependency step (make asan reuses it).
check: tests
	@CIRCUIT_BIN=$(BIN) BUILD=$(BUILD) tests/run-suites $(UNIT_BIN) $(FUZZ_REPLAY)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g' \
		EXTRA_CFLAGS='-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all' check

lint: deps
	@.ci/lint

FUZZ_SECONDS ?= 120
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) PKG_LIBS='$(PKG_LIBS)' .ci/fuzz

# bench_decode in memory, then the suite over loopback against curl and the
# SDKs (it runs bench_history itself, last: its figures are wall-clock).
bench: deps
	@$(MAKE) --no-print-directory OPT='-O2 -g' $(BIN) $(BENCH_BIN)
	@$(BUILD)/bench/bench_decode
	@$(BUILD)/bench/bench_markdown
	@CIRCUIT_BIN=$(BIN) BUILD=$(BUILD) python3 tests/bench/bench_suite.py

# The fault soak: mixed streams and every scripted fault, a long-lived
# screen sampled for RSS, heap, fds and breakers; valgrind on a short run.
SOAK_SECONDS ?= 600
soak: deps $(BIN)
	@CIRCUIT_BIN=$(BIN) python3 tests/soak/soak.py --seconds $(SOAK_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/circuit/themes \
		$(DESTDIR)$(PREFIX)/share/doc/circuit $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/circuit
	install -m 0644 themes/* $(DESTDIR)$(PREFIX)/share/circuit/themes/
	install -m 0644 README.md docs/*.md docs/config.example $(DESTDIR)$(PREFIX)/share/doc/circuit/
	install -m 0644 docs/circuit.1 $(DESTDIR)$(PREFIX)/share/man/man1/circuit.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/circuit $(DESTDIR)$(PREFIX)/share/man/man1/circuit.1
	rm -rf $(DESTDIR)$(PREFIX)/share/circuit $(DESTDIR)$(PREFIX)/share/doc/circuit

clean:
	rm -rf build circuit

# deps: check with pkg-config; as root install what is missing with apt-get,
# otherwise print the exact command and stop.
deps:
	@missing=""; set -- $(DEB_PKGS); \
	for pc in $(PKGS); do \
		pkg-config --exists $$pc 2>/dev/null || missing="$$missing $$1"; shift; \
	done; \
	for t in $(DEB_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	for d in $(DEB_DATA); do test -e "$${d#*:}" || missing="$$missing $${d%%:*}"; done; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "circuit needs:$$missing"; \
		echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	fi; \
	echo "deps: installing$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
		|| { echo "deps: apt-get install failed:$$missing"; exit 1; }

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/app/main.d
