/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A userspace reference model of the XDP enforcement verdict (contract
 * section 4), for the differential fuzzer (selftests/test_difffuzz.c).
 *
 * Written from the contract, not from bpf/: its own small packet parser, its
 * own reading of the policy straight from the parsed manifest (struct
 * manifest, never the compiled maps), and its own flow and fragment tables
 * fed by the same events the program sees (egress packets, and ingress
 * packets run through the attached program). Slow and plain on purpose: a
 * linear scan over the manifest per question, no caches.
 *
 * Where the contract is silent the model follows the program's documented
 * choices (see the list in model.c). Where the program departs from the
 * contract the model follows the contract, and a "quirk" bit makes it follow
 * the program instead, so that a run can look past a known bug
 * (ENF_FUZZ_ACCEPT in test_difffuzz).
 *
 * Built into the fuzz driver with #include "model.c" (the Makefile compiles
 * one source file per test binary).
 */
#ifndef ENFORCER_SELFTEST_MODEL_H
#define ENFORCER_SELFTEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer_common.h"
#include "manifest.h"

/* Known departures of the program from the contract; each bit makes the
 * model follow the program. */
enum model_quirk {
	/* Only first fragments that passed on a public port, trusted range
	 * or reply are remembered: at a frontend address (a node IP) the
	 * later fragments of a first fragment that passed as not-owned or
	 * admitted are dropped. */
	MQ_FRONTEND_FRAGS = 1u << 0,
	/* IPv6: a first fragment is remembered under its final protocol,
	 * later fragments are looked up under the fragment header's next
	 * header; they differ when extension headers follow the fragment
	 * header. */
	MQ_V6_FRAG_PROTO = 1u << 1,
	/* Egress from a public port of an instance records no flow, so the
	 * replies from outside an app's trusted ranges are dropped. */
	MQ_PUBLIC_PORT_EGRESS = 1u << 2,
	/* The trace twin reads ENF_ROLE_MAX as mixed, not as the role of the
	 * interface it runs on. */
	MQ_TRACE_OWN_ROLE = 1u << 3,
	/* A frontend port's flags carry ENF_DST_ISOLATED and ENF_PORT_PUBLIC,
	 * which are the same bit: a frontend of an internal service of an
	 * isolated network is a public port, and a frontend of a public
	 * service counts as isolated (rack-private sources not admitted). */
	MQ_FRONTEND_FLAG_BIT = 1u << 4,
	MQ_ALL = (1u << 5) - 1,
};

/* ENF_ROLE_MAX as a role: the role of the interface the packet came in on. */
#define MODEL_ROLE_OWN ENF_ROLE_MAX

/* Timeout comparisons closer than this to the limit make a result
 * `uncertain` (the model's clock and the kernel's differ by microseconds). */
#define MODEL_MARGIN_NS 50000000ULL

struct model_flow {
	struct enf_addr local;	/* the instance (or VIP) that opened it */
	struct enf_addr remote;
	uint16_t lport, rport;	/* host order; echo: identifier, 0 */
	uint8_t proto;
	bool used;
	bool closing;		/* TCP FIN or RST seen */
	uint64_t last_ns;	/* CLOCK_MONOTONIC */
};

struct model_frag {
	struct enf_addr src, dst;
	uint32_t id;
	uint8_t proto;
	bool used;
	uint32_t service_id;
	uint64_t created_ns;
};

/* One service of the manifest, in manifest order (apps, then services). */
struct model_svc {
	const struct mf_app *app;
	const struct mf_service *svc;
	uint32_t id;		/* 1 + position in manifest order */
	size_t net;		/* index into manifest.networks */
};

struct model {
	const struct manifest *mf;	/* the policy; owned by the caller */
	struct model_svc *svcs;		/* every service of mf, in order */
	size_t nsvcs;
	unsigned int quirks;		/* enum model_quirk */
	int own_role;			/* role of the interface the program runs on */
	int64_t wall;			/* unix seconds, for `expires:` (model_tick) */
	bool near_expiry;		/* a range expires this very second: unsure */
	struct model_flow *flows;	/* open addressing, never deleted */
	size_t nflows, flow_cap;
	struct model_frag *frags;
	size_t nfrags, frag_cap;
};

/* What the model decided, and what the attached program would change. */
struct model_result {
	uint32_t verdict;	/* XDP_PASS / XDP_DROP, after audit */
	uint32_t reason;	/* enum enf_reason */
	uint32_t service_id;	/* 1-based position in manifest order, 0 = none */
	uint32_t audit;		/* a drop turned into a pass (mode: audit) */
	bool uncertain;		/* a timeout was within MODEL_MARGIN_NS: don't compare */
	const char *why;	/* the rule that decided, for people */
	/* side effects of the attached program (model_commit) */
	int flow_hit;		/* index of the flow that let it pass, -1 */
	bool flow_close;	/* ... and the packet carries FIN or RST */
	bool remember;		/* a first fragment to remember */
	struct model_frag frag;	/* its key */
	/* rule 5: what the trace twin reports of a tunnel */
	uint32_t encap;		/* ENF_ENCAP_* of the outermost tunnel walked */
	uint32_t depth;		/* inner packets walked */
	uint32_t outer_public;	/* an outer source was not private */
};

/* `mf` must outlive the model. own_role: the role the interface rules of
 * `mf` give the interface the attached program runs on. */
int model_init(struct model *m, const struct manifest *mf, int own_role, unsigned int quirks);
void model_free(struct model *m);

/* A new policy generation: flows and fragments stay (they are global). */
int model_set_policy(struct model *m, const struct manifest *mf, int own_role);

/* Read the wall clock again (`expires:` dates). */
void model_tick(struct model *m);

/* Forget every flow and fragment. */
void model_clear_tables(struct model *m);

/* Role of an interface name under the manifest's interface rules. */
int model_iface_role(const struct manifest *mf, const char *ifname);

/* The verdict of the program for `frame` arriving with interface role
 * `role` (ENF_ROLE_MIXED/PUBLIC/PODS or MODEL_ROLE_OWN). Changes nothing. */
void model_verdict(const struct model *m, const uint8_t *frame, size_t len, int role,
		   struct model_result *out);

/* The same for a frame of a layer-3 link (no Ethernet header), as the
 * layer-3 program judges it. */
void model_verdict_on(const struct model *m, const uint8_t *frame, size_t len, bool l3, int role,
		      struct model_result *out);

/* The attached program ran `frame` and decided `r` (from model_verdict with
 * the interface's own role): apply its side effects (refresh or close the
 * flow it matched, remember a first fragment). */
void model_commit(struct model *m, const struct model_result *r);

/* The TC egress program saw `frame` leave: record the flow an instance
 * opened. */
void model_egress(struct model *m, const uint8_t *frame, size_t len);
void model_egress_on(struct model *m, const uint8_t *frame, size_t len, bool l3);

const char *model_reason_name(uint32_t reason);

#endif /* ENFORCER_SELFTEST_MODEL_H */
