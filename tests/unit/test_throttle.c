/* Per-address login throttling (idp/throttle.c). */
#include "idp/throttle.h"
#include "tests/unit/check.h"

static struct idp_addr addr(const char *s)
{
	struct idp_addr a;

	idp_addr_parse(s, &a);
	return a;
}

TEST(blocks_after_max_failures_within_window)
{
	struct idp_addr a = addr("192.0.2.1");

	idp_throttle_reset();
	idp_throttle_configure(3, 60);
	for (int i = 0; i < 2; i++)
		idp_throttle_fail(&a, 1000);
	CHECK(!idp_throttle_blocked(&a, 1000));
	idp_throttle_fail(&a, 1000);
	CHECK(idp_throttle_blocked(&a, 1000));
	CHECK(idp_throttle_blocked(&a, 1059));
}

TEST(window_end_lifts_the_block)
{
	struct idp_addr a = addr("192.0.2.2");

	idp_throttle_reset();
	idp_throttle_configure(2, 60);
	idp_throttle_fail(&a, 1000);
	idp_throttle_fail(&a, 1000);
	CHECK(idp_throttle_blocked(&a, 1000));
	CHECK(!idp_throttle_blocked(&a, 1060));
}

TEST(ipv4_addresses_count_separately)
{
	struct idp_addr a = addr("192.0.2.3"), b = addr("192.0.2.4");

	idp_throttle_reset();
	idp_throttle_configure(1, 60);
	idp_throttle_fail(&a, 1000);
	CHECK(idp_throttle_blocked(&a, 1000));
	CHECK(!idp_throttle_blocked(&b, 1000));
}

TEST(ipv6_counts_by_slash_64)
{
	struct idp_addr a = addr("2001:db8:1:2::1"), b = addr("2001:db8:1:2:ffff::9"),
	                other = addr("2001:db8:1:3::1");

	idp_throttle_reset();
	idp_throttle_configure(2, 60);
	idp_throttle_fail(&a, 1000);
	idp_throttle_fail(&b, 1000);
	CHECK(idp_throttle_blocked(&a, 1000));
	CHECK(idp_throttle_blocked(&b, 1000));
	CHECK(!idp_throttle_blocked(&other, 1000));
}

TEST(fail_returns_the_count_in_the_window)
{
	struct idp_addr a = addr("192.0.2.7");

	idp_throttle_reset();
	idp_throttle_configure(3, 60);
	CHECK(idp_throttle_fail(&a, 1000) == 1u);
	CHECK(idp_throttle_fail(&a, 1001) == 2u);
	CHECK(idp_throttle_fail(&a, 1059) == 3u);
	/* A new window starts from one. */
	CHECK(idp_throttle_fail(&a, 1060) == 1u);
}

TEST(logs_the_first_failure_and_the_one_that_blocks)
{
	idp_throttle_configure(40, 300);
	CHECK(idp_throttle_worth_logging(1));
	CHECK(!idp_throttle_worth_logging(2));
	CHECK(!idp_throttle_worth_logging(39));
	CHECK(idp_throttle_worth_logging(40));
	CHECK(!idp_throttle_worth_logging(41));
	CHECK(!idp_throttle_worth_logging(1000));
}

int main(void)
{
	RUN(blocks_after_max_failures_within_window);
	RUN(window_end_lifts_the_block);
	RUN(ipv4_addresses_count_separately);
	RUN(ipv6_counts_by_slash_64);
	RUN(fail_returns_the_count_in_the_window);
	RUN(logs_the_first_failure_and_the_one_that_blocks);
	return check_summary();
}
