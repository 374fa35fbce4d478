/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to policy_maps: writing one table set into its slot. */
#ifndef TABBY_POLICY_MAPS_INT_H
#define TABBY_POLICY_MAPS_INT_H

#include "policy_maps.h"

int tb_pol_set_write(const struct tb_pol_map_fds *fds, uint32_t slot,
		     const struct tb_pol_compiled *c, uint32_t rule_base);
void tb_pol_set_unpublish(const struct tb_pol_map_fds *fds, uint32_t slot,
			  const struct tb_pol_hkey *hkeys, size_t n_hkeys);
/* The set's keys in the shared hash (for removal); count, *out to free. */
size_t tb_pol_set_hkeys(const struct tb_pol_compiled *c, uint32_t slot, struct tb_pol_hkey **out);
int tb_pol_counters_zero(int fd, uint32_t base, uint32_t n);

#endif
