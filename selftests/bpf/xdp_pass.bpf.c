// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * An XDP program that passes everything. The tests put it on the far end
 * (the "pod" side) of a veth whose node side answers DNS in XDP
 * (`attach --dns-xdp`): a veth hands an XDP_TX frame only to a peer that
 * runs an XDP program, and drops it otherwise.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
