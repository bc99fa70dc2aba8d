/* Unit tests for err.c: messages, kinds, wrapping and truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void
test_set_formats_and_returns_minus_one(void **state)
{
	struct pt_err e;

	(void)state;
	assert_int_equal(pt_err_set(&e, PT_EXIT_TARGET, "read %s at 0x%x",
	    "cr3", 0x1d), -1);
	assert_int_equal(e.kind, PT_EXIT_TARGET);
	assert_string_equal(e.msg, "read cr3 at 0x1d");
}

static void
test_wrap_prepends_context(void **state)
{
	struct pt_err e;

	(void)state;
	pt_err_set(&e, PT_EXIT_TARGET, "connection closed");
	assert_int_equal(pt_err_wrap(&e, "reading %s", "PML4"), -1);
	assert_string_equal(e.msg, "reading PML4: connection closed");
	assert_int_equal(e.kind, PT_EXIT_TARGET);
}

static void
test_long_messages_truncate_safely(void **state)
{
	struct pt_err e;
	char big[2000];

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	pt_err_set(&e, PT_EXIT_USAGE, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
	pt_err_wrap(&e, "ctx");
	assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
	assert_memory_equal(e.msg, "ctx: xxx", 8);
}

static void
test_clear_and_null(void **state)
{
	struct pt_err e;

	(void)state;
	pt_err_set(&e, PT_EXIT_TARGET, "boom");
	pt_err_clear(&e);
	assert_int_equal(e.kind, PT_EXIT_OK);
	assert_string_equal(e.msg, "");
	/* A caller that does not want the message may pass NULL. */
	assert_int_equal(pt_err_set(NULL, PT_EXIT_TARGET, "x"), -1);
	assert_int_equal(pt_err_wrap(NULL, "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_formats_and_returns_minus_one),
		cmocka_unit_test(test_wrap_prepends_context),
		cmocka_unit_test(test_long_messages_truncate_safely),
		cmocka_unit_test(test_clear_and_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
