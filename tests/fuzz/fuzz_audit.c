/*
 * fuzz_audit.c — libFuzzer target for the audit log reader.
 *
 * The input is written to a scratch file and checked with il_audit_verify
 * and il_audit_stats (text and JSON, output to /dev/null). Invariant: when
 * verify accepts the file, il_audit_open must accept it too (the same chain
 * rules), and a record appended through that handle must leave a log that
 * still verifies. Sanitizers catch the rest (leaks, overflows, UB).
 */
#include "audit.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static FILE *devnull;

/* Replace the scratch file's contents with data. 0 or -1. */
static int write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	close(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/fuzz_audit.%ld.jsonl", (long)getpid());
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}
	if (write_input(data, size) != 0)
		abort();
	int rc = il_audit_verify(path, devnull);
	il_audit_stats(path, devnull, false);
	il_audit_stats(path, devnull, true);
	if (rc == 0) {
		char err[512];
		il_audit *a = il_audit_open(path, err, sizeof err);
		if (!a) {
			fprintf(stderr, "verify accepted a log that open refused: %s\n", err);
			abort();
		}
		il_audit_record r = { .event = "session_end", .session = "fuzz", .latency_ms = -1 };
		if (il_audit_append(a, &r, err, sizeof err) != 0)
			abort();
		il_audit_close(a);
		if (il_audit_verify(path, devnull) != 0)
			abort();
	}
	return 0;
}
