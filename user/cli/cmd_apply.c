// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * enforcer apply -f MANIFEST [--dry-run] [--json]   compile, validate, swap in atomically
 * enforcer check -f MANIFEST [--json]               validate only
 *
 * Everything that can fail on bad input (parse, validation, compile limits)
 * happens before the kernel state is opened, so a bad manifest leaves the
 * policy in force untouched.
 *
 * --dry-run compares with the generation in force (diff.h) under the pin
 * dir lock, the one every apply holds, so no apply rewrites a slot while it
 * is read. --json prints one object (fields: docs/json.md); the manifest's
 * messages then go into it instead of to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "diff.h"
#include "log.h"
#include "pipeline.h"

/* Changes of each kind `apply --dry-run` lists before "... and N more"
 * (--json always has them all). */
#define DIFF_SHOW_MAX	200

struct file_opts {
	const char *path;
	int dry_run;
	int json;
};

/* Read, validate and compile; messages on `errf`. Returns an exit code. */
static int load_and_compile(const char *path, struct pipeline *p, FILE *errf)
{
	int err = pipeline_compile_file(path, p, errf);

	if (!err)
		return 0;
	/* unreadable or invalid input is the caller's to fix; the rest is ours */
	return err == -ENOMEM ? EXIT_RUNTIME : EXIT_BADINPUT;
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

/* -f MANIFEST, --json and, for apply, --dry-run; returns -1 after --help. */
static int parse_file_opts(const struct cli_cmd *cmd, int argc, char **argv, struct file_opts *o,
			   bool apply)
{
	int c, code;

	while ((c = cli_next_opt(cmd, argc, argv, &code)) != -1) {
		switch (c) {
		case 'f':	/* --file */
			o->path = optarg;
			break;
		case 'j':	/* --json */
			o->json = 1;
			break;
		case 'n':	/* --dry-run */
			if (!apply) {
				/* --dry-run is apply's: check never changes anything */
				pr_err("%s: unknown option '--dry-run' (apply --dry-run shows what "
				       "would be applied)\n", cmd->name);
				cli_see_help(cmd->name);
				return EXIT_BADINPUT;
			}
			o->dry_run = 1;
			break;
		case CLI_DONE:
			return code ? code : -1;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_BADINPUT;
	if (o->path)
		return 0;
	pr_err("%s: missing -f MANIFEST\n", cmd->name);
	cli_usage(cmd, stderr);
	return EXIT_BADINPUT;
}

/* ---- --json ---- */

/*
 * Where the manifest's messages go: stderr, or with --json a memory stream
 * that is parsed into the object afterwards. The reader and the compiler
 * print one format (manifest.h, docs/manifest.md): "FILE:LINE:COLUMN:
 * FIELD: text" with a position, "FILE: text" without, "warning: " after the
 * field for a warning. Reading that one format back, rather than adding a
 * second channel beside it, keeps text and JSON from ever saying different
 * things.
 */
struct messages {
	FILE *f;
	char *buf;
	size_t len;
};

static int messages_open(struct messages *m, bool json)
{
	m->buf = NULL;
	m->len = 0;
	m->f = json ? open_memstream(&m->buf, &m->len) : stderr;
	if (m->f)
		return 0;
	pr_err("cannot collect the manifest's messages: %s\n", strerror(errno));
	return EXIT_RUNTIME;
}

static void messages_close(struct messages *m)
{
	if (m->f && m->f != stderr)
		fclose(m->f);
	m->f = NULL;
	free(m->buf);
	m->buf = NULL;
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

/* One message line as {"file", "line", "column", "field", "message"};
 * `files` are the names it may start with (the resolved path, the one given);
 * for a directory of manifests, one of them, '/', and a file's name. */
static json_object *message_json(const char *line, const char *const files[2], bool *warning)
{
	json_object *o = json_object_new_object();
	const char *file = "", *rest = line, *end;
	long ln = 0, col = 0;
	size_t flen = 0, span;
	char field[128] = "", in_dir[PATH_MAX];
	int i;

	for (i = 0; i < 2 && !file[0]; i++) {
		size_t n = files[i] ? strlen(files[i]) : 0;

		if (n && !strncmp(line, files[i], n) && line[n] == ':') {
			file = files[i];
			flen = n;
		} else if (n && !strncmp(line, files[i], n) && line[n] == '/' &&
			   (span = strcspn(line + n + 1, ":/")) && line[n + 1 + span] == ':' &&
			   n + 1 + span < sizeof(in_dir)) {
			flen = n + 1 + span;
			snprintf(in_dir, sizeof(in_dir), "%.*s", (int)flen, line);
			file = in_dir;
		}
	}
	if (file[0]) {
		char *e1, *e2;

		/* "LINE:COLUMN: " when the message has a position */
		rest = line + flen + 1;
		e2 = (char *)rest;
		ln = strtol(rest, &e1, 10);
		if (e1 > rest && *e1 == ':')
			col = strtol(e1 + 1, &e2, 10);
		if (e2 > e1 + 1 && *e2 == ':')
			rest = e2 + 1;
		else
			ln = col = 0;
		rest += strspn(rest, " ");
	}
	/* "FIELD: ...": a dotted path, no spaces; "warning" is no field */
	span = strcspn(rest, " :");
	end = rest + span;
	*warning = !strncmp(rest, "warning: ", 9);
	if (span && span < sizeof(field) && end[0] == ':' && end[1] == ' ' && !*warning) {
		snprintf(field, sizeof(field), "%.*s", (int)span, rest);
		*warning = !strncmp(end + 2, "warning: ", 9);
	}
	json_object_object_add(o, "file", jstr(file));
	json_object_object_add(o, "line", json_object_new_int64(ln));
	json_object_object_add(o, "column", json_object_new_int64(col));
	json_object_object_add(o, "field", jstr(field));
	json_object_object_add(o, "message", jstr(rest));
	return o;
}

/* "errors" and "warnings" of `root` from the collected messages. */
static void add_messages(json_object *root, struct messages *m, const char *const files[2])
{
	json_object *errs = json_object_new_array(), *warns = json_object_new_array();
	char *line, *next;

	if (m->f && m->f != stderr)
		fflush(m->f);
	for (line = m->buf; line && *line; line = next) {
		bool warning = false;
		json_object *o;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (!*line)
			continue;
		o = message_json(line, files, &warning);
		json_object_array_add(warning ? warns : errs, o);
	}
	json_object_object_add(root, "errors", errs);
	json_object_object_add(root, "warnings", warns);
}

static void add_summary(json_object *o, const struct compiled *c)
{
	const struct enf_policy *p = &c->policy;
	char sha[2 * sizeof(p->sha256) + 1];
	size_t i;

	for (i = 0; i < sizeof(p->sha256); i++)
		snprintf(sha + 2 * i, 3, "%02x", p->sha256[i]);
	json_object_object_add(o, "sha256", jstr(sha));
	json_object_object_add(o, "mode", jstr(p->mode == ENF_MODE_AUDIT ? "audit" : "enforce"));
	cli_policy_json(o, p);	/* the names of `status --json` */
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* ---- the commands ---- */

int cmd_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct file_opts o = {};
	struct messages msgs;
	struct pipeline p;
	json_object *root;
	int ret;

	ret = parse_file_opts(cmd, argc, argv, &o, false);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = messages_open(&msgs, o.json);
	if (ret)
		return ret;
	ret = load_and_compile(o.path, &p, msgs.f);
	if (!o.json) {
		if (!ret)
			print_summary("valid", p.path, &p.c);
	} else {
		const char *const files[2] = { p.path, o.path };

		root = json_object_new_object();
		json_object_object_add(root, "valid", json_object_new_boolean(!ret));
		json_object_object_add(root, "manifest", jstr(p.path[0] ? p.path : o.path));
		add_messages(root, &msgs, files);
		if (!ret)
			add_summary(root, &p.c);
		print_json(root);
	}
	messages_close(&msgs);
	if (!ret)
		pipeline_free(&p);
	return ret;
}

/* The state to compare with for a dry run: the pinned one, locked; NULL
 * when nothing is pinned (then everything is new). */
static int open_in_force(struct enf_state *st, struct enf_state **out)
{
	int err = state_open(st, cli.pin_dir, false, true);

	*out = err ? NULL : st;
	return err == -ENOENT ? 0 : err;
}

struct apply_result {
	int ret;		/* exit code */
	bool compiled;		/* p holds a compiled manifest */
	const char *error;	/* a runtime failure, said */
	const struct policy_diff *diff;	/* NULL when not compared */
	uint64_t generation;	/* made by a real apply */
};

static void apply_json(const struct file_opts *o, struct pipeline *p, struct messages *msgs,
		       const struct apply_result *r)
{
	const char *const files[2] = { p->path, o->path };
	json_object *root = json_object_new_object();

	json_object_object_add(root, "applied", json_object_new_boolean(!r->ret && !o->dry_run));
	json_object_object_add(root, "dry_run", json_object_new_boolean(o->dry_run));
	json_object_object_add(root, "manifest", jstr(p->path[0] ? p->path : o->path));
	json_object_object_add(root, "pin_dir", jstr(cli.pin_dir));
	if (!r->ret && (r->diff || !o->dry_run))
		json_object_object_add(root, "generation", json_object_new_uint64(
				       o->dry_run ? r->diff->to_generation : r->generation));
	if (r->compiled)
		add_summary(root, &p->c);
	add_messages(root, msgs, files);
	if (r->error)
		json_object_object_add(root, "error", jstr(r->error));
	if (r->diff && !r->ret)
		json_object_object_add(root, "changes", policy_diff_json(r->diff));
	print_json(root);
}

int cmd_apply(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct apply_result r = {};
	struct file_opts o = {};
	struct enf_state st, *in_force = NULL;
	struct state_preload preload;
	struct policy_diff diff = {};
	struct messages msgs;
	struct pipeline p;
	char error[2 * PATH_MAX + 256];
	bool opened;
	int err;

	r.ret = parse_file_opts(cmd, argc, argv, &o, true);
	if (r.ret)
		return r.ret < 0 ? 0 : r.ret;
	r.ret = messages_open(&msgs, o.json);
	if (r.ret)
		return r.ret;
	/* on a node with nothing loaded, the programs verify meanwhile */
	state_preload_start(&preload, o.dry_run ? NULL : cli.pin_dir);
	r.ret = load_and_compile(o.path, &p, msgs.f);
	if (r.ret)
		goto out;
	r.compiled = true;
	if (o.dry_run && !o.json)
		print_summary("would apply", p.path, &p.c);

	state_init(&st);
	if (o.dry_run) {
		err = open_in_force(&st, &in_force);
	} else {
		err = state_open_preloaded(&st, cli.pin_dir, &preload);
		in_force = &st;
	}
	/* the state cannot be opened or loaded: said above; no policy applied */
	opened = !err;
	if (!err && o.dry_run) {
		err = policy_diff(in_force, &p.c, &diff);
		if (!err)
			r.diff = &diff;
	}
	if (!err && !o.dry_run) {
		/* --json says what changed too; a report that cannot be made
		 * (said) leaves it out, it does not hold the policy back */
		if (o.json && !policy_diff(in_force, &p.c, &diff))
			r.diff = &diff;
		err = pipeline_apply_node(&st, &p, &r.generation);
	}
	state_close(&st);
	if (err) {
		if (o.dry_run)
			snprintf(error, sizeof(error), "cannot compare %s with the policy in force in "
				 "%s: %s", p.path, cli.pin_dir, strerror(-err));
		else if (!opened)
			snprintf(error, sizeof(error), "cannot apply %s: the state in %s cannot be "
				 "opened or loaded (%s); no policy was applied", p.path, cli.pin_dir,
				 strerror(-err));
		else
			snprintf(error, sizeof(error), "cannot apply %s: %s (the policy in force is "
				 "unchanged)", p.path, strerror(-err));
		pr_err("%s\n", error);
		r.error = error;
		r.ret = EXIT_RUNTIME;
	} else if (!o.json && o.dry_run) {
		policy_diff_print(&diff, stdout, DIFF_SHOW_MAX);
	} else if (!o.json) {
		print_summary("applied", p.path, &p.c);
		printf("generation %llu is in force (pin dir %s)\n",
		       (unsigned long long)r.generation, cli.pin_dir);
	}
out:
	state_preload_discard(&preload);
	if (o.json)
		apply_json(&o, &p, &msgs, &r);
	messages_close(&msgs);
	policy_diff_free(&diff);
	if (r.compiled)
		pipeline_free(&p);
	return r.ret;
}
