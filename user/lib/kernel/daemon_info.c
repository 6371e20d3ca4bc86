// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The node agent's heartbeat map and lock (see daemon_info.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "daemon_info.h"
#include "log.h"
#include "state_internal.h"

#define DAEMON_MAP	"enf_daemon"
#define DAEMON_LOCK	"daemon"

int state_claim(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	err = state_pin_path(path, sizeof(path), pin_dir, name);
	if (err)
		return err;
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
		close(fd);
		return err;
	}
	return fd;
}

int daemon_lock(const char *pin_dir)
{
	return state_claim(pin_dir, DAEMON_LOCK);
}

bool daemon_running(const char *pin_dir)
{
	char path[PATH_MAX];
	bool held;
	int fd;

	if (state_pin_path(path, sizeof(path), pin_dir, DAEMON_LOCK))
		return false;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* a shared lock is refused only while the daemon holds its own */
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int daemon_info_open(struct enf_state *st)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	char path[PATH_MAX];
	int fd, err, key_id, val_id;

	err = state_pin_path(path, sizeof(path), st->pin_dir, DAEMON_MAP);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return -errno;
	key_id = st->btf ? btf__find_by_name_kind(st->btf, "__u32", BTF_KIND_TYPEDEF) : -1;
	val_id = st->btf ? btf__find_by_name_kind(st->btf, "enf_daemon_info", BTF_KIND_STRUCT)
			 : -1;
	if (st->btf_fd >= 0 && key_id > 0 && val_id > 0) {
		opts.btf_fd = st->btf_fd;
		opts.btf_key_type_id = key_id;
		opts.btf_value_type_id = val_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, DAEMON_MAP, sizeof(__u32),
			    sizeof(struct enf_daemon_info), 1, &opts);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int daemon_info_write(int fd, const struct enf_daemon_info *d)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, d, BPF_ANY) ? -errno : 0;
}

int daemon_info_read(const char *pin_dir, struct enf_daemon_info *d)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err;

	memset(d, 0, sizeof(*d));
	err = state_pin_path(path, sizeof(path), pin_dir, DAEMON_MAP);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_map_lookup_elem(fd, &zero, d) ? -errno : 0;
	close(fd);
	return err;
}

uint64_t daemon_heartbeat_age_ms(const struct enf_daemon_info *d)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return now > d->heartbeat_ns ? (now - d->heartbeat_ns) / 1000000 : 0;
}
