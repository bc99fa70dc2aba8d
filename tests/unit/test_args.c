/* Unit tests for args.c: word splitting, numbers and ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"

static void
test_split_words_quotes_comments(void **state)
{
	char line[] = "  dump  'a b'\t\"c\\\"d\" e\\ f # comment";
	char *argv[8];
	struct pt_err e;

	(void)state;
	assert_int_equal(args_split(line, argv, 8, &e), 4);
	assert_string_equal(argv[0], "dump");
	assert_string_equal(argv[1], "a b");
	assert_string_equal(argv[2], "c\"d");
	assert_string_equal(argv[3], "e f");
}

static void
test_split_empty_and_errors(void **state)
{
	char blank[] = "   \t ", comment[] = "# only", open[] = "walk 'x";
	char many[] = "a b c d";
	char *argv[3];
	struct pt_err e;

	(void)state;
	assert_int_equal(args_split(blank, argv, 3, &e), 0);
	assert_int_equal(args_split(comment, argv, 3, &e), 0);
	assert_int_equal(args_split(open, argv, 3, &e), -1);
	assert_string_equal(e.msg, "unterminated ' quote");
	assert_int_equal(e.kind, PT_EXIT_USAGE);
	assert_int_equal(args_split(many, argv, 3, &e), -1);
}

static void
test_u64_forms(void **state)
{
	uint64_t v;
	struct pt_err e;

	(void)state;
	assert_int_equal(args_u64("0", &v, &e), 0);
	assert_true(v == 0);
	assert_int_equal(args_u64("4096", &v, &e), 0);
	assert_true(v == 4096);
	assert_int_equal(args_u64("0xffff_8000_0000_0000", &v, &e), 0);
	assert_true(v == 0xffff800000000000ull);
	assert_int_equal(args_u64("0XDEADbeaf", &v, &e), 0);
	assert_true(v == 0xdeadbeafull);
	assert_int_equal(args_u64("0b101", &v, &e), 0);
	assert_true(v == 5);
	assert_int_equal(args_u64("0xffffffffffffffff", &v, &e), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(args_u64("18446744073709551615", &v, &e), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_u64_rejects(void **state)
{
	uint64_t v = 7;
	struct pt_err e;

	(void)state;
	assert_int_equal(args_u64("0x1_0000_0000_0000_0000", &v, &e), -1);
	assert_string_equal(e.msg,
	    "'0x1_0000_0000_0000_0000' does not fit in 64 bits");
	assert_int_equal(args_u64("18446744073709551616", &v, &e), -1);
	assert_int_equal(args_u64("12z", &v, &e), -1);
	assert_string_equal(e.msg, "'12z' is not a number");
	assert_int_equal(args_u64("0x", &v, &e), -1);
	assert_int_equal(args_u64("_1", &v, &e), -1);
	assert_int_equal(args_u64("", &v, &e), -1);
	assert_int_equal(args_u64("-1", &v, &e), -1);
	assert_true(v == 7);	/* untouched on failure */
}

static void
test_ranges(void **state)
{
	struct args_range r;
	struct pt_err e;

	(void)state;
	assert_int_equal(args_range("0x1000-0x3000", &r, &e), 0);
	assert_true(r.start == 0x1000 && r.last == 0x2fff);
	assert_int_equal(args_range("0x1000+0x2000", &r, &e), 0);
	assert_true(r.start == 0x1000 && r.last == 0x2fff);
	assert_int_equal(args_range("0xdeadbeaf", &r, &e), 0);
	assert_true(r.start == 0xdeadbeaf && r.last == 0xdeadbeaf);
	/* END 0 reaches the top of the address space. */
	assert_int_equal(args_range("0xffff800000000000-0", &r, &e), 0);
	assert_true(r.start == 0xffff800000000000ull && r.last == UINT64_MAX);
	assert_int_equal(args_range("0xfffffffffffff000+0x1000", &r, &e), 0);
	assert_true(r.last == UINT64_MAX);
}

static void
test_range_rejects(void **state)
{
	struct args_range r;
	struct pt_err e;

	(void)state;
	assert_int_equal(args_range("0x3000-0x1000", &r, &e), -1);
	assert_string_equal(e.msg,
	    "bad range '0x3000-0x1000': end is not above start");
	assert_int_equal(args_range("0x1000+0", &r, &e), -1);
	assert_int_equal(args_range("0xfffffffffffff000+0x1001", &r, &e), -1);
	assert_int_equal(args_range("-0x1000", &r, &e), -1);
	assert_int_equal(args_range("0x1000-", &r, &e), -1);
	assert_int_equal(args_range("x-y", &r, &e), -1);
	assert_int_equal(e.kind, PT_EXIT_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words_quotes_comments),
		cmocka_unit_test(test_split_empty_and_errors),
		cmocka_unit_test(test_u64_forms),
		cmocka_unit_test(test_u64_rejects),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_range_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
