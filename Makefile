# ptdump - see README.md.  GNU make; objects go under build/.
#
#   make            build/ptdump, build/kernel/kernel.elf, build/kernel/kernel.iso
#   make check      install missing packages, build, run every test
#   make demo       install missing packages, build, boot the demo kernel (SCENARIO=)
#   make run        boot the kernel paused with a gdbstub (SCENARIO=, GDBPORT=)
#   make bench      time ptdump beside QEMU's monitor, gdb and a baseline (BENCH_RUNS=)
#   make golden     rewrite tests/golden/*.txt (SCENARIOS= to pick); read them
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make soak       1000 dumps and a 100000-command batch on one guest
#   make install    PREFIX=/usr/local DESTDIR=

include VERSION.mk

# config.mk's rule comes first below; plain `make` still builds everything.
.DEFAULT_GOAL := all

# Goals that must install missing packages before ./configure probes.
DEPS_GOALS := check demo bench golden fuzz soak
ifneq ($(filter $(DEPS_GOALS),$(MAKECMDGOALS)),)
DEPS_FIRST := tools/deps.sh &&
endif

ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
include config.mk
endif

config.mk config.h: configure VERSION.mk
	$(DEPS_FIRST) ./configure $(CONFIGURE_ARGS)

B := build
WERROR ?= $(if $(filter yes,$(WERROR_DEFAULT)),-Werror)

# ---- host tool --------------------------------------------------------
HOST_WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings $(WERROR)
HOST_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O2 $(HOST_WARN) \
	-I. -Iptdump $(EXPAT_CFLAGS) $(ELF_CFLAGS) $(JANSSON_CFLAGS)
HOST_LIBS := $(READLINE_LIBS) $(EXPAT_LIBS) $(ELF_LIBS) $(JANSSON_LIBS)
ifeq ($(SANITIZE_PTDUMP),yes)
HOST_CFLAGS += $(SAN_FLAGS)
HOST_LDFLAGS += $(SAN_FLAGS)
endif

PT_SRCS := $(sort $(wildcard ptdump/*.c))
PT_MAIN := ptdump/main.c ptdump/shell.c
PT_LIB_SRCS := $(filter-out $(PT_MAIN),$(PT_SRCS))
PT_OBJS := $(PT_SRCS:%.c=$(B)/obj/%.o)
PT_SAN_OBJS := $(PT_SRCS:%.c=$(B)/obj-san/%.o)
PT_SAN_LIB_OBJS := $(PT_LIB_SRCS:%.c=$(B)/obj-san/%.o)

# ---- kernel -----------------------------------------------------------
K_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer -O2 -g \
	-Wall -Wextra $(WERROR) -Ikernel
K_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack -T kernel/linker.ld
K_SRCS := $(sort $(wildcard kernel/*.c kernel/*.S))
K_OBJS := $(patsubst kernel/%,$(B)/kernel/%.o,$(K_SRCS))
KERNEL := $(B)/kernel/kernel.elf
ISO := $(B)/kernel/kernel.iso

# ---- tests ------------------------------------------------------------
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TEST_CFLAGS := $(filter-out -O2,$(HOST_CFLAGS)) -O1 $(SAN_FLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS := $(CMOCKA_LIBS) $(HOST_LIBS)
HELPER_SRCS := $(sort $(wildcard tests/fakestub/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/fakestub/%.c=$(B)/tests/%)
PTDUMP_SAN := $(B)/tests/ptdump-san
PTDUMP_DYN := $(B)/tests/ptdump-dyn

.PHONY: all ptdump kernel iso check unit-tests test-progs demo run clean \
	distclean install uninstall deps bench golden fuzz soak
.DELETE_ON_ERROR:

all: ptdump kernel iso

# The command-line front end (main.c) may be absent in a library-only tree.
ptdump: $(if $(wildcard ptdump/main.c),$(B)/ptdump)
kernel: $(KERNEL)
iso: $(ISO)

deps:
	tools/deps.sh

# A fully static link (configure's default) has glibc warn about its name
# lookups: tools/ld-static.awk drops those warnings, and only those.
$(B)/ptdump: $(PT_OBJS) config.mk tools/ld-static.awk
	$(CC) $(HOST_LDFLAGS) $(PT_PIE_LDFLAGS) $(PT_STATIC_LDFLAGS) -o $@ \
	    $(PT_OBJS) $(PT_LIBS) 2>$@.ld; rc=$$?; \
	    awk -f tools/ld-static.awk $@.ld >&2; rm -f $@.ld; exit $$rc

$(B)/obj/ptdump/shell.o $(B)/obj-san/ptdump/shell.o: HOST_CFLAGS += $(READLINE_CFLAGS)

$(B)/obj/%.o: %.c config.h config.mk | $(B)/obj/ptdump
	$(CC) $(HOST_CFLAGS) $(PT_PIE_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj-san/%.o: %.c config.h | $(B)/obj-san/ptdump
	$(CC) $(filter-out -O2,$(HOST_CFLAGS)) -O1 $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/ptdump $(B)/obj-san/ptdump $(B)/kernel $(B)/tests $(B)/tools:
	mkdir -p $@

$(B)/kernel/%.c.o: kernel/%.c | $(B)/kernel
	$(CC) $(K_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/kernel/%.S.o: kernel/%.S | $(B)/kernel
	$(CC) $(K_CFLAGS) -MMD -MP -c -o $@ $<

$(KERNEL): $(K_OBJS) kernel/linker.ld
	$(LD) $(K_LDFLAGS) -o $@ $(K_OBJS)

# grub-mkrescue needs a staging tree; it is rebuilt from scratch each time.
$(ISO): $(KERNEL) kernel/grub.cfg
	rm -rf $(B)/kernel/isodir
	mkdir -p $(B)/kernel/isodir/boot/grub
	cp kernel/grub.cfg $(B)/kernel/isodir/boot/grub/grub.cfg
	cp $(KERNEL) $(B)/kernel/isodir/boot/kernel.elf
	$(GRUB_MKRESCUE) -o $@ $(B)/kernel/isodir >$(B)/kernel/grub-mkrescue.log 2>&1 || \
		{ cat $(B)/kernel/grub-mkrescue.log >&2; exit 1; }

# ---- tests ------------------------------------------------------------
$(B)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/fake_*) $(PT_SAN_LIB_OBJS) config.h | $(B)/tests
	$(CC) $(TEST_CFLAGS) -o $@ $< $(PT_SAN_LIB_OBJS) $(TEST_LIBS)

$(B)/tests/%: tests/fakestub/%.c $(PT_SAN_LIB_OBJS) config.h | $(B)/tests
	$(CC) $(TEST_CFLAGS) -o $@ $< $(PT_SAN_LIB_OBJS) $(TEST_LIBS)

$(PTDUMP_SAN): $(PT_SAN_OBJS) | $(B)/tests
	$(CC) $(SAN_FLAGS) -o $@ $(PT_SAN_OBJS) $(HOST_LIBS)

# build/ptdump's objects, linked dynamically: valgrind replaces malloc
# only in a program that takes it from a shared libc.
$(PTDUMP_DYN): $(PT_OBJS) config.mk | $(B)/tests
	$(CC) $(HOST_LDFLAGS) $(PT_PIE_LDFLAGS) -o $@ $(PT_OBJS) $(HOST_LIBS)

# ---- fuzzing: clang's libFuzzer, with ASan and UBSan -------------------
# `make fuzz` runs each target for FUZZ_SECONDS on its corpus under
# tests/fuzz/NAME/ (new inputs go to build/fuzz/corpus/NAME); `make
# check` runs each for FUZZ_RUNS inputs (tests/fuzz/check.sh).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 \
	$(filter-out -Werror,$(HOST_WARN)) -I. -Iptdump -Itests/unit \
	$(EXPAT_CFLAGS) $(ELF_CFLAGS) $(JANSSON_CFLAGS) $(FUZZ_SAN)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
PT_FUZZ_OBJS := $(PT_LIB_SRCS:%.c=$(B)/obj-fuzz/%.o)

$(B)/obj-fuzz/%.o: %.c config.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(B)/fuzz/%: tests/fuzz/%.c $(wildcard tests/unit/fake_target.*) $(PT_FUZZ_OBJS) config.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(PT_FUZZ_OBJS) $(HOST_LIBS)

fuzz: $(FUZZ_BINS)
	tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

test-progs: $(UNIT_BINS) $(HELPER_BINS) \
	$(if $(wildcard ptdump/main.c),$(PTDUMP_SAN) $(PTDUMP_DYN)) \
	$(FUZZ_BINS)

check:
	tools/deps.sh
	$(MAKE) all test-progs
	tests/run.sh $(UNIT_BINS) $(sort $(wildcard tests/*/*.sh))

# Rewrites the regression dumps from the running kernel.  Every changed
# file must be read and checked by hand before it is committed.
golden:
	tools/deps.sh
	$(MAKE) all test-progs
	GOLDEN_UPDATE=1 tests/ptdump/golden.sh $(SCENARIOS)
	git --no-pager diff --stat -- tests/golden 2>/dev/null || true

# ---- running the kernel -----------------------------------------------
SCENARIO ?= boot
demo:
	tools/deps.sh
	$(MAKE) all
	tools/demo.sh

run: $(KERNEL)
	tools/run.sh "$(SCENARIO)" "$(GDBPORT)"

# The bench's helpers: the host compiler and warnings, no project code.
BENCH_TOOLS := $(B)/tools/hmp $(B)/tools/benchrun

$(B)/tools/%: tools/%.c | $(B)/tools
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -g -O2 $(HOST_WARN) -o $@ $<

bench: all $(BENCH_TOOLS)
	tools/deps.sh
	tools/bench.sh

soak: all $(BENCH_TOOLS)
	tools/deps.sh
	tools/soak.sh

# ---- install ----------------------------------------------------------
PREFIX ?= /usr/local
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man
SHAREDIR := $(DESTDIR)$(PREFIX)/share/ptdump

install: all
	install -d $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man7 $(SHAREDIR)/kernel
	install -m 755 $(B)/ptdump $(BINDIR)/ptdump
	for m in man/*.1; do [ -f "$$m" ] && install -m 644 "$$m" $(MANDIR)/man1/; done; true
	for m in man/*.7; do [ -f "$$m" ] && install -m 644 "$$m" $(MANDIR)/man7/; done; true
	install -m 644 gdb-scripts/ptdump.gdb $(SHAREDIR)/
	install -m 644 $(KERNEL) $(ISO) $(SHAREDIR)/kernel/

uninstall:
	rm -f $(BINDIR)/ptdump
	rm -rf $(SHAREDIR)
	for m in man/*.1; do rm -f $(MANDIR)/man1/$$(basename $$m); done
	for m in man/*.7; do rm -f $(MANDIR)/man7/$$(basename $$m); done

clean:
	rm -rf $(B)

distclean: clean
	rm -f config.mk config.h

-include $(PT_OBJS:.o=.d) $(PT_SAN_OBJS:.o=.d) $(K_OBJS:.o=.d) $(PT_FUZZ_OBJS:.o=.d)
