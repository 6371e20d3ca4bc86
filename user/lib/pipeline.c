// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The manifest's way to the kernel (see pipeline.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "links.h"
#include "pipeline.h"

void pipeline_sha256(const char *buf, size_t len, uint8_t out[32])
{
	unsigned int mdlen = 0;

	EVP_Digest(buf, len, out, &mdlen, EVP_sha256(), NULL);
}

int pipeline_compile_buf(const char *buf, size_t len, const char *name, struct pipeline *p,
			 FILE *errf)
{
	struct compile_clock clk;
	struct timespec ts;
	int err;

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", name);
	err = manifest_load_buf(buf, len, name, &p->m, errf);
	if (err)
		return err;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	clk.wall = time(NULL);
	clk.boot_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	err = compile_manifest(p->m, &clk, &p->c, errf);
	if (err) {
		if (err != -EINVAL && errf)
			fprintf(errf, "%s: cannot compile the manifest: %s\n", name, strerror(-err));
		manifest_free(p->m);
		p->m = NULL;
		return err;
	}
	pipeline_sha256(buf, len, p->c.policy.sha256);
	snprintf(p->c.policy.manifest, sizeof(p->c.policy.manifest), "%s", name);
	return 0;
}

int pipeline_compile_file(const char *path, struct pipeline *p, FILE *errf)
{
	char resolved[PATH_MAX];
	const char *name = path;
	size_t len = 0;
	char *buf = NULL;
	int err;

	memset(p, 0, sizeof(*p));
	err = manifest_read_file(path, &buf, &len, errf);
	if (err)
		return err;
	/* the path stored with the policy is absolute: `zone export` and
	 * `status` read it from anywhere */
	if (strcmp(path, "-") && realpath(path, resolved))
		name = resolved;
	err = pipeline_compile_buf(buf, len, name, p, errf);
	free(buf);
	return err;
}

int pipeline_apply(struct enf_state *st, struct pipeline *p, const struct enf_iface *ifaces,
		   size_t n, uint64_t *generation)
{
	return state_apply(st, &p->c, ifaces, n, generation);
}

int pipeline_apply_node(struct enf_state *st, struct pipeline *p, uint64_t *generation)
{
	struct link_info *links = NULL;
	struct enf_iface *ifaces = NULL;
	size_t n = 0, i;
	int err;

	err = links_list(st->pin_dir, &links, &n);
	if (err)
		return err;
	if (n) {
		ifaces = calloc(n, sizeof(*ifaces));
		if (!ifaces) {
			free(links);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++)
		ifaces[i] = links[i].iface;
	err = state_apply(st, &p->c, ifaces, n, generation);
	free(ifaces);
	free(links);
	return err;
}

void pipeline_free(struct pipeline *p)
{
	compiled_free(&p->c);
	manifest_free(p->m);
	p->m = NULL;
}
