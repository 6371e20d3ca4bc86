// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer import CONVOX_YML --app NAME [-o FILE]
 *
 * A manifest skeleton from a convox.yml (user/lib/convox/, docs/convox.md):
 * the app's services with their port, internal, internalAndExternal,
 * health and links. What is written is loaded once more here before it is
 * let out: a manifest that would not pass `enforcer check` is a bug of
 * this command, said as one, and nothing is written.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "convox.h"
#include "log.h"
#include "manifest.h"

/* The whole of `path` ("-": standard input), at most CONVOX_MAX_FILE. */
static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 0, n;
	char *p;
	int err = 0;

	*buf = NULL;
	*len = 0;
	if (!f)
		return -errno;
	for (;;) {
		if (cap - *len < 4096) {
			if (cap > CONVOX_MAX_FILE) {
				err = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			p = realloc(*buf, cap + 1);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			*buf = p;
		}
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
		if (!n) {
			if (ferror(f))
				err = errno ? -errno : -EIO;
			break;
		}
	}
	if (!err && *len > CONVOX_MAX_FILE)
		err = -EFBIG;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(*buf);
		*buf = NULL;
		return err;
	}
	(*buf)[*len] = '\0';
	return 0;
}

/* FILE written whole or not at all: a temporary file renamed over it. */
static int write_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.import.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fwrite(text, 1, len, f) != len)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int cmd_import(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *app_raw = NULL, *output = NULL, *in = NULL;
	char app[CONVOX_NAME_MAX], *buf = NULL, *text = NULL;
	size_t len = 0, tlen = 0;
	int c, code, err, ret = EXIT_BADINPUT, nops = 0;
	FILE *mem;

	/* options before or after the operand (main() parses in order) */
	for (;;) {
		c = cli_next_opt(cmd, argc, argv, &code);
		if (c == CLI_DONE)
			return code;
		if (c == 'a')
			app_raw = optarg;
		else if (c == 'o')
			output = optarg;
		if (c != -1)
			continue;
		if (optind >= argc)
			break;
		in = argv[optind];	/* the one operand, when there is one */
		if (!strcmp(argv[optind - 1], "--")) {
			nops += argc - optind;
			break;
		}
		nops++;
		optind++;
	}
	if (nops != 1) {
		pr_err("import: %s (expected one convox.yml, or - for standard input)\n",
		       nops ? "too many operands" : "missing CONVOX_YML");
		cli_usage(cmd, stderr);
		return EXIT_BADINPUT;
	}
	if (!app_raw) {
		pr_err("import: --app NAME is required (the app's name in Convox, as in "
		       "`convox apps`)\n");
		cli_see_help(cmd->name);
		return EXIT_BADINPUT;
	}
	if (convox_app_name(app_raw, app)) {
		pr_err("import: invalid app name '%s' (expected 1-63 characters a-z, 0-9 and '-'; "
		       "letters are lowercased and spaces become '-')\n", app_raw);
		return EXIT_BADINPUT;
	}
	err = read_all(in, &buf, &len);
	if (err) {
		fprintf(stderr, "%s: cannot read convox.yml: %s%s\n", in, strerror(-err),
			err == -EFBIG ? " (at most 16 MiB)" : "");
		return err == -ENOENT || err == -EFBIG || err == -EISDIR ? EXIT_BADINPUT :
									  EXIT_RUNTIME;
	}
	mem = open_memstream(&text, &tlen);
	if (!mem) {
		pr_err("import: cannot make the manifest: %s\n", strerror(errno));
		free(buf);
		return EXIT_RUNTIME;
	}
	err = convox_import(buf, len, strcmp(in, "-") ? in : "(stdin)", app, mem, stderr);
	fclose(mem);
	if (err) {
		ret = err == -EINVAL ? EXIT_BADINPUT : EXIT_RUNTIME;
		goto out;
	}
	ret = EXIT_RUNTIME;
	if (manifest_load_buf(text, tlen, "(import)", NULL, stderr)) {
		pr_err("import: the manifest made from %s does not load (a bug in enforcer "
		       "import: please report it with the convox.yml)\n", in);
		goto out;
	}
	if (!output || !strcmp(output, "-")) {
		if (fwrite(text, 1, tlen, stdout) != tlen || fflush(stdout)) {
			pr_err("import: cannot write the manifest: %s\n", strerror(errno));
			goto out;
		}
	} else if ((err = write_file(output, text, tlen))) {
		pr_err("import: cannot write '%s': %s\n", output, strerror(-err));
		goto out;
	}
	ret = 0;
out:
	free(text);
	free(buf);
	return ret;
}
