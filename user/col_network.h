/* SPDX-License-Identifier: GPL-2.0-only */
/* col_network.h - /proc/net/dev and /proc/net/{snmp,netstat} parsing, exposed for the unit tests. */
#ifndef COREWATCH_COL_NETWORK_H
#define COREWATCH_COL_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devstats.h"

/* The 16 counters of a /proc/net/dev line, in kernel order. */
enum netdev_field { ND_RX_BYTES, ND_RX_PACKETS, ND_RX_ERRS, ND_RX_DROP, ND_RX_FIFO, ND_RX_FRAME,
		    ND_RX_COMPRESSED, ND_RX_MULTICAST, ND_TX_BYTES, ND_TX_PACKETS, ND_TX_ERRS,
		    ND_TX_DROP, ND_TX_FIFO, ND_TX_COLLS, ND_TX_CARRIER, ND_TX_COMPRESSED, ND_NFIELDS };

/* Parses one "  eth0: 123 ..." line (header lines return -EINVAL). */
int netdev_parse_line(const char *line, char name[DEVSTAT_NAME_MAX], uint64_t vals[ND_NFIELDS]);

/* Interfaces left out of network.interfaces[] unless --interfaces or --interfaces-exclude says
 * otherwise: the per-container and per-VM ones (veth pairs, Calico, Cilium/LXC, tap, libvirt vnet,
 * Proxmox firewall bridges), which come and go by the hundred on a container host, the ifb
 * devices of ingress shaping, whose traffic is the real interface's counted again, and loopback,
 * whose traffic never leaves the host (Telegraf's default too; network.tcp/udp and the eBPF top_net
 * still count it, the text line and the live page never summed it). */
#define NET_DEFAULT_EXCLUDE "lo,veth*,cali*,lxc*,tap*,vnet*,fwbr*,fwpr*,fwln*,ifb*"

/* Whether interface name is reported, given --interfaces (include, or NULL) and
 * --interfaces-exclude (exclude, or NULL): comma-separated fnmatch(3) globs. An exclude match
 * wins; with include given, only its matches are reported; with neither exclude given,
 * NET_DEFAULT_EXCLUDE applies where include is not given. */
bool netdev_reported(const char *name, const char *include, const char *exclude);
/* Checks a comma-separated pattern list: 0, or -1 (an empty pattern, or one of 64+ characters). */
int netdev_patterns_check(const char *list);

/* Looks up keys in the "Proto: names" / "Proto: values" line pairs of /proc/net/snmp or netstat.
 * Keys not found read 0. Returns how many keys were found. */
size_t snmp_lookup(const char *text, const char *proto, const char *const *keys, size_t nkeys,
		   int64_t *vals);

#endif
