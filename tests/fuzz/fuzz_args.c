/*
 * fuzz_args.c - the parsers of what users type: a command line split
 * into words, then each word as a number and as an address range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *argv[ARGS_MAX];
	struct args_range r;
	struct pt_err e;
	uint64_t v;
	int n;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	n = args_split(line, argv, ARGS_MAX, &e);
	for (int i = 0; i < n; i++) {
		if (args_u64(argv[i], &v, &e) == 0 &&
		    args_range(argv[i], &r, &e) == 0 && r.start > r.last)
			abort();	/* a range runs forwards */
	}
	free(line);
	return 0;
}
