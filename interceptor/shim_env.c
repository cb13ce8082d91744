/*
 * shim_env.c — keeping the shim in every descendant.
 *
 * Before any exec or spawn the shim checks the environment the child will
 * get. If LD_PRELOAD lacks the shim, or any INTERLOCK_* variable cached at
 * load time is missing or altered (an `env -i`, a `subprocess(env={})`, an
 * execle with a custom envp, an `unsetenv` in the agent), it builds a
 * corrected copy in a caller-provided buffer: every other entry kept in
 * order, the cached INTERLOCK_* values forced, and the shim prepended to
 * LD_PRELOAD. The cached values live in static buffers written once at
 * init, so scrubbing the process's own environ cannot remove enforcement.
 *
 * system() and popen() run /bin/sh with the process's environ, which the
 * shim must not modify (other threads read it). Their command is rewritten
 * instead so the shell first re-executes itself with the environment
 * restored.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "shim.h"

extern char **environ;

#define IL_PRELOAD "LD_PRELOAD="
#define IL_PRELOAD_LEN (sizeof IL_PRELOAD - 1)

void *il_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void il_unmap(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

/* Does an LD_PRELOAD value (space- or colon-separated) list the shim? */
static int il_preload_has_shim(const char *v)
{
	size_t sl = il_cfg.shim_path_len;
	while (*v) {
		while (*v == ' ' || *v == ':')
			v++;
		const char *e = v;
		while (*e && *e != ' ' && *e != ':')
			e++;
		if ((size_t)(e - v) == sl && memcmp(v, il_cfg.shim_path, sl) == 0)
			return 1;
		v = e;
	}
	return 0;
}

/* Index of the cached variable that entry `e` ("NAME=...") sets, or -1. */
static int il_cached_index(const char *e)
{
	if (strncmp(e, "INTERLOCK_", 10) != 0)
		return -1;
	for (int i = 0; i < IL_CENV_COUNT; i++) {
		size_t nl = il_cfg.name_len[i];
		if (il_cfg.env_len[i] && strncmp(e, il_cfg.env[i], nl + 1) == 0)
			return i;
	}
	return -1;
}

/* 1 when envp already carries the shim and exactly the cached values. */
static int il_env_ok(char *const envp[])
{
	int seen[IL_CENV_COUNT] = { 0 };
	int preload_ok = 0;
	for (size_t k = 0; envp && envp[k]; k++) {
		const char *e = envp[k];
		if (strncmp(e, IL_PRELOAD, IL_PRELOAD_LEN) == 0) {
			if (!il_preload_has_shim(e + IL_PRELOAD_LEN))
				return 0;
			preload_ok = 1;
			continue;
		}
		int i = il_cached_index(e);
		if (i < 0)
			continue;
		if (strcmp(e, il_cfg.env[i]) != 0)
			return 0;
		seen[i] = 1;
	}
	for (int i = 0; i < IL_CENV_COUNT; i++)
		if (il_cfg.env_len[i] && !seen[i])
			return 0;
	return preload_ok;
}

/* The first LD_PRELOAD value in envp (without "LD_PRELOAD="), or NULL. */
static const char *il_old_preload(char *const envp[])
{
	for (size_t k = 0; envp && envp[k]; k++)
		if (strncmp(envp[k], IL_PRELOAD, IL_PRELOAD_LEN) == 0)
			return envp[k] + IL_PRELOAD_LEN;
	return NULL;
}

/* Length of the corrected LD_PRELOAD value (shim[:old]), no NUL. */
static size_t il_preload_value_len(const char *old)
{
	size_t n = il_cfg.shim_path_len;
	if (old && *old && !il_preload_has_shim(old))
		n += 1 + strlen(old);
	else if (old && *old)
		n = strlen(old);
	return n;
}

/* Write the corrected LD_PRELOAD value; returns bytes written. */
static size_t il_preload_value(const char *old, char *out)
{
	if (old && *old && il_preload_has_shim(old)) {
		size_t ol = strlen(old);
		memcpy(out, old, ol);
		return ol;
	}
	memcpy(out, il_cfg.shim_path, il_cfg.shim_path_len);
	size_t n = il_cfg.shim_path_len;
	if (old && *old) {
		out[n++] = ':';
		size_t ol = strlen(old);
		memcpy(out + n, old, ol);
		n += ol;
	}
	return n;
}

size_t il_env_fix_size(char *const envp[])
{
	if (!il_cfg.active || il_cfg.shim_path == NULL || il_env_ok(envp))
		return 0;
	size_t n = 0;
	while (envp && envp[n])
		n++;
	size_t ptrs = (n + IL_CENV_COUNT + 2) * sizeof(char *);
	size_t str = IL_PRELOAD_LEN + il_preload_value_len(il_old_preload(envp)) + 1;
	return ptrs + str;
}

char **il_env_fix_build(char *const envp[], void *buf, size_t size)
{
	char **out = buf;
	size_t n = 0;
	while (envp && envp[n])
		n++;
	size_t ptrs = (n + IL_CENV_COUNT + 2) * sizeof(char *);
	char *str = (char *)buf + ptrs;
	size_t o = 0;
	for (size_t k = 0; k < n; k++) {
		const char *e = envp[k];
		if (strncmp(e, IL_PRELOAD, IL_PRELOAD_LEN) == 0 || il_cached_index(e) >= 0)
			continue;
		out[o++] = (char *)e;
	}
	for (int i = 0; i < IL_CENV_COUNT; i++)
		if (il_cfg.env_len[i])
			out[o++] = il_cfg.env[i];
	memcpy(str, IL_PRELOAD, IL_PRELOAD_LEN);
	size_t vl = il_preload_value(il_old_preload(envp), str + IL_PRELOAD_LEN);
	str[IL_PRELOAD_LEN + vl] = '\0';
	out[o++] = str;
	out[o] = NULL;
	(void)size;
	return out;
}

/* Bytes of s single-quoted for sh ('...' with ' as '\''). */
static size_t il_quoted_len(const char *s, size_t n)
{
	size_t q = 2;
	for (size_t i = 0; i < n; i++)
		q += s[i] == '\'' ? 4 : 1;
	return q;
}

static size_t il_quote(const char *s, size_t n, char *out)
{
	size_t o = 0;
	out[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = s[i];
		}
	}
	out[o++] = '\'';
	return o;
}

static const char il_cmd_export[] = "export ";
static const char il_cmd_exec[] = "; exec /bin/sh -c ";
static const char il_cmd_tail[] = " sh";

/*
 * Rewritten command: export LD_PRELOAD='…' INTERLOCK_X='…' …; exec /bin/sh -c 'CMD' sh
 * The LD_PRELOAD value is computed from the process environ (the one
 * libc will hand the shell).
 */
size_t il_cmd_fix_size(const char *cmd)
{
	if (!il_cfg.active || il_cfg.shim_path == NULL || il_env_ok(environ))
		return 0;
	const char *old = il_old_preload(environ);
	size_t vl = il_preload_value_len(old);
	size_t n = sizeof il_cmd_export + IL_PRELOAD_LEN + 4 * vl + 2;
	for (int i = 0; i < IL_CENV_COUNT; i++)
		if (il_cfg.env_len[i])
			n += 1 + il_quoted_len(il_cfg.env[i], il_cfg.env_len[i]);
	n += sizeof il_cmd_exec + il_quoted_len(cmd, strlen(cmd)) + sizeof il_cmd_tail + 1;
	return n + vl + 1; /* + scratch for the raw LD_PRELOAD value */
}

char *il_cmd_fix_build(const char *cmd, char *buf, size_t size)
{
	(void)size;
	const char *old = il_old_preload(environ);
	size_t o = 0;
	memcpy(buf + o, il_cmd_export, sizeof il_cmd_export - 1);
	o += sizeof il_cmd_export - 1;
	memcpy(buf + o, IL_PRELOAD, IL_PRELOAD_LEN);
	o += IL_PRELOAD_LEN;
	/* the value is built raw in the tail of the buffer, then quoted */
	size_t vl = il_preload_value_len(old);
	char *raw = buf + size - vl - 1;
	il_preload_value(old, raw);
	o += il_quote(raw, vl, buf + o);
	for (int i = 0; i < IL_CENV_COUNT; i++) {
		if (!il_cfg.env_len[i])
			continue;
		size_t nl = il_cfg.name_len[i];
		buf[o++] = ' ';
		memcpy(buf + o, il_cfg.env[i], nl + 1);
		o += nl + 1;
		const char *v = il_cfg.env[i] + nl + 1;
		o += il_quote(v, il_cfg.env_len[i] - nl - 1, buf + o);
	}
	memcpy(buf + o, il_cmd_exec, sizeof il_cmd_exec - 1);
	o += sizeof il_cmd_exec - 1;
	o += il_quote(cmd, strlen(cmd), buf + o);
	memcpy(buf + o, il_cmd_tail, sizeof il_cmd_tail - 1);
	o += sizeof il_cmd_tail - 1;
	buf[o] = '\0';
	return buf;
}
