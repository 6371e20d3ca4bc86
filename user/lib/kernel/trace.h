/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `enforcer trace`: packets through the loaded program, not a model of it.
 *
 * A packet (built from --from/--to, or read from a capture) is run with
 * BPF_PROG_TEST_RUN through enf_xdp_trace — the attached program's code
 * compiled as a second entry point that reports its decision in enf_trace
 * and changes nothing (no counters, no flow or fragment state) — against
 * the live pinned maps.
 */
#ifndef ENFORCER_TRACE_H
#define ENFORCER_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "enforcer_common.h"
#include "state.h"


/* One BPF_PROG_TEST_RUN of program `fd` over [in, in + len): the program's
 * return code in *retval; with `out`, the packet as the program left it
 * (*out_len: its room in, its length out). Returns 0 or -errno. */
int prog_run(int fd, const void *in, size_t len, void *out, uint32_t *out_len, uint32_t *retval);

/* An Ethernet frame from `from` to `to` (TCP SYN, UDP, SCTP, or an ICMP
 * echo request when no port/protocol is given). Returns its length. */
size_t trace_build(const struct endpoint *from, const struct endpoint *to,
		   uint8_t *buf, size_t size);

/* What a frame is, for a person reading a capture's verdicts: the outer
 * packet's addresses, ports and protocol (a tunnel's inner packet is the
 * program's business; enf_trace says when it judged one). */
struct trace_flow {
	uint16_t ethertype;	/* host order, after VLAN tags */
	uint8_t proto;		/* IPPROTO_*; 0 when not IP */
	uint8_t has_ports;	/* TCP, UDP, SCTP first (or only) fragment, ports present */
	struct enf_addr src, dst;	/* family 0 when not IP */
	uint16_t sport, dport;	/* host order */
};

/* Reads the Ethernet, VLAN, IP and transport headers of a frame as far as
 * they are there (a cut packet yields what precedes the cut). */
void trace_flow_of(const uint8_t *frame, size_t len, struct trace_flow *f);

/* Runs one frame through the trace twin with interface role `role`
 * (ENF_ROLE_MAX: as the interface it would arrive on, here loopback:
 * mixed). Returns 0 and fills `out`, or -errno. */
int trace_run(struct enf_state *st, const uint8_t *frame, size_t len, uint32_t role,
	      struct enf_trace *out);


#endif /* ENFORCER_TRACE_H */
