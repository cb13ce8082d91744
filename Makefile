# interlock — build.
#
#   make            build/bin/interlock, build/bin/toml-decoder, build/lib/libinterlock.so
#   make check      build, then run every test suite (unit, TOML conformance,
#                   rule tests, integration); ends with "N passed, N failed"
#   make asan       the same checks with AddressSanitizer + LeakSanitizer
#   make ubsan      the same checks with UndefinedBehaviorSanitizer
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each (clang)
#   make soak       fault injection under load (a few minutes; see tests/soak/)
#   make bench      benchmarks, printed as ratios against native
#   make demo       an agent under interlock with a gated action
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages this needs (root) or print how
#
# Layout: every sidecar/*.c except the program mains is library code linked
# into build/lib/libinterlock-core.a; every interceptor/*.c goes into the
# preload shim; tests/unit/test_*.c each become one CUnit program.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
SAN     ?=
FUZZ_SECONDS ?= 60

WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wformat=2 -Wpointer-arith -Wvla -Wno-missing-field-initializers
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2 -g
SANFLAGS :=
ifeq ($(SAN),address)
SANFLAGS := -fsanitize=address -fno-omit-frame-pointer
OPT      := -O1 -g
endif
ifeq ($(SAN),undefined)
SANFLAGS := -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT      := -O1 -g
endif

CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -fstack-protector-strong \
              -DINTERLOCK_PREFIX='"$(PREFIX)"' -Isidecar -Iinterceptor
LDLIBS_CORE := -lseccomp -lcurl -lcjson -lsqlite3 -lcrypto -lpthread -lm

MAINS     := sidecar/main.c sidecar/toml_decoder.c
CORE_SRC  := $(filter-out $(MAINS),$(sort $(wildcard sidecar/*.c)))
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
SHIM_SRC  := $(sort $(wildcard interceptor/*.c))
SHIM_OBJ  := $(SHIM_SRC:%.c=$(BUILD)/obj/%.pic.o)
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz-replay/%)

CORE_LIB  := $(BUILD)/lib/libinterlock-core.a
SHIM_LIB  := $(BUILD)/lib/libinterlock.so
APPROVER_SRC := $(sort $(wildcard examples/approval-service/*.c))
APPROVER_OBJ := $(APPROVER_SRC:%.c=$(BUILD)/obj/%.o)
BINS      := $(BUILD)/bin/interlock $(BUILD)/bin/toml-decoder $(if $(APPROVER_SRC),$(BUILD)/bin/interlock-approver)

.PHONY: all check asan ubsan fuzz soak bench demo install clean deps deps-auto tests
all: $(BINS) $(SHIM_LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The shim runs inside someone else's process: hidden visibility (only the
# hooks are exported, via IL_EXPORT), PIC, no sanitizer runtime of its own.
SHIM_CFLAGS := $(CSTD) $(WARN) -O2 -g -fPIC -fvisibility=hidden -fno-strict-aliasing \
               -fstack-protector-strong -Iinterceptor -Isidecar
$(BUILD)/obj/%.pic.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/interlock: $(BUILD)/obj/sidecar/main.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_CORE)

$(BUILD)/bin/toml-decoder: $(BUILD)/obj/sidecar/toml_decoder.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_CORE)

# The reference approval service (examples/approval-service/): its own main,
# our TOML parser and verdict signing from the core library.
$(BUILD)/bin/interlock-approver: $(APPROVER_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lmicrohttpd $(LDLIBS_CORE)

$(SHIM_LIB): $(SHIM_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -Wl,-z,now -Wl,-z,relro -Wl,--no-undefined -Wl,--version-script=interceptor/shim.map -o $@ $^ -ldl -lpthread

$(BUILD)/tests/test_%: tests/unit/test_%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(CORE_LIB) -lcunit $(LDLIBS_CORE)

# Test helper programs (small C programs the integration tests run).
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -o $@ $< -lpthread -ldl

$(BUILD)/bench/%: bench/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(CORE_LIB) $(LDLIBS_CORE)

# Fuzz targets replayed without libFuzzer (tests/fuzz/replay.c): the normal
# compiler, flags and sanitizers of this build; run by tests/run-checks.sh
# over tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/.
$(BUILD)/tests/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< tests/fuzz/replay.c $(CORE_LIB) $(LDLIBS_CORE)

tests: all $(TEST_BIN) $(HELPER_BIN) $(FUZZ_REPLAY_BIN)

# Install missing Debian packages when root; otherwise say what to run.
deps:
	@bash scripts/deps.sh
deps-auto:
	@bash scripts/deps.sh --check >/dev/null 2>&1 || bash scripts/deps.sh

check: deps-auto
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) SAN=$(SAN) bash tests/run-checks.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=address check
ubsan:
	@$(MAKE) --no-print-directory BUILD=build/ubsan SAN=undefined check

# libFuzzer targets: clang, ASan+UBSan, linked against the core sources
# compiled for fuzzing. Each runs FUZZ_SECONDS with its seed corpus.
FUZZ_CFLAGS := $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Isidecar -Iinterceptor \
               -DINTERLOCK_PREFIX='"$(PREFIX)"' -DINTERLOCK_FUZZ=1
fuzz: deps-auto
	@mkdir -p build/fuzz
	@set -e; for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  echo "fuzz: building $$n"; \
	  clang $(FUZZ_CFLAGS) -o build/fuzz/$$n $$f $(CORE_SRC) $(LDLIBS_CORE); \
	  mkdir -p build/fuzz/$$n.corpus; \
	  seeds=tests/fuzz/corpus/$${n#fuzz_}; [ -d $$seeds ] || seeds=; \
	  echo "fuzz: running $$n for $(FUZZ_SECONDS)s"; \
	  ./build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	     -rss_limit_mb=2048 build/fuzz/$$n.corpus $$seeds; \
	done

# Fault injection under load (tests/soak/soak.sh): a few minutes, root for
# the tmpfs that fills the audit disk.
soak: all
	@BUILD=$(BUILD) bash tests/soak/soak.sh

bench: all $(BENCH_BIN) $(HELPER_BIN)
	@BUILD=$(BUILD) bash bench/run.sh

demo: deps-auto all
	@bash examples/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/interlock $(DESTDIR)$(PREFIX)/share/interlock/rules/examples
	install -m 0755 $(BUILD)/bin/interlock $(DESTDIR)$(PREFIX)/bin/interlock
	if [ -x $(BUILD)/bin/interlock-approver ]; then install -m 0755 $(BUILD)/bin/interlock-approver $(DESTDIR)$(PREFIX)/bin/interlock-approver; fi
	install -m 0644 $(SHIM_LIB) $(DESTDIR)$(PREFIX)/lib/interlock/libinterlock.so
	install -m 0644 rules/default.toml $(DESTDIR)$(PREFIX)/share/interlock/rules/default.toml
	install -m 0644 rules/examples/*.toml $(DESTDIR)$(PREFIX)/share/interlock/rules/examples/

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
