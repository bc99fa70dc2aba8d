/*
 * hmp - run one command on QEMU's human monitor (HMP) over its unix
 * socket and print what it answers, for tools/bench.sh.
 *
 *   hmp [-t SECONDS] SOCKET COMMAND [ARG...]
 *
 * Start QEMU with `-monitor unix:SOCKET,server,nowait`.  hmp connects,
 * reads the banner up to the "(qemu) " prompt, sends COMMAND and its
 * ARGs joined by spaces as one line, and copies everything up to the
 * next prompt to stdout: the monitor's echo of the line is dropped, and
 * its CR LF line ends become LF.  The whole exchange must end within
 * SECONDS (default 30).
 *
 * Exit status: 0 ok, 2 usage error, 3 cannot connect, the monitor hung
 * up before its prompt, or the time ran out.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char prompt[] = "(qemu) ";
#define PROMPT_LEN (sizeof prompt - 1)

static int sock = -1;
static long long deadline_ms;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
die(const char *what)
{
	fprintf(stderr, "hmp: %s\n", what);
	exit(3);
}

/* Wait until the socket has EVENTS or the deadline passes (then die). */
static void
wait_for(short events)
{
	struct pollfd p = { .fd = sock, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline_ms - now_ms();
		if (left <= 0)
			die("timed out waiting for the monitor");
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return;
		if (n < 0 && errno != EINTR)
			die(strerror(errno));
	}
}

/*
 * The reader: bytes from the monitor, scanned for the prompt.  Bytes
 * that might begin a prompt are held back (they are prompt[0..held))
 * until they turn out not to be one; everything else goes to put(), or
 * straight to `out` on the fast path.
 */
struct reader {
	char buf[65536];
	char obuf[65536];	/* the fast path's output, CRs dropped */
	size_t len, pos;
	size_t held;	/* how many bytes of prompt[] matched so far */
	int echo;	/* still dropping the echo of our command line */
	FILE *out;	/* NULL: discard (the banner) */
	int cr;		/* a CR was seen and not yet written */
};

static void
put(struct reader *r, char c)
{
	if (r->echo) {
		if (c == '\n')
			r->echo = 0;
		return;
	}
	if (r->out == NULL)
		return;
	/* CR LF -> LF; a lone CR is kept. */
	if (r->cr) {
		r->cr = 0;
		if (c != '\n')
			putc('\r', r->out);
	}
	if (c == '\r') {
		r->cr = 1;
		return;
	}
	putc(c, r->out);
}

static int
next_byte(struct reader *r)
{
	ssize_t n;

	while (r->pos == r->len) {
		wait_for(POLLIN);
		n = read(sock, r->buf, sizeof r->buf);
		if (n == 0)
			die("the monitor hung up before its prompt");
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(strerror(errno));
		}
		r->len = (size_t)n;
		r->pos = 0;
	}
	return (unsigned char)r->buf[r->pos++];
}

/* Read up to and including the next prompt, passing the rest to put(). */
static void
read_to_prompt(struct reader *r)
{
	size_t i, o;
	int c;

	r->held = 0;
	while (r->held < PROMPT_LEN) {
		/*
		 * Fast path for long outputs (`info tlb` prints a million
		 * lines): copy a run of plain bytes at once.
		 */
		if (r->held == 0 && !r->echo && !r->cr && r->out != NULL) {
			o = 0;
			for (i = r->pos; i < r->len; i++) {
				c = (unsigned char)r->buf[i];
				if (c == prompt[0])
					break;
				if (c == '\r') {
					if (i + 1 == r->len)
						break;
					if (r->buf[i + 1] == '\n')
						continue;
				}
				r->obuf[o++] = (char)c;
			}
			fwrite(r->obuf, 1, o, r->out);
			r->pos = i;
		}
		c = next_byte(r);
		if (c == prompt[r->held]) {
			r->held++;
			continue;
		}
		/*
		 * '(' occurs in the prompt only at its start, so a mismatch
		 * can only restart a match at this very byte.
		 */
		for (i = 0; i < r->held; i++)
			put(r, prompt[i]);
		r->held = 0;
		if (c == prompt[0])
			r->held = 1;
		else
			put(r, (char)c);
	}
}

static void
send_all(const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		wait_for(POLLOUT);
		n = write(sock, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: hmp [-t SECONDS] SOCKET COMMAND [ARG...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct reader r;
	struct sockaddr_un sa;
	char line[4096];
	size_t len = 0, n;
	long secs = 30;
	char *end;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		errno = 0;
		secs = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[2] || secs <= 0 ||
		    secs > 86400)
			usage();
		i = 3;
	}
	if (argc - i < 2)
		usage();
	deadline_ms = now_ms() + secs * 1000;
	signal(SIGPIPE, SIG_IGN);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(argv[i]) >= sizeof sa.sun_path)
		die("socket path too long");
	strcpy(sa.sun_path, argv[i]);
	/*
	 * A unix socket connect either succeeds at once or fails; the
	 * non-blocking flag only guards the reads and writes below.
	 */
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock < 0)
		die(strerror(errno));
	if (connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "hmp: cannot connect to %s: %s\n", argv[i],
		    strerror(errno));
		return 3;
	}

	for (i++; i < argc; i++) {
		n = strlen(argv[i]);
		if (len + n + 2 > sizeof line)
			usage();
		if (len > 0)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n);
		len += n;
	}
	line[len++] = '\n';

	r.out = NULL;
	read_to_prompt(&r);		/* the banner */
	send_all(line, len);
	r.out = stdout;
	r.echo = 1;
	read_to_prompt(&r);
	if (r.cr)
		putc('\r', stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hmp: cannot write the output: %s\n",
		    strerror(errno));
		return 3;
	}
	close(sock);
	return 0;
}
