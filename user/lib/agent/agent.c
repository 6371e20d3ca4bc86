// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The node agent's event loop (see agent.h).
 *
 * One thread, one epoll: a signalfd (SIGTERM/SIGINT stop, SIGHUP re-reads),
 * an inotify watch on the manifest's directory, the netlink socket of the
 * link cache, and the health probes' sockets. Everything that changes the
 * kernel state takes the pin dir lock for the time it does, so `enforcer
 * attach`/`apply` by hand never interleave with it.
 *
 * Never a gap: the programs stay attached through pinned links whatever
 * happens to this process. Starting, it adopts what is pinned (the links and,
 * when the manifest is the one in force, the generation); stopping, it leaves
 * all of it in place unless told --detach-on-exit.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "daemon_info.h"
#include "events.h"
#include "links.h"
#include "log.h"

#define HEARTBEAT_MS	1000
#define RECONCILE_MS	5000	/* links, in case a netlink message was lost */

/* epoll tags of the agent's own fds; probe sockets carry their probe. */
static char tag_signal, tag_inotify, tag_netlink;

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int agent_watch_fd(struct agent *a, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(a->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

void agent_unwatch_fd(struct agent *a, int fd)
{
	epoll_ctl(a->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static void sha_hex(const uint8_t sha[32], char out[65])
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", sha[i]);
}

static void write_info(struct agent *a)
{
	a->info.heartbeat_ns = boot_ns();
	a->info.links = follow_count(a);
	a->info.unhealthy = health_unhealthy(a);
	if (daemon_info_write(a->info_fd, &a->info))
		pr_warn("cannot write the heartbeat: %s\n", strerror(errno));
	metrics_http_publish(a);
}

/* An applied generation's time, into the histogram. */
static void observe_apply(struct agent *a, uint64_t ms)
{
	static const uint64_t le_ms[AGENT_APPLY_BUCKETS] = { 5, 10, 25, 50, 100,
							     250, 500, 1000, 2500, 10000 };
	int i;

	a->stats.results[AGENT_APPLIED]++;
	a->stats.apply_sum_s += ms / 1000.0;
	for (i = 0; i < AGENT_APPLY_BUCKETS; i++)
		if (ms <= le_ms[i])
			a->stats.apply_le[i]++;
}

static void list_expiry(const struct mf_cidr_list *l, int64_t after, int64_t *best)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].expires > after && (!*best || l->v[i].expires < *best))
			*best = l->v[i].expires;
}

/* The earliest `expires:` after `after` in any CIDR list, or 0. */
static int64_t next_expiry(const struct manifest *m, int64_t after)
{
	int64_t best = 0;
	size_t i;

	list_expiry(&m->private_cidrs, after, &best);
	for (i = 0; i < m->nnetworks; i++) {
		list_expiry(&m->networks[i].cidrs, after, &best);
		list_expiry(&m->networks[i].peers, after, &best);
	}
	for (i = 0; i < m->napps; i++)
		list_expiry(&m->apps[i].trusted, after, &best);
	return best;
}

enum reload_why { RELOAD_START, RELOAD_WATCH, RELOAD_HUP, RELOAD_EXPIRY, RELOAD_RETRY };

/* The path stored with the policy: absolute, the directory resolved (as it
 * is now: it may be a symlink that is swapped), the file's own name kept;
 * a directory of manifests, resolved. */
static const char *stored_name(struct agent *a)
{
	static char out[PATH_MAX];
	char real[PATH_MAX], *b = strrchr(a->manifest, '/');

	if (!strcmp(a->manifest, a->dir))
		return realpath(a->dir, out) ? out : a->manifest;
	if (!b || !realpath(a->dir, real) ||
	    snprintf(out, sizeof(out), "%s%s", strcmp(real, "/") ? real : "", b) >=
		    (int)sizeof(out))
		return a->manifest;
	return out;
}

/* Compile errors go to stderr as they are; they are also counted. */
static int compile_counted(struct agent *a, const char *buf, size_t len, struct pipeline *p,
			   unsigned int *errors)
{
	char *text = NULL, *line;
	size_t text_len = 0;
	FILE *mem = open_memstream(&text, &text_len);
	int err;

	err = pipeline_compile_buf(buf, len, stored_name(a), p, mem ? mem : stderr);
	*errors = 0;
	if (mem) {
		fclose(mem);
		for (line = text; line && *line;) {
			char *nl = strchr(line, '\n');

			if (!strstr(line, "warning:") || (nl && strstr(line, "warning:") > nl))
				(*errors)++;
			if (!nl)
				break;
			line = nl + 1;
		}
		if (text_len)
			fputs(text, stderr);
		free(text);
	}
	if (err && !*errors)
		*errors = 1;
	if (!err)
		*errors = 0;
	return err;
}

static void note_apply(struct agent *a, bool ok, unsigned int errors)
{
	a->info.last_apply_at = (uint64_t)time(NULL);
	a->info.last_apply_ok = ok;
	a->info.last_errors = errors;
	a->info.last_generation = a->generation;
	write_info(a);
}

/* The manifest in force becomes `p` (generation `gen`); links and health
 * follow it. */
static void take(struct agent *a, struct pipeline *p, uint64_t gen)
{
	if (a->have_cur)
		pipeline_free(&a->cur);
	a->cur = *p;
	a->have_cur = true;
	a->generation = gen;
	follow_retry_failed(a);
	follow_reconcile(a);
	health_rebuild(a);
}

/* The kernel refused an apply (memory, a map): try the same bytes again,
 * 1 s, 2 s, ... up to a minute apart. */
static void retry_later(struct agent *a)
{
	a->retry_ms = a->retry_ms ? a->retry_ms * 2 : 1000;
	if (a->retry_ms > 60000)
		a->retry_ms = 60000;
	a->retry_at = agent_now_ms() + a->retry_ms;
}

/* The bytes in force, kept: an expiry recompiles them, not whatever the
 * file holds by then. */
static void keep_bytes(struct agent *a, char *buf, size_t len, const uint8_t digest[32])
{
	free(a->cur_buf);
	a->cur_buf = buf;
	a->cur_len = len;
	memcpy(a->seen_sha, digest, 32);
	a->seen_any = true;
	a->retry_at = a->retry_ms = 0;
}

/* The generation `pol` came from the bytes of `p` through this compiler. */
static bool same_source(const struct enf_policy *pol, const struct pipeline *p)
{
	return pol->generation && !memcmp(pol->sha256, p->c.policy.sha256, 32) &&
	       pol->map_digest[ENF_DIGEST_LAYOUT] == zone_layout_digest(&p->c.zone);
}

/* ... and no `expires:` passed since it was applied. */
static bool in_force(const struct enf_policy *pol, const struct pipeline *p)
{
	int64_t e = next_expiry(p->m, (int64_t)pol->applied_at);

	return same_source(pol, p) && !(e && e <= (int64_t)time(NULL));
}

static void reload(struct agent *a, enum reload_why why)
{
	struct enf_policy pol = {};
	struct enf_active act;
	char sha[65], *buf = NULL;
	uint8_t digest[32];
	unsigned int errors;
	struct pipeline p;
	uint64_t t0, gen = 0;
	size_t len = 0;
	int err;

	if (why == RELOAD_EXPIRY && a->cur_buf) {
		buf = malloc(a->cur_len + 1);
		if (!buf)
			return;
		memcpy(buf, a->cur_buf, a->cur_len + 1);
		len = a->cur_len;
	} else {
		err = manifest_read_file(a->manifest, &buf, &len, stderr);
		if (err) {
			/* mid-swap the name can be missing for a moment: the
			 * next event brings it back */
			if (why != RELOAD_WATCH || err != -ENOENT) {
				EV("rejected", EV_S("manifest", a->manifest), EV_U("errors", 1),
				   EV_S("error", strerror(-err)));
				a->info.rejects++;
				a->stats.results[AGENT_REJECTED]++;
				note_apply(a, false, 1);
			}
			return;
		}
	}
	pipeline_sha256(buf, len, digest);
	sha_hex(digest, sha);
	if (why == RELOAD_WATCH && a->seen_any && !memcmp(digest, a->seen_sha, 32)) {
		free(buf);	/* an event that changed nothing we read */
		return;
	}

	t0 = agent_now_ms();
	err = compile_counted(a, buf, len, &p, &errors);
	if (err) {
		/* final for these bytes: not read again until they change */
		memcpy(a->seen_sha, digest, 32);
		a->seen_any = true;
		a->retry_at = a->retry_ms = 0;
		free(buf);
		EV("rejected", EV_S("manifest", a->manifest), EV_S("sha256", sha),
		   EV_U("errors", errors));
		a->info.rejects++;
		a->stats.results[AGENT_REJECTED]++;
		note_apply(a, false, errors);
		return;
	}
	if (why != RELOAD_EXPIRY && !state_active(&a->st, &act, &pol) && in_force(&pol, &p)) {
		if (why == RELOAD_START)
			EV("adopted", EV_U("generation", pol.generation), EV_S("sha256", sha),
			   EV_S("manifest", a->manifest));
		else
			EV("unchanged", EV_U("generation", pol.generation), EV_S("sha256", sha));
		a->stats.results[AGENT_UNCHANGED]++;
		keep_bytes(a, buf, len, digest);
		if (a->have_cur && a->generation == pol.generation)
			pipeline_free(&p);	/* what is in force already */
		else
			take(a, &p, pol.generation);
		note_apply(a, true, 0);
		return;
	}
	err = state_lock(&a->st);
	if (!err) {
		err = pipeline_apply_node(&a->st, &p, &gen);
		state_unlock(&a->st);
	}
	if (err) {
		free(buf);
		pipeline_free(&p);
		retry_later(a);
		EV("apply_failed", EV_S("manifest", a->manifest), EV_S("sha256", sha),
		   EV_S("error", strerror(-err)), EV_U("retry_ms", a->retry_ms));
		a->info.rejects++;
		a->stats.results[AGENT_FAILED]++;
		note_apply(a, false, 0);
		return;
	}
	keep_bytes(a, buf, len, digest);
	a->info.applies++;
	observe_apply(a, agent_now_ms() - t0);
	if (why == RELOAD_EXPIRY)
		EV("expired", EV_U("generation", gen), EV_S("manifest", a->manifest));
	EV("applied", EV_U("generation", gen), EV_S("sha256", sha), EV_S("manifest", a->manifest),
	   EV_U("services", p.c.policy.services), EV_U("duration_ms", agent_now_ms() - t0));
	take(a, &p, gen);
	note_apply(a, true, 0);
}

/* Once a second: an `expires:` that passed re-applies (once per expiry),
 * and a generation someone else applied is noticed: adopted when it is the
 * agent's own manifest (`enforcer apply -f` of the same file), else
 * reported, and the agent's health updates pause until its next apply. */
static void check_in_force(struct agent *a)
{
	struct enf_policy pol = {};
	struct enf_active act;
	char sha[65];
	int64_t e;

	if (!a->have_cur || state_active(&a->st, &act, &pol))
		return;
	if (pol.generation != a->generation && pol.generation != a->foreign_generation) {
		sha_hex(pol.sha256, sha);
		if (same_source(&pol, &a->cur)) {
			EV("adopted", EV_U("generation", pol.generation), EV_S("sha256", sha),
			   EV_S("manifest", a->manifest));
			a->generation = pol.generation;
			health_rebuild(a);
		} else {
			EV("foreign_generation", EV_U("generation", pol.generation),
			   EV_S("sha256", sha), EV_S("manifest", pol.manifest));
			a->foreign_generation = pol.generation;
		}
	}
	e = next_expiry(a->cur.m, (int64_t)pol.applied_at);
	if (pol.generation == a->generation && e && e <= (int64_t)time(NULL) &&
	    e != a->expiry_handled) {
		a->expiry_handled = e;
		reload(a, RELOAD_EXPIRY);
	}
}

/* The manifest's path, absolute with its directory resolved but its own
 * name kept: a ConfigMap's manifest.yml is a symlink into ..data, which is
 * replaced on every update, and it is the name that must be followed. A
 * directory of manifests is watched itself (the ..data swap happens in it;
 * source.c reads the version ..data names). */
static int manifest_path(struct agent *a, const char *given)
{
	char cwd[PATH_MAX], *d = NULL, *b = strdup(given);
	struct stat sb;
	int err = 0, n;

	if (given[0] == '/')
		n = snprintf(a->manifest, sizeof(a->manifest), "%s", given);
	else if (!getcwd(cwd, sizeof(cwd)))
		n = -1;
	else
		n = snprintf(a->manifest, sizeof(a->manifest), "%s/%s", strcmp(cwd, "/") ? cwd : "",
			     given);
	if (n < 0 || n >= (int)sizeof(a->manifest)) {
		pr_err("daemon: -f %s: path too long\n", given);
		err = -ENAMETOOLONG;
	} else if (!b || !(d = strdup(a->manifest))) {
		err = -ENOMEM;
	} else if (!stat(a->manifest, &sb) && S_ISDIR(sb.st_mode)) {
		snprintf(a->dir, sizeof(a->dir), "%s", a->manifest);
	} else if (given[strlen(given) - 1] == '/' || !strcmp(basename(b), ".") ||
		   !strcmp(basename(b), "..")) {
		err = -ENOENT;
		pr_err("daemon: -f %s: no such directory\n", given);
	} else {
		snprintf(a->dir, sizeof(a->dir), "%s", dirname(d));
		if (access(a->dir, X_OK)) {
			err = -errno;
			pr_err("daemon: cannot watch %s: its directory: %s\n", given,
			       strerror(-err));
		}
	}
	free(d);
	free(b);
	return err;
}

static int setup_signals(struct agent *a, sigset_t *old)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);	/* a probe peer that closes early */
	if (sigprocmask(SIG_BLOCK, &set, old))
		return -errno;
	sigdelset(&set, SIGPIPE);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (agent_watch_fd(a, fd, EPOLLIN, &tag_signal)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* (Re)watch the manifest's directory: the directory, not the file, since a
 * rename over the file, or the ..data swap, replaces the inode a file watch
 * would be on. Called again when the directory itself is replaced (its
 * watch ends, or a symlink to it now names another). */
static int watch_dir(struct agent *a)
{
	struct stat sb;

	if (stat(a->dir, &sb))
		return -errno;
	if (inotify_add_watch(a->ino_fd, a->dir, IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
				  IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB |
				  IN_DELETE_SELF | IN_MOVE_SELF) < 0)
		return -errno;
	a->watch_dev = sb.st_dev;
	a->watch_ino = sb.st_ino;
	a->watching = true;
	return 0;
}

static int setup_inotify(struct agent *a)
{
	int err;

	a->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->ino_fd < 0)
		return -errno;
	err = watch_dir(a);
	if (!err && agent_watch_fd(a, a->ino_fd, EPOLLIN, &tag_inotify))
		err = -errno;
	if (err)
		pr_err("daemon: cannot watch %s: %s\n", a->dir, strerror(-err));
	return err;
}

/* Reads the pending events; false when the directory's watch ended. */
static bool read_events(struct agent *a)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool alive = true;
	ssize_t n;

	while ((n = read(a->ino_fd, buf, sizeof(buf))) > 0) {
		const struct inotify_event *e;
		char *p;

		for (p = buf; p < buf + n; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				alive = false;
		}
	}
	return alive;
}

/* Once a second: the directory is still the one watched. */
static void check_dir(struct agent *a, uint64_t *debounce_at)
{
	struct stat sb;

	if (!stat(a->dir, &sb) && a->watching && sb.st_dev == a->watch_dev &&
	    sb.st_ino == a->watch_ino)
		return;
	a->watching = false;
	if (!watch_dir(a)) {
		EV("watching", EV_S("dir", a->dir));
		*debounce_at = agent_now_ms();
	}
}

static void detach_all(struct agent *a)
{
	struct link_info *links = NULL;
	size_t n = 0, i;

	if (state_lock(&a->st))
		return;
	if (!links_list(a->st.pin_dir, &links, &n))
		for (i = 0; i < n; i++)
			if (!links_detach(&a->st, links[i].iface.name))
				EV("link_detached", EV_S("iface", links[i].iface.name));
	state_unlock(&a->st);
	free(links);
}

#define DEBOUNCE_MAX_MS	2000	/* a file written without pause is read anyway */

static int agent_loop(struct agent *a, int sig_fd)
{
	uint64_t debounce_at = 0, debounce_first = 0, beat_at = 0, reconcile_at, second = 0;
	struct epoll_event evs[32];
	bool hup = false;
	int stop_sig = 0;

	reconcile_at = agent_now_ms() + RECONCILE_MS;
	while (!stop_sig && !a->fatal) {
		uint64_t now = agent_now_ms();
		int64_t wait = (int64_t)health_tick(a), n, i;

		if (beat_at <= now) {
			write_info(a);
			beat_at = now + HEARTBEAT_MS;
		}
		if (debounce_at && debounce_at <= now) {
			debounce_at = debounce_first = 0;
			reload(a, RELOAD_WATCH);
		}
		if (hup) {
			hup = false;
			reload(a, RELOAD_HUP);
		}
		if (a->retry_at && a->retry_at <= agent_now_ms())
			reload(a, RELOAD_RETRY);
		if (reconcile_at <= now) {
			follow_reconcile(a);
			reconcile_at = now + RECONCILE_MS;
		}
		if (second <= now) {
			check_in_force(a);
			check_dir(a, &debounce_at);
			second = now + 1000;
		}
		now = agent_now_ms();
		if ((int64_t)(beat_at - now) < wait)
			wait = (int64_t)(beat_at - now);
		if (debounce_at && (int64_t)(debounce_at - now) < wait)
			wait = (int64_t)(debounce_at - now);
		if (a->retry_at && (int64_t)(a->retry_at - now) < wait)
			wait = (int64_t)(a->retry_at - now);
		if (wait < 0)
			wait = 0;
		n = epoll_wait(a->epoll_fd, evs, sizeof(evs) / sizeof(evs[0]), (int)wait);
		if (n < 0 && errno != EINTR) {
			pr_err("daemon: epoll_wait: %s\n", strerror(errno));
			return EXIT_FAILURE;
		}
		for (i = 0; i < n; i++) {
			void *ptr = evs[i].data.ptr;

			if (ptr == &tag_signal) {
				struct signalfd_siginfo si;

				while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						hup = true;
					else
						stop_sig = (int)si.ssi_signo;
				}
			} else if (ptr == &tag_inotify) {
				now = agent_now_ms();
				if (!read_events(a))
					a->watching = false;	/* check_dir watches again */
				if (!debounce_first)
					debounce_first = now;
				debounce_at = now + a->opts.debounce_ms;
				if (debounce_at > debounce_first + DEBOUNCE_MAX_MS)
					debounce_at = debounce_first + DEBOUNCE_MAX_MS;
			} else if (ptr == &tag_netlink) {
				follow_ready(a);
			} else if (health_owns(a, ptr)) {
				health_event(a, ptr, evs[i].events);
			}
		}
	}
	if (a->fatal) {
		pr_err("daemon: cannot follow the node's links any more; exiting (enforcement "
		       "stays in place; a restarted daemon adopts it)\n");
		return EXIT_FAILURE;
	}
	if (a->opts.detach_on_exit)
		detach_all(a);
	EV("stopping", EV_S("signal", strsignal(stop_sig)), EV_B("detached", a->opts.detach_on_exit));
	return 0;
}

/* The netlink socket's epoll tag (follow.c registers it). */
void *agent_netlink_tag(void);
void *agent_netlink_tag(void)
{
	return &tag_netlink;
}

int agent_run(const char *pin_dir, const struct agent_opts *opts)
{
	struct agent *a = calloc(1, sizeof(*a));
	int ret = EXIT_FAILURE, sig_fd = -1, err;
	struct enf_daemon_info other;
	sigset_t old;

	if (!a)
		return EXIT_FAILURE;
	a->opts = *opts;
	a->info_fd = a->lock_fd = a->epoll_fd = a->ino_fd = -1;
	ev_json = opts->log_json;
	srandom((unsigned int)getpid() ^ (unsigned int)time(NULL));	/* probe jitter */
	state_init(&a->st);
	if (manifest_path(a, opts->manifest)) {
		ret = 2;
		goto out;
	}
	/* the state (loaded and pinned when nothing is there yet), under the
	 * pin dir lock, then one daemon per pin dir */
	err = state_open(&a->st, pin_dir, true, true);
	state_unlock(&a->st);
	if (err)
		goto out;
	a->lock_fd = daemon_lock(pin_dir);
	if (a->lock_fd < 0) {
		if (a->lock_fd == -EWOULDBLOCK && !daemon_info_read(pin_dir, &other) && other.pid)
			pr_err("daemon: another daemon (pid %u) runs on %s; exiting\n", other.pid,
			       pin_dir);
		else if (a->lock_fd == -EWOULDBLOCK)
			pr_err("daemon: another daemon runs on %s; exiting\n", pin_dir);
		else
			pr_err("daemon: cannot lock %s: %s\n", pin_dir, strerror(-a->lock_fd));
		goto out;
	}
	a->info_fd = daemon_info_open(&a->st);
	if (a->info_fd < 0) {
		pr_err("daemon: cannot create the heartbeat map in %s: %s\n", pin_dir,
		       strerror(-a->info_fd));
		goto out;
	}
	daemon_info_read(pin_dir, &other);
	a->info.state = ENF_DAEMON_RUNNING;
	a->info.pid = (uint32_t)getpid();
	a->info.started_at = (uint64_t)time(NULL);
	/* shown by status; a longer path is cut (the policy keeps its own) */
	memcpy(a->info.manifest, a->manifest, strnlen(a->manifest, sizeof(a->info.manifest) - 1));
	write_info(a);

	a->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epoll_fd < 0)
		goto out;
	sig_fd = setup_signals(a, &old);
	if (sig_fd < 0) {
		pr_err("daemon: cannot set up signals: %s\n", strerror(-sig_fd));
		goto out;
	}
	if (setup_inotify(a))
		goto out;
	EV("started", EV_U("pid", a->info.pid), EV_S("pin_dir", pin_dir),
	   EV_S("manifest", a->manifest),
	   EV_B("previous_daemon_stopped_cleanly", other.state != ENF_DAEMON_RUNNING));
	if (follow_init(a) || health_init(a))
		goto out;
	/* after the signals are blocked: the HTTP thread inherits the mask */
	if (opts->metrics && metrics_http_start(a, pin_dir, opts->metrics))
		goto out;
	/* the manifest (adopted when it is the one in force), then the links:
	 * those pinned are adopted, those that match and lack programs get them */
	reload(a, RELOAD_START);
	follow_reconcile(a);
	/* after the first apply: the stream server decides from the resolver
	 * addresses in force whether it needs its policy rule */
	dns_thread_start(a, pin_dir);
	ret = agent_loop(a, sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	if (a->info_fd >= 0 && a->info.state == ENF_DAEMON_RUNNING) {
		a->info.state = ENF_DAEMON_STOPPED;	/* also after a failed start */
		write_info(a);
	}
	dns_thread_stop(a);
	metrics_http_stop(a);
	health_free(a);
	follow_free(a);
	if (a->have_cur)
		pipeline_free(&a->cur);
	if (sig_fd >= 0)
		close(sig_fd);
	if (a->ino_fd >= 0)
		close(a->ino_fd);
	free(a->cur_buf);
	if (a->epoll_fd >= 0)
		close(a->epoll_fd);
	if (a->info_fd >= 0)
		close(a->info_fd);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	state_close(&a->st);
	free(a);
	return ret;
}
