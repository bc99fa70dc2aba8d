/*
 * shell.c - the interactive shell: readline (its callback interface, so
 * that one loop watches the keyboard, the guest and the signals),
 * history, an init file, and completion.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "cmd_impl.h"
#include "shell.h"
#include "sig.h"
#include "symbols.h"

#define SHELL_HISTORY_LINES 1000

/* readline's callbacks take no context: the one session of the shell. */
static struct session *shell_s;
static char *shell_line;
static bool shell_got, shell_eof;

/* ---- completion ------------------------------------------------------ */

/* The command of the line being completed, or NULL. */
static const struct cmd *
line_cmd(void)
{
	char word[64];
	size_t n = strcspn(rl_line_buffer, " \t");
	struct pt_err e;

	if (n == 0 || n >= sizeof word)
		return NULL;
	memcpy(word, rl_line_buffer, n);
	word[n] = '\0';
	return cmd_lookup(word, &e);
}

/* Command names and aliases, as the first word. */
static char *
complete_cmd(const char *text, int state)
{
	static size_t next, len;

	if (state == 0) {
		next = 0;
		len = strlen(text);
	}
	/* Slot 2i is the name of command i, slot 2i+1 its alias. */
	while (cmd_table[next / 2].name != NULL) {
		const struct cmd *c = &cmd_table[next / 2];
		const char *n = (next % 2) ? c->alias : c->name;

		next++;
		if (n != NULL && strncmp(n, text, len) == 0)
			return strdup(n);
	}
	return NULL;
}

/* The command's options and keywords, then symbol names if it takes an
 * address. */
static char *
complete_arg(const char *text, int state)
{
	static const struct cmd *c;
	static const char *p;
	static size_t len, nsym;
	const char *name;

	if (state == 0) {
		c = line_cmd();
		p = c != NULL ? c->words : NULL;
		len = strlen(text);
		nsym = 0;
	}
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, " ");
		const char *w = p;

		p += n;
		p += strspn(p, " ");
		if (n >= len && strncmp(w, text, len) == 0)
			return strndup(w, n);
	}
	if (c == NULL || c->complete != CMD_COMPLETE_SYMBOL ||
	    shell_s->syms == NULL)
		return NULL;
	name = sym_complete(shell_s->syms, text, nsym++);
	return name != NULL ? strdup(name) : NULL;
}

static char **
shell_completion(const char *text, int start, int end)
{
	const struct cmd *c;

	(void)end;
	rl_attempted_completion_over = 1;
	if (start == 0)
		return rl_completion_matches(text, complete_cmd);
	c = line_cmd();
	if (c != NULL && c->complete == CMD_COMPLETE_FILE && text[0] != '-') {
		/* Let readline complete file names. */
		rl_attempted_completion_over = 0;
		return NULL;
	}
	return rl_completion_matches(text, complete_arg);
}

/* ---- files: history and init ------------------------------------------ */

/* $XDG_<kind>/ptdump/<name>, or ~/<fallback>; false if neither is known. */
static bool
state_path(char *buf, size_t len, const char *xdg, const char *name,
    const char *fallback, bool make_dir)
{
	const char *dir = getenv(xdg), *home = getenv("HOME");

	if (dir != NULL && *dir == '/') {
		snprintf(buf, len, "%s/ptdump", dir);
		if (make_dir) {
			mkdir(dir, 0700);
			mkdir(buf, 0700);
		}
		snprintf(buf, len, "%s/ptdump/%s", dir, name);
		return true;
	}
	if (home == NULL || *home == '\0')
		return false;
	snprintf(buf, len, "%s/%s", home, fallback);
	return true;
}

/* Run the init file, if there is one; its errors are printed, not fatal. */
static void
run_init(struct session *s)
{
	char path[1024];
	struct pt_err err;
	FILE *in;

	if (!state_path(path, sizeof path, "XDG_CONFIG_HOME", "init",
	    ".ptdumprc", false) || (in = fopen(path, "r")) == NULL)
		return;
	if (cmd_exec_file(s, in, path, &err) < 0)
		fprintf(stderr, "error: %s\n", err.msg);
	fclose(in);
}

/* ---- the loop ---------------------------------------------------------- */

static void
on_line(char *line)
{
	/* Now, or readline draws a new prompt when this returns, and the
	 * command's output would land on it. */
	rl_callback_handler_remove();
	shell_got = true;
	if (line == NULL)
		shell_eof = true;
	shell_line = line;
}

static const char *
prompt(struct session *s)
{
	return run_running(s) ? "(ptdump: running) " : "(ptdump) ";
}

static void
install(struct session *s)
{
	rl_callback_handler_install(prompt(s), on_line);
}

/* Print above the prompt and the line being typed, then redraw them. */
static void
print_async_stop(struct session *s)
{
	struct run_stop st;
	struct pt_err err;
	int rc;

	rl_clear_visible_line();
	rc = run_poll(s, 0, &st, &err);
	if (rc > 0)
		cmd_print_stop(s, &st);
	else if (rc < 0) {
		cmd_target_lost(s, &err);
		fprintf(stderr, "error: %s\n", err.msg);
	}
	fflush(s->out);
	rl_set_prompt(prompt(s));
	rl_forced_update_display();
}

/* Ctrl-C: stop a running guest, else drop the line being typed. */
static void
on_interrupt(struct session *s)
{
	struct pt_err err;

	sig_clear_interrupt();
	if (run_running(s)) {
		if (s->tgt.ops->interrupt(s->tgt.ctx, &err) < 0)
			fprintf(stderr, "error: %s\n", err.msg);
		return;
	}
	/* As bash does: drop the line, start a fresh prompt below it. */
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_callback_handler_remove();
	putchar('\n');
	install(s);
}

/* A whole line was typed: run it. */
static int
run_line(struct session *s, char *line)
{
	struct pt_err cerr;
	int rc;

	if (*line != '\0')
		add_history(line);
	pt_err_clear(&cerr);
	rc = cmd_exec_line(s, line, &cerr);
	fflush(s->out);
	if (rc < 0)
		fprintf(stderr, "error: %s\n", cerr.msg);
	/* A Ctrl-C that stopped this command is spent. */
	sig_clear_interrupt();
	return rc;
}

int
shell_run(struct session *s, struct pt_err *err)
{
	char hist[1024];
	bool have_hist;
	int status = PT_EXIT_OK, rc;

	(void)err;
	shell_s = s;
	s->interactive = true;
	rl_readline_name = "ptdump";
	rl_attempted_completion_function = shell_completion;
	rl_catch_signals = 0;	/* sig.c's flags do it */
	have_hist = state_path(hist, sizeof hist, "XDG_STATE_HOME", "history",
	    ".ptdump_history", true);
	if (have_hist)
		read_history(hist);
	printf("ptdump shell on %s; 'help' lists commands, 'quit' leaves.\n",
	    s->opt.target);
	run_init(s);
	fflush(stdout);
	install(s);
	while (!s->quit && !sig_leaving()) {
		struct pollfd pfd[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};

		if (run_running(s))
			pfd[1].fd = s->tgt.ops->poll_fd(s->tgt.ctx);
		if (poll(pfd, 2, -1) < 0) {
			if (errno != EINTR)
				break;
			if (sig_pending() && !sig_leaving())
				on_interrupt(s);
			continue;
		}
		if (pfd[1].revents != 0) {
			print_async_stop(s);
			continue;
		}
		if (pfd[0].revents == 0)
			continue;
		rl_callback_read_char();
		if (!shell_got)
			continue;
		shell_got = false;
		if (shell_eof)
			break;
		rc = run_line(s, shell_line);
		free(shell_line);
		shell_line = NULL;
		if (rc >= 0)
			status = rc;
		if (!s->quit)
			install(s);
	}
	rl_callback_handler_remove();
	if (!s->quit)
		putchar('\n');
	if (have_hist) {
		write_history(hist);
		history_truncate_file(hist, SHELL_HISTORY_LINES);
	}
	return status;
}
