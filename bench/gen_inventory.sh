#!/usr/bin/env bash
# Prints a valid inventory of N interfaces for one organization (for benchmarks and tests):
# unique names, IPv4 /24 subnets out of 10.0.0.0/8 for the first 65,536, then IPv6 /64s out of
# fd00::/16; remote addresses in the documentation ranges, outside every managed subnet.
# Usage: bench/gen_inventory.sh N > inventory.yaml
set -eu
n=${1:?usage: gen_inventory.sh N}
case "$n" in '' | *[!0-9]*) echo "gen_inventory.sh: N must be a whole number" >&2; exit 1 ;; esac
awk -v n="$n" 'BEGIN {
    print "apiVersion: vni-reconcile/v1"
    print "kind: VniInventory"
    print "organization:"
    print "  id: a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    print "defaults:"
    print "  type: ipconnect"
    print "  dnsServers: [8.8.8.8, 8.8.4.4]"
    print "  routingTableId: rt-core"
    print "interfaces:"
    for (i = 0; i < n; i++) {
        printf "  - name: vni-%06d\n", i + 1
        if (i < 65536) {
            a = int(i / 256); b = i % 256
            printf "    localIp: 10.%d.%d.1\n", a, b
            printf "    remoteIp: 203.0.113.%d\n", i % 254 + 1
            printf "    subnetCidr: 10.%d.%d.0/24\n", a, b
        } else {
            j = i - 65536
            printf "    localIp: fd00:0:%x:%x::1\n", int(j / 65536), j % 65536
            printf "    remoteIp: 2001:db8::%x\n", j % 65535 + 1
            printf "    subnetCidr: fd00:0:%x:%x::/64\n", int(j / 65536), j % 65536
        }
    }
}'
