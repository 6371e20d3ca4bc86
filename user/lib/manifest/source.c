// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Where a manifest's bytes come from: a file, standard input, or a directory
 * of files; any of them gzip-compressed.
 *
 * A ConfigMap holds at most 1 MiB, and a large rack is several MB of YAML,
 * so a rack may spread over a directory of manifests (one per app or
 * network; see docs/manifest.md, "A directory of manifests") and over
 * gzip-compressed files (a ConfigMap's binaryData). Whatever the source,
 * manifest_read_file() returns one buffer, so the daemon's change detection
 * (a digest of the bytes) and its re-compile from the bytes it keeps work as
 * for a single file:
 *
 *  - a file, compressed or not, becomes its YAML text;
 *  - a directory becomes a *manifest set*: MF_SET_MAGIC, then for each
 *    manifest, in name order, "<name length> <text length>\n" followed by the
 *    name and the text. manifest_load_buf() recognises the magic (a NUL byte
 *    cannot start YAML text) and merges the files (yaml.c).
 *
 * A directory that holds `..data` is a Kubernetes volume (ConfigMap, Secret,
 * projected): kubelet writes a new version into a fresh directory and swaps
 * the `..data` symlink to it, then adds and removes the top-level links.
 * Reading through the links could mix two versions (a key that moved between
 * files would be in neither for a moment), so the set is read from the
 * directory `..data` names, opened once: one version, whole.
 *
 * Gzip is recognised by its magic bytes, not by the name (stdin has none).
 * Each file decompresses to at most MF_MAX_FILE, a set to at most
 * MF_MAX_SET: a small compressed file cannot become an unbounded buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "internal.h"

/* A growing byte buffer; `limit` caps it (EFBIG past it). */
struct bytes {
	char *p;
	size_t len;
	size_t cap;
	size_t limit;
};

static int bytes_room(struct bytes *b, size_t more)
{
	size_t cap;
	char *p;

	if (more > b->limit || b->len > b->limit - more)
		return -EFBIG;
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more)
		cap *= 2;
	if (cap > b->limit)
		cap = b->limit;
	p = realloc(b->p, cap + 1);	/* +1: room for the NUL */
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int bytes_add(struct bytes *b, const void *p, size_t n)
{
	int err = bytes_room(b, n);

	if (err)
		return err;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* Room for the next chunk: up to 64 KiB, not past the limit. 0 with no room
 * when the buffer is full at its limit. */
static int bytes_next(struct bytes *b)
{
	size_t more = b->limit - b->len;

	if (b->len < b->cap || !more)
		return 0;
	return bytes_room(b, more < 65536 ? more : 65536);
}

/* The whole stream, at most b->limit bytes. */
static int read_fd(int fd, struct bytes *b)
{
	for (;;) {
		char one, *to = &one;
		size_t room = 1;
		ssize_t n;
		int err = bytes_next(b);

		if (err)
			return err;
		if (b->len < b->cap) {
			to = b->p + b->len;
			room = b->cap - b->len;
		}
		n = read(fd, to, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		if (to == &one)		/* a byte past the limit */
			return -EFBIG;
		b->len += (size_t)n;
	}
}

static bool is_gzip(const char *p, size_t n)
{
	return n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b;
}

/*
 * Inflate gzip member after member (`cat a.gz b.gz` is one valid stream)
 * into `out`, at most out->limit bytes. *why says what zlib disliked.
 */
static int gunzip(const char *in, size_t inlen, struct bytes *out, const char **why)
{
	z_stream z = {};
	int zr, err;

	*why = NULL;
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	for (;;) {
		size_t left = inlen - (size_t)((const char *)z.next_in - in);
		bool probe = false;
		char one;

		z.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left; /* zlib counts in uInt */
		err = bytes_next(out);
		if (err)
			break;
		if (out->len < out->cap) {
			z.next_out = (Bytef *)out->p + out->len;
			z.avail_out = (uInt)(out->cap - out->len);
		} else {
			z.next_out = (Bytef *)&one;	/* full: must end here */
			z.avail_out = 1;
			probe = true;
		}
		zr = inflate(&z, Z_NO_FLUSH);
		if (probe && !z.avail_out) {
			err = -EFBIG;
			break;
		}
		if (!probe)
			out->len = (size_t)((char *)z.next_out - out->p);
		if (zr == Z_OK)
			continue;
		if (zr == Z_STREAM_END) {
			left = inlen - (size_t)((const char *)z.next_in - in);
			if (!left)
				break;
			if (!is_gzip((const char *)z.next_in, left)) {
				*why = "data after the end of the gzip stream";
				err = -EINVAL;
				break;
			}
			inflateReset(&z);
			continue;
		}
		if (zr == Z_MEM_ERROR) {
			err = -ENOMEM;
			break;
		}
		if (zr == Z_BUF_ERROR && !z.avail_in)
			*why = "the gzip stream ends early (a truncated file?)";
		else
			*why = z.msg ? z.msg : "not a valid gzip stream";
		err = -EINVAL;
		break;
	}
	inflateEnd(&z);
	return err;
}

/* One manifest's text from an open file: read, and inflated when gzip. */
static int read_one(int fd, struct bytes *text, const char **why)
{
	struct bytes raw = { .limit = MF_MAX_FILE };
	struct stat sb;
	int err;

	*why = NULL;
	if (!fstat(fd, &sb) && S_ISDIR(sb.st_mode))
		return -EISDIR;
	err = read_fd(fd, &raw);
	if (!err && is_gzip(raw.p, raw.len)) {
		text->limit = MF_MAX_FILE;
		err = gunzip(raw.p, raw.len, text, why);
		free(raw.p);
	} else if (!err) {
		*text = raw;
	} else {
		free(raw.p);
	}
	return err;
}

static bool manifest_name(const char *n)
{
	static const char *const ext[] = { ".yaml", ".yml", ".yaml.gz", ".yml.gz" };
	size_t len = strlen(n), i;

	if (n[0] == '.')	/* ..data, ..2026_…, editors' swap files */
		return false;
	for (i = 0; i < ARRAY_LEN(ext); i++) {
		size_t el = strlen(ext[i]);

		if (len > el && !strcmp(n + len - el, ext[i]))
			return true;
	}
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_error(FILE *errf, const char *dir, const char *name, int err,
		      const char *why)
{
	if (!errf)
		return;
	if (why)
		fprintf(errf, "%s/%s: cannot read manifest: %s\n", dir, name, why);
	else
		fprintf(errf, "%s/%s: cannot read manifest: %s%s\n", dir, name, strerror(-err),
			err == -EFBIG ? " (at most 16 MiB, also once decompressed)" : "");
}

/* A directory's manifests as one manifest set (see the top of the file). */
static int read_dir(const char *path, int dfd, struct bytes *set, FILE *errf, bool *said)
{
	char **names = NULL, hdr[64];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat sb;
	int err = 0, sfd;
	DIR *d;

	/* a Kubernetes volume: read the one version ..data names */
	sfd = openat(dfd, "..data", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		sfd = dup(dfd);
	if (sfd < 0)
		return -errno;
	d = fdopendir(sfd);
	if (!d) {
		err = -errno;
		close(sfd);
		return err;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!manifest_name(de->d_name))
			continue;
		if (n == MF_MAX_SET_FILES) {
			*said = true;
			if (errf)
				fprintf(errf, "%s: cannot read manifests: more than %d files (merge "
					"some of them)\n", path, MF_MAX_SET_FILES);
			err = -E2BIG;
			goto out;
		}
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (errno) {
		err = -errno;
		goto out;
	}
	if (!n) {
		*said = true;
		if (errf)
			fprintf(errf, "%s: cannot read manifests: no manifest in this directory "
				"(expected files named *.yaml or *.yml, or those gzip-compressed as "
				"*.yaml.gz or *.yml.gz)\n", path);
		err = -ENOENT;
		goto out;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	set->limit = MF_MAX_SET;
	err = bytes_add(set, MF_SET_MAGIC, sizeof(MF_SET_MAGIC) - 1);
	for (i = 0; i < n && !err; i++) {
		struct bytes text = {};
		const char *why = NULL;
		int fd = openat(dirfd(d), names[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);

		if (fd < 0 || fstat(fd, &sb)) {
			err = -errno;
		} else if (S_ISDIR(sb.st_mode)) {
			close(fd);	/* a directory named x.yaml: not ours */
			continue;
		} else if (!S_ISREG(sb.st_mode)) {
			why = "not a regular file";
			err = -EINVAL;
		} else {
			err = read_one(fd, &text, &why);
		}
		if (fd >= 0)
			close(fd);
		if (!err) {
			snprintf(hdr, sizeof(hdr), "%zu %zu\n", strlen(names[i]), text.len);
			err = bytes_add(set, hdr, strlen(hdr));
			if (!err)
				err = bytes_add(set, names[i], strlen(names[i]));
			if (!err)
				err = bytes_add(set, text.p, text.len);
			if (err == -EFBIG && errf)
				fprintf(errf, "%s: cannot read manifests: more than %u MiB in all, "
					"once decompressed\n", path, MF_MAX_SET >> 20);
			if (err == -EFBIG) {
				err = -E2BIG;
				*said = true;
			}
		} else {
			set_error(errf, path, names[i], err, why);
			*said = true;
		}
		free(text.p);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return err;
}

int manifest_read_file(const char *path, char **bufp, size_t *lenp, FILE *errf)
{
	bool is_stdin = !strcmp(path, "-");
	struct bytes text = {};
	const char *why = NULL;
	struct stat sb;
	int fd, err;

	*bufp = NULL;
	*lenp = 0;
	fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
	} else if (fstat(fd, &sb)) {
		err = -errno;
	} else if (S_ISDIR(sb.st_mode)) {
		bool said = false;

		err = read_dir(path, fd, &text, errf, &said);
		close(fd);
		if (err && !said && errf)
			fprintf(errf, "%s: cannot read manifests: %s\n", path, strerror(-err));
		if (err) {
			free(text.p);
			return err;
		}
		goto done;
	} else {
		if (!S_ISREG(sb.st_mode) && !is_stdin)
			/* a FIFO or a device: read it as a stream, in blocking mode */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		err = read_one(fd, &text, &why);
	}
	if (fd >= 0)
		close(fd);
	if (err) {
		free(text.p);
		if (!errf)
			return err;
		if (why)
			fprintf(errf, "%s: cannot read manifest: %s\n", path, why);
		else
			fprintf(errf, "%s: cannot read manifest: %s%s\n", path, strerror(-err),
				err == -EFBIG ? " (at most 16 MiB, also once decompressed)" : "");
		return err;
	}
done:
	if (!text.p) {	/* empty */
		text.p = malloc(1);
		if (!text.p)
			return -ENOMEM;
	}
	text.p[text.len] = '\0';
	*bufp = text.p;
	*lenp = text.len;
	return 0;
}
