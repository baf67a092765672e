#!/usr/bin/env bash
# Prints a valid inventory of N interfaces for one organization (for benchmarks and tests):
# unique names, IPv4 /24 subnets out of 10.0.0.0/8 for the first 65,536, then IPv6 /64s out of
# fd00::/16; remote addresses in the documentation ranges, outside every managed subnet.
# With --sim-state, prints instead a vni-sim state file (docs/simulator.md): its organization
# (limit 1,000,000; routing table rt-core) holds interfaces FIRST+1 .. FIRST+N of the same
# sequence as active connections (FIRST 0: the inventory's own, a plan with nothing to change;
# FIRST N: N others, a plan of N creations beside N unmanaged connections), and the demo OAuth
# client. Usage: bench/gen_inventory.sh [--sim-state] N [FIRST] > FILE
set -eu
mode=yaml
if [ "${1:-}" = "--sim-state" ]; then mode=state; shift; fi
n=${1:?usage: gen_inventory.sh [--sim-state] N [FIRST]}
first=${2:-0}
case "$n$first" in '' | *[!0-9]*) echo "gen_inventory.sh: N and FIRST must be whole numbers" >&2; exit 1 ;; esac
awk -v n="$n" -v first="$first" -v mode="$mode" '
# iface(i): sets name, local, remote, subnet of the i-th interface (0-based).
function iface(i,    a, b, j) {
    name = sprintf("vni-%06d", i + 1)
    if (i < 65536) {
        a = int(i / 256); b = i % 256
        local_ip = sprintf("10.%d.%d.1", a, b)
        remote = sprintf("203.0.113.%d", i % 254 + 1)
        subnet = sprintf("10.%d.%d.0/24", a, b)
    } else {
        j = i - 65536
        local_ip = sprintf("fd00:0:%x:%x::1", int(j / 65536), j % 65536)
        remote = sprintf("2001:db8::%x", j % 65535 + 1)
        subnet = sprintf("fd00:0:%x:%x::/64", int(j / 65536), j % 65536)
    }
}
BEGIN {
    org = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    if (mode == "state") {
        printf "{\"organizations\": [{\"id\": \"%s\", \"name\": \"Bench Org\", \"limit\": 1000000,\n", org
        print "  \"routingTables\": [{\"id\": \"rt-core\", \"name\": \"core\"}],"
        print "  \"connections\": ["
        for (i = first; i < first + n; i++) {
            iface(i)
            printf "    {\"id\": \"00000000-0000-4000-8000-%012d\", \"name\": \"%s\", \"type\": \"ipconnect\", ", i + 1, name
            printf "\"localIp\": \"%s\", \"remoteIp\": \"%s\", \"subnetCidr\": \"%s\", ", local_ip, remote, subnet
            printf "\"dnsServers\": [\"8.8.8.8\", \"8.8.4.4\"], \"routingTableId\": \"rt-core\", "
            printf "\"state\": \"active\", \"dateCreated\": \"2026-11-24T10:00:00.000Z\"}%s\n", i + 1 < first + n ? "," : ""
        }
        print "  ]}],"
        printf "\"clients\": [{\"id\": \"vni-demo\", \"secret\": \"vni-demo-secret\", \"organizationId\": \"%s\",\n", org
        print "  \"scopes\": [\"privateconnectivity:read\", \"privateconnectivity:write\", \"interface:read\"]}]}"
        exit
    }
    print "apiVersion: vni-reconcile/v1"
    print "kind: VniInventory"
    print "organization:"
    print "  id: " org
    print "defaults:"
    print "  type: ipconnect"
    print "  dnsServers: [8.8.8.8, 8.8.4.4]"
    print "  routingTableId: rt-core"
    print "interfaces:"
    for (i = 0; i < n; i++) {
        iface(i)
        printf "  - name: %s\n", name
        printf "    localIp: %s\n", local_ip
        printf "    remoteIp: %s\n", remote
        printf "    subnetCidr: %s\n", subnet
    }
}'
