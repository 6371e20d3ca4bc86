// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The manifest of the generation in force, for commands that read it
 * without -f (`zone export`, `services`): only while the file still has the
 * SHA-256 that was applied, so that they show the node's truth, not a newer
 * file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "state.h"

/* The SOA serial the kernel serves (every zone of a generation has one). */
static uint32_t applied_serial(struct enf_state *st, uint32_t slot)
{
	struct enf_dns_key key;
	struct enf_dns_zone z;
	uint32_t serial = 0;
	int fd = state_inner_fd(st, SEL_DNS_ZONE, slot);

	if (fd < 0)
		return 0;
	if (!bpf_map_get_next_key(fd, NULL, &key) && !bpf_map_lookup_elem(fd, &key, &z))
		serial = z.serial;
	close(fd);
	return serial;
}

/* The applied manifest's path, if the file still has the applied hash, and
 * the serial its zones were served with. */
int cli_applied_manifest(const char *who, char *path, size_t len, uint32_t *serial)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	struct enf_policy pol = {};
	struct enf_active act;
	struct enf_state st;
	unsigned int mdlen = 0;
	char buf[65536];
	EVP_MD_CTX *ctx;
	size_t r;
	FILE *f;
	int err;

	state_init(&st);
	err = state_open(&st, cli.pin_dir, false, false);
	if (!err)
		err = state_active(&st, &act, &pol);
	if (!err)
		if (serial)
			*serial = applied_serial(&st, act.slot);
	state_close(&st);
	if (err == -ENOENT || (!err && !pol.generation)) {
		pr_err("%s: nothing applied in %s (give -f MANIFEST)\n", who, cli.pin_dir);
		return -ENOENT;
	}
	if (err)
		return err;
	snprintf(path, len, "%.*s", (int)sizeof(pol.manifest), pol.manifest);
	f = fopen(path, "rb");
	if (!f) {
		err = -errno;
		pr_err("%s: cannot read the applied manifest '%s': %s (give -f MANIFEST)\n", who,
		       path, strerror(-err));
		return err;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		fclose(f);
		return -ENOMEM;
	}
	while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, r);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	if (mdlen != sizeof(pol.sha256) || memcmp(md, pol.sha256, mdlen)) {
		pr_err("%s: '%s' changed since it was applied (apply it, or give -f)\n", who, path);
		return -ESTALE;
	}
	return 0;
}

