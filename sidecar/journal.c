/*
 * journal.c — the pending-request journal (journal.h).
 */
#include "journal.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRUNCATE_AFTER (1u << 20)   /* bytes of records before an idle truncate */

struct il_journal {
	int fd;
	char *path;
	size_t bytes;                   /* written since the last compaction */
};

void il_journal_entries_free(il_journal_entry *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < e[i].nrules; k++)
			free(e[i].rules[k]);
		free(e[i].rules);
		free(e[i].frame);
	}
	free(e);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IL_JOURNAL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static bool get_i64(const cJSON *o, const char *k, int64_t min, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)min || v->valuedouble > 9.0e15 ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

/* Parse one pending record into e (zeroed first). 0 or -1. */
static int parse_pending(const cJSON *o, il_journal_entry *e)
{
	memset(e, 0, sizeof *e);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(o, "fp");
	const cJSON *fr = cJSON_GetObjectItemCaseSensitive(o, "frame");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(o, "rules");
	int64_t pid, st, uid, c, d;
	if (!cJSON_IsString(id) || !id_ok(id->valuestring) || !cJSON_IsString(fp) ||
	    strlen(fp->valuestring) != 64 || !cJSON_IsString(fr) || !cJSON_IsArray(rules) ||
	    !get_i64(o, "pid", 1, &pid) || pid > INT_MAX || !get_i64(o, "start", 0, &st) ||
	    !get_i64(o, "uid", 0, &uid) || uid > UINT_MAX || !get_i64(o, "created", 0, &c) ||
	    !get_i64(o, "deadline", 0, &d))
		return -1;
	size_t hl = strlen(fr->valuestring);
	if (hl == 0 || hl % 2 || hl / 2 > (8u << 20))
		return -1;
	e->frame = malloc(hl / 2);
	if (!e->frame)
		return -1;
	for (size_t i = 0; i < hl / 2; i++) {
		int hi = hexval(fr->valuestring[2 * i]), lo = hexval(fr->valuestring[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		e->frame[i] = (uint8_t)(hi << 4 | lo);
	}
	e->frame_len = hl / 2;
	char hex[65];
	il_sha256_hex(e->frame, e->frame_len, hex);
	if (strcmp(hex, fp->valuestring) != 0)
		goto bad;   /* altered: never resume an action that is not the one decided */
	snprintf(e->id, sizeof e->id, "%s", id->valuestring);
	memcpy(e->fingerprint, hex, sizeof hex);
	e->pid = (pid_t)pid;
	e->start_time = (uint64_t)st;
	e->uid = (uid_t)uid;
	e->created_wall_ms = c;
	e->deadline_wall_ms = d;
	int nr = cJSON_GetArraySize(rules);
	if (nr > 1024)
		goto bad;
	e->rules = calloc((size_t)nr + 1, sizeof(char *));
	if (!e->rules)
		goto bad;
	for (int i = 0; i < nr; i++) {
		const cJSON *r = cJSON_GetArrayItem(rules, i);
		if (!cJSON_IsString(r) || !(e->rules[e->nrules] = strdup(r->valuestring)))
			goto bad;
		e->nrules++;
	}
	return 0;
bad:
	for (size_t k = 0; k < e->nrules; k++)
		free(e->rules[k]);
	free(e->rules);
	free(e->frame);
	memset(e, 0, sizeof *e);
	return -1;
}

/* The JSON line of a pending record (malloc'd, ends in '\n'), or NULL. */
static char *pending_line(const il_journal_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	char *hex = malloc(e->frame_len * 2 + 1);
	char *out = NULL;
	if (!o || !hex)
		goto out;
	il_hex_encode(e->frame, e->frame_len, hex);
	char fp[65];
	il_sha256_hex(e->frame, e->frame_len, fp);
	cJSON *rules = cJSON_CreateArray();
	if (!rules)
		goto out;
	cJSON_AddItemToObject(o, "rules", rules);
	for (size_t i = 0; i < e->nrules; i++)
		cJSON_AddItemToArray(rules, cJSON_CreateString(e->rules[i]));
	if (!cJSON_AddStringToObject(o, "t", "pending") || !cJSON_AddStringToObject(o, "id", e->id) ||
	    !cJSON_AddStringToObject(o, "fp", fp) ||
	    !cJSON_AddNumberToObject(o, "pid", (double)e->pid) ||
	    !cJSON_AddNumberToObject(o, "start", (double)e->start_time) ||
	    !cJSON_AddNumberToObject(o, "uid", (double)e->uid) ||
	    !cJSON_AddNumberToObject(o, "created", (double)e->created_wall_ms) ||
	    !cJSON_AddNumberToObject(o, "deadline", (double)e->deadline_wall_ms) ||
	    !cJSON_AddStringToObject(o, "frame", hex))
		goto out;
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		size_t l = strlen(s);
		out = realloc(s, l + 2);
		if (!out) {
			free(s);
		} else {
			out[l] = '\n';
			out[l + 1] = '\0';
		}
	}
out:
	cJSON_Delete(o);
	free(hex);
	return out;
}

/* Read and replay the file: the pending entries without a done record. */
static int load(int fd, const char *path, il_journal_entry **out, size_t *nout, char *err,
                size_t n)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > IL_JOURNAL_MAX_BYTES) {
		snprintf(err, n, "%s: too large or unreadable", path);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len + 1);
	if (!buf) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	il_journal_entry *v = NULL;
	size_t nv = 0, cap = 0;
	char *line = buf;
	while (line < buf + got) {
		char *nl = memchr(line, '\n', (size_t)(buf + got - line));
		if (!nl)
			break;   /* a torn last record never got synced: ignore it */
		*nl = '\0';
		cJSON *o = cJSON_Parse(line);
		line = nl + 1;
		const cJSON *t = o ? cJSON_GetObjectItemCaseSensitive(o, "t") : NULL;
		const cJSON *id = o ? cJSON_GetObjectItemCaseSensitive(o, "id") : NULL;
		if (!cJSON_IsString(t) || !cJSON_IsString(id)) {
			cJSON_Delete(o);
			continue;
		}
		if (strcmp(t->valuestring, "done") == 0) {
			for (size_t i = 0; i < nv; i++)
				if (strcmp(v[i].id, id->valuestring) == 0) {
					for (size_t k = 0; k < v[i].nrules; k++)
						free(v[i].rules[k]);
					free(v[i].rules);
					free(v[i].frame);
					v[i] = v[--nv];
					break;
				}
		} else if (strcmp(t->valuestring, "pending") == 0) {
			if (nv == cap) {
				size_t nc = cap ? cap * 2 : 16;
				il_journal_entry *nvp = realloc(v, nc * sizeof *v);
				if (!nvp) {
					cJSON_Delete(o);
					break;
				}
				v = nvp;
				cap = nc;
			}
			if (parse_pending(o, &v[nv]) == 0)
				nv++;
			else
				il_warn("%s: skipping a damaged or altered pending record", path);
		}
		cJSON_Delete(o);
	}
	free(buf);
	*out = v;
	*nout = nv;
	return 0;
}

/* Rewrite the journal to hold exactly entries e[0..n) (temp + fsync +
 * rename + directory fsync). Returns the new descriptor or -1. */
static int compact(const char *path, const il_journal_entry *e, size_t n, char *err, size_t en)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		snprintf(err, en, "out of memory");
		return -1;
	}
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, en, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *l = pending_line(&e[i]);
		rc = l ? il_write_all(fd, l, strlen(l)) : -1;
		free(l);
	}
	if (rc == 0)
		rc = fsync(fd);
	close(fd);
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0) {
		snprintf(err, en, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	char *dir = strdup(path);
	if (dir) {
		char *slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		snprintf(err, en, "%s: %s", path, strerror(errno));
	return fd;
}

il_journal *il_journal_open(const char *path, il_journal_entry **out, size_t *nout,
                            char *err, size_t n)
{
	*out = NULL;
	*nout = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, n, "journal %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		snprintf(err, n, "journal %s: must be a regular file owned by you with mode 0600", path);
		close(fd);
		return NULL;
	}
	il_journal_entry *e = NULL;
	size_t ne = 0;
	int rc = load(fd, path, &e, &ne, err, n);
	close(fd);
	if (rc < 0)
		return NULL;
	fd = compact(path, e, ne, err, n);
	il_journal *j = fd >= 0 ? calloc(1, sizeof *j) : NULL;
	if (j)
		j->path = strdup(path);
	if (!j || !j->path) {
		if (fd >= 0) {
			snprintf(err, n, "out of memory");
			close(fd);
		}
		free(j);
		il_journal_entries_free(e, ne);
		return NULL;
	}
	j->fd = fd;
	*out = e;
	*nout = ne;
	return j;
}

void il_journal_close(il_journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

int il_journal_add(il_journal *j, const il_journal_entry *e, char *err, size_t n)
{
	char *l = pending_line(e);
	if (!l) {
		snprintf(err, n, "journal: out of memory");
		return -1;
	}
	size_t len = strlen(l);
	int rc = il_write_all(j->fd, l, len);
	free(l);
	if (rc == 0)
		rc = fdatasync(j->fd);
	if (rc < 0) {
		snprintf(err, n, "journal %s: %s", j->path, strerror(errno));
		return -1;
	}
	j->bytes += len;
	return 0;
}

void il_journal_done(il_journal *j, const char *id, size_t still_pending)
{
	if (still_pending == 0 && j->bytes > TRUNCATE_AFTER) {
		/* Nothing is pending: every record is obsolete. */
		if (ftruncate(j->fd, 0) == 0) {
			fdatasync(j->fd);
			j->bytes = 0;
			return;
		}
	}
	char line[IL_JOURNAL_ID_MAX + 32];
	int l = snprintf(line, sizeof line, "{\"t\":\"done\",\"id\":\"%s\"}\n", id);
	if (l > 0 && (size_t)l < sizeof line && il_write_all(j->fd, line, (size_t)l) == 0)
		j->bytes += (size_t)l;
}
