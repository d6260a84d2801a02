# redline - LLM agents as Unix pipelines.  One plain GNU Makefile.
#
#   make            build librl.a and every command into bin/
#   make demo       the agents end to end on the wordstat example
#   make check      unit tests and bats tests (installs what is missing)
#   make asan       the same tests under AddressSanitizer and UBSan
#   make valgrind   the bats tests with every command under valgrind
#   make coverage   line coverage of lib/ and cmd/ (gcov, lcov)
#   make fuzz       libFuzzer over the record path and schemas (FUZZ_SECONDS each)
#   make stress     the long kill loops (tests/stress/), each fuzz target 30 s
#   make bench      the performance suite (bench/), ratios from one run
#   make man-lint   mandoc -Tlint on every page
#   make deps       install the Debian packages all of the above need
#   make install    PREFIX, DESTDIR, BINDIR, MANDIR, SHAREDIR
#
# Variant builds (asan, coverage, valgrind) go to build/NAME with their own
# bin/, so they never mix objects with the default build.

# The one version every command's --version prints (lib/rl_cmd.c).
VERSION  = 0.4.0

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/redline
DESTDIR  ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
RLFLAGS  = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib -MMD -MP
LDLIBS   = -lcjson -lpcre2-8 -lm
CURLLIBS = -lcurl
SECCOMPLIBS = -lseccomp
REDISLIBS = -lhiredis
CMDLIBS  =

B   ?= build/default
BIN ?= bin

# Commands that talk HTTP link libcurl; the rest never pay for loading it.
CMDS     = rl-validate rl-config rl-mem rl-queue rl-stats rl-task rl-reward rl-trust \
           redline
NET_CMDS = rl-provider
# The agents run on the engine (rl_agent.c): they call models (libcurl)
# and run tools (libseccomp).
AGENT_CMDS = rl-reason rl-plan rl-act rl-feedback rl-complete
# Commands that use a store that may live on Redis link hiredis: the
# queue, the memory, and the providers' rate limits.
REDIS_CMDS = rl-queue redline rl-mem rl-config rl-reward $(NET_CMDS) $(AGENT_CMDS)

LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
PROGS    = $(CMDS:%=$(BIN)/%) $(NET_CMDS:%=$(BIN)/%) \
           $(AGENT_CMDS:%=$(BIN)/%)
PAGES    = $(wildcard man/man1/*.1 man/man5/*.5 man/man7/*.7)

DEB_PKGS = gcc make libc6-dev libcjson-dev libcurl4-openssl-dev libseccomp-dev libpcre2-dev \
           pkg-config bats jq mandoc lcov valgrind bc curl git procps patch \
           pmccabe cppcheck shellcheck chromium attr universal-ctags clang tmux \
           libclang-rt-14-dev libhiredis-dev redis-server redis-tools iproute2

all: $(PROGS)

$(B)/lib/rl_path.o: CPPFLAGS += -DRL_SHAREDIR='"$(SHAREDIR)"'
$(B)/lib/rl_cmd.o: CPPFLAGS += -DRL_VERSION='"$(VERSION)"'
$(B)/lib/rl_cmd.o: Makefile

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(RLFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(CC) $(RLFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/librl.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# What a command links beyond LDLIBS is set per target, by its list.
$(NET_CMDS:%=$(BIN)/%) $(AGENT_CMDS:%=$(BIN)/%): CMDLIBS += $(CURLLIBS)
$(AGENT_CMDS:%=$(BIN)/%): CMDLIBS += $(SECCOMPLIBS)
$(REDIS_CMDS:%=$(BIN)/%): CMDLIBS += $(REDISLIBS)

$(BIN)/%: $(B)/cmd/%.o $(B)/librl.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/librl.a $(LDLIBS) $(CMDLIBS)

$(B)/unit/%: tests/unit/%.c tests/unit/unit.h $(B)/librl.a
	@mkdir -p $(@D)
	$(CC) $(RLFLAGS) -Itests/unit -DRL_TOP='"$(abspath .)"' $(CPPFLAGS) \
	    $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(B)/librl.a $(LDLIBS) $(CURLLIBS) $(SECCOMPLIBS) $(REDISLIBS)

-include $(wildcard $(B)/*/*.d)

# Install missing Debian packages; say the exact command when we cannot.
deps:
	@missing=; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	        grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all installed"; exit 0; fi; \
	cmd="apt-get install -y --no-install-recommends$$missing"; \
	if [ "$$(id -u)" = 0 ]; then su=; \
	elif command -v sudo >/dev/null 2>&1; then su=sudo; \
	else echo "make deps: not root; run: sudo apt-get update && sudo $$cmd" >&2; exit 1; fi; \
	echo "deps: installing$$missing"; \
	{ $$su apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$su $$cmd; } || \
	{ echo "make deps: failed; run: sudo apt-get update && sudo $$cmd" >&2; exit 1; }

need-deps:
	@for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	        grep -q 'ok installed' || { $(MAKE) --no-print-directory deps; exit $$?; }; \
	done

# The test run: unit tests, then bats (TAP), then one summary line.
# The agents end to end on share/redline/examples/wordstat, with recorded
# model replies: debt before and after, tokens, reward.
demo:
	@$(MAKE) --no-print-directory need-deps
	@$(MAKE) --no-print-directory all
	@sh share/redline/examples/demo.sh $(abspath $(BIN))

check:
	@$(MAKE) --no-print-directory need-deps
	@$(MAKE) --no-print-directory all units
	@RL_BIN=$(abspath $(BIN)) RL_UNITS=$(abspath $(B)/unit) tests/run

units: $(UNITS) $(B)/helpers/mock-llm $(B)/helpers/fault.so

# The mock model server the tests and benchmarks talk to (tests/helpers).
$(B)/helpers/mock-llm: tests/helpers/mock-llm.c
	@mkdir -p $(@D)
	$(CC) $(RLFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lcjson

# The preload that kills a command at its Nth file operation
# (tests/stress/queue-fault); built plain, whatever the variant, so it
# can be preloaded into a sanitized command too.
$(B)/helpers/fault.so: tests/stress/fault.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -shared -fPIC \
	    -o $@ $< -ldl

asan:
	@$(MAKE) --no-print-directory need-deps
	@$(MAKE) --no-print-directory B=build/asan BIN=build/asan/bin \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" all units
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    RL_BIN=$(abspath build/asan/bin) RL_UNITS=$(abspath build/asan/unit) tests/run

valgrind: all units
	@rm -rf build/valgrind && mkdir -p build/valgrind/bin
	@for c in $(CMDS) $(NET_CMDS) $(AGENT_CMDS); do \
	    printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "%s" "$$@"\n' \
	        "$(abspath $(BIN))/$$c" > build/valgrind/bin/$$c; \
	    chmod +x build/valgrind/bin/$$c; done
	@RL_BIN=$(abspath build/valgrind/bin) RL_SHARE=$(abspath share/redline) \
	    RL_UNITS=$(abspath $(B)/unit) RL_VALGRIND=1 tests/run

coverage:
	@$(MAKE) --no-print-directory need-deps
	@rm -rf build/cov
	@$(MAKE) --no-print-directory B=build/cov BIN=build/cov/bin \
	    CFLAGS="-O0 -g --coverage -DRL_COVERAGE -DRL_COVERAGE_DIR='\"$(abspath build/cov)\"'" \
	    LDFLAGS="--coverage" all units
	@RL_BIN=$(abspath build/cov/bin) RL_UNITS=$(abspath build/cov/unit) tests/run
	@lcov -q --capture --directory build/cov --output-file build/cov/all.info 2>/dev/null
	@lcov -q --extract build/cov/all.info '$(abspath .)/lib/*' '$(abspath .)/cmd/*' \
	    --output-file build/cov/rl.info 2>/dev/null
	@lcov --list build/cov/rl.info | tail -n +1
	@lcov --summary build/cov/rl.info 2>&1 | grep -E 'lines'

# libFuzzer (clang with its runtime: Debian's clang and libclang-rt-14-dev)
# over each target in tests/fuzz for FUZZ_SECONDS: fuzz_record on the
# record path, seeded from tests/fuzz/seeds; fuzz_schema on compiling and
# checking schemas, seeded from tests/fuzz/schema-seeds and helped by the
# keywords in tests/fuzz/fuzz_schema.dict; fuzz_config on reading and
# checking a configuration file, seeded from tests/fuzz/seeds-config.  The library is
# built once, with coverage, into build/fuzz; corpora grow in
# build/fuzz/corpus-TARGET.  An input slower than FUZZ_TIMEOUT seconds
# is a failure, as a crash is.
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 60
FUZZ_TARGETS = fuzz_record fuzz_schema fuzz_config
FUZZ_FLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -I$(abspath lib) -DRL_TOP='"$(abspath .)"'
fuzz:
	@$(MAKE) --no-print-directory need-deps
	@command -v clang >/dev/null 2>&1 || { echo "make fuzz: needs clang; run: sudo apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
	@mkdir -p build/fuzz/lib
	cd build/fuzz/lib && clang $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link,address,undefined -c $(abspath $(LIB_SRC))
	@for t in $(FUZZ_TARGETS); do \
	    echo "clang -o build/fuzz/$$t tests/fuzz/$$t.c build/fuzz/lib/*.o"; \
	    clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o build/fuzz/$$t \
	        tests/fuzz/$$t.c build/fuzz/lib/*.o $(LDLIBS) $(CURLLIBS) $(SECCOMPLIBS) $(REDISLIBS) || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
	    case $$t in fuzz_record) seeds=tests/fuzz/seeds dict=;; \
	    fuzz_config) seeds=tests/fuzz/seeds-config dict=-close_fd_mask=2;; \
	    *) seeds=tests/fuzz/schema-seeds dict=-dict=tests/fuzz/$$t.dict;; esac; \
	    mkdir -p build/fuzz/corpus-$$t; \
	    echo "build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus-$$t $$seeds"; \
	    build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	        -max_len=4096 -print_final_stats=1 $$dict build/fuzz/corpus-$$t $$seeds \
	        2> build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log >&2; exit 1; }; \
	    grep -E '^stat::number_of_executed_units|^Done' build/fuzz/$$t.log; \
	done

# The long reliability loops; make check runs short versions of them.
stress: all $(B)/helpers/fault.so
	@PATH=$(abspath $(BIN)):$$PATH RL_SHARE=$(abspath share/redline) \
	    RL_HOME=$$(mktemp -d) tests/stress/mem-kill 1000
	@PATH=$(abspath $(BIN)):$$PATH RL_SHARE=$(abspath share/redline) \
	    RL_HOME=$$(mktemp -d) tests/stress/queue-kill 1000
	@PATH=$(abspath $(BIN)):$$PATH RL_SHARE=$(abspath share/redline) \
	    RL_FAULT_SO=$(abspath $(B)/helpers/fault.so) tests/stress/queue-fault all
	@PATH=$(abspath $(BIN)):$$PATH RL_SHARE=$(abspath share/redline) \
	    tests/stress/queue-redis-kill 1000 4
	@PATH=$(abspath $(BIN)):$$PATH RL_SHARE=$(abspath share/redline) \
	    tests/stress/ring-kill 200
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30

bench: all $(B)/helpers/mock-llm
	@rc=0; for b in bench/*; do [ -f "$$b" ] && [ -x "$$b" ] || continue; \
	    RL_BIN=$(abspath $(BIN)) "$$b" || rc=1; done; exit $$rc

man-lint:
	mandoc -Tlint -Wwarning $(PAGES)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	cp -R share/redline/. $(DESTDIR)$(SHAREDIR)
	for p in $(PAGES); do s=$${p##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	    install -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s; done

uninstall:
	for c in $(CMDS) $(NET_CMDS) $(AGENT_CMDS); do rm -f $(DESTDIR)$(BINDIR)/$$c; done
	for p in $(PAGES); do s=$${p##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build bin

.PHONY: all demo check units asan valgrind coverage fuzz stress bench man-lint install \
	uninstall clean deps need-deps
.SUFFIXES:
.SECONDARY:
