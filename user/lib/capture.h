/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading packet captures (pcap, pcapng) through libpcap. Kept apart: libpcap's
 * headers define their own struct bpf_insn, which clashes with linux/bpf.h.
 */
#ifndef ENFORCER_CAPTURE_H
#define ENFORCER_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Calls `cb` for every frame of a capture, in order (index from 1), as an
 * Ethernet frame: captures of layer-3 links (raw IP) and Linux cooked
 * captures get a made-up Ethernet header. Stops when `cb` returns non-zero
 * and returns that value; returns -EINVAL with a message in `err` for
 * unreadable files or other link types. */
int capture_foreach(const char *file, int (*cb)(void *arg, unsigned long idx, const uint8_t *data,
						size_t len),
		    void *arg, char *err, size_t errlen);

#endif /* ENFORCER_CAPTURE_H */
