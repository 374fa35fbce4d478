// SPDX-License-Identifier: Apache-2.0
/*
 * test_datastore.c against etcd: the same tests, each fixture with its own
 * one-member etcd (helpers/ds_fixture.h). One set of tests, two backends.
 */
#include <stdlib.h>

__attribute__((constructor)) static void use_etcd(void)
{
	setenv("TABBY_TEST_DATASTORE", "etcdv3", 1);
}

#include "test_datastore.c"
