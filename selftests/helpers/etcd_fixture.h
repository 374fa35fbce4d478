/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real etcd members for tests: Debian's etcd (etcd-server) started by PID on free loopback
 * ports, data in a fresh directory under /dev/shm (fsync is free there, so tests stay fast),
 * stopped by PID and removed afterwards. Each member dies with the test process that started
 * it (PR_SET_PDEATHSIG), so a crashed test leaves no member behind.
 *
 * With ETCD_FX_TLS the client URLs are https with client certificates required; the CA,
 * server, client and a second, untrusted CA with its own client are made with the openssl
 * command at start. etcd_fx_enable_auth turns on etcd's user/password auth with etcdctl.
 */
#ifndef TABBY_TEST_ETCD_FIXTURE_H
#define TABBY_TEST_ETCD_FIXTURE_H

#include <stdbool.h>
#include <sys/types.h>

#define ETCD_FX_MAX 3
#define ETCD_FX_TLS 0x1
/* Data on disk (/var/tmp) rather than tmpfs: for benchmarks that should pay for fsync. */
#define ETCD_FX_DISK 0x2
/* Auth tokens expire after a second: clients must authenticate again. */
#define ETCD_FX_SHORT_TOKEN 0x4

struct etcd_fx_member {
	pid_t pid;
	int client_port;
	int peer_port;
	char client_url[64];
};

struct etcd_fx {
	char dir[96];
	int n;
	unsigned flags;
	struct etcd_fx_member m[ETCD_FX_MAX];
	char endpoints[256]; /* every member's client URL, comma separated */
	/* TLS material (ETCD_FX_TLS): paths under dir. */
	char ca[128], cert[128], key[128];
	char other_cert[128], other_key[128], other_ca[128];
	/* etcdctl credentials once auth is on. */
	char root_user[64];
};

/* Starts an n-member cluster and waits until every member is healthy. 0 or -errno (the
 * members' logs are printed to stderr on failure). */
int etcd_fx_start(struct etcd_fx *fx, int n, unsigned flags);
/* Kills every member still running and removes the directory; safe after a failed start. */
void etcd_fx_stop(struct etcd_fx *fx);
/* SIGKILLs member i and reaps it. */
int etcd_fx_kill(struct etcd_fx *fx, int i);
/* Starts member i again on its data (it rejoins the cluster). */
int etcd_fx_restart(struct etcd_fx *fx, int i);
/* Member i's client URL alone. */
const char *etcd_fx_url(const struct etcd_fx *fx, int i);
/*
 * Runs etcdctl against the cluster (TLS and root credentials added) with the arguments of
 * fmt, a shell word list; stdin from in (may be NULL). 0 when it exits 0, else -EIO.
 */
int etcd_fx_ctl(const struct etcd_fx *fx, const char *in, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds root (password rootpw) and user (password), user with read-write on every key, and
 * enables auth. */
int etcd_fx_enable_auth(struct etcd_fx *fx, const char *user, const char *password);

#endif
