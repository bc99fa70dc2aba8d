/*
 * main.c - kmain: read what the loader handed over, set up the CPU
 * tables and paging, run the scenario named on the command line, and
 * report the result through QEMU's isa-debug-exit device.
 */
#include "kernel.h"
#include "paging.h"

#define MB1_BOOT_MAGIC 0x2badb002u
#define MB2_BOOT_MAGIC 0x36d76289u

#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MEMINFO 4

/* isa-debug-exit: QEMU exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10 /* status 33 */
#define DEBUG_EXIT_FAIL 0x11 /* status 35 */

#define CMDLINE_MAX 256

/* A copy of the command line: the loader's copy is not mapped later. */
static char cmdline[CMDLINE_MAX];
static bool halt_at_checkpoint;

/* ---- small string helpers ------------------------------------------ */

/* kstrlen returns the length of S. */
size_t kstrlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* kstrcmp returns <0, 0 or >0 as A sorts before, equal to or after B. */
int kstrcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* memset fills N bytes at D with C and returns D; gcc may call it. */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

/* memcpy copies N bytes from S to D (no overlap) and returns D. */
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

/* copy_cmdline copies the NUL-terminated SRC into cmdline, truncating. */
static void copy_cmdline(const char *src)
{
	size_t n = kstrlen(src);

	if (n >= CMDLINE_MAX) {
		kprintf("boot: command line truncated to %d bytes\n",
			CMDLINE_MAX - 1);
		n = CMDLINE_MAX - 1;
	}
	memcpy(cmdline, src, n);
	cmdline[n] = '\0';
}

/*
 * read_boot_info copies the command line out of the Multiboot1 or
 * Multiboot2 information at INFO (chosen by MAGIC) and returns the end of
 * RAM in bytes, or 0 if the loader did not say.  Nothing of the loader's
 * data is used afterwards, so the final page tables need not map it
 * wherever the loader happened to put it.
 */
static uint64_t read_boot_info(uint32_t magic, uint32_t info)
{
	uint64_t ram_end = 0;

	if (magic == MB1_BOOT_MAGIC) {
		const uint32_t *mbi = (const uint32_t *)(uintptr_t)info;
		if (mbi[0] & MB1_INFO_MEM)
			ram_end = 0x100000 + (uint64_t)mbi[2] * 1024;
		if (mbi[0] & MB1_INFO_CMDLINE)
			copy_cmdline((const char *)(uintptr_t)mbi[4]);
		kprintf("boot: loaded by a multiboot1 loader\n");
	} else if (magic == MB2_BOOT_MAGIC) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)info + 8;
		const uint8_t *end = p - 8 + *(const uint32_t *)(uintptr_t)info;
		while (p + 8 <= end) {
			uint32_t type = ((const uint32_t *)p)[0];
			uint32_t size = ((const uint32_t *)p)[1];
			if (type == MB2_TAG_END || size < 8)
				break;
			/* The first one, as boot.S reads it for `la57`. */
			if (type == MB2_TAG_CMDLINE && cmdline[0] == '\0')
				copy_cmdline((const char *)p + 8);
			if (type == MB2_TAG_MEMINFO)
				ram_end = 0x100000 +
					  (uint64_t)((const uint32_t *)p)[3] * 1024;
			p += (size + 7) & ~7u;
		}
		kprintf("boot: loaded by a multiboot2 loader\n");
	} else {
		kprintf("boot: unknown loader magic 0x%x; no command line\n",
			magic);
	}
	return ram_end;
}

/* starts_with reports whether S begins with PREFIX. */
static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

/* parse_u64 reads the decimal number S into *V; false if S is not one. */
static bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > UINT64_MAX / 10 - 1)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return true;
}

/* has_char reports whether C occurs in S. */
static bool has_char(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return true;
	return false;
}

/*
 * parse_cmdline reads `scenario=NAME` (the last one wins), `halt` and
 * `scale=N` from the command line (`la57` is boot.S's) and returns the
 * scenario name ("boot" when absent).
 * QEMU's loader puts the image's name first; GRUB's does not, so a first
 * word that is no option is taken for the name and left out of the log.
 * The name returned points into cmdline, which this cuts into words.
 */
static const char *parse_cmdline(void)
{
	char *words[32];
	size_t n = 0, first = 0;
	const char *scenario = "boot";

	for (char *p = cmdline; *p && n < ARRAY_LEN(words);) {
		if (*p == ' ' || *p == '\t') {
			*p++ = '\0';
			continue;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n > 0 && kstrcmp(words[0], "halt") != 0 &&
	    kstrcmp(words[0], "la57") != 0 && !has_char(words[0], '='))
		first = 1;

	kprintf("boot: cmdline \"");
	for (size_t i = first; i < n; i++)
		kprintf("%s%s", i > first ? " " : "", words[i]);
	kprintf("\"\n");

	for (size_t i = first; i < n; i++) {
		if (kstrcmp(words[i], "halt") == 0)
			halt_at_checkpoint = true;
		else if (kstrcmp(words[i], "la57") == 0)
			; /* boot.S turned on 5-level paging already */
		else if (starts_with(words[i], "scenario="))
			scenario = words[i] + 9;
		else if (starts_with(words[i], "scale=")) {
			if (!parse_u64(words[i] + 6, &scenario_scale_gib))
				kprintf("boot: ignoring \"%s\": not a number\n",
					words[i]);
		}
		else
			kprintf("boot: ignoring unknown word \"%s\"\n", words[i]);
	}
	return scenario;
}

/* ---- checkpoints, exit, panic --------------------------------------- */

/* halt_forever stops this CPU for good with interrupts off. */
void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * checkpoint prints `checkpoint NAME` and, with `halt` on the command
 * line, stops here for a debugger.  It is a named, never-inlined function
 * so that `break checkpoint` works; the barrier keeps the call and NAME.
 */
noinline_fn void checkpoint(const char *name)
{
	kprintf("checkpoint %s\n", name);
	__asm__ volatile("" : : "r"(name) : "memory");
	if (halt_at_checkpoint) {
		kprintf("halt: stopped at checkpoint %s (cli; hlt); "
			"attach a debugger\n", name);
		halt_forever();
	}
}

/* kexit ends the run: QEMU exits 33 on pass, 35 on fail.  Without the
 * isa-debug-exit device the write does nothing and the CPU halts. */
void kexit(bool pass)
{
	outl(DEBUG_EXIT_PORT, pass ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
	kprintf("exit: no isa-debug-exit device at 0x%x; halting\n",
		DEBUG_EXIT_PORT);
	halt_forever();
}

/* panic reports a broken invariant as the run's FAIL line and exits. */
void panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("FAIL: panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	kexit(false);
}

/* kmain is entered from boot.S in long mode on the boot stack, with the
 * loader's MAGIC and the physical address of its INFO. */
void kmain(uint32_t magic, uint32_t info)
{
	console_init();
	kprintf("ptdump test kernel\n");
	uint64_t ram_end = read_boot_info(magic, info);
	const char *name = parse_cmdline();

	idt_init();
	paging_init(ram_end);

	const char *why = scenario_run(name);
	if (why != NULL) {
		kprintf("FAIL: %s\n", why);
		kexit(false);
	}
	kprintf("PASS\n");
	kexit(true);
}
