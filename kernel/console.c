/*
 * console.c - COM1 serial and VGA text output, and a small printf.
 *
 * Every byte goes to both.  Serial lines end in a bare '\n' so that test
 * logs match line patterns exactly; VGA scrolls when the screen is full.
 */
#include "kernel.h"

#define COM1 0x3f8
#define COM_LSR_THRE 0x20 /* transmit holding register empty */

#define VGA_BUF ((volatile uint16_t *)0xb8000)
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700 /* light grey on black */

static int vga_row, vga_col;

/* serial_init sets COM1 to 115200 8N1 with FIFOs and no interrupts. */
static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB: the divisor follows */
	outb(COM1 + 0, 0x01); /* 115200 / 1 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8 bits, no parity, one stop bit */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

/* serial_putc sends C, waiting a bounded time for room so a missing UART
 * cannot hang the kernel. */
static void serial_putc(char c)
{
	for (int i = 0; i < 100000; i++)
		if (inb(COM1 + 5) & COM_LSR_THRE)
			break;
	outb(COM1, (uint8_t)c);
}

/* vga_scroll moves every row up by one and blanks the last. */
static void vga_scroll(void)
{
	for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		VGA_BUF[i] = VGA_BUF[i + VGA_COLS];
	for (int i = 0; i < VGA_COLS; i++)
		VGA_BUF[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
}

/* vga_putc draws C at the cursor, handling newline, tab and wrap. */
static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else if (c == '\t') {
		do
			vga_putc(' ');
		while (vga_col % 8 != 0);
		return;
	} else if (c != '\r') {
		VGA_BUF[vga_row * VGA_COLS + vga_col] =
			VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS) {
		vga_scroll();
		vga_row = VGA_ROWS - 1;
	}
}

/* console_init readies the UART and clears the screen the loader left. */
void console_init(void)
{
	serial_init();
	for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
		VGA_BUF[i] = VGA_ATTR | ' ';
	vga_row = vga_col = 0;
}

static void console_putc(char c)
{
	serial_putc(c);
	vga_putc(c);
}

/* kputs writes S to both outputs, without adding a newline. */
void kputs(const char *s)
{
	while (*s)
		console_putc(*s++);
}

/* ---- formatting ------------------------------------------------------ */

/* Where formatted characters go: the console, or a bounded buffer. */
struct sink {
	char *buf; /* NULL: the console */
	size_t len, cap;
};

static void sink_put(struct sink *s, char c)
{
	if (s->buf == NULL) {
		console_putc(c);
	} else if (s->len + 1 < s->cap) {
		s->buf[s->len] = c;
	}
	s->len++;
}

/* put_padded emits S (N chars) in WIDTH columns, right-aligned unless
 * LEFT; PAD fills, and a zero-padded number keeps its sign first. */
static void put_padded(struct sink *s, const char *str, int n, int width,
		       bool left, char pad)
{
	int fill = width > n ? width - n : 0;

	if (!left && pad == '0' && n > 0 && str[0] == '-') {
		sink_put(s, '-');
		str++;
		n--;
	}
	if (!left)
		while (fill-- > 0)
			sink_put(s, pad);
	while (n-- > 0)
		sink_put(s, *str++);
	if (left)
		while (fill-- > 0)
			sink_put(s, ' ');
}

/* format_num writes V in BASE into the end of BUF (24 bytes), with a
 * leading '-' if NEG; returns the first character. */
static char *format_num(char *buf, uint64_t v, unsigned base, bool neg)
{
	char *p = buf + 24;

	*--p = '\0';
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (neg)
		*--p = '-';
	return p;
}

/*
 * vformat handles %s %c %d %i %u %x %p %%, the length modifiers l, ll
 * and z, a width (digits or *), and the flags '0' and '-'.  An unknown
 * conversion is copied out as is, so a bad format shows in the log.
 */
static void vformat(struct sink *s, const char *fmt, va_list ap)
{
	char num[24];

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			sink_put(s, *fmt);
			continue;
		}
		const char *start = fmt++;
		bool left = false;
		char pad = ' ';
		int width = 0, lng = 0;

		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}

		uint64_t u;
		const char *str;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			str = format_num(num, u, 10, v < 0);
			put_padded(s, str, (int)kstrlen(str), width, left, pad);
			break;
		}
		case 'u':
		case 'x':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			str = format_num(num, u, *fmt == 'u' ? 10 : 16, false);
			put_padded(s, str, (int)kstrlen(str), width, left, pad);
			break;
		case 'p':
			u = (uint64_t)va_arg(ap, void *);
			sink_put(s, '0');
			sink_put(s, 'x');
			str = format_num(num, u, 16, false);
			put_padded(s, str, (int)kstrlen(str), 16, false, '0');
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			put_padded(s, str, (int)kstrlen(str), width, left, ' ');
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			put_padded(s, num, 1, width, left, ' ');
			break;
		case '%':
			sink_put(s, '%');
			break;
		default:
			for (; start <= fmt && *start; start++)
				sink_put(s, *start);
			if (*fmt == '\0')
				return;
			break;
		}
	}
}

/* kvprintf formats FMT with AP to the console. */
void kvprintf(const char *fmt, va_list ap)
{
	struct sink s = { NULL, 0, 0 };

	vformat(&s, fmt, ap);
}

/* kprintf formats FMT to the console (serial and VGA). */
void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* ksnprintf formats into BUF (CAP bytes, always terminated when CAP > 0)
 * and returns the length the full output would have had. */
int ksnprintf(char *buf, size_t cap, const char *fmt, ...)
{
	struct sink s = { buf, 0, cap };
	va_list ap;

	va_start(ap, fmt);
	vformat(&s, fmt, ap);
	va_end(ap);
	if (cap > 0)
		buf[s.len < cap ? s.len : cap - 1] = '\0';
	return (int)s.len;
}
