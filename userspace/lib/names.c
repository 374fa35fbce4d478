// SPDX-License-Identifier: Apache-2.0
/* Kubernetes' name rules, which Calico applies to its resources and labels. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "resource.h"

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool tb_valid_dns_label(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* RFC 1123 subdomain: dot-separated labels, at most 253 characters. */
bool tb_valid_dns_subdomain(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower_alnum(s[i]) || s[i] == '-')
			continue;
		if (s[i] == '.' && lower_alnum(s[i - 1]) && lower_alnum(s[i + 1]))
			continue;
		return false;
	}
	return true;
}

/* A qualified name: [A-Za-z0-9] at both ends, [-_.A-Za-z0-9] inside, at most 63. */
static bool qualified_name_part(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

bool tb_valid_label_key(const char *s)
{
	const char *slash = strchr(s, '/');
	char prefix[254];

	if (!slash)
		return qualified_name_part(s, strlen(s));
	if ((size_t)(slash - s) >= sizeof(prefix) || slash == s)
		return false;
	memcpy(prefix, s, slash - s);
	prefix[slash - s] = '\0';
	return tb_valid_dns_subdomain(prefix) && qualified_name_part(slash + 1, strlen(slash + 1));
}

bool tb_valid_label_value(const char *s)
{
	size_t n = strlen(s);

	return n == 0 || qualified_name_part(s, n);
}
