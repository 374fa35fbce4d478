/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A node's address, found the way Calico's IP_AUTODETECTION_METHOD finds it: first-found,
 * interface=REGEX[,REGEX], skip-interface=REGEX[,REGEX], can-reach=DEST, cidr=CIDR[,CIDR].
 */
#ifndef TABBY_AUTODETECT_H
#define TABBY_AUTODETECT_H

#include <stddef.h>

/*
 * Writes "addr/prefixlen" of the chosen address of family (4 or 6) into buf. Returns 0,
 * -EINVAL for a method it does not know (message logged), -ENOENT when nothing matches.
 */
int tb_autodetect(const char *method, int family, char *buf, size_t len);

#endif
