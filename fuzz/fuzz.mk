# Fuzzing (issue #8): libFuzzer targets for the pure modules.
# Included by the Makefile; see fuzz/README.md.
#
#   make fuzz                  every target for FUZZ_SECONDS (60) each
#   make fuzz FUZZ_SECONDS=600 longer
#   make fuzz-ci               every target for 20 s each (CI)
#   make fuzz-build            only build fuzz/bin/fuzz_*
#
# New inputs go to fuzz/work/NAME (scratch), crashes to
# fuzz/work/artifacts/; the committed seeds in fuzz/corpus/NAME are only
# read.

FUZZ_CC     ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = ip_addr ip_set client_ip cookie https secret_key \
               path_set region whoami
FUZZ_BINS    = $(FUZZ_TARGETS:%=fuzz/bin/fuzz_%)
FUZZ_COMMON  = fuzz/common.c fuzz/driver.c
FUZZ_CFLAGS  = -g -O1 -fno-omit-frame-pointer \
               -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -DPHS_LIBFUZZER \
               $(WARNINGS) $(APR_CFLAGS) -Imodules/core -Ifuzz
# Module allocations get their own malloc blocks (see fuzz/driver.c).
FUZZ_LDFLAGS = -Wl,--wrap=apr_palloc
FUZZ_OPTIONS = -print_final_stats=1 -timeout=30

.PHONY: fuzz fuzz-ci fuzz-build fuzz-clean

fuzz-build: $(FUZZ_BINS)

fuzz/bin/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_COMMON) $(CORE_SRCS) \
                 $(HEADERS)
	@mkdir -p fuzz/bin
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_COMMON) $(CORE_SRCS) \
	    $(FUZZ_LDFLAGS) $(APR_LIBS) $(CRYPTO_LIBS)

# One target after the other; the first crash or broken invariant stops
# the run (libFuzzer exits non-zero) and leaves its input in
# fuzz/work/artifacts/.
fuzz: $(FUZZ_BINS)
	@mkdir -p fuzz/work/artifacts
	@for name in $(FUZZ_TARGETS); do \
	    mkdir -p fuzz/work/$$name; \
	    echo "== fuzz_$$name: $(FUZZ_SECONDS) s"; \
	    fuzz/bin/fuzz_$$name $(FUZZ_OPTIONS) \
	        -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=fuzz/work/artifacts/$$name- \
	        fuzz/work/$$name fuzz/corpus/$$name || exit 1; \
	done

fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=20

# Keeps fuzz/work: the inputs found so far seed the next run.
fuzz-clean:
	rm -rf fuzz/bin

# The regression test compiles the checks in as source (it is built by
# the unit-test pattern rule, from one .c file and the pure modules).
t/unit/test_fuzz_regressions: fuzz/fuzz.h fuzz/common.c \
                              $(FUZZ_TARGETS:%=fuzz/fuzz_%.c)
