// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autodetect.h"
#include "log.h"

/* Interfaces first-found never picks (Calico's list, plus tabby's own). */
static const char *const skipped[] = {
	"^lo$", "^docker", "^cbr", "^dummy", "^virbr", "^lxcbr", "^veth", "^cali", "^tunl",
	"^flannel", "^kube-ipvs", "^cni", "^vxlan", "^wireguard", "^tab", NULL,
};

/* Whether name matches any regex of a comma-separated list (or of a NULL-terminated array). */
static bool match_any(const char *name, const char *list, const char *const *arr)
{
	char *copy = list ? strdup(list) : NULL, *save = NULL, *tok;
	bool hit = false;
	regex_t re;

	for (size_t i = 0; arr && arr[i] && !hit; i++) {
		if (!regcomp(&re, arr[i], REG_EXTENDED | REG_NOSUB)) {
			hit = !regexec(&re, name, 0, NULL, 0);
			regfree(&re);
		}
	}
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !hit; tok = strtok_r(NULL, ",", &save)) {
		if (!regcomp(&re, tok, REG_EXTENDED | REG_NOSUB)) {
			hit = !regexec(&re, name, 0, NULL, 0);
			regfree(&re);
		}
	}
	free(copy);
	return hit;
}

static int prefix_len(const struct sockaddr *mask, int family)
{
	const unsigned char *b = family == AF_INET
					 ? (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr
					 : (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
	int n = 0;

	for (int i = 0; mask && i < (family == AF_INET ? 4 : 16); i++)
		n += __builtin_popcount(b[i]);
	return n;
}

static const void *addr_of(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
					: (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
}

static bool usable(const struct ifaddrs *ifa, int af)
{
	const unsigned char *a;

	if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != af || !(ifa->ifa_flags & IFF_UP))
		return false;
	a = addr_of(ifa->ifa_addr);
	if (af == AF_INET)
		return a[0] != 127 && !(a[0] == 169 && a[1] == 254);
	return !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80) && !IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a);
}

static int format(const struct ifaddrs *ifa, int af, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(af, addr_of(ifa->ifa_addr), a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, prefix_len(ifa->ifa_netmask, af));
	return 0;
}

/* The local address the kernel would use to reach dest. */
static int reach(const char *dest, int af, void *out)
{
	struct sockaddr_storage ss = { 0 }, local;
	socklen_t sl = sizeof(local);
	int fd, r = 0;

	ss.ss_family = af;
	if (af == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(53);
		r = inet_pton(af, dest, &((struct sockaddr_in *)&ss)->sin_addr) == 1 ? 0 : -EINVAL;
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(53);
		r = inet_pton(af, dest, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	if (r)
		return r;
	fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A UDP connect sends nothing: it only asks the routing table. */
	if (connect(fd, (struct sockaddr *)&ss, af == AF_INET ? sizeof(struct sockaddr_in)
							     : sizeof(struct sockaddr_in6)) ||
	    getsockname(fd, (struct sockaddr *)&local, &sl))
		r = -errno;
	else
		memcpy(out, addr_of((struct sockaddr *)&local), af == AF_INET ? 4 : 16);
	close(fd);
	return r;
}

int tb_autodetect(const char *method, int family, char *buf, size_t len)
{
	int af = family == 6 ? AF_INET6 : AF_INET, r = -ENOENT;
	const char *arg = strchr(method, '=');
	struct ifaddrs *ifs, *ifa;
	unsigned char want[16];
	bool can_reach = !strncmp(method, "can-reach=", 10);

	if (strcmp(method, "first-found") && strncmp(method, "interface=", 10) &&
	    strncmp(method, "skip-interface=", 15) && !can_reach) {
		tb_err("IP_AUTODETECTION_METHOD=%s: unknown method (first-found, interface=REGEX, "
		       "skip-interface=REGEX, can-reach=DEST)", method);
		return -EINVAL;
	}
	if (can_reach && reach(arg + 1, af, want))
		return -ENOENT;
	if (getifaddrs(&ifs))
		return -errno;
	for (ifa = ifs; ifa && r; ifa = ifa->ifa_next) {
		if (!usable(ifa, af))
			continue;
		if (can_reach) {
			if (memcmp(addr_of(ifa->ifa_addr), want, af == AF_INET ? 4 : 16))
				continue;
		} else if (!strncmp(method, "interface=", 10)) {
			if (!match_any(ifa->ifa_name, arg + 1, NULL))
				continue;
		} else if (match_any(ifa->ifa_name, arg ? arg + 1 : NULL, skipped)) {
			continue;
		}
		r = format(ifa, af, buf, len);
	}
	freeifaddrs(ifs);
	return r;
}
