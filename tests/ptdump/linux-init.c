/*
 * linux-init.c - the whole userland of the Linux guest in linux.sh.
 *
 * With the word "kallsyms" on the kernel command line (init gets it
 * among its arguments) it copies /proc/kallsyms to the second serial port and
 * powers off: Debian's linux-image ships only a stub System.map, and
 * with nokaslr the symbols of one boot hold for the next.  Otherwise it
 * says what it is about to do and reads an address nothing maps, so
 * that ptdump can catch and explain a user program's page fault.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static void
say(const char *s)
{
	(void)write(1, s, strlen(s));
}

static void
copy_kallsyms(void)
{
	struct termios tio;
	char buf[65536];
	ssize_t n;
	int in, out;

	mkdir("/proc", 0555);
	mkdir("/dev", 0755);
	mknod("/dev/ttyS1", S_IFCHR | 0600, makedev(4, 65));
	if (mount("proc", "/proc", "proc", 0, NULL) != 0 ||
	    (in = open("/proc/kallsyms", O_RDONLY)) < 0 ||
	    (out = open("/dev/ttyS1", O_WRONLY | O_NOCTTY)) < 0) {
		say("ptdump-init: cannot copy /proc/kallsyms\n");
		return;
	}
	/* Raw, or the tty turns every newline into CR LF. */
	if (tcgetattr(out, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(out, TCSANOW, &tio);
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		(void)write(out, buf, (size_t)n);
	fsync(out);
	say("ptdump-init: kallsyms copied\n");
}

int
main(int argc, char **argv)
{
	int i;

	/* Linux hands init the words it does not know ("nokaslr"), too. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "kallsyms") != 0)
			continue;
		copy_kallsyms();
		sync();
		reboot(RB_POWER_OFF);
		return 0;
	}
	say("ptdump-init: reading 0xdead0000\n");
	return *(volatile int *)0xdead0000;
}
