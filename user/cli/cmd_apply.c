// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer apply -f MANIFEST [--dry-run]   compile, validate, swap in atomically
 * enforcer check -f MANIFEST               validate only
 *
 * Everything that can fail on bad input (parse, validation, compile limits)
 * happens before the kernel state is opened, so a bad manifest leaves the
 * policy in force untouched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "cli.h"
#include "compile.h"
#include "links.h"
#include "log.h"
#include "manifest.h"
#include "state.h"

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 0, n = 0;
	char *b = NULL, *nb;

	if (!f)
		return -errno;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				if (f != stdin)
					fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, cap - n, f);

		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int err = -EIO;

		free(b);
		if (f != stdin)
			fclose(f);
		return err;
	}
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Load, validate and compile; returns an exit code (0 = ok). */
static int load_and_compile(const char *path, struct manifest **m, struct compiled *c)
{
	struct compile_clock clk;
	struct timespec ts;
	unsigned int mdlen = 0;
	char *buf = NULL;
	size_t len = 0;
	int err;

	err = read_file(path, &buf, &len);
	if (err) {
		pr_err("cannot read manifest '%s': %s\n", path, strerror(-err));
		return EXIT_BADINPUT;
	}
	err = manifest_load_buf(buf, len, path, m, stderr);
	if (err) {
		free(buf);
		return err == -EINVAL ? EXIT_BADINPUT : EXIT_RUNTIME;
	}
	clock_gettime(CLOCK_BOOTTIME, &ts);
	clk.wall = time(NULL);
	clk.boot_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	err = compile_manifest(*m, &clk, c, stderr);
	if (!err) {
		EVP_Digest(buf, len, c->policy.sha256, &mdlen, EVP_sha256(), NULL);
		snprintf(c->policy.manifest, sizeof(c->policy.manifest), "%s", path);
	}
	free(buf);
	if (err) {
		manifest_free(*m);
		*m = NULL;
		if (err != -EINVAL)
			pr_err("cannot compile manifest: %s\n", strerror(-err));
		return err == -EINVAL ? EXIT_BADINPUT : EXIT_RUNTIME;
	}
	return 0;
}

static void print_summary(const char *verb, const char *path, const struct compiled *c)
{
	const struct enf_policy *p = &c->policy;

	printf("%s %s: %u apps, %u services, %u instances; maps: %u addresses, %u public ports, "
	       "%u source prefixes in %u classes, %u admission entries; mode %s\n",
	       verb, path, p->apps, p->services, p->instances, p->dests, p->ports,
	       p->src_prefixes, p->src_classes, p->admit_entries,
	       p->mode == ENF_MODE_AUDIT ? "audit" : "enforce");
}

static void usage_apply(FILE *f, const char *verb)
{
	fprintf(f, "usage: enforcer [--pin-dir DIR] %s -f MANIFEST%s\n", verb,
		strcmp(verb, "apply") ? "" : " [--dry-run]");
}

static int parse_file_opts(int argc, char **argv, const char *verb, const char **path,
			   int *dry_run)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			*path = optarg;
			break;
		case 'n':
			if (!dry_run)
				goto bad;
			*dry_run = 1;
			break;
		case 'h':
			usage_apply(stdout, verb);
			return -1;
		default:
			goto bad;
		}
	}
	if (*path && optind == argc)
		return 0;
	if (!*path)
		pr_err("%s: missing -f MANIFEST\n", verb);
	else
		pr_err("%s: unexpected argument '%s'\n", verb, argv[optind]);
bad:
	usage_apply(stderr, verb);
	return EXIT_BADINPUT;
}

int cmd_check(int argc, char **argv)
{
	struct compiled c = {};
	struct manifest *m = NULL;
	const char *path = NULL;
	int ret;

	ret = parse_file_opts(argc, argv, "check", &path, NULL);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load_and_compile(path, &m, &c);
	if (ret)
		return ret;
	print_summary("valid", path, &c);
	compiled_free(&c);
	manifest_free(m);
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct link_info *links = NULL;
	struct enf_iface *ifaces = NULL;
	struct enf_state st;
	struct compiled c = {};
	struct manifest *m = NULL;
	const char *path = NULL;
	size_t nlinks = 0, i;
	uint64_t gen = 0;
	int dry_run = 0, ret, err;

	ret = parse_file_opts(argc, argv, "apply", &path, &dry_run);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load_and_compile(path, &m, &c);
	if (ret)
		return ret;
	if (dry_run) {
		print_summary("would apply", path, &c);
		goto out;
	}

	state_init(&st);
	err = state_open(&st, cli.pin_dir, true, true);
	if (!err)
		err = links_list(cli.pin_dir, &links, &nlinks);
	if (!err && nlinks) {
		ifaces = calloc(nlinks, sizeof(*ifaces));
		if (!ifaces)
			err = -ENOMEM;
		for (i = 0; ifaces && i < nlinks; i++)
			ifaces[i] = links[i].iface;
	}
	if (!err)
		err = state_apply(&st, &c, ifaces, nlinks, &gen);
	state_close(&st);
	if (err) {
		pr_err("cannot apply %s: %s (the policy in force is unchanged)\n", path,
		       strerror(-err));
		ret = EXIT_RUNTIME;
		goto out;
	}
	print_summary("applied", path, &c);
	printf("generation %llu is in force (pin dir %s)\n", (unsigned long long)gen, cli.pin_dir);
out:
	free(ifaces);
	free(links);
	compiled_free(&c);
	manifest_free(m);
	return ret;
}
