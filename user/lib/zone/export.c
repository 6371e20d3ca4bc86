// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* RFC 1035 zone files of the compiled zones (zone_export, see zone.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer_common.h"
#include "zone.h"

/* ------------------------------------------------------------------------ */
/* Zone files */

struct exp_ctx {
	const struct zone_compiled *z;
	const struct manifest *m;
	const char *dir;
	FILE *out;
	bool first;
};

/* The labels of `wire` left of the apex as master-file text ("@" if none). */
static void rel_owner(const uint8_t *wire, size_t wire_len, size_t apex_len, char *buf,
		      size_t len)
{
	uint8_t tmp[ENF_DNS_MAX_NAME];
	size_t n;

	if (wire_len <= apex_len) {
		snprintf(buf, len, "@");
		return;
	}
	n = wire_len - apex_len;
	memcpy(tmp, wire, n);
	tmp[n] = 0;
	dns_wire_show(tmp, buf, len);
}

static int export_cmp(const void *pa, const void *pb, void *arg)
{
	const struct zone_compiled *z = arg;
	const struct zone_name *a = &z->names[*(const size_t *)pa];
	const struct zone_name *b = &z->names[*(const size_t *)pb];

	return zone_name_cmp(a, b);
}

static void write_zone(const struct exp_ctx *ex, uint32_t view, const struct zone_apex *za,
		       const size_t *idx, size_t n, FILE *f)
{
	const struct zone_compiled *z = ex->z;
	size_t apex_len = za->key.wire_len, i, k;
	char apex[DNS_TEXT_MAX], owner[DNS_TEXT_MAX], addr[INET6_ADDRSTRLEN];

	dns_wire_show(za->wire, apex, sizeof(apex));
	fprintf(f, "; view %s zone %s\n", zone_view_name(ex->m, view), apex);
	fprintf(f, "$ORIGIN %s.\n", apex);
	fprintf(f, "$TTL %u\n", za->val.ttl);
	fprintf(f, "@\tIN\tSOA\tns hostmaster %u %u %u %u %u\n", za->val.serial,
		za->val.refresh, za->val.retry, za->val.expire, za->val.minimum);
	fprintf(f, "@\tIN\tNS\tns\n");
	for (i = 0; i < n; i++) {
		const struct zone_name *nm = &z->names[idx[i]];
		uint32_t r = nm->val.rrset_id;

		if (!r || r >= z->nrrsets)
			continue;
		rel_owner(nm->wire, nm->key.wire_len, apex_len, owner, sizeof(owner));
		if (r + enf_dns_rrset_pages(nm->val.n_a, nm->val.n_aaaa, nm->val.n_srv) >
		    z->nrrsets)
			continue;
		/* record k: page r + k / 32, slot k % 32 */
		for (k = 0; k < nm->val.n_a; k++)
			fprintf(f, "%s\tIN\tA\t%s\n", owner,
				inet_ntop(AF_INET, &z->a[r + k / ENF_DNS_MAX_RR].addr[k % ENF_DNS_MAX_RR],
					  addr, sizeof(addr)));
		for (k = 0; k < nm->val.n_aaaa; k++)
			fprintf(f, "%s\tIN\tAAAA\t%s\n", owner,
				inet_ntop(AF_INET6,
					  z->aaaa[r + k / ENF_DNS_MAX_RR].addr[k % ENF_DNS_MAX_RR],
					  addr, sizeof(addr)));
		if (nm->val.n_srv) {
			/* the target is "<index>.<owner minus _port._proto.>" */
			const uint8_t *svc = nm->wire + 1 + nm->wire[0];
			char target[DNS_TEXT_MAX];

			svc += 1 + svc[0];
			rel_owner(svc, nm->key.wire_len - (size_t)(svc - nm->wire), apex_len,
				  target, sizeof(target));
			for (k = 0; k < nm->val.n_srv; k++) {
				const struct enf_dns_srv_rr *rr =
					&z->srv[r + k / ENF_DNS_MAX_RR].rr[k % ENF_DNS_MAX_RR];
				size_t ll = rr->label_len < 5 ? rr->label_len : 5;

				fprintf(f, "%s\tIN\tSRV\t%u %u %u %.*s%s%s\n", owner,
					ntohs(rr->priority), ntohs(rr->weight), ntohs(rr->port),
					(int)ll, rr->label, strcmp(target, "@") ? "." : "",
					strcmp(target, "@") ? target : "");
			}
		}
	}
}

static int mkdir_p(const char *path)
{
	if (!mkdir(path, 0755) || errno == EEXIST)
		return 0;
	return -errno;
}

/* DIR/<view>/<apex>.zone, written to a temporary file and renamed. */
static int export_file(const struct exp_ctx *ex, uint32_t view, const struct zone_apex *za,
		       const size_t *idx, size_t n)
{
	char apex[DNS_TEXT_MAX], *vdir = NULL, *path = NULL, *tmp = NULL;
	FILE *f = NULL;
	int err = 0, fd;

	dns_wire_show(za->wire, apex, sizeof(apex));
	if (asprintf(&vdir, "%s/%s", ex->dir, zone_view_name(ex->m, view)) < 0) {
		vdir = NULL;
		err = -ENOMEM;
		goto out;
	}
	if (asprintf(&path, "%s/%s.zone", vdir, apex) < 0 ||
	    asprintf(&tmp, "%s/.%s.zone.XXXXXX", vdir, apex) < 0) {
		err = -ENOMEM;
		goto out;
	}
	err = mkdir_p(vdir);
	if (err)
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	write_zone(ex, view, za, idx, n, f);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(vdir);
	free(path);
	free(tmp);
	return err;
}

int zone_export(const struct zone_compiled *z, const struct manifest *m, const char *view,
		const char *dir, FILE *out)
{
	struct exp_ctx ex = { .z = z, .m = m, .dir = dir, .out = out, .first = true };
	size_t *idx = NULL, i, j;
	uint32_t want = 0;
	bool filter = false;
	int err = 0;

	if (view) {
		filter = true;
		if (strcmp(view, "rack")) {
			for (i = 1; i < m->nnetworks; i++)
				if (!strcmp(m->networks[i].name, view))
					break;
			if (i >= m->nnetworks)
				return -ENOENT;
			/* a non-isolated network's names are in the rack view */
			want = m->networks[i].isolated ? (uint32_t)i : 0;
		}
	}
	if (dir) {
		err = mkdir_p(dir);
		if (err)
			return err;
	} else if (!out) {
		return -EINVAL;
	}
	if (!z->nnames)
		return 0;
	idx = calloc(z->nnames, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < z->nnames; i++)
		idx[i] = i;
	qsort_r(idx, z->nnames, sizeof(*idx), export_cmp, (void *)z);
	/* groups of (view, zone); a group exists where the apex does */
	for (i = 0; i < z->nnames && !err; i = j) {
		const struct zone_name *first = &z->names[idx[i]];
		uint32_t v = first->key.view;
		uint16_t zid = first->val.zone_id;
		bool has_apex = false;

		for (j = i; j < z->nnames; j++) {
			const struct zone_name *nm = &z->names[idx[j]];

			if (nm->key.view != v || nm->val.zone_id != zid)
				break;
			if (nm->val.flags & ENF_DNS_NAME_APEX)
				has_apex = true;
		}
		if (!has_apex || zid >= z->nzones || (filter && v != want))
			continue;
		if (dir) {
			err = export_file(&ex, v, &z->zones[zid], idx + i, j - i);
		} else {
			if (!ex.first)
				fputc('\n', out);
			ex.first = false;
			write_zone(&ex, v, &z->zones[zid], idx + i, j - i, out);
			if (ferror(out))
				err = -EIO;
		}
	}
	free(idx);
	return err;
}
