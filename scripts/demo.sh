#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# scripts/demo.sh [ENFORCER_BINARY]   (`make demo`)
#
# Builds a throwaway network in namespaces (scripts/netns-lib.sh), applies
# examples/demo.yml, attaches the enforcer to the node's uplinks and shows,
# probe by probe, what the internet and the private network can reach; then
# `enforcer status` and the pinned destination map through bpftool. Removes
# everything it made on exit, also on failure or ^C. Exit status 0 when
# every probe behaved as the manifest says, 1 otherwise.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/netns-lib.sh"

ENFORCER=${1:-$ROOT/.output/enforcer}
case "$ENFORCER" in /*) ;; *) ENFORCER="$PWD/$ENFORCER" ;; esac
MANIFEST=$ROOT/examples/demo.yml
NL_LISTEN_SECS=60

die() { echo "demo: $*" >&2; exit 1; }

title() { printf '\n== %s ==\n' "$*"; }

nl_on_exit nl_cleanup

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, bpffs); try: sudo make demo"
missing=$(nl_missing_tools)
[ -z "$missing" ] || die "missing tools (make deps installs them):
$missing"
[ -x "$ENFORCER" ] || die "no enforcer binary at $ENFORCER (run make first)"
nl_init enf-demo || die "cannot create a temp dir"
nl_mount_bpffs || die "cannot mount a private bpffs under $NL_TMP"

title "a throwaway network (namespaces $NL_ID-*)"
cat <<EOF
  internet host 203.0.113.7 2001:db8::7 --- n-inet (role public) --+
  private host  10.0.9.9 fd00:10::99    --- n-priv (role mixed)  --+-- node (routes)
  web.myapp     10.0.1.10 fd00:10::1:10  :3000/tcp                 |
  admin.myapp   10.0.2.10 fd00:10::2:10  :4000/tcp :4000/udp       +-- p-web p-admin p-worker
  worker.myapp  10.0.3.10 fd00:10::3:10  (no port)
EOF
{
	nl_topology &&
	nl_pod web 10.0.1.10 fd00:10::1:10 &&
	nl_pod admin 10.0.2.10 fd00:10::2:10 &&
	nl_pod worker 10.0.3.10 fd00:10::3:10 &&
	nl_serve_tcp web 3000 web &&
	nl_serve_tcp admin 4000 admin &&
	nl_serve_udp admin 4000 admin
} || die "cannot build the demo network"

enf() { nl_in node "$ENFORCER" --pin-dir "$NL_PIN" "$@"; }

bad=0 probes=0

# probe FROM WHO ADDR PORT/PROTO EXPECT WHY [BIND]: one probe from namespace
# FROM (shown as WHO), narrated. EXPECT is reached or dropped; WHY says why
# that is the intended outcome.
probe()
{
	local from=$1 who=$2 addr=$3 port=${4%/*} proto=${4#*/} want=$5 because=$6 bind=${7:-}
	local target got secs=2 shown rc

	[ "$want" = dropped ] && secs=1
	target=$(nl_ep "$addr" "$4")
	case "$proto" in
	tcp) got=$(nl_tcp "$from" "$addr" "$port" "$secs" "$bind"); rc=$? ;;
	udp) got=$(nl_udp "$from" "$addr" "$port" "$secs" "$bind"); rc=$? ;;
	icmp)
		nl_ping "$from" "$addr" "$secs"
		case "$?" in 0) rc=0 ;; 1 | 124) rc=2 ;; *) rc=1 ;; esac ;;
	esac
	# Only silence counts as dropped: a refusal means the packet got through.
	case "$rc" in
	0) got=reached shown=reached ;;
	2) got=dropped shown=DROPPED ;;
	*) got=error shown="ERROR: $(tr '\n' ' ' <"$NL_TMP/probe.err" 2>/dev/null)" ;;
	esac
	probes=$((probes + 1))
	if [ "$got" = "$want" ]; then
		printf '%-8s -> %s (%s): %s (as intended: %s)\n' "$who" "$(svc "$addr")" "$target" \
			"$shown" "$because"
	else
		printf '%-8s -> %s (%s): %s -- NOT AS INTENDED: should be %s (%s)\n' "$who" \
			"$(svc "$addr")" "$target" "$shown" "$want" "$because"
		bad=$((bad + 1))
	fi
}

# svc ADDR: the service an address belongs to, for the narration.
svc()
{
	case "$1" in
	10.0.1.10 | fd00:10::1:10) echo web.myapp ;;
	10.0.2.10 | fd00:10::2:10) echo admin.myapp ;;
	10.0.3.10 | fd00:10::3:10) echo worker.myapp ;;
	*) echo "$1" ;;
	esac
}

# probes FROM WHO: a probe per line of stdin: ADDR PORT/PROTO WANT WHY...
probes()
{
	local addr pp want why
	while read -r addr pp want why; do
		probe "$1" "$2" "$addr" "$pp" "$want" "$why" </dev/null
	done
}

title "before the enforcer: the internet reaches everything"
probe inet internet 10.0.2.10 4000/tcp reached "no enforcer yet; this is the hole it closes"

title "enforcer apply -f examples/demo.yml"
enf apply -f "$MANIFEST" || die "apply failed"

title "enforcer attach $NL_IF_INET $NL_IF_PRIV"
enf attach "$NL_IF_INET" "$NL_IF_PRIV" || die "attach failed"

title "from the internet"
probes inet internet <<'EOF'
10.0.1.10      3000/tcp reached 3000/tcp is web's public port
fd00:10::1:10  3000/tcp reached 3000/tcp is web's public port
10.0.1.10      0/icmp   dropped only declared ports are public
10.0.2.10      4000/tcp dropped internal service
fd00:10::2:10  4000/tcp dropped internal service
10.0.2.10      4000/udp dropped internal service
10.0.3.10      0/icmp   dropped worker has no port: internal
EOF

title "from the private network (10.0.0.0/16, fd00:10::/48)"
probes priv private <<'EOF'
10.0.1.10      3000/tcp reached private source
10.0.2.10      4000/tcp reached private source
fd00:10::2:10  4000/tcp reached private source
10.0.2.10      4000/udp reached private source, every port
10.0.3.10      0/icmp   reached private source
EOF

title "from the internet, forging a private source (10.0.9.50, fd00:10::50)"
nl_spoof_route 10.0.9.50 fd00:10::50 || die "cannot set up the forged addresses"
probe inet spoofed 10.0.2.10 4000/tcp dropped "private source on the public uplink" 10.0.9.50
probe inet spoofed fd00:10::2:10 4000/tcp dropped "private source on the public uplink" fd00:10::50
nl_unspoof_route 10.0.9.50 fd00:10::50

title "enforcer status"
enf status || bad=$((bad + 1))

title "bpftool map dump pinned $NL_PIN/enf_dst | head -n 24"
dump=$(bpftool map dump pinned "$NL_PIN/enf_dst") || bad=$((bad + 1))
head -n 24 <<<"$dump"
echo "... ($(grep -c '"service_id"' <<<"$dump") entries: one per instance address, key = family + address)"

title "private DNS, answered in the kernel (TC) on the node's interfaces"
# The resolver address need not exist anywhere: queries to it are answered
# by the DNS program on the interface they arrive on.
nl_in priv ip route replace 10.96.0.0/16 via 10.0.9.1 &&
	nl_in inet ip route replace 10.96.0.0/16 via 203.0.113.1 ||
	die "cannot route to the resolver address"
dnsq()
{
	local from=$1 who=$2 name=$3 type=$4 want=$5 got
	got=$(nl_in "$from" timeout 5 dig +tries=1 +time=2 @10.96.0.10 "$name" "$type" 2>&1)
	local status answers
	status=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$got" | head -n 1)
	answers=$(awk '/^;; ANSWER SECTION:/{a=1;next} /^$/{a=0} a{print $NF}' <<<"$got" |
		sort | tr '\n' ' ')
	probes=$((probes + 1))
	printf '%-9s dig %-22s %-4s -> %-8s %s' "$who" "$name" "$type" "${status:-no reply}" "$answers"
	if [ "$status" = "$want" ]; then
		echo "(as intended)"
	else
		echo "(UNEXPECTED: wanted $want)"
		bad=$((bad + 1))
	fi
}
dnsq priv private admin.myapp.internal A NOERROR
dnsq priv private Web.MyApp.internal A NOERROR
dnsq priv private web.myapp.internal AAAA NOERROR
dnsq priv private nope.myapp.internal A NXDOMAIN
dnsq inet internet admin.myapp.internal A REFUSED

title "result"
if [ "$bad" = 0 ]; then
	echo "all $probes probes behaved as the manifest says; removing the network"
else
	echo "$bad of $probes probes did NOT behave as the manifest says; removing the network"
fi
[ "$bad" = 0 ]
