/*
 * benchrun - run one command and say how long it took and how much
 * memory it used, for tools/bench.sh.
 *
 *   benchrun OUTFILE -- CMD [ARG...]
 *
 * Forks and execs CMD (looked up in PATH) with its stdout on OUTFILE
 * (created or truncated; its stdin and stderr are benchrun's), waits for
 * it with wait4 and prints one line on stdout:
 *
 *   WALL_NS MAXRSS_KB EXIT
 *
 * WALL_NS is the monotonic time from just before the fork to just after
 * the wait, MAXRSS_KB the peak resident set of CMD (or of the largest of
 * the children it waited for), EXIT its exit status, or 128+N after
 * signal N, or 127 when it cannot be run.  benchrun itself exits 0 when
 * it could report, 2 on a usage error, 3 when it could not run at all;
 * a failing CMD is not benchrun's failure: read EXIT.
 */
#define _DEFAULT_SOURCE		/* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	long long t0, t1;
	pid_t pid, w;
	int fd, st, code;

	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: benchrun OUTFILE -- CMD [ARG...]\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "benchrun: %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	fflush(NULL);

	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "benchrun: fork: %s\n", strerror(errno));
		return 3;
	}
	if (pid == 0) {
		/* dup2 clears FD_CLOEXEC on the copy. */
		if (dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "benchrun: cannot run %s: %s\n", argv[3],
		    strerror(errno));
		_exit(127);
	}
	do
		w = wait4(pid, &st, 0, &ru);
	while (w < 0 && errno == EINTR);
	t1 = now_ns();
	if (w < 0) {
		fprintf(stderr, "benchrun: wait4: %s\n", strerror(errno));
		return 3;
	}
	close(fd);

	if (WIFEXITED(st))
		code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		code = 128 + WTERMSIG(st);
	else
		code = 255;
	printf("%lld %ld %d\n", t1 - t0, ru.ru_maxrss, code);
	return fflush(stdout) == 0 ? 0 : 3;
}
