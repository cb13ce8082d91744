/*
 * cidr.h — IPv4/IPv6 addresses and CIDR blocks for connect/http rules.
 *
 * Addresses are kept in network byte order. An IPv4-mapped IPv6 address
 * (::ffff:10.0.0.1) is treated as the IPv4 address it carries, so an IPv4
 * block also catches a dual-stack socket connecting to an IPv4 peer.
 */
#ifndef INTERLOCK_CIDR_H
#define INTERLOCK_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	int family;            /* 4 or 6 */
	uint8_t b[16];         /* first 4 bytes used for IPv4 */
} il_ip;

typedef struct {
	il_ip ip;              /* host bits cleared */
	unsigned prefix;       /* 0..32 or 0..128 */
} il_cidr;

/* Parse a numeric address ("10.0.0.1", "2001:db8::1", "[::1]"). 0 or -1. */
int il_ip_parse(const char *s, il_ip *out);

/* Parse "ADDR" (a single host) or "ADDR/PREFIX". Host bits set below the
 * prefix ("10.0.0.1/8") are an error, reported in err. 0 or -1. */
int il_cidr_parse(const char *s, il_cidr *out, char *err, size_t errlen);

/* Is ip inside the block? Families must agree (after v4-mapped unwrapping). */
bool il_cidr_contains(const il_cidr *c, const il_ip *ip);

#endif
