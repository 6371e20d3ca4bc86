#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Three nodes in namespaces, each running the agent the way the DaemonSet
# does it (issue 15, item 3): the image's root filesystem
# (scripts/build-image.sh), and the init container's and the agent's
# command lines, capabilities, mounts and probes read from
# deploy/daemonset.yaml by scripts/podspec.py (not copied here).
#
#   selftests/e2e/cluster_e2e.sh [--demo] [ENFORCER_BINARY]
#
# --demo (make cluster-demo) says what each step shows, prints every node's
# `enforcer status --short` and the figures, with a longer flood.
# ENFORCER_BINARY (default the build's) is only used to read the nodes'
# pinned state from outside; the agents run the image's own binary.
#
# Topology (namespace names carry the PID; nothing else on the machine):
#
#   inet   203.0.113.100 on a bridge --- pub0 (role public) of every node,
#          routes 10.1.N.0/24 via node N: the internet sends straight at pods
#   vpc    a bridge ------------------- eth0 (role mixed) 10.0.0.N of every node
#   vpn    10.0.0.200 on the vpc bridge, a VPN client 10.8.0.5 behind it
#   node-a/b/c 10.0.0.{1,2,3}: forwarding; pods 10.1.N.0/24 on p-* veths
#          (role pods); other nodes' pods via the VPC; 10.96.0.10 on lo
#          (dns.resolvers); each node's "host" /sys/fs/bpf and ConfigMap
#          volume are directories under the temp dir
#
# The manifest is a directory of ConfigMap keys (00-rack.yaml, shop.yaml,
# then also billing.yaml), published into each node's volume the way the
# kubelet's atomic writer does (a new ..<time> directory, ..data swapped to
# it, then the top-level links added and removed). Cases: the init
# container mounts bpffs on the node (Bidirectional), the agents start and
# pass the probes; isolation and DNS on every node and across nodes;
# metrics only on the node's address; a rolling manifest change (an app
# moved between files, a port added) reaches every node while probes from
# the internet never get through, with the time it took; an agent killed
# (-9) and restarted under a flood lets nothing through.
#
# The whole suite runs in a mount namespace of its own (it re-executes
# itself under `unshare --mount`), so every bind mount and bpffs it makes
# vanishes with it; namespaces, processes (by PID) and the temp dir are
# removed by the EXIT trap, also on failure. Needs root; the image build
# needs mmdebstrap, umoci, skopeo and Debian's mirror (make deps), unless
# ENF_IMAGE_READY=1 says .output/image holds it already.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEMO=0
[ "${1:-}" = "--demo" ] && { DEMO=1; shift; }
ENF=${1:-}

if [ -z "${ENF_CLUSTER_MNTNS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP all cases: needs root (network and mount namespaces, XDP, bpffs)"
		echo "0 passed, 0 failed, 9 skipped"
		exit 0
	fi
	ENF_CLUSTER_MNTNS=1 exec unshare --mount --propagation private -- \
		bash "$0" $([ "$DEMO" = 1 ] && echo --demo) ${ENF:+"$ENF"}
fi

. "$ROOT/scripts/netns-lib.sh"
cd "$ROOT" || exit 1

NL_CASES=(image_root_is_a_real_oci_image init_container_mounts_bpffs_on_every_node
	  agents_start_from_the_image_root_and_pass_their_probes isolation_holds_on_every_node
	  private_sources_reach_across_nodes dns_answers_on_every_node
	  metrics_on_the_node_address_only rolling_manifest_change_reaches_every_node_and_leaks_nothing
	  agent_killed_and_restarted_under_flood_leaks_nothing)

say() { [ "$DEMO" = 1 ] && printf '\n\033[1m# %s\033[0m\n' "$*"; return 0; }
note() { printf '    %s\n' "$*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

NODES=(a b c)
declare -A IDX=([a]=1 [b]=2 [c]=3)
declare -A AGENT=()	# node -> PID of the agent's `timeout`
IMAGE=$ROOT/.output/image
ROOTFS=$IMAGE/bundle/rootfs
DS=$ROOT/deploy/daemonset.yaml
RES=10.96.0.10
VPN=10.8.0.5
INET=203.0.113.100
WEB_A=10.1.1.10 BILL_A=10.1.1.11
WEB_B=10.1.2.10 ADMIN_B=10.1.2.11
ADMIN_C=10.1.3.10 BILL_C=10.1.3.11
TF=${ENF_TIME_FACTOR:-1}
DEADLINE=$((20 * TF))

cleanup()
{
	local n
	for n in "${NODES[@]}"; do
		[ -n "${AGENT[$n]:-}" ] && nl_term "${AGENT[$n]}"
	done
	nl_cleanup_keep=$NL_TMP
	# the nodes' bpffs and binds first: nl_cleanup then removes the dir
	[ -n "$NL_TMP" ] && grep -o " $NL_TMP/[^ ]*" /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	nl_cleanup
}
nl_on_exit cleanup
nl_init enf-cl || nl_setup_failed "cannot create a temp dir"
for t in ip:iproute2 nsenter:util-linux unshare:util-linux jq:jq dig:dnsutils \
	 curl:curl socat:socat "$NL_PY":python3; do
	command -v "${t%:*}" >/dev/null || nl_setup_failed "missing ${t%:*} (Debian package ${t#*:}; make deps)"
done
"$NL_PY" -c 'import yaml' 2>/dev/null || nl_setup_failed "missing python3-yaml (make deps)"
ENF=$(nl_enforcer_path "$ENF")
[ -x "$ENF" ] || nl_setup_failed "no enforcer binary at $ENF"

# ---- 1. the image --------------------------------------------------------

nl_begin image_root_is_a_real_oci_image
say "The image: Debian bookworm (mmdebstrap) + make install, an OCI layout (umoci), no container engine"
t0=$(now)
if [ -n "${ENF_IMAGE_READY:-}" ] && [ -x "$ROOTFS/usr/sbin/enforcer" ]; then
	# built before (make check-kernels builds it on the host, whose
	# checkout the guests share): the guests have no mirror to build from
	out="build-image: $IMAGE built before (ENF_IMAGE_READY)"
elif ! out=$(bash scripts/build-image.sh "$IMAGE" 2>&1); then
	nl_why "scripts/build-image.sh: $(nl_oneline "$out")"
	nl_end
	nl_abort "no image root: nothing else can run"
fi
note "$(tail -n 1 <<<"$out") ($(secs "$t0" "$(now)") s)"
tag=$("$ROOTFS/usr/sbin/enforcer" --version 2>/dev/null | awk '{ print $2 }')
skopeo inspect "oci:$IMAGE/oci:$tag" >"$NL_TMP/inspect.json" 2>"$NL_TMP/inspect.err" ||
	nl_why "skopeo cannot read oci:$IMAGE/oci:$tag: $(nl_oneline "$(cat "$NL_TMP/inspect.err")")"
jq -e '.Labels["org.opencontainers.image.title"] == "enforcer" and (.Layers | length) == 2' \
	"$NL_TMP/inspect.json" >/dev/null || nl_why "image config: $(jq -c '{Labels, Layers}' "$NL_TMP/inspect.json" 2>/dev/null)"
jq -e '.process.args[0] == "/usr/sbin/enforcer"' "$IMAGE/bundle/config.json" >/dev/null ||
	nl_why "the runtime config does not run /usr/sbin/enforcer: $(jq -c .process.args "$IMAGE/bundle/config.json")"
# the image's own image reference is the DaemonSet's
img=$(sed -n 's/^ *image: //p' "$DS" | sort -u)
[ "$(wc -l <<<"$img")" = 1 ] && [ "${img##*:}" = "$tag" ] ||
	nl_why "deploy/daemonset.yaml's image ($img) is not tagged with the binary's version $tag"
nl_end

# ---- topology --------------------------------------------------------------

# link NS IF PEER_NS PEER_IF: a veth pair, both ends up
link()
{
	ip -n "$(nl_ns "$1")" link add "$2" type veth peer name "$4" netns "$(nl_ns "$3")" &&
	ip -n "$(nl_ns "$1")" link set "$2" up && ip -n "$(nl_ns "$3")" link set "$4" up
}

# node N: node-N on both bridges, its host directories, its resolver address
node()
{
	local n=$1 i=${IDX[$1]} ns
	ns=$(nl_ns "node-$n")
	nl_netns_add "node-$n" || return 1
	nl_sysctl "node-$n" net.ipv4.ip_forward 1 || return 1
	link vpc "v-$n" "node-$n" eth0 && ip -n "$(nl_ns vpc)" link set "v-$n" master br0 &&
	link inet "i-$n" "node-$n" pub0 && ip -n "$(nl_ns inet)" link set "i-$n" master br0 &&
	ip -n "$ns" addr add "10.0.0.$i/24" dev eth0 &&
	ip -n "$ns" addr add "203.0.113.$i/24" dev pub0 &&
	ip -n "$ns" route add default via "$INET" dev pub0 &&
	ip -n "$ns" route add 10.8.0.0/24 via 10.0.0.200 dev eth0 &&
	ip -n "$ns" addr add "$RES/32" dev lo || return 1
	# the node's /sys/fs/bpf: a shared mount, so that what the init
	# container mounts over it (Bidirectional) shows here too
	mkdir -p "$NL_TMP/node-$n/host/sys/fs/bpf" "$NL_TMP/node-$n/volumes/manifest" &&
	mount --bind "$NL_TMP/node-$n/host/sys/fs/bpf" "$NL_TMP/node-$n/host/sys/fs/bpf" &&
	mount --make-shared "$NL_TMP/node-$n/host/sys/fs/bpf"
}

# pod NODE NAME ADDR: a pod on NODE behind p-NAME (a /32 each way, as
# Calico does), the node's pod gateway 10.1.N.1 on every pod veth
pod()
{
	local n=$1 gw="10.1.${IDX[$1]}.1" ns pns
	ns=$(nl_ns "node-$n") pns=$(nl_ns "$2")
	nl_netns_add "$2" && link "node-$n" "p-$2" "$2" eth0 &&
	ip -n "$ns" addr add "$gw/32" dev "p-$2" &&
	ip -n "$ns" route add "$3/32" dev "p-$2" &&
	ip -n "$pns" addr add "$3/32" dev eth0 &&
	ip -n "$pns" route add "$gw/32" dev eth0 &&
	ip -n "$pns" route add default via "$gw" dev eth0
}

{
	nl_netns_add vpc && nl_netns_add inet && nl_netns_add vpn &&
	ip -n "$(nl_ns vpc)" link add br0 type bridge && ip -n "$(nl_ns vpc)" link set br0 up &&
	ip -n "$(nl_ns inet)" link add br0 type bridge && ip -n "$(nl_ns inet)" link set br0 up &&
	ip -n "$(nl_ns inet)" addr add "$INET/24" dev br0 &&
	link vpc v-vpn vpn eth0 && ip -n "$(nl_ns vpc)" link set v-vpn master br0 &&
	ip -n "$(nl_ns vpn)" addr add 10.0.0.200/24 dev eth0 &&
	ip -n "$(nl_ns vpn)" addr add "$VPN/32" dev lo &&
	node a && node b && node c &&
	for n in a b c; do
		for m in a b c; do
			[ "$n" = "$m" ] && continue
			ip -n "$(nl_ns "node-$n")" route add "10.1.${IDX[$m]}.0/24" via "10.0.0.${IDX[$m]}" || exit 1
		done
		ip -n "$(nl_ns inet)" route add "10.1.${IDX[$n]}.0/24" via "203.0.113.${IDX[$n]}" &&
		ip -n "$(nl_ns vpn)" route add "10.1.${IDX[$n]}.0/24" via "10.0.0.${IDX[$n]}" || exit 1
	done &&
	pod a web-a "$WEB_A" && pod a bill-a "$BILL_A" &&
	pod b web-b "$WEB_B" && pod b admin-b "$ADMIN_B" &&
	pod c admin-c "$ADMIN_C" && pod c bill-c "$BILL_C" &&
	nl_serve_tcp web-a 8080 web-a && nl_serve_tcp web-a 8443 web-a-tls &&
	nl_serve_tcp web-b 8080 web-b && nl_serve_tcp web-b 8443 web-b-tls &&
	nl_serve_tcp admin-b 9000 admin-b && nl_serve_tcp admin-c 9000 admin-c &&
	nl_serve_tcp bill-a 7000 bill-a && nl_serve_tcp bill-c 7000 bill-c &&
	nl_udp_sink bill-c 7001 "$NL_TMP/sink-bill-c"
} || nl_setup_failed "cannot build the three-node topology"

# the topology carries traffic before any agent runs
nl_begin baseline
nl_reach inet "$BILL_C" 7000/tcp bill-c
nl_reach web-a "$ADMIN_C" 9000/tcp admin-c
nl_reach vpn "$BILL_A" 7000/tcp bill-a "$VPN"
if ! nl_case_ok; then
	nl_end
	nl_abort "the topology does not carry traffic without the enforcer"
fi

# ---- the manifest: three ConfigMap keys, two versions ---------------------

V1=$NL_TMP/v1 V2=$NL_TMP/v2
mkdir -p "$V1" "$V2"
cat >"$V1/00-rack.yaml" <<'EOF'
rack: cluster
zones: ["{service}.{app}.internal"]
dns: { resolvers: [10.96.0.10], ttl: 5 }
private:
  - { cidr: 10.0.0.0/24, label: vpc }
  - { cidr: 10.1.0.0/16, label: pods }
  - { cidr: 10.8.0.0/24, label: vpn }
interfaces:
  - { name: eth0, role: mixed }
  - { name: pub0, role: public }
  - { match: "p-*", role: pods }
EOF
cat >"$V1/shop.yaml" <<'EOF'
apps:
  shop:
    services:
      web: { port: 8080, instances: [10.1.1.10, 10.1.2.10] }
      admin: { port: 9000, internal: true, instances: [10.1.2.11, 10.1.3.10] }
  billing:
    services:
      api: { ports: [7000, 7001/udp], internal: true, instances: [10.1.1.11, 10.1.3.11] }
EOF
# v2: billing moves out into a file of its own (a name the volume did not
# have: its link appears only after the ..data swap), web gets 8443
cp "$V1/00-rack.yaml" "$V2/"
sed -n '1,5p' "$V1/shop.yaml" | sed 's/port: 8080,/ports: [8080, 8443],/' >"$V2/shop.yaml"
{ echo "apps:"; sed -n '6,$p' "$V1/shop.yaml"; } >"$V2/billing.yaml"
for v in "$V1" "$V2"; do
	out=$("$ENF" check -f "$v" 2>&1) || nl_setup_failed "the test's manifest $v is invalid: $out"
done

# publish NODE DIR: DIR's files become the node's ConfigMap volume, as the
# kubelet's atomic writer does: a new ..<time> directory, ..data swapped to
# it (T0_<node>: that moment), then, LINK_GAP later, the top-level links
# added and removed (the window a reader through the links would see a mix)
LINK_GAP=${LINK_GAP:-0.3}
declare -A T0=()
publish()
{
	local cm="$NL_TMP/node-$1/volumes/manifest" new old f
	new=..$(date -u +%Y_%m_%d_%H_%M_%S.%N)
	old=$(readlink "$cm/..data" 2>/dev/null)
	mkdir "$cm/$new" && cp "$2"/* "$cm/$new/" && ln -s "$new" "$cm/..data_tmp" || return 1
	T0[$1]=$(now)
	mv -T "$cm/..data_tmp" "$cm/..data" || return 1
	[ -n "$old" ] && sleep "$LINK_GAP"
	for f in "$cm"/*; do
		[ -L "$f" ] && [ ! -e "$cm/..data/${f##*/}" ] && rm -f "$f"
	done
	for f in "$cm/..data"/*; do
		[ -e "$cm/${f##*/}" ] || ln -s "..data/${f##*/}" "$cm/${f##*/}"
	done
	[ -z "$old" ] || rm -rf "${cm:?}/$old"
}

# ---- agents ------------------------------------------------------------------

# pod_script NODE CONTAINER: the runner podspec.py writes for it
pod_script()
{
	local f="$NL_TMP/node-$1/${2//:/-}.sh"
	"$NL_PY" scripts/podspec.py "$DS" "$2" "$ROOTFS" "$NL_TMP/node-$1" \
		"HOST_IP=10.0.0.${IDX[$1]}" "NODE_NAME=node-$1" >"$f" || return 1
	printf '%s' "$f"
}

# in_pod NODE SCRIPT: runs SCRIPT in the node's network namespace and a
# mount namespace of its own that keeps shared mounts shared (nsenter, not
# `ip netns exec`, which makes every mount a slave)
in_pod()
{
	nsenter --net="/run/netns/$(nl_ns "node-$1")" \
		unshare --mount --propagation unchanged -- bash "$2"
}

# agent_start NODE: the agent container, logs in node-N/agent.log (stdout,
# JSON events) and agent.err; its `timeout` PID in AGENT[NODE] and NL_PIDS
agent_start()
{
	local s
	s=$(pod_script "$1" enforcer) || return 1
	timeout "$NL_LISTEN_SECS" nsenter --net="/run/netns/$(nl_ns "node-$1")" \
		unshare --mount --propagation unchanged -- bash "$s" \
		>>"$NL_TMP/node-$1/agent.log" 2>>"$NL_TMP/node-$1/agent.err" </dev/null &
	AGENT[$1]=$!
	NL_PIDS+=($!)
}

# the agent's own PID: what its `timeout` runs (nsenter, unshare, bash,
# chroot, setpriv and env each exec the next)
agent_pid() { cat "/proc/${AGENT[$1]}/task/${AGENT[$1]}/children" 2>/dev/null | awk '{ print $1 }'; }

# probe NODE KIND: the DaemonSet's exec probe, in the pod, as kubelet runs it
probe()
{
	local s
	s=$(pod_script "$1" "probe:enforcer:$2") || return 1
	in_pod "$1" "$s" >"$NL_TMP/probe-$1.out" 2>&1
}

# host_enf NODE ARGS: enforcer ARGS on the node's pinned state, from outside
host_enf() { nl_in "node-$1" "$ENF" --pin-dir "$NL_TMP/node-$1/host/sys/fs/bpf/enforcer" "${@:2}"; }

mark() { local n; n=$(wc -l <"$1" 2>/dev/null); echo "${n:-0}"; }
# ev NODE MARK FILTER: the first event of the node's agent after line MARK
ev()
{
	tail -n +"$(($2 + 1))" "$NL_TMP/node-$1/agent.log" 2>/dev/null |
		jq -cR "fromjson? | select(type == \"object\") | select($3)" 2>/dev/null | head -n 1
}
# want_ev NODE MARK FILTER WHAT: waits (DEADLINE) for such an event into EV
want_ev()
{
	local end=$((SECONDS + DEADLINE))
	while :; do
		EV=$(ev "$1" "$2" "$3")
		[ -n "$EV" ] && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.05
	done
	nl_why "node $1: $4: no event '$3' within $DEADLINE s; log: $(nl_oneline "$(tail -n 4 "$NL_TMP/node-$1/agent.log") $(tail -n 4 "$NL_TMP/node-$1/agent.err")")"
	return 1
}
ev_epoch() { date -d "$(jq -r .time <<<"$1")" +%s.%N; }

# ---- 2. init container --------------------------------------------------------

nl_begin init_container_mounts_bpffs_on_every_node
say "Each node: the init container's command, from deploy/daemonset.yaml, mounts bpffs on the node's /sys/fs/bpf"
for n in "${NODES[@]}"; do
	s=$(pod_script "$n" init:mount-bpffs) || { nl_why "podspec.py: no init container mount-bpffs"; continue; }
	in_pod "$n" "$s" >"$NL_TMP/init-$n.out" 2>&1 ||
		nl_why "node $n: the init container failed: $(nl_oneline "$(cat "$NL_TMP/init-$n.out")")"
	t=$(stat -f -c %T "$NL_TMP/node-$n/host/sys/fs/bpf")
	[ "$t" = bpf_fs ] || nl_why "node $n: /sys/fs/bpf on the node is $t after the init container, want bpf_fs (Bidirectional propagation)"
	# and it is idempotent: a restarted pod runs it again
	in_pod "$n" "$s" >/dev/null 2>&1 || nl_why "node $n: the init container fails when bpffs is already there"
	[ "$(grep -c " $NL_TMP/node-$n/host/sys/fs/bpf bpf " /proc/self/mounts)" = 1 ] ||
		nl_why "node $n: the second run mounted bpffs again"
done
nl_end
nl_case_ok || nl_abort "no bpffs on the nodes: the agents cannot run"

# ---- 3. agents ----------------------------------------------------------------

nl_begin agents_start_from_the_image_root_and_pass_their_probes
say "The agents: the DaemonSet's command line, four capabilities, read-only root, from the image root"
for n in "${NODES[@]}"; do
	publish "$n" "$V1" || nl_why "node $n: cannot publish the ConfigMap"
	agent_start "$n" || nl_why "node $n: podspec.py cannot make the agent's runner"
done
declare -A GEN=()
for n in "${NODES[@]}"; do
	if want_ev "$n" 0 '.event == "applied"' "first apply"; then
		GEN[$n]=$(jq -r .generation <<<"$EV")
		jq -e '.manifest == "/etc/enforcer/manifest"' >/dev/null <<<"$EV" ||
			nl_why "node $n: applied $(jq -r .manifest <<<"$EV"), want the ConfigMap mount /etc/enforcer/manifest"
	fi
	for i in eth0 pub0 p-; do
		want_ev "$n" 0 ".event == \"link_enforced\" and (.iface | startswith(\"$i\"))" "link $i" >/dev/null
	done
	# the capabilities the agent runs with: the DaemonSet's four, no more
	pid=$(agent_pid "$n")
	capbnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	# CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39
	[ "$capbnd" = 000000c000201000 ] || nl_why "node $n: the agent's CapBnd is ${capbnd:-unknown}, want 000000c000201000 (BPF, PERFMON, SYS_ADMIN, NET_ADMIN)"
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = enforcer ] || nl_why "node $n: the agent's process is $(cat "/proc/$pid/comm" 2>/dev/null), not enforcer"
	for p in startup liveness readiness; do
		probe "$n" "$p" || nl_why "node $n: the ${p}Probe fails: $(nl_oneline "$(cat "$NL_TMP/probe-$n.out")")"
	done
	[ -s "$NL_TMP/node-$n/agent.err" ] && grep -qi 'read-only\|permission denied' "$NL_TMP/node-$n/agent.err" &&
		nl_why "node $n: the agent wrote to a read-only place: $(nl_oneline "$(cat "$NL_TMP/node-$n/agent.err")")"
done
nl_end
if [ "$DEMO" = 1 ]; then
	for n in "${NODES[@]}"; do
		echo "--- node $n: enforcer status --short"
		host_enf "$n" status --short 2>&1 | sed 's/^/    /'
	done
fi
nl_case_ok || [ -n "${GEN[a]:-}" ] || nl_abort "no agent applied the manifest"

# ---- 4. isolation -------------------------------------------------------------

nl_begin isolation_holds_on_every_node
say "From the internet: web (public) answers on nodes a and b; admin and billing (internal) never, on any node"
nl_reach inet "$WEB_A" 8080/tcp web-a
nl_reach inet "$WEB_B" 8080/tcp web-b
nl_blocked inet "$ADMIN_B" 9000/tcp
nl_blocked inet "$ADMIN_C" 9000/tcp
nl_blocked inet "$BILL_A" 7000/tcp
nl_blocked inet "$BILL_C" 7000/tcp
nl_blocked inet "$WEB_A" 8443/tcp		# not a public port of web (yet)
nl_end

nl_begin private_sources_reach_across_nodes
say "From inside: pods on other nodes (over the VPC) and the VPN client reach internal services"
nl_reach web-a "$ADMIN_B" 9000/tcp admin-b
nl_reach web-a "$ADMIN_C" 9000/tcp admin-c
nl_reach admin-c "$BILL_A" 7000/tcp bill-a
nl_reach web-b "$BILL_C" 7000/tcp bill-c
nl_reach vpn "$ADMIN_C" 9000/tcp admin-c "$VPN"
nl_reach vpn "$BILL_A" 7000/tcp bill-a "$VPN"
nl_end

# ---- 5. DNS -------------------------------------------------------------------

dig_a() { nl_in "$1" dig +short +time=2 +tries=1 "@$RES" "$2" A 2>&1 | sort | tr '\n' ' '; }
nl_begin dns_answers_on_every_node
say "DNS: each node answers the private zone in the kernel, at the cluster resolver address"
for p in web-a admin-b bill-c; do
	got=$(dig_a "$p" admin.shop.internal)
	[ "$got" = "$ADMIN_B $ADMIN_C " ] || nl_why "$p: admin.shop.internal -> '$got', want '$ADMIN_B $ADMIN_C'"
	[ "$DEMO" = 1 ] && note "$p (node ${p##*-}): dig admin.shop.internal -> $got"
	got=$(dig_a "$p" 2.api.billing.internal)
	[ "$got" = "$BILL_C " ] || nl_why "$p: 2.api.billing.internal -> '$got', want '$BILL_C'"
	[ "$DEMO" = 1 ] && note "$p (node ${p##*-}): dig 2.api.billing.internal -> $got"
done
nl_end

# ---- 6. metrics ---------------------------------------------------------------

nl_begin metrics_on_the_node_address_only
say "Metrics: served on each node's own address (the DaemonSet's --metrics \$(HOST_IP):9402), not its public one"
for n in "${NODES[@]}"; do
	i=${IDX[$n]}
	out=$(nl_in vpn timeout 10 curl -s --max-time 5 "http://10.0.0.$i:9402/metrics" 2>&1)
	grep -q '^enforcer_policy_generation ' <<<"$out" ||
		nl_why "node $n: http://10.0.0.$i:9402/metrics from the VPC: no enforcer_policy_generation: $(nl_oneline "${out:0:200}")"
	nl_tcp inet "203.0.113.$i" 9402 2 >/dev/null
	rc=$?
	[ "$rc" != 0 ] || nl_why "node $n: the metrics answer on the public address 203.0.113.$i"
done
nl_end

# ---- 7. a rolling manifest change ------------------------------------------------

# probe_loop OUT STOP: from the internet, TCP connections to the internal
# services on every node, a new one to each target every 20 ms (non-
# blocking: a dropped SYN costs the loop nothing), until STOP exists (at
# most 120 s); a connection that completes is a leak, written to OUT
probe_loop()
{
	ip netns exec "$(nl_ns inet)" timeout 150 "$NL_PY" -c '
import os, select, socket, sys, time
out, stop = sys.argv[1], sys.argv[2]
targets = [(a, int(p)) for a, p in (t.split(":") for t in sys.argv[3:])]
pending, sent, end = {}, 0, time.monotonic() + 120
with open(out, "w") as f:
    while not os.path.exists(stop) and time.monotonic() < end:
        now = time.monotonic()
        for t in targets:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(t)
            pending[s] = (t, now)
            sent += 1
        _, done, _ = select.select([], list(pending), [], 0.02)
        for s in done:
            t, _ = pending.pop(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                f.write("leak %s:%d\n" % t)
                f.flush()
            s.close()
        for s, (t, t0) in list(pending.items()):
            if now - t0 > 0.5:
                pending.pop(s)
                s.close()
    f.write("probes %d\n" % sent)
' "$1" "$2" "$BILL_A:7000" "$BILL_C:7000" "$ADMIN_B:9000" "$ADMIN_C:9000" </dev/null >/dev/null 2>&1 &
	NL_PIDS+=($!)
}
probes_done() { grep -q '^probes' "$NL_TMP/leaks" 2>/dev/null; }

nl_begin rolling_manifest_change_reaches_every_node_and_leaks_nothing
say "A manifest change, as kubelet delivers it to each node: billing moves from shop.yaml into a new billing.yaml, web gains 8443"
STOP=$NL_TMP/probe.stop
probe_loop "$NL_TMP/leaks" "$STOP"
sleep 0.5
declare -A M=()
for n in "${NODES[@]}"; do M[$n]=$(mark "$NL_TMP/node-$n/agent.log"); done
# one node after the other, as kubelets pick up the change at their own time
last=0
for n in "${NODES[@]}"; do
	publish "$n" "$V2" || nl_why "node $n: cannot publish v2"
done
for n in "${NODES[@]}"; do
	if want_ev "$n" "${M[$n]}" ".event == \"applied\" and .generation > ${GEN[$n]:-0}" "v2"; then
		t=$(ev_epoch "$EV")
		note "node $n: ..data swap -> applied: $(secs "${T0[$n]}" "$t") s"
		last=$(awk -v a="$last" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
		GEN[$n]=$(jq -r .generation <<<"$EV")
	fi
	e=$(tail -n +"$((M[$n] + 1))" "$NL_TMP/node-$n/agent.log" | jq -cR 'fromjson? | select(.event == "rejected")' 2>/dev/null)
	[ -z "$e" ] || nl_why "node $n: a version was rejected during the change: $(nl_oneline "$e")"
done
note "the change reached all three nodes $(secs "${T0[a]}" "$last") s after the first ..data swap"
sleep 0.5	# and a little after it
touch "$STOP"
nl_until 30 probes_done || nl_why "the probe loop did not end"
probes=$(sed -n 's/^probes //p' "$NL_TMP/leaks")
[ "${probes:-0}" -ge 100 ] || nl_why "the probe loop sent ${probes:-0} connections: it did not cover the change"
if grep -q '^leak' "$NL_TMP/leaks"; then
	nl_why "internal services answered the internet during the change: $(nl_oneline "$(grep '^leak' "$NL_TMP/leaks" | head -n 3)")"
fi
note "${probes:-0} connections from the internet to admin and billing during the change, $(grep -c '^leak' "$NL_TMP/leaks") answered"
nl_reach inet "$WEB_A" 8443/tcp web-a-tls
nl_reach inet "$WEB_B" 8443/tcp web-b-tls
nl_blocked inet "$BILL_A" 7000/tcp
for n in "${NODES[@]}"; do
	f=$(host_enf "$n" status --json 2>/dev/null | jq -r '.policy.manifest' 2>/dev/null)
	[ "$f" = /etc/enforcer/manifest ] || nl_why "node $n: status shows manifest '$f'"
done
nl_end

# ---- 8. an agent killed and restarted under a flood ------------------------------

udp_flood()
{
	ip netns exec "$(nl_ns inet)" timeout 90 "$NL_PY" -c '
import os, socket, sys, time
a, port, limit, secs, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n = time.monotonic() + secs, 0
while n < limit and time.monotonic() < end and not os.path.exists(stop):
    try:
        s.sendto(b"flood %d\n" % n, (a, port))
    except OSError:
        pass
    n += 1
    time.sleep(0.0005)
print(n)
' "$1" "$2" "$3" "$4" "$5" </dev/null >"$NL_TMP/flood.out" 2>&1 &
	NL_PIDS+=($!)
	FLOOD_PID=$!
}

nl_begin agent_killed_and_restarted_under_flood_leaks_nothing
say "Node c's agent is killed (-9) during a flood at billing's UDP port, then started again from the image"
FSTOP=$NL_TMP/flood.stop
: >"$NL_TMP/sink-bill-c"
udp_flood "$BILL_C" 7001 100000 60 "$FSTOP"
sleep 1
old=$(agent_pid c)
m=$(mark "$NL_TMP/node-c/agent.log")
disown "${AGENT[c]}" 2>/dev/null	# no "Killed" job message
kill -KILL "$old" 2>/dev/null || nl_why "cannot kill the agent of node c (pid $old)"
nl_until "$DEADLINE" sh -c "! kill -0 ${AGENT[c]} 2>/dev/null" || nl_why "the killed agent's wrapper did not end"
wait "${AGENT[c]}" 2>/dev/null
sleep 1		# a second of flood with no agent at all
agent_start c
if want_ev c "$m" '.event == "adopted"' "restart"; then
	[ "$(jq -r .generation <<<"$EV")" = "${GEN[c]}" ] ||
		nl_why "node c: adopted generation $(jq -r .generation <<<"$EV"), want ${GEN[c]}"
fi
want_ev c "$m" '.event == "link_adopted" and .iface == "pub0"' "pub0 adopted" >/dev/null
sleep 1
touch "$FSTOP"
nl_until 30 test -s "$NL_TMP/flood.out" || nl_why "the flood did not end"
sent=$(cat "$NL_TMP/flood.out")
# a private source's datagram still arrives: the sink works
nl_in vpn "$NL_PY" -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],0)); s.sendto(b"control\n",(sys.argv[2],7001))' "$VPN" "$BILL_C"
nl_until "$DEADLINE" grep -q "^8 $VPN control" "$NL_TMP/sink-bill-c" ||
	nl_why "the VPN client's control datagram did not reach billing on node c: the sink does not work"
leaked=$(grep -c " $INET flood" "$NL_TMP/sink-bill-c")
note "flood: ${sent:-?} datagrams from the internet at billing on node c across kill -9 and restart; $leaked reached it"
[ "$leaked" = 0 ] || nl_why "$leaked flood datagrams reached billing on node c"
[ "${sent:-0}" -ge 1000 ] || nl_why "the flood sent only ${sent:-0} datagrams"
for p in liveness readiness; do
	probe c "$p" || nl_why "node c after the restart: the ${p}Probe fails: $(nl_oneline "$(cat "$NL_TMP/probe-c.out")")"
done
nl_end

if [ "$DEMO" = 1 ]; then
	for n in "${NODES[@]}"; do
		echo "--- node $n: enforcer status --short"
		host_enf "$n" status --short 2>&1 | sed 's/^/    /'
	done
fi
nl_summary
[ "$NL_FAILED" = 0 ]
