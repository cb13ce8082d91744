/*
 * cidr.c — parse and test IPv4/IPv6 CIDR blocks (see cidr.h).
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ::ffff:a.b.c.d becomes the IPv4 address a.b.c.d. */
static void unmap_v4(il_ip *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (ip->family == 6 && memcmp(ip->b, mapped, 12) == 0) {
		uint8_t v4[4];
		memcpy(v4, ip->b + 12, 4);
		memset(ip->b, 0, sizeof(ip->b));
		memcpy(ip->b, v4, 4);
		ip->family = 4;
	}
}

int il_ip_parse(const char *s, il_ip *out)
{
	char buf[64];
	if (!s)
		return -1;
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return -1;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, s, n + 1);
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->b) == 1) {
		out->family = 4;
		return 0;
	}
	/* a zone index ("fe80::1%eth0") is not part of the address */
	char *pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET6, buf, out->b) == 1) {
		out->family = 6;
		unmap_v4(out);
		return 0;
	}
	return -1;
}

int il_cidr_parse(const char *s, il_cidr *out, char *err, size_t errlen)
{
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(buf)) {
		snprintf(err, errlen, "invalid address or CIDR block");
		return -1;
	}
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long prefix = -1;
	if (slash) {
		*slash = '\0';
		const char *p = slash + 1;
		if (!*p || strlen(p) > 3) {
			snprintf(err, errlen, "invalid prefix length in '%s'", s);
			return -1;
		}
		prefix = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9') {
				snprintf(err, errlen, "invalid prefix length in '%s'", s);
				return -1;
			}
			prefix = prefix * 10 + (*p - '0');
		}
	}
	memset(out, 0, sizeof(*out));
	if (il_ip_parse(buf, &out->ip) != 0 || (buf[0] == '[')) {
		snprintf(err, errlen, "invalid IP address '%s'", buf);
		return -1;
	}
	unsigned bits = out->ip.family == 4 ? 32 : 128;
	/* a v4-mapped block "::ffff:10.0.0.0/104" is the IPv4 block /8 */
	if (prefix >= 0 && out->ip.family == 4 && strchr(buf, ':')) {
		if (prefix < 96) {
			snprintf(err, errlen, "prefix /%ld too short for an IPv4-mapped address", prefix);
			return -1;
		}
		prefix -= 96;
	}
	if (prefix < 0)
		prefix = bits;
	if ((unsigned long)prefix > bits) {
		snprintf(err, errlen, "prefix /%ld longer than %u bits", prefix, bits);
		return -1;
	}
	out->prefix = (unsigned)prefix;
	for (unsigned i = out->prefix; i < bits; i++) {
		if (out->ip.b[i / 8] & (0x80u >> (i % 8))) {
			snprintf(err, errlen, "'%s' has host bits set below /%u", s, out->prefix);
			return -1;
		}
	}
	return 0;
}

bool il_cidr_contains(const il_cidr *c, const il_ip *ip)
{
	if (c->ip.family != ip->family)
		return false;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(c->ip.b, ip->b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));
		if ((c->ip.b[full] & mask) != (ip->b[full] & mask))
			return false;
	}
	return true;
}
