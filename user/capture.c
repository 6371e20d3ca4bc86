// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Packet captures through libpcap (see capture.h). */
#include <errno.h>
#include <stdio.h>
#include <pcap/pcap.h>

#include "capture.h"

int capture_foreach(const char *file, int (*cb)(void *arg, unsigned long idx, const uint8_t *data,
						size_t len),
		    void *arg, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long idx = 0;
	pcap_t *p;
	int r, ret = 0;

	p = pcap_open_offline(file, errbuf);
	if (!p) {
		snprintf(err, errlen, "%s", errbuf);
		return -EINVAL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(p));

		snprintf(err, errlen, "link type %s (expected Ethernet)", name ? name : "?");
		pcap_close(p);
		return -EINVAL;
	}
	while (!ret && (r = pcap_next_ex(p, &h, &data)) == 1)
		ret = cb(arg, ++idx, data, h->caplen);
	if (!ret && r == PCAP_ERROR) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		ret = -EINVAL;
	}
	pcap_close(p);
	return ret;
}
