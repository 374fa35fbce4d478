/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IP addresses and prefixes as IPAM needs them: parse, format, containment, and the
 * ordinal arithmetic a block uses (address = block base + ordinal).
 */
#ifndef TABBY_IPAM_ADDR_H
#define TABBY_IPAM_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TB_IP_STRLEN 46 /* INET6_ADDRSTRLEN */
#define TB_CIDR_STRLEN 50

struct tb_ip {
	int family;    /* AF_INET or AF_INET6 */
	uint8_t a[16]; /* network order; IPv4 uses the first 4 bytes */
};

struct tb_cidr {
	struct tb_ip ip; /* always the network address (host bits cleared) */
	int len;	 /* prefix length */
};

static inline int tb_ip_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

int tb_ip_parse(const char *s, struct tb_ip *out);
void tb_ip_format(const struct tb_ip *ip, char *buf, size_t len);
bool tb_ip_equal(const struct tb_ip *a, const struct tb_ip *b);
/* "10.0.0.0/26"; host bits are cleared. A bare address parses as /32 or /128. */
int tb_cidr_parse(const char *s, struct tb_cidr *out);
/* Like tb_cidr_parse but keeps the host bits in *ip ("10.0.0.5/24" -> 10.0.0.5). */
int tb_cidr_parse_ip(const char *s, struct tb_ip *ip, int *len);
void tb_cidr_format(const struct tb_cidr *c, char *buf, size_t len);
/* Calico's key form: "10.0.0.0-26". */
void tb_cidr_format_key(const struct tb_cidr *c, char *buf, size_t len);
bool tb_cidr_contains(const struct tb_cidr *c, const struct tb_ip *ip);
/* Whether inner lies wholly inside outer. */
bool tb_cidr_covers(const struct tb_cidr *outer, const struct tb_cidr *inner);
bool tb_cidr_overlaps(const struct tb_cidr *a, const struct tb_cidr *b);
/* Number of addresses of a block-sized prefix (host bits <= 31). */
uint32_t tb_cidr_size(const struct tb_cidr *c);
/* base + ordinal; ordinal must be below tb_cidr_size(). */
void tb_cidr_nth(const struct tb_cidr *c, uint64_t ordinal, struct tb_ip *out);
/* Ordinal of ip inside c (ip must be contained). */
uint64_t tb_cidr_ordinal(const struct tb_cidr *c, const struct tb_ip *ip);
/* The i-th sub-prefix of length sublen inside c; -ERANGE past the end. */
int tb_cidr_subnet(const struct tb_cidr *c, int sublen, uint64_t i, struct tb_cidr *out);
/* Number of sub-prefixes of length sublen (saturates at UINT64_MAX). */
uint64_t tb_cidr_subnet_count(const struct tb_cidr *c, int sublen);

#endif
