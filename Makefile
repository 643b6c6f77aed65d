# vmlab build. `make run` installs what is missing, builds and runs the bundled example;
# `make test` runs the whole suite (release and AddressSanitizer+UBSan builds).
CC      ?= gcc
PREFIX  ?= /usr/local
SAN     ?= 0
O       ?= build/$(if $(filter 1,$(SAN)),san,rel)

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 $(WARN) -D_GNU_SOURCE -Iinclude -Isrc -MMD -MP -fno-strict-aliasing
LDLIBS  += -lm
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS   := $(shell find src -name '*.c' ! -path 'src/cli/*' ! -path 'src/kernel/vdso32/*' | sort)
CLI_SRCS   := $(sort $(wildcard src/cli/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELP  := $(sort $(wildcard tests/unit/helpers/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
GUEST_SRCS := $(sort $(wildcard tests/guest/*.c))
TOOL_SRCS  := $(sort $(wildcard tests/tools/*.c))
NATIVE_SRCS:= $(sort $(wildcard tests/native/*.c))

LIB_OBJS   := $(LIB_SRCS:%.c=$(O)/%.o) $(O)/src/kernel/vdso32/vdso_image.o
CLI_OBJS   := $(CLI_SRCS:%.c=$(O)/%.o)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%)
UNIT_HOBJS := $(UNIT_HELP:%.c=$(O)/%.o)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)
TOOL_BINS  := $(TOOL_SRCS:tests/tools/%.c=$(O)/tests/tools/%)
NATIVE_BINS:= $(NATIVE_SRCS:tests/native/%.c=build/native/%)
GUEST_BINS := $(foreach s,$(GUEST_SRCS),$(patsubst tests/guest/%.c,build/guest/%-O0,$(s)) $(patsubst tests/guest/%.c,build/guest/%-O2,$(s)))
# the CPU corpus again with SSE2 floating point (tests/e2e/cpu_corpus_sse2.sh)
GUEST_BINS += $(patsubst tests/guest/%.c,build/guest/%-sse2,$(wildcard tests/guest/cpu_*.c))

.SECONDARY:
.PHONY: all deps run test test-only unit san bench soak install clean format guests fuzz
all: $(O)/vmlab $(UNIT_BINS) $(BENCH_BINS) $(TOOL_BINS) $(NATIVE_BINS)

deps:
	@scripts/deps.sh

# Made anew each time: `ar r` into the old archive would keep the object of a source file
# that was renamed or removed.
$(O)/libvmlab.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# The whole archive is linked: handlers reached only through weak references (system calls)
# would otherwise be left out.
WHOLE = -Wl,--whole-archive $(O)/libvmlab.a -Wl,--no-whole-archive

# The vDSO is guest code: built for i386 with gcc (the same bytes whichever CC builds vmlab,
# since its instructions are counted), checked, and embedded by vdso_image.S.
VDSO_CC      := gcc
VDSO_SRCS    := src/kernel/vdso32/vclock_gettime.c src/kernel/vdso32/vsyscall.S
VDSO_CFLAGS  := -m32 -O2 -fPIC -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fcf-protection=none -Isrc $(WARN) -Wmissing-prototypes
VDSO_LDFLAGS := -nostdlib -shared -Wl,-T,src/kernel/vdso32/vdso32.lds -Wl,--hash-style=both \
	-Wl,-soname=linux-gate.so.1 -Wl,--no-undefined -Wl,--build-id=none -Wl,-z,noexecstack
$(O)/vdso32/vdso32.so: $(VDSO_SRCS) src/kernel/vdso32/vdso32.lds src/kernel/vdso32/vdso_data.h scripts/check-vdso.sh
	@mkdir -p $(@D)
	$(VDSO_CC) $(VDSO_CFLAGS) $(VDSO_LDFLAGS) -o $@.dbg $(VDSO_SRCS)
	objcopy -S $@.dbg $@
	scripts/check-vdso.sh $@

$(O)/src/kernel/vdso32/vdso_image.o: src/kernel/vdso32/vdso_image.S $(O)/vdso32/vdso32.so
	@mkdir -p $(@D)
	$(CC) -c -DVDSO_SO='"$(O)/vdso32/vdso32.so"' -o $@ $<

# capstone disassembles the faulting instructions of --report (src/cli/report_disasm.c).
# Linked statically into a position-dependent executable: the shared library's 79 000
# relative relocations (and vmlab's own as a PIE) wrote to ~400 host pages at every start,
# a quarter of a short run's time (docs/jit.md, startup).
$(O)/vmlab: $(CLI_OBJS) $(O)/libvmlab.a
	$(CC) $(LDFLAGS) -no-pie -o $@ $(CLI_OBJS) $(WHOLE) -Wl,-Bstatic -lcapstone -Wl,-Bdynamic \
		$(LDLIBS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(UNIT_HOBJS) $(O)/libvmlab.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(WHOLE) -lcmocka $(LDLIBS)

# the report's parts below the page, and capstone (tests/unit/test_report.c)
$(O)/tests/unit/test_report: $(O)/src/cli/report_svg.o $(O)/src/cli/report_mm.o \
	$(O)/src/cli/report_disasm.o
$(O)/tests/unit/test_report: LDLIBS += -lcapstone

$(O)/bench/%: $(O)/bench/%.o $(O)/libvmlab.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test tools (harnesses, differential testers) linked with the library.
$(O)/tests/tools/%: $(O)/tests/tools/%.o $(O)/libvmlab.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Native 32-bit helpers (the differential tester's reference side).
build/native/%: tests/native/%.c
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -w -o $@ $< -lm

# Guest programs: real 32-bit static Linux executables.
GUEST_CFLAGS := -m32 -static -fno-pie -no-pie -w -MMD -MP
build/guest/%-O0: tests/guest/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -O0 -o $@ $< -lm
build/guest/%-O2: tests/guest/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -O2 -o $@ $< -lm
build/guest/%-sse2: tests/guest/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -O2 -msse2 -mfpmath=sse -o $@ $< -lm
# Dynamically linked guest programs (docs/dynamic.md): each source as a PIE, a non-PIE and
# a static-pie, run with the host's own i386 libraries (gcc-multilib).
DYNGUEST_SRCS := $(sort $(wildcard tests/dynguest/*.c))
# dyn_libs links with a shared library of tests/dynguest/lib (no static-pie of it).
DYNGUEST_BINS := $(filter-out build/dynguest/dyn_libs-spie,$(foreach m,pie nopie spie,$(DYNGUEST_SRCS:tests/dynguest/%.c=build/dynguest/%-$(m)))) \
	build/dynguest/libvmlabtest.so build/dynguest/libvmlabpreload.so
DYNGUEST_LIBS_dyn_libs := build/dynguest/libvmlabtest.so
build/dynguest/libvmlabtest.so: tests/dynguest/lib/vmlabtest.c tests/dynguest/lib/vmlabtest.map
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -w -fPIC -shared -Wl,--version-script=tests/dynguest/lib/vmlabtest.map \
		-Wl,-soname,libvmlabtest.so -o $@ $<
build/dynguest/libvmlabpreload.so: tests/dynguest/lib/vmlabpreload.c
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -w -fPIC -shared -o $@ $<
.SECONDEXPANSION:
build/dynguest/%-pie: tests/dynguest/%.c $$(DYNGUEST_LIBS_$$*)
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -w -fpie -pie -o $@ $< $(DYNGUEST_LIBS_$*) -ldl -lm
build/dynguest/%-nopie: tests/dynguest/%.c $$(DYNGUEST_LIBS_$$*)
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -w -fno-pie -no-pie -o $@ $< $(DYNGUEST_LIBS_$*) -ldl -lm
build/dynguest/%-spie: tests/dynguest/%.c
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -w -fpie -static-pie -o $@ $< -ldl -lm 2>/dev/null
# The bundled example programs (`make run`, tests/e2e/report.sh).
build/examples/%: examples/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -O2 -o $@ $< -lm
guests: $(GUEST_BINS) $(DYNGUEST_BINS) build/examples/report_demo

san:
	$(MAKE) SAN=1 all

# libFuzzer targets (clang): tests/fuzz/NAME.c, linked with the sources FUZZ_SRCS_NAME names.
FUZZ_SRCS_fuzz_elf := src/kernel/elf.c
FUZZ_SRCS_fuzz_exec := $(LIB_SRCS)
fuzz: $(patsubst tests/fuzz/%.c,build/fuzz/%,$(sort $(wildcard tests/fuzz/*.c)))
build/fuzz/%: tests/fuzz/%.c
	@mkdir -p $(@D)
	clang -std=c17 -O1 -g -D_GNU_SOURCE -Isrc -Iinclude -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(FUZZ_SRCS_$*)

# `make run`: an address walked step by step, then a real program (examples/report_demo.c)
# run with a report (docs/observe.md, "Report").
run: deps
	$(MAKE) all build/examples/report_demo
	$(O)/vmlab translate examples/pae-walk.vm
	$(O)/vmlab run --report=build/report_demo.html build/examples/report_demo
	@echo "program: $(abspath build/examples/report_demo) (source examples/report_demo.c)"
	@echo "report:  $(abspath build/report_demo.html) (open it in a browser)"

# The whole suite: both builds, then every test program; ends with "N passed, N failed, N skipped".
# clang builds everything too (with -Werror), so both compilers stay clean.
test: deps
	$(MAKE) -j2 all guests
	$(MAKE) -j2 SAN=1 all
	$(MAKE) -j2 CC=clang O=build/clang all
	@tests/run.sh

test-only:
	@tests/run.sh

soak: all
	VMLAB_SOAK=1 tests/run.sh

bench: all guests
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b; done

install: $(O)/vmlab
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(O)/vmlab $(DESTDIR)$(PREFIX)/bin/vmlab
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 man/vmlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmlab.1
	install -m 644 completions/vmlab.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vmlab

format:
	clang-format -i $$(find src tests bench include -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' -type f 2>/dev/null)
