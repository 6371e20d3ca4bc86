/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The manifest (section 3 of the contract) as a validated in-memory model.
 *
 * manifest_load() parses YAML with libyaml, validates everything, and either
 * returns a complete model or prints every error it found (one line each,
 * "file:line:column: field: what is wrong (what is allowed)") and returns
 * -EINVAL. Nothing outside this module sees a half-valid manifest: the
 * compiler (compile.c) may assume every invariant listed below.
 *
 * Invariants of a loaded model:
 *  - names (rack, networks, apps, services) are normalised (lowercase,
 *    spaces to hyphens) RFC 1123 labels of 1..63 characters;
 *  - networks[0] is the implicit network "rack" (not isolated, no cidrs);
 *    app->network indexes networks[];
 *  - every address and CIDR is valid, CIDR host bits are zero;
 *  - a service's ports are 1..65535 with proto tcp/udp/sctp, no duplicates;
 *  - svc->is_public == (nports > 0 && (!internal || internal_and_external));
 *  - internal_only manifests contain no public service;
 *  - no address is used by two services of different networks, no frontend
 *    (addr, port, proto) is used twice, no frontend address is an instance
 *    or VIP address;
 *  - zone templates only use known placeholders that every app can fill;
 *  - a service's links name other services (app, svc index), each once,
 *    each with a TCP port, no two of them giving the same <NAME>_URL, and
 *    none into an isolated network that does not admit the linking
 *    service's instances.
 */
#ifndef ENFORCER_MANIFEST_H
#define ENFORCER_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "enforcer_common.h"

#define MF_NAME_MAX	64	/* RFC 1123 label (63) + NUL */
#define MF_LABEL_MAX	64	/* free-text label of a CIDR entry */
#define MF_IFPAT_MAX	32	/* interface name or glob */
#define MF_FLOW_TIMEOUT_MAX 86400 /* seconds: a day */

/* 1-based position in a manifest file, for error messages; `file` indexes
 * manifest.files (0 for a single file). */
struct mf_pos {
	int line;
	int col;
	int file;
};

/* Addresses are struct enf_addr (include/enforcer_common.h): family 4 or
 * 6, pad zero, network order, IPv4 in addr[0..3] with the rest zero. */

struct mf_cidr {
	struct enf_addr addr;
	uint8_t plen;		/* 0..32 for IPv4, 0..128 for IPv6 */
	char label[MF_LABEL_MAX]; /* "" when not given */
	int64_t expires;	/* unix seconds; 0 = never */
	struct mf_pos pos;
};

struct mf_cidr_list {
	struct mf_cidr *v;
	size_t n;
};

struct mf_port {
	uint16_t port;		/* host order */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
};

struct mf_frontend {
	struct enf_addr addr;
	uint16_t port;		/* host order */
	uint8_t proto;
	struct mf_pos pos;
};

struct mf_instance {
	struct enf_addr addr;
	struct mf_pos pos;
};

/* health: the daemon's probe of every instance (TCP connect, or HTTP GET of
 * path expecting 2xx/3xx); `unhealthy` failures in a row take an instance
 * out of DNS answers, `healthy` passes put it back. */
#define MF_HEALTH_INTERVAL	5	/* seconds, as Convox */
#define MF_HEALTH_TIMEOUT	2
#define MF_HEALTH_THRESHOLD	2
#define MF_HEALTH_MAX		256	/* characters of a path */
struct mf_health {
	uint16_t port;		/* host order */
	uint16_t interval;	/* seconds */
	uint16_t timeout;	/* seconds, <= interval */
	uint16_t healthy;	/* passes in a row to come back */
	uint16_t unhealthy;	/* failures in a row to leave */
	char *path;		/* HTTP GET of this path; NULL: TCP connect */
};

/* links: the service reaches another by its private name; `enforcer env`
 * turns each into <NAME>_URL. Nothing in the data path changes. */
struct mf_link {
	size_t app;		/* index into manifest.apps */
	size_t svc;		/* index into that app's services */
	struct mf_pos pos;
};

struct mf_service {
	char name[MF_NAME_MAX];	/* normalised */
	struct mf_pos pos;
	bool internal;
	bool internal_and_external;
	bool is_public;		/* derived, see invariants */
	struct mf_port *ports;
	size_t nports;
	struct mf_instance *instances;
	size_t ninstances;
	bool has_vip;
	struct enf_addr vip;
	struct mf_frontend *frontends;
	size_t nfrontends;
	bool has_health;
	struct mf_health health;
	bool publish_not_ready;	/* failing instances stay in DNS answers */
	struct mf_link *links;	/* in manifest order */
	size_t nlinks;
};

struct mf_app {
	char name[MF_NAME_MAX];
	struct mf_pos pos;
	size_t network;		/* index into manifest.networks */
	struct mf_cidr_list trusted;
	struct mf_service *services;
	size_t nservices;
};

struct mf_network {
	char name[MF_NAME_MAX];
	struct mf_pos pos;
	bool isolated;
	struct mf_cidr_list cidrs;
	struct mf_cidr_list peers;
};

struct mf_zone {
	char *tmpl;		/* as written, lowercased */
	struct mf_pos pos;
};

enum mf_role {
	MF_ROLE_MIXED = 0,	/* values equal enum enf_role */
	MF_ROLE_PUBLIC = 1,
	MF_ROLE_PODS = 2,
};

struct mf_iface {
	char pattern[MF_IFPAT_MAX];
	bool is_glob;		/* given as `match:` (fnmatch), else `name:` */
	enum mf_role role;
	struct mf_pos pos;
};

struct manifest {
	char *path;		/* as given to manifest_load: a file or a directory */
	char **files;		/* the files merged, in order ("dir/name"); one:
				 * the path */
	size_t nfiles;
	char rack[MF_NAME_MAX];	/* "" when not given */
	struct mf_zone *zones;
	size_t nzones;
	struct enf_addr *resolvers;
	size_t nresolvers;
	uint32_t dns_ttl;	/* default 5 */
	struct mf_cidr_list private_cidrs;
	bool internal_only;
	int mode;		/* ENF_MODE_ENFORCE / ENF_MODE_AUDIT */
	struct mf_iface *ifaces;
	size_t nifaces;
	struct mf_network *networks;	/* [0] is the implicit "rack" */
	size_t nnetworks;
	struct mf_app *apps;
	size_t napps;
	/* flows: (seconds), defaults ENF_FLOW_*_S / ENF_FRAG_S */
	uint32_t flow_tcp;
	uint32_t flow_tcp_closing;
	uint32_t flow_udp;
	uint32_t flow_icmp;
	uint32_t frag_timeout;
	/* tunnels: UDP ports of VXLAN and Geneve, defaults 4789, 8472 and 6081 */
	struct mf_tunnel_port {
		uint16_t port;
		uint8_t kind;	/* ENF_ENCAP_VXLAN / ENF_ENCAP_GENEVE */
		struct mf_pos pos;
	} tunnels[ENF_MAX_TUNNEL_PORTS];
	size_t ntunnels;
};

/*
 * Parse and validate the manifest at `path`. On success *out holds the model
 * (free with manifest_free) and 0 is returned. On invalid input every error
 * is printed to `errf` and -EINVAL is returned; on I/O errors one line is
 * printed and -errno returned. *out is NULL on failure.
 */
int manifest_load(const char *path, struct manifest **out, FILE *errf);

/* Reads a manifest whole ("-": standard input), inflated when it is gzip
 * (at most 16 MiB once inflated). A directory's manifests (*.yaml, *.yml,
 * and those with .gz; at most 64 MiB in all) come back as one manifest set
 * that manifest_load_buf() merges (source.c). Caller frees *buf
 * (NUL-terminated). Prints what was wrong on `errf` and returns -errno when
 * it cannot. */
int manifest_read_file(const char *path, char **buf, size_t *len, FILE *errf);

/* Same as manifest_load, from what manifest_read_file() read; `name` (the
 * file or directory) stands in for the file name in errors. */
int manifest_load_buf(const char *buf, size_t len, const char *name,
		      struct manifest **out, FILE *errf);

void manifest_free(struct manifest *m);

/* The name of the file a position is in, for "file:line:col" messages. */
const char *manifest_pos_file(const struct manifest *m, struct mf_pos p);

/* The variable a link to service `svc` sets for the linking service, as
 * Convox names it: the name uppercased, '-' as '_', then "_URL" ("api" ->
 * API_URL). `out` holds MF_LINK_VAR_MAX bytes. */
#define MF_LINK_VAR_MAX	(MF_NAME_MAX + 4)
void manifest_link_var(const char *svc, char *out);

/* The first TCP port of a service (the port a link's URL names), 0 if none. */
uint16_t manifest_first_tcp_port(const struct mf_service *s);

/* Total instances over all services (convenience for the compiler/status). */
size_t manifest_count_instances(const struct manifest *m);

#endif /* ENFORCER_MANIFEST_H */
