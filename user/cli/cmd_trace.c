// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer trace --from ADDR[:PORT] --to NAME|ADDR[:PORT[/PROTO]] [--iface-role ROLE]
 * enforcer trace --pcap FILE [--iface-role ROLE]
 *
 * Runs packets through the loaded program (trace.h) and says what it
 * decided and why. NAME is "app/service" or a DNS name of the private zone;
 * it is resolved from the live maps. Without a port the packet is an ICMP
 * echo request; with a port and no protocol, a TCP SYN.
 *
 * Exit status by verdict, for scripts: 0 when every packet traced passes
 * (an audit-mode would-drop passes), EXIT_DROPPED (3) when the program
 * dropped one; 1 and 2 as for every command.
 *
 * --json: the same facts as one object, or with --pcap one object per
 * packet on a line of its own (fields: docs/json.md; the names are those of
 * `monitor --json` where they mean the same). Errors stay on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "capture.h"
#include "cli.h"
#include "compile.h"
#include "names.h"
#include "log.h"
#include "state.h"
#include "trace.h"
#include "zone.h"

/* First address of service `id` with `family` in the active enf_dst. */
static int service_addr(struct enf_state *st, uint32_t slot, uint32_t id, uint8_t family,
			struct enf_addr *out)
{
	struct enf_addr key, next;
	struct enf_dst_val v;
	int fd, err, found = 0;

	fd = state_inner_fd(st, SEL_DST, slot);
	if (fd < 0)
		return fd;
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err && !found;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &v) && v.service_id == id &&
		    next.family == family) {
			*out = next;
			found = 1;
		}
		key = next;
	}
	close(fd);
	return found ? 0 : -ENOENT;
}

/* "app/service" -> service id, from the active enf_svc_meta. */
static int service_id(struct enf_state *st, uint32_t slot, uint32_t nservices, const char *name,
		      uint32_t *id)
{
	const char *slash = strchr(name, '/');
	struct enf_svc_meta m;
	uint32_t i;
	int fd;

	if (!slash)
		return -EINVAL;
	fd = state_inner_fd(st, SEL_META, slot);
	if (fd < 0)
		return fd;
	for (i = 1; i <= nservices; i++) {
		if (bpf_map_lookup_elem(fd, &i, &m))
			break;
		if (strlen(m.app) == (size_t)(slash - name) && !strncmp(m.app, name, slash - name) &&
		    !strcmp(m.service, slash + 1)) {
			*id = i;
			close(fd);
			return 0;
		}
	}
	close(fd);
	return -ENOENT;
}

/* A private DNS name -> its first address of `family`, from any view. */
static int dns_addr(struct enf_state *st, uint32_t slot, uint32_t nnetworks, const char *name,
		    uint8_t family, struct enf_addr *out)
{
	uint8_t wire[ENF_DNS_MAX_NAME];
	struct enf_dns_key key = {};
	struct enf_dns_name n;
	size_t wl;
	uint32_t view;
	int names, data, found = 0;

	if (dns_name_to_wire(name, wire, &wl))
		return -EINVAL;
	key.hash = dns_wire_hash(wire, wl);
	key.wire_len = wl;
	names = state_inner_fd(st, SEL_DNS_NAME, slot);
	data = state_inner_fd(st, family == ENF_AF_INET ? SEL_DNS_A : SEL_DNS_AAAA, slot);
	for (view = 0; names >= 0 && data >= 0 && view < nnetworks && !found; view++) {
		key.view = view;
		if (bpf_map_lookup_elem(names, &key, &n) || !n.rrset_id)
			continue;
		memset(out, 0, sizeof(*out));
		out->family = family;
		if (family == ENF_AF_INET && n.n_a) {
			struct enf_dns_a a;

			found = !bpf_map_lookup_elem(data, &n.rrset_id, &a);
			memcpy(out->addr, &a.addr[0], 4);
		} else if (family == ENF_AF_INET6 && n.n_aaaa) {
			struct enf_dns_aaaa a;

			found = !bpf_map_lookup_elem(data, &n.rrset_id, &a);
			memcpy(out->addr, a.addr[0], 16);
		}
	}
	if (names >= 0)
		close(names);
	if (data >= 0)
		close(data);
	return found ? 0 : -ENOENT;
}

/* --to: an address, or a name resolved from the live maps. */
static int resolve_to(struct enf_state *st, const char *arg, uint8_t family,
		      struct endpoint *to, char *label, size_t lsize)
{
	struct enf_policy pol;
	struct enf_active act;
	char name[300], suffix[64] = "";
	const char *colon;
	uint32_t id;
	int err;

	if (!endpoint_parse(arg, to))
		return 0;
	/* NAME[:PORT[/PROTO]] */
	colon = strrchr(arg, ':');
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	if (colon)
		snprintf(suffix, sizeof(suffix), "%s", colon);
	err = state_active(st, &act, &pol);
	if (err)
		return err;
	if (strchr(name, '/')) {
		err = service_id(st, act.slot, pol.services, name, &id);
		if (!err)
			err = service_addr(st, act.slot, id, family, &to->addr);
	} else {
		err = dns_addr(st, act.slot, pol.networks, name, family, &to->addr);
	}
	if (err)
		return err;
	/* reuse the endpoint parser for the port and protocol */
	if (colon) {
		struct endpoint tmp;
		char buf[INET6_ADDRSTRLEN + 80], a[INET6_ADDRSTRLEN];

		addr_format(&to->addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), family == ENF_AF_INET6 ? "[%s]%s" : "%s%s", a, suffix);
		if (endpoint_parse(buf, &tmp))
			return -EINVAL;
		tmp.addr = to->addr;
		*to = tmp;
	}
	snprintf(label, lsize, "%s", name);
	return 0;
}

static void service_label(struct enf_state *st, uint32_t id, char *buf, size_t len)
{
	struct enf_svc_meta m;
	int fd;

	snprintf(buf, len, "-");
	if (!id)
		return;
	fd = state_active_map(st, SEL_META);
	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &id, &m))
		snprintf(buf, len, "%s/%s (network %s, %s)", m.app, m.service, m.network,
			 m.public ? "public" : "internal");
	close(fd);
}

/* ---- --json ---- */

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static void print_json(json_object *o, int flags)
{
	printf("%s\n", json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* "tcp", "udp", "sctp", "icmp", "icmpv6", else "proto-N": as `monitor`. */
static const char *json_proto(uint8_t proto, char *buf, size_t len)
{
	if (strcmp(enf_proto_name(proto), "?"))
		return enf_proto_name(proto);
	snprintf(buf, len, "proto-%u", proto);
	return buf;
}

/* What the frame is: ethertype, and for IP proto, src, dst and the ports. */
static void json_flow(json_object *o, const struct trace_flow *f)
{
	char a[ADDR_STRLEN], proto[16];

	json_object_object_add(o, "ethertype", json_object_new_int(f->ethertype));
	json_object_object_add(o, "proto", f->src.family ?
			       jstr(json_proto(f->proto, proto, sizeof(proto))) : NULL);
	json_object_object_add(o, "src", f->src.family ?
			       jstr(addr_format(&f->src, a, sizeof(a))) : NULL);
	json_object_object_add(o, "dst", f->dst.family ?
			       jstr(addr_format(&f->dst, a, sizeof(a))) : NULL);
	if (f->has_ports) {
		json_object_object_add(o, "src_port", json_object_new_int(f->sport));
		json_object_object_add(o, "dst_port", json_object_new_int(f->dport));
	}
}

/* What the program decided and why, with the destination's service and
 * what the source counts as: every line of the text form. */
static void json_verdict(json_object *o, struct enf_state *st, const struct enf_trace *t)
{
	struct enf_svc_meta m;
	int fd = t->service_id ? state_active_map(st, SEL_META) : -1, have = 0;

	if (fd >= 0) {
		have = !bpf_map_lookup_elem(fd, &t->service_id, &m);
		close(fd);
	}
	json_object_object_add(o, "verdict", jstr(t->verdict != XDP_PASS ? "drop" :
						  t->audit ? "audit" : "pass"));
	json_object_object_add(o, "reason", jstr(enf_reason_name(t->reason)));
	json_object_object_add(o, "reason_help", jstr(enf_reason_help(t->reason)));
	json_object_object_add(o, "app", have ? jstr(m.app) : NULL);
	json_object_object_add(o, "service", have ? jstr(m.service) : NULL);
	json_object_object_add(o, "network", have ? jstr(m.network) : NULL);
	json_object_object_add(o, "public", have ? json_object_new_boolean(m.public) : NULL);
	json_object_object_add(o, "source_class", json_object_new_int64(t->class_id));
	json_object_object_add(o, "source_private",
			       json_object_new_boolean(t->src_flags & ENF_SRC_PRIVATE));
	json_object_object_add(o, "source_member",
			       json_object_new_boolean(t->src_flags & ENF_SRC_MEMBER));
	json_object_object_add(o, "encap", jstr(enf_encap_name(t->encap)));
	json_object_object_add(o, "encap_depth", json_object_new_int64(t->encap_depth));
	json_object_object_add(o, "outer_public", json_object_new_boolean(t->outer_public));
}

struct pcap_ctx {
	struct enf_state *st;
	uint32_t role;
	unsigned long dropped;
	int json;
};

/* One packet of a capture as a JSON line. */
static void pcap_json(struct pcap_ctx *pc, unsigned long idx, const struct trace_flow *f,
		      const struct enf_trace *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "frame", json_object_new_uint64(idx));
	if (f)
		json_flow(o, f);
	json_object_object_add(o, "iface_role", jstr(enf_role_name(pc->role)));
	if (t) {
		json_verdict(o, pc->st, t);
	} else {
		/* not run: the program never sees less than an Ethernet header */
		json_object_object_add(o, "verdict", NULL);
		json_object_object_add(o, "reason", NULL);
		json_object_object_add(o, "error", jstr("shorter than Ethernet"));
	}
	print_json(o, JSON_C_TO_STRING_PLAIN);
}

/* A capture row's columns (the first three are what scripts read). */
#define PCAP_ROW	"%-8s %-7s %-20s %-7s %-24s %-24s %s"

/* The protocol column: the transport's name, else its number; for what is
 * not IP, the EtherType. */
static const char *flow_proto(const struct trace_flow *f, char *buf, size_t len)
{
	if (!f->src.family && f->ethertype == ETH_P_ARP)
		return "arp";
	if (!f->src.family)
		snprintf(buf, len, "0x%04x", f->ethertype);
	else if (strcmp(enf_proto_name(f->proto), "?"))
		snprintf(buf, len, "%s", enf_proto_name(f->proto));
	else
		snprintf(buf, len, "%u", f->proto);
	return buf;
}

static int pcap_packet(void *arg, unsigned long idx, const uint8_t *data, size_t len)
{
	char svc[3 * ENF_NAME_LEN + 32], num[24], proto[16];
	char src[ADDR_STRLEN + 8] = "-", dst[ADDR_STRLEN + 8] = "-";
	struct pcap_ctx *pc = arg;
	struct trace_flow f;
	struct enf_trace t;
	int err;

	snprintf(num, sizeof(num), "%lu", idx);
	if (len < 14) {
		if (pc->json)
			pcap_json(pc, idx, NULL, NULL);
		else
			printf(PCAP_ROW "\n", num, "-", "-", "-", "-", "-",
			       "(shorter than Ethernet)");
		return 0;
	}
	err = trace_run(pc->st, data, len, pc->role, &t);
	if (err) {
		pr_err("packet %lu: cannot run it through the program: %s\n", idx, strerror(-err));
		return err;
	}
	trace_flow_of(data, len, &f);
	if (t.verdict != XDP_PASS)
		pc->dropped++;
	if (pc->json) {
		pcap_json(pc, idx, &f, &t);
		return 0;
	}
	if (f.src.family) {
		endpoint_format(&f.src, f.has_ports ? f.sport : 0, src, sizeof(src));
		endpoint_format(&f.dst, f.has_ports ? f.dport : 0, dst, sizeof(dst));
	}
	service_label(pc->st, t.service_id, svc, sizeof(svc));
	printf(PCAP_ROW "%s", num, t.verdict == XDP_PASS ? "PASS" : "DROP",
	       enf_reason_name(t.reason), flow_proto(&f, proto, sizeof(proto)), src, dst, svc,
	       t.audit ? " (audit: would drop)" : "");
	if (t.encap)
		printf(" [inside %s, %u deep%s]", enf_encap_name(t.encap), t.encap_depth,
		       t.outer_public ? ", outer source public" : "");
	printf("\n");
	return 0;
}

static int trace_pcap(struct enf_state *st, const char *file, uint32_t role, int json)
{
	struct pcap_ctx pc = { .st = st, .role = role, .json = json };
	char err[512];
	int ret;

	if (!json)
		printf(PCAP_ROW "\n", "PACKET", "VERDICT", "REASON", "PROTO", "SOURCE",
		       "DESTINATION", "SERVICE");
	ret = capture_foreach(file, pcap_packet, &pc, err, sizeof(err));
	if (ret == -EINVAL) {
		pr_err("cannot read capture '%s': %s\n", file, err);
		return EXIT_BADINPUT;
	}
	if (ret)
		return EXIT_RUNTIME;
	return pc.dropped ? EXIT_DROPPED : 0;
}

int cmd_trace(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *from_s = NULL, *to_s = NULL, *pcap = NULL;
	char a[ADDR_STRLEN + 8], b[ADDR_STRLEN], svc[3 * ENF_NAME_LEN + 32];
	char label[300] = "";
	struct endpoint from, to;
	uint32_t role = ENF_ROLE_MAX;
	struct enf_state st;
	struct enf_trace t;
	uint8_t frame[256];
	size_t len;
	int c, err, ret = 0, code, json = 0;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'f':	/* --from */
			from_s = optarg;
			break;
		case 't':	/* --to */
			to_s = optarg;
			break;
		case 'r':	/* --iface-role */
			if (enf_role_parse(optarg, &role)) {
				pr_err("trace: invalid role '%s' (public, mixed or pods)\n", optarg);
				return EXIT_BADINPUT;
			}
			break;
		case 'p':	/* --pcap */
			pcap = optarg;
			break;
		case 'j':	/* --json */
			json = 1;
			break;
		case CLI_DONE:
			return code;
		}
	}
	if (optind != argc || (!pcap && (!from_s || !to_s)) || (pcap && (from_s || to_s))) {
		pr_err("trace: give --from and --to, or --pcap\n");
		cli_usage(cmd, stderr);
		return EXIT_BADINPUT;
	}
	if (from_s && endpoint_parse(from_s, &from)) {
		pr_err("trace: invalid source '%s' (expected ADDR or ADDR:PORT, [V6]:PORT)\n",
		       from_s);
		return EXIT_BADINPUT;
	}

	if (state_open_loaded(&st, cli.pin_dir, "trace"))
		return EXIT_RUNTIME;
	if (pcap) {
		ret = trace_pcap(&st, pcap, role == ENF_ROLE_MAX ? ENF_ROLE_MIXED : role, json);
		goto out;
	}
	err = resolve_to(&st, to_s, from.addr.family, &to, label, sizeof(label));
	if (err) {
		pr_err("trace: cannot resolve destination '%s': %s (an address, app/service or a "
		       "private DNS name)\n", to_s, err == -ENOENT ? "no such service or name" :
		       strerror(-err));
		ret = EXIT_BADINPUT;
		goto out;
	}
	if (to.addr.family != from.addr.family) {
		pr_err("trace: source and destination are of different address families\n");
		ret = EXIT_BADINPUT;
		goto out;
	}
	len = trace_build(&from, &to, frame, sizeof(frame));
	err = trace_run(&st, frame, len, role == ENF_ROLE_MAX ? ENF_ROLE_MIXED : role, &t);
	if (err) {
		pr_err("trace: cannot run the packet through the program: %s\n", strerror(-err));
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = t.verdict == XDP_PASS ? 0 : EXIT_DROPPED;
	if (json) {
		json_object *o = json_object_new_object();
		struct trace_flow f;

		/* the packet as built: its source port is there when none was given */
		trace_flow_of(frame, len, &f);
		json_flow(o, &f);
		json_object_object_add(o, "dst_name", label[0] ? jstr(label) : NULL);
		json_object_object_add(o, "iface_role", jstr(enf_role_name(
				       role == ENF_ROLE_MAX ? ENF_ROLE_MIXED : role)));
		json_verdict(o, &st, &t);
		print_json(o, JSON_C_TO_STRING_PRETTY);
		goto out;
	}
	/* [v6]:port: a v6 address and a port joined by a bare colon read as
	 * one longer address */
	endpoint_format(&from.addr, from.port, a, sizeof(a));
	addr_format(&to.addr, b, sizeof(b));
	service_label(&st, t.service_id, svc, sizeof(svc));
	printf("packet:   %s -> %s%s%s", a, b, label[0] ? " (" : "", label);
	if (label[0])
		printf(")");
	if (to.port)
		printf(" port %u/%s", to.port, enf_proto_name(to.proto ? to.proto : IPPROTO_TCP));
	else
		printf(" %s echo", to.proto && to.proto != IPPROTO_ICMP ?
				   enf_proto_name(to.proto) : "icmp");
	printf(", on a %s interface\n",
	       enf_role_name(role == ENF_ROLE_MAX ? ENF_ROLE_MIXED : role));
	printf("verdict:  %s%s\n", t.verdict == XDP_PASS ? "PASS" : "DROP",
	       t.audit ? " (audit mode: the drop below is only counted)" : "");
	printf("reason:   %s: %s\n", enf_reason_name(t.reason), enf_reason_help(t.reason));
	printf("service:  %s\n", svc);
	if (t.encap)
		printf("tunnel:   judged the packet inside %s (%u deep)%s\n",
		       enf_encap_name(t.encap), t.encap_depth,
		       t.outer_public ? "; an outer source is not private: as on a public interface"
				      : "");
	printf("source:   class %u%s%s%s\n", t.class_id,
	       t.src_flags & ENF_SRC_PRIVATE ? ", rack-private" : "",
	       t.src_flags & ENF_SRC_MEMBER ? ", network member" : "",
	       !(t.src_flags & (ENF_SRC_PRIVATE | ENF_SRC_MEMBER)) ? " (public)" : "");
out:
	state_close(&st);
	return ret;
}
