/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Value checks shared by every resource kind: IP addresses and CIDRs (v4 and v6, with the
 * canonical text Go's net package prints, which Calico's stored values follow), ports, port
 * ranges and named ports (Calico's numorstring.Port), IP protocols by name or number, selectors,
 * Go durations, BGP AS numbers. Each has a parse/predicate form for library code and a schema
 * check (tb_vcheck_*) to put in a struct tb_field's .check.
 */
#ifndef TABBY_VALIDATORS_H
#define TABBY_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "schema.h"

/* --- IP addresses and prefixes ------------------------------------------------------------ */

struct tb_net {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* the address as written; IPv4 in the first 4 bytes */
	unsigned prefix;	/* prefix length; the full length for a bare address */
	bool has_prefix;	/* written with "/N" */
};

/* Longest text tb_net_format writes, NUL included. */
#define TB_NET_STRLEN 64

/*
 * Parses an address ("10.0.0.1", "fd00::1"; IPv4-mapped IPv6 counts as IPv4 as in Go). Returns
 * 0 or -EINVAL. The prefix is set to the full length.
 */
int tb_parse_ip(const char *s, struct tb_net *out);
/*
 * Parses "addr/len" or, when bare_ok, a bare address (taken as /32 or /128). Returns 0 or
 * -EINVAL. Leading zeros and signs in the length are refused, as Go refuses them.
 */
int tb_parse_cidr(const char *s, bool bare_ok, struct tb_net *out);
/* True when no host bit is set below the prefix (a "strictly masked" network). */
bool tb_cidr_is_masked(const struct tb_net *c);
/* Clears the host bits. */
void tb_cidr_mask(struct tb_net *c);
/* True when inner lies inside outer (same family, prefix at least as long). */
bool tb_net_contains(const struct tb_net *outer, const struct tb_net *inner);
/* Bits per address of the family: 32 or 128. */
unsigned tb_cidr_bits(const struct tb_net *c);
/* Writes the address alone (Go's text: IPv6 compressed, lowercase). Returns 0 or -ENOSPC. */
int tb_net_format_ip(const struct tb_net *c, char *buf, size_t len);
/* Writes "addr/len" (always with the length). Returns 0 or -ENOSPC. */
int tb_net_format(const struct tb_net *c, char *buf, size_t len);

/* --- Ports and protocols ------------------------------------------------------------------- */

/* Calico's numorstring.Port: one port, a range "min:max", or a named port. */
struct tb_port {
	uint16_t min;
	uint16_t max;
	char name[129];		/* non-empty for a named port (then min = max = 0) */
};

/*
 * Parses a port as Calico reads it from JSON: an integer 0-65535, a string of digits, "N:M", or
 * a name of [a-zA-Z0-9_.-]{1,128}. Returns 0, or -EINVAL with *why (static text) saying why.
 * Ranges and numbers are checked for 1-65535 and min <= max, as Calico's validator does.
 */
int tb_parse_port(const json_t *v, struct tb_port *out, const char **why);
/* The JSON Calico writes back for a port: an integer, "N:M", or the name. New reference. */
json_t *tb_port_to_json(const struct tb_port *p);
/* Kubernetes' port names (IANA service names: at most 15 of [a-z0-9-], a letter, no "--"). */
bool tb_valid_k8s_port_name(const char *s);

#define TB_PROTO_ICMP 1
#define TB_PROTO_TCP 6
#define TB_PROTO_UDP 17
#define TB_PROTO_ICMPV6 58
#define TB_PROTO_SCTP 132
#define TB_PROTO_UDPLITE 136

/*
 * Parses a Calico protocol: one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite (exact case, as
 * Calico's validator requires) or a number 1-255 (an integer or a string of digits). Returns
 * the protocol number, or -EINVAL with *why set.
 */
int tb_parse_protocol(const json_t *v, const char **why);
/* Calico's name for a number when it has one, else NULL. */
const char *tb_protocol_name(int num);
/* TCP, UDP and SCTP carry ports. */
bool tb_protocol_has_ports(int num);

/* --- Selectors ----------------------------------------------------------------------------- */

/* Checks a selector's syntax; on error writes the parser's message to err. Returns 0/-EINVAL. */
int tb_selector_check(const char *s, char *err, size_t errlen);
/* True when the selector is global() alone (blanks allowed around and inside the parens). */
bool tb_selector_is_global_only(const char *s);

/* --- Other values -------------------------------------------------------------------------- */

/*
 * Parses a Go duration ("300ms", "1h30m", "-1.5s", "0"); units ns, us, µs, ms, s, m, h.
 * Stores nanoseconds. Returns 0 or -EINVAL (-ERANGE on overflow).
 */
int tb_parse_duration(const char *s, int64_t *ns);
/*
 * Parses a BGP AS number: an integer 0-4294967295, a string of digits, or asdot "A.B" with
 * both parts 0-65535 (Calico's numorstring.ASNumber). Returns 0 or -EINVAL.
 */
int tb_parse_asn(const json_t *v, uint32_t *out);

/* --- Schema checks (struct tb_field .check) ------------------------------------------------ */

void tb_vcheck_ip(struct tb_vctx *c, json_t *v);		/* an address, either family */
void tb_vcheck_ipv4(struct tb_vctx *c, json_t *v);
void tb_vcheck_ipv6(struct tb_vctx *c, json_t *v);
void tb_vcheck_cidr(struct tb_vctx *c, json_t *v);		/* CIDR or address, any host bits */
/* CIDR or address, strictly masked */
void tb_vcheck_net(struct tb_vctx *c, json_t *v);
void tb_vcheck_cidr_only(struct tb_vctx *c, json_t *v);	/* "addr/len" required, any bits */
/* Calico port (number, range, name) */
void tb_vcheck_port(struct tb_vctx *c, json_t *v);
void tb_vcheck_port_number(struct tb_vctx *c, json_t *v);	/* an integer 1-65535 */
void tb_vcheck_protocol(struct tb_vctx *c, json_t *v);
void tb_vcheck_selector(struct tb_vctx *c, json_t *v);
void tb_vcheck_duration(struct tb_vctx *c, json_t *v);
void tb_vcheck_asn(struct tb_vctx *c, json_t *v);
void tb_vcheck_dns_subdomain(struct tb_vctx *c, json_t *v);	/* Calico's "name" */
void tb_vcheck_dns_label(struct tb_vctx *c, json_t *v);
void tb_vcheck_labels(struct tb_vctx *c, json_t *v);		/* map: label keys and values */

#endif
