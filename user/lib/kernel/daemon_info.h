/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the node agent leaves in the pin dir for others to read:
 *
 *   enf_daemon   a one-entry array (struct enf_daemon_info): pid, heartbeat,
 *                last apply; `status` and its --check read it
 *   daemon/      a directory the running daemon holds an flock on: one
 *                daemon per pin dir, and a lock that dies with its holder
 *                (kill -9 included), unlike a pid file
 */
#ifndef ENFORCER_DAEMON_INFO_H
#define ENFORCER_DAEMON_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "enforcer_common.h"
#include "state.h"

/* A heartbeat older than this (the daemon writes one every second) means
 * the daemon hangs or was killed without saying so. */
#define ENF_DAEMON_STALE_MS	10000

/* The daemon lock of the pin dir: an fd to keep open while the daemon runs,
 * or -EWOULDBLOCK when another process holds it, or another -errno. */
int daemon_lock(const char *pin_dir);

/* The pinned enf_daemon map of the state, created (with named BTF fields)
 * when missing; its fd or -errno. */
int daemon_info_open(struct enf_state *st);

int daemon_info_write(int fd, const struct enf_daemon_info *d);

/* Reads enf_daemon of the pin dir; -ENOENT when no daemon ever ran there. */
int daemon_info_read(const char *pin_dir, struct enf_daemon_info *d);

/* Milliseconds since the heartbeat in `d`. */
uint64_t daemon_heartbeat_age_ms(const struct enf_daemon_info *d);

/* Whether a daemon holds the lock of the pin dir now. */
bool daemon_running(const char *pin_dir);

#endif /* ENFORCER_DAEMON_INFO_H */
