/*
 * A tiny unit-test harness.  Each test binary defines test functions with
 * TEST(name), lists them in main via RUN(name), and ends with
 * return check_summary();.  Each test prints one line, "PASS name" or
 * "FAIL name: file:line: expression", which scripts/test counts.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_now;
static int check_n_pass, check_n_fail;

#define TEST(name) static void test_##name(void)

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			if (!check_failed_now)                                                     \
				printf("FAIL %s: %s:%d: %s\n", check_current, __FILE__, __LINE__,  \
				       #expr);                                                     \
			check_failed_now = 1;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static const char *check_current = "";

#define RUN(name)                                                                                  \
	do {                                                                                       \
		check_current = #name;                                                             \
		check_failed_now = 0;                                                              \
		test_##name();                                                                     \
		if (check_failed_now)                                                              \
			check_n_fail++;                                                            \
		else {                                                                             \
			check_n_pass++;                                                            \
			printf("PASS %s\n", #name);                                                \
		}                                                                                  \
		fflush(stdout);                                                                    \
	} while (0)

static inline int check_summary(void)
{
	return check_n_fail ? 1 : 0;
}

#endif
