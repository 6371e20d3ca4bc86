// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Packet captures through libpcap (see capture.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>

#include "capture.h"

/* The frame as Ethernet: captures of layer-3 links (tun, WireGuard) and
 * Linux "cooked" captures get a made-up Ethernet header with the protocol
 * the link header (or the IP version) says. Returns the length, or 0. */
static size_t as_ethernet(int dlt, const u_char *data, size_t len, uint8_t *out, size_t cap)
{
	size_t skip;
	uint16_t type;

	switch (dlt) {
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		if (!len)
			return 0;
		skip = 0;
		type = data[0] >> 4 == 6 ? 0x86dd : 0x0800;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return 0;
		skip = 16;
		type = (uint16_t)(data[14] << 8 | data[15]);
		break;
	default:
		return 0;
	}
	if (len - skip + 14 > cap)
		len = cap - 14 + skip;
	memset(out, 0, 12);
	out[0] = 0x02;
	out[6] = 0x02;
	out[12] = (uint8_t)(type >> 8);
	out[13] = (uint8_t)type;
	memcpy(out + 14, data + skip, len - skip);
	return len - skip + 14;
}

int capture_foreach(const char *file, int (*cb)(void *arg, unsigned long idx, const uint8_t *data,
						size_t len),
		    void *arg, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	static uint8_t frame[65536 + 14];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long idx = 0;
	pcap_t *p;
	int r, ret = 0, dlt;
	size_t n;

	p = pcap_open_offline(file, errbuf);
	if (!p) {
		snprintf(err, errlen, "%s", errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(p);
	if (dlt != DLT_EN10MB && dlt != DLT_RAW && dlt != DLT_LINUX_SLL
#ifdef DLT_IPV4
	    && dlt != DLT_IPV4 && dlt != DLT_IPV6
#endif
	) {
		const char *name = pcap_datalink_val_to_name(dlt);

		snprintf(err, errlen, "link type %s (expected Ethernet, raw IP or Linux cooked)",
			 name ? name : "?");
		pcap_close(p);
		return -EINVAL;
	}
	while (!ret && (r = pcap_next_ex(p, &h, &data)) == 1) {
		if (dlt == DLT_EN10MB) {
			ret = cb(arg, ++idx, data, h->caplen);
			continue;
		}
		n = as_ethernet(dlt, data, h->caplen, frame, sizeof(frame));
		ret = cb(arg, ++idx, frame, n);
	}
	if (!ret && r == PCAP_ERROR) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		ret = -EINVAL;
	}
	pcap_close(p);
	return ret;
}
