// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's stream server: `enforcer dns serve` in steering mode
 * (dns_stream.c) on a thread of its own, so that wherever the node agent
 * runs, TCP/53 to a resolver address is answered: private names whole
 * (RFC 7766, no truncation), other names relayed to the resolver the client
 * asked. It reads the pinned state through its own enf_state (every query
 * looks up the generation in force), never the event loop's. Its listeners
 * leave enf_dns_listen when the thread closes them or the process dies, and
 * TCP/53 then goes to the resolver again.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "dns_serve.h"
#include "events.h"
#include "log.h"
#include "state.h"

struct dns_thread {
	pthread_t tid;
	struct enf_state st;
	struct dns_serve_opts o;
	volatile sig_atomic_t stop;
	int err;
};

static void *dns_thread_main(void *arg)
{
	struct dns_thread *t = arg;

	t->err = dns_serve(&t->st, &t->o, &t->stop);
	if (t->err && !t->stop)
		pr_err("daemon: the DNS stream server stopped: %s; TCP/53 goes to the resolver\n",
		       strerror(-t->err));
	return NULL;
}

void dns_thread_start(struct agent *a, const char *pin_dir)
{
	struct dns_thread *t;
	int err;

	if (a->opts.no_dns_serve)
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	state_init(&t->st);
	err = state_open(&t->st, pin_dir, false, false);
	if (err) {
		pr_err("daemon: no DNS stream server: cannot open %s: %s\n", pin_dir,
		       strerror(-err));
		free(t);
		return;
	}
	dns_serve_defaults(&t->o);
	t->o.steer = 1;
	t->o.quiet = 1;
	err = pthread_create(&t->tid, NULL, dns_thread_main, t);
	if (err) {
		pr_err("daemon: no DNS stream server: %s\n", strerror(err));
		state_close(&t->st);
		free(t);
		return;
	}
	a->dns = t;
	EV("dns_serve", EV_S("tcp", "steered to the daemon (bpf_sk_assign)"),
	   EV_U("max_connections", t->o.max_conns), EV_U("per_source", t->o.per_source));
}

void dns_thread_stop(struct agent *a)
{
	struct dns_thread *t = a->dns;

	if (!t)
		return;
	t->stop = 1;	/* seen within one epoll timeout (100 ms) */
	pthread_join(t->tid, NULL);
	state_close(&t->st);
	free(t);
	a->dns = NULL;
}
