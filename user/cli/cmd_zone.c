// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer zone export [-f MANIFEST] [--view VIEW] [--dir DIR]
 *
 * The private zone(s) as RFC 1035 master files, one per (view, zone), so the
 * same data can be served by NSD or Knot. Without -f, the manifest the
 * generation in force was applied from is used, and only if its SHA-256
 * still matches what was applied (the node's truth, not a newer file).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <openssl/evp.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "manifest.h"
#include "state.h"
#include "zone.h"

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
static int applied_manifest(char *path, size_t len, uint32_t *serial)
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
		*serial = applied_serial(&st, act.slot);
	state_close(&st);
	if (err == -ENOENT || (!err && !pol.generation)) {
		pr_err("zone export: nothing applied in %s (give -f MANIFEST)\n", cli.pin_dir);
		return -ENOENT;
	}
	if (err)
		return err;
	snprintf(path, len, "%.*s", (int)sizeof(pol.manifest), pol.manifest);
	f = fopen(path, "rb");
	if (!f) {
		err = -errno;
		pr_err("zone export: cannot read the applied manifest '%s': %s (give -f MANIFEST)\n",
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
		pr_err("zone export: '%s' changed since it was applied (apply it, or give -f)\n",
		       path);
		return -ESTALE;
	}
	return 0;
}

int cmd_zone(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *file = NULL, *view = NULL, *dir = NULL;
	uint32_t serial = (uint32_t)time(NULL);
	char applied[PATH_MAX], *end;
	struct zone_compiled z = {};
	struct manifest *m = NULL;
	int c, err, code;

	if (cli_verb(cmd, &argc, &argv, "export", &code))
		return code;
	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'f':	/* --file */
			file = optarg;
			break;
		case 'w':	/* --view */
			view = optarg;
			break;
		case 'd':	/* --dir */
			dir = optarg;
			break;
		case 's':	/* --serial */
			errno = 0;
			serial = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				pr_err("zone export: invalid serial '%s' (expected 0..4294967295)\n",
				       optarg);
				return EXIT_BADINPUT;
			}
			break;
		case CLI_DONE:
			return code;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (!file) {
		err = applied_manifest(applied, sizeof(applied), &serial);
		if (err)
			return err == -ENOENT || err == -ESTALE ? EXIT_BADINPUT : EXIT_RUNTIME;
		file = applied;
	}
	err = manifest_load(file, &m, stderr);
	if (err)
		return err == -EINVAL || err == -ENOENT ? EXIT_BADINPUT : EXIT_RUNTIME;
	err = zone_compile(m, serial, &z, stderr);
	if (!err) {
		err = zone_export(&z, m, view, dir, stdout);
		if (err == -ENOENT)
			pr_err("zone export: unknown view '%s' (rack, or an isolated network)\n",
			       view);
		else if (err)
			pr_err("zone export: cannot write zone files%s%s: %s\n", dir ? " to " : "",
			       dir ? dir : "", strerror(-err));
	}
	zone_free(&z);
	manifest_free(m);
	if (err == -EINVAL || err == -ENOENT)
		return EXIT_BADINPUT;
	return err ? EXIT_RUNTIME : 0;
}
