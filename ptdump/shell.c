/* shell.c - the interactive shell: readline, history, completion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "shell.h"

/* Complete command names (and aliases) as the first word. */
static char *
shell_complete_cmd(const char *text, int state)
{
	/* readline calls with state 0, then 1, 2, ... until NULL. */
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

static char **
shell_completion(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	if (start != 0)
		return NULL;
	return rl_completion_matches(text, shell_complete_cmd);
}

int
shell_run(struct session *s, struct pt_err *err)
{
	char *line;
	int status = PT_EXIT_OK, rc;

	(void)err;
	rl_readline_name = "ptdump";
	rl_attempted_completion_function = shell_completion;
	printf("ptdump shell on %s; 'help' lists commands, 'quit' leaves.\n",
	    s->opt.target);
	while (!s->quit && (line = readline("(ptdump) ")) != NULL) {
		struct pt_err cerr;

		if (*line != '\0')
			add_history(line);
		pt_err_clear(&cerr);
		rc = cmd_exec_line(s, line, &cerr);
		free(line);
		fflush(s->out);
		if (rc < 0) {
			fprintf(stderr, "error: %s\n", cerr.msg);
			continue;
		}
		status = rc;
	}
	if (!s->quit)
		putchar('\n');
	return status;
}
