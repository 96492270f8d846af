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

int main(void)
{
	RUN(blocks_after_max_failures_within_window);
	RUN(window_end_lifts_the_block);
	RUN(ipv4_addresses_count_separately);
	RUN(ipv6_counts_by_slash_64);
	return check_summary();
}
