// SPDX-License-Identifier: Apache-2.0
/*
 * test_ipam.c against a real etcd: the same IPAM tests, the 60-process concurrency test
 * included, with each fixture's own one-member etcd (helpers/ds_fixture.h). The CAS
 * transactions IPAM relies on must hold on both backends.
 */
#include <stdlib.h>

__attribute__((constructor)) static void use_etcd(void)
{
	setenv("TABBY_TEST_DATASTORE", "etcdv3", 1);
}

#include "test_ipam.c"
