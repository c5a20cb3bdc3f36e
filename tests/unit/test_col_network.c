// SPDX-License-Identifier: GPL-2.0-only
/* network collector (col_network.c): interface and TCP/UDP rates, 32-bit wraps, the snmp table. */
#include "testlib.h"

#include "col_network.h"

static void test_network_big64(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&network_collector, &env, "big64", 1.0), *e;

	(void)st;
	assert_int_equal(jsize(r, "network.interfaces"), 3); /* and lo, left out by default */
	assert_null(find_named(jpath(r, "network.interfaces"), "name", "lo"));
	e = find_named(jpath(r, "network.interfaces"), "name", "eth0");
	assert_non_null(e);
	assert_num(e, "rx_bytes_per_s", 125000000);
	assert_num(e, "tx_bytes_per_s", 25000000);
	assert_num(e, "rx_packets_per_s", 100000);
	assert_num(e, "tx_packets_per_s", 50000);
	assert_num(e, "rx_errors_per_s", 1);
	assert_num(e, "rx_drops_per_s", 2);
	assert_num(e, "tx_drops_per_s", 3);
	assert_num(r, "network.tcp.active_opens_per_s", 120);
	assert_num(r, "network.tcp.passive_opens_per_s", 300);
	assert_num(r, "network.tcp.failed_connects_per_s", 4);
	assert_num(r, "network.tcp.retransmits_per_s", 50);
	assert_num(r, "network.tcp.resets_sent_per_s", 7);
	assert_num(r, "network.tcp.established", 1234);
	assert_num(r, "network.tcp.listen_overflows_per_s", 3);
	assert_num(r, "network.tcp.listen_drops_per_s", 3);
	/* Udp, not UdpLite (whose name starts the same) */
	assert_num(r, "network.udp.in_datagrams_per_s", 1000);
	assert_num(r, "network.udp.out_datagrams_per_s", 900);
	assert_num(r, "network.udp.in_errors_per_s", 5);
	assert_num(r, "network.udp.rcvbuf_errors_per_s", 5);
	cJSON_Delete(r);
}

static void test_network_vm2(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&network_collector, &env, "vm2", 1.0);

	(void)st;
	/* 5 loopback connects between the captures */
	assert_num(r, "network.tcp.active_opens_per_s", 5);
	assert_num(r, "network.tcp.passive_opens_per_s", 5);
	assert_num(r, "network.tcp.resets_sent_per_s", 5);
	cJSON_Delete(r);
}

/* eth0's rx byte counter is 32-bit in this driver and wrapped; no snmp file in this netns. */
static void test_network_wrap(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&network_collector, &env, "hotplug", 1.0);

	(void)st;
	assert_num(r, "network.interfaces.0.rx_bytes_per_s", 296 + 1000);
	assert_num(r, "network.interfaces.0.tx_bytes_per_s", 2000);
	assert_null(jpath(r, "network.tcp"));
	cJSON_Delete(r);
}

static void test_snmp_lookup(void **st)
{
	const char *keys[] = { "B", "D" };
	int64_t v[2];

	(void)st;
	assert_int_equal(snmp_lookup("X: A B\nX: 1 2\nY: B D\nY: -1 9\n", "Y", keys, 2, v), 2);
	assert_true(v[0] == -1 && v[1] == 9);
	assert_int_equal(snmp_lookup("Y: B D\n", "Y", keys, 2, v), 0);
	assert_int_equal(snmp_lookup("", "Y", keys, 2, v), 0);
}

/* Which interfaces are reported: the default exclusions, --interfaces, --interfaces-exclude. */
static void test_iface_filter(void **st)
{
	(void)st;
	/* defaults: per-container and per-VM interfaces are left out, the rest is reported */
	assert_true(netdev_reported("eth0", NULL, NULL));
	assert_true(netdev_reported("docker0", NULL, NULL));
	assert_false(netdev_reported("lo", NULL, NULL));
	assert_false(netdev_reported("lo", "eth*", NULL));
	assert_true(netdev_reported("lo", "lo,eth*", NULL));
	assert_true(netdev_reported("lo", NULL, "veth*"));
	assert_false(netdev_reported("veth1a2b3c", NULL, NULL));
	assert_false(netdev_reported("cali0123456789a", NULL, NULL));
	assert_false(netdev_reported("lxc_health", NULL, NULL));
	assert_false(netdev_reported("tap0", NULL, NULL));
	assert_false(netdev_reported("vnet12", NULL, NULL));
	assert_false(netdev_reported("fwpr100p0", NULL, NULL));
	/* --interfaces: only its matches, the default list no longer applies */
	assert_true(netdev_reported("veth7", "veth*,eth0", NULL));
	assert_true(netdev_reported("eth0", "veth*,eth0", NULL));
	assert_false(netdev_reported("eth1", "veth*,eth0", NULL));
	/* --interfaces-exclude replaces the default list, and wins over --interfaces */
	assert_true(netdev_reported("veth7", NULL, "ifb*"));
	assert_false(netdev_reported("ifb0", NULL, "ifb*"));
	assert_false(netdev_reported("veth7", "veth*", "veth7"));
	assert_true(netdev_reported("veth8", "veth*", "veth7"));
	/* the pattern lists themselves */
	assert_int_equal(netdev_patterns_check("veth*,eth[0-9]"), 0);
	assert_int_equal(netdev_patterns_check("veth*,,eth0"), -1);
	assert_int_equal(netdev_patterns_check("veth*,"), -1);
	assert_int_equal(netdev_patterns_check(","), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_big64), cmocka_unit_test(test_iface_filter), cmocka_unit_test(test_network_vm2),
		cmocka_unit_test(test_network_wrap), cmocka_unit_test(test_snmp_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
