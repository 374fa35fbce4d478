// SPDX-License-Identifier: Apache-2.0
/*
 * A three-member etcd cluster on loopback losing a member under load:
 *
 *   writers (3 processes) --+--> m0 (killed mid-run) --+
 *   watcher (this process) -+    m1                    +-- raft
 *                                m2 -------------------+
 *
 * Every client starts on m0 and must fail over. Writers create resources, CAS-increment one
 * counter and allocate addresses through IPAM; afterwards nothing is lost, nothing doubled,
 * no address is given twice, and the watcher saw every change once, in revision order. The
 * same with the real tools: tabbyctl apply and the tabby-ipam plugin.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/ds_fixture.h"
#include "helpers/etcd_fixture.h"
#include "ipam.h"

#define WRITERS 3
#define CREATES 40
#define INCRS 25
#define ALLOCS 10
#define RES_PREFIX "/calico/resources/v3/projectcalico.org/networksets/"
#define COUNTER "/tabby/test/counter"

static struct etcd_fx fx;

static void setup(void)
{
	cr_assert_eq(etcd_fx_start(&fx, 3, 0), 0, "three-member cluster");
}

static void teardown(void)
{
	etcd_fx_stop(&fx);
}

TestSuite(etcd_cluster, .init = setup, .fini = teardown, .timeout = 60);

static int open_eps(const char *eps, struct tb_ds **out)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3, .etcd_endpoints = (char *)eps};

	return tb_ds_open(&cfg, out);
}

/* One increment: read, then write n+1 on the read revision; a lost race reads again. The
 * value names its writer, so a write whose answer was lost is recognised as done. */
static int cas_increment(struct tb_ds *ds, int w, int j)
{
	char val[64];
	int err;

	for (;;) {
		struct tb_kv kv = {0};
		int64_t rev = TB_REV_ABSENT;
		long n = 0;

		err = tb_ds_get(ds, COUNTER, &kv);
		if (!err) {
			sscanf(kv.value, "{\"n\":%ld", &n);
			rev = kv.mod_revision;
		}
		tb_kv_free(&kv);
		if (err && err != -ENOENT)
			return err;
		snprintf(val, sizeof(val), "{\"n\":%ld,\"by\":\"w%d.%d\"}", n + 1, w, j);
		err = tb_ds_put(ds, COUNTER, val, rev, NULL);
		if (err != -ECANCELED)
			return err;
	}
}

static int allocate(struct tb_ds *ds, int w, int j)
{
	char handle[64], node[16], msg[256];
	struct tb_ipam_request req = {.handle = handle, .node = node, .family = AF_INET};
	struct tb_ipam_assignment a;
	int err;

	snprintf(handle, sizeof(handle), "k8s-pod-network.w%d-%d", w, j);
	snprintf(node, sizeof(node), "node%d", w);
	err = tb_ipam_assign(ds, &req, &a, msg, sizeof(msg));
	if (err)
		fprintf(stderr, "writer %d: assign %s: %d %s\n", w, handle, err, msg);
	return err;
}

static int writer(int w, void *arg)
{
	struct tb_ds *ds = NULL;
	char key[128], val[64];
	int err = open_eps(fx.endpoints, &ds);

	for (int j = 0; !err && j < CREATES; j++) {
		snprintf(key, sizeof(key), RES_PREFIX "ns%d/set%d", w, j);
		snprintf(val, sizeof(val), "{\"w\":%d,\"j\":%d}", w, j);
		err = tb_ds_put(ds, key, val, TB_REV_ABSENT, NULL);
		if (!err && j < INCRS)
			err = cas_increment(ds, w, j);
		if (!err && j < ALLOCS)
			err = allocate(ds, w, j);
		if (err)
			fprintf(stderr, "writer %d step %d: %d\n", w, j, err);
		usleep(5000);
	}
	tb_ds_close(ds);
	return err;
}

struct seen {
	int creates[WRITERS][CREATES];
	long counter_last;
	int64_t last_rev;
	int events, problems;
};

static void see(struct seen *s, const struct tb_ds_event *ev)
{
	int w, j;
	long n;

	s->events++;
	if (ev->kv.mod_revision < s->last_rev)
		s->problems++, fprintf(stderr, "out of order: %s\n", ev->kv.key);
	s->last_rev = ev->kv.mod_revision;
	if (sscanf(ev->kv.key, RES_PREFIX "ns%d/set%d", &w, &j) == 2 && w < WRITERS &&
	    j < CREATES) {
		if (s->creates[w][j]++)
			s->problems++, fprintf(stderr, "twice: %s\n", ev->kv.key);
	} else if (!strcmp(ev->kv.key, COUNTER) && ev->kv.value) {
		sscanf(ev->kv.value, "{\"n\":%ld", &n);
		if (n != s->counter_last + 1)
			s->problems++,
			    fprintf(stderr, "counter %ld after %ld\n", n, s->counter_last);
		s->counter_last = n;
	}
}

/* No address twice: every handle holds exactly one, and all differ. */
static int check_ipam(struct tb_ds *ds)
{
	char handle[64], seen_ips[WRITERS * ALLOCS][TB_IP_STRLEN];
	int n = 0;

	for (int w = 0; w < WRITERS; w++) {
		for (int j = 0; j < ALLOCS; j++) {
			struct tb_ip *ips = NULL;
			size_t k = 0;

			snprintf(handle, sizeof(handle), "k8s-pod-network.w%d-%d", w, j);
			if (tb_ipam_handle_ips(ds, handle, &ips, &k) || k != 1) {
				free(ips);
				return -ENOENT;
			}
			tb_ip_format(&ips[0], seen_ips[n], TB_IP_STRLEN);
			free(ips);
			for (int i = 0; i < n; i++)
				if (!strcmp(seen_ips[i], seen_ips[n]))
					return -EEXIST;
			n++;
		}
	}
	return 0;
}

Test(etcd_cluster, member_killed_under_load)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct tb_ds_event ev = {0};
	struct tb_ds_watch *w = NULL;
	struct tb_kv_list l = {0};
	struct tb_ds *ds = NULL;
	pid_t pids[WRITERS];
	int64_t start;
	int r;

	cr_assert(s);
	cr_assert_eq(open_eps(fx.endpoints, &ds), 0);
	cr_assert_eq(tb_ds_put(ds, "/calico/resources/v3/projectcalico.org/ippools/default",
			       "{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"default\"},"
			       "\"spec\":{\"cidr\":\"10.65.0.0/24\",\"blockSize\":29}}",
			       TB_REV_ANY, &start),
		     0);
	cr_assert_eq(tb_ds_watch_open(ds, "/", start, &w), 0);
	cr_assert_eq(ds_fx_start_children(WRITERS, writer, NULL, pids), 0);
	usleep(300 * 1000);
	cr_assert_eq(etcd_fx_kill(&fx, 0), 0, "m0 killed");
	cr_expect_eq(ds_fx_wait_children(WRITERS, pids), 0, "every writer finished cleanly");
	/* The watcher follows until the counter's last increment. */
	while (s->counter_last < WRITERS * INCRS && (r = tb_ds_watch_next(w, &ev, 10000)) == 1) {
		see(s, &ev);
		tb_ds_event_free(&ev);
	}
	/* Then whatever else is in flight. */
	while ((r = tb_ds_watch_next(w, &ev, 500)) == 1) {
		see(s, &ev);
		tb_ds_event_free(&ev);
	}
	cr_expect_eq(r, 0, "the watch is still healthy: %d", r);
	cr_expect_eq(s->problems, 0, "watcher: out of order, twice or a counter gap");
	cr_expect_eq(s->counter_last, WRITERS * INCRS, "counter seen up to %ld", s->counter_last);
	for (int i = 0; i < WRITERS; i++)
		for (int j = 0; j < CREATES; j++)
			if (s->creates[i][j] != 1)
				cr_expect_fail("watcher saw ns%d/set%d %d times", i, j,
					       s->creates[i][j]);
	cr_expect_eq(tb_ds_list(ds, RES_PREFIX, &l), 0);
	cr_expect_eq(l.n, WRITERS * CREATES, "every resource is stored");
	cr_expect_eq(check_ipam(ds), 0, "one address per handle, none twice");
	tb_kv_list_free(&l);
	tb_ds_watch_close(w);
	tb_ds_close(ds);
	free(s);
}

/*
 * A member that dies between applying a write and answering it, as m0 may when killed above,
 * without the luck of timing: a proxy in front of m0 relays one client connection until the
 * first transaction, and once m0's answer to it begins (it is applied) lets the test act as
 * other writers would, stops listening and resets the connection. curl sends the request
 * again on a new connection, which is refused as by a dead member, and the client fails over.
 */
struct dying {
	int lfd;
	char url[64];
	int (*before_death)(void); /* 0 or -errno; in the proxy's thread, so no asserts */
	int before_death_err;
	pthread_t thread;
};

static int write_all(int fd, const char *p, ssize_t n)
{
	for (ssize_t w; n > 0; p += w, n -= w)
		if ((w = write(fd, p, n)) <= 0)
			return -1;
	return 0;
}

static int connect_m0(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(fx.m[0].client_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *dying_run(void *arg)
{
	struct dying *d = arg;
	int cfd = accept(d->lfd, NULL, NULL), ufd = connect_m0();
	struct pollfd p[2] = {{.fd = cfd, .events = POLLIN}, {.fd = ufd, .events = POLLIN}};
	struct linger rst = {.l_onoff = 1, .l_linger = 0};
	bool applied = false, armed = false;
	static char buf[65536];
	ssize_t n;

	while (cfd >= 0 && ufd >= 0 && poll(p, 2, 10000) > 0) {
		if (p[1].revents && armed) {
			applied = true;
			break;
		}
		if (p[0].revents) {
			n = read(cfd, buf, sizeof(buf));
			if (n <= 0)
				break;
			armed |= memmem(buf, n, "POST /v3/kv/txn", 15) != NULL;
			if (write_all(ufd, buf, n))
				break;
		}
		if (p[1].revents) {
			n = read(ufd, buf, sizeof(buf));
			if (n <= 0 || write_all(cfd, buf, n))
				break;
		}
	}
	if (applied && d->before_death)
		d->before_death_err = d->before_death();
	close(d->lfd);
	d->lfd = -1;
	if (cfd >= 0) {
		setsockopt(cfd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(cfd);
	}
	if (ufd >= 0)
		close(ufd);
	return (void *)(long)applied;
}

static int dying_start(struct dying *d, int (*before_death)(void))
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	d->before_death = before_death;
	d->before_death_err = 0;
	d->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->lfd < 0 || bind(d->lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(d->lfd, (struct sockaddr *)&a, &len) || listen(d->lfd, 4))
		return -errno;
	snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	return -pthread_create(&d->thread, NULL, dying_run, d);
}

/* Whether m0 applied the transaction before it "died". */
static bool dying_join(struct dying *d)
{
	void *applied = NULL;

	pthread_join(d->thread, &applied);
	cr_expect_eq(d->before_death_err, 0, "the other writer: %d", d->before_death_err);
	return applied != NULL;
}

/* A client whose first member is the dying one. */
static void open_behind_dying(struct dying *d, int (*before_death)(void), struct tb_ds **out)
{
	char eps[256];

	cr_assert_eq(dying_start(d, before_death), 0);
	snprintf(eps, sizeof(eps), "%s,%s,%s", d->url, etcd_fx_url(&fx, 1), etcd_fx_url(&fx, 2));
	cr_assert_eq(open_eps(eps, out), 0);
}

/* Another writer, on m1, increments the counter on top of whatever it holds. */
static int increment_on_m1(void)
{
	struct tb_ds *ds = NULL;
	int err = open_eps(etcd_fx_url(&fx, 1), &ds);

	err = err ?: cas_increment(ds, 9, 0);
	tb_ds_close(ds);
	return err;
}

static void check_counter_is(struct tb_ds *ds, long want)
{
	struct tb_kv kv = {0};
	long n = 0;

	cr_assert_eq(tb_ds_get(ds, COUNTER, &kv), 0);
	sscanf(kv.value, "{\"n\":%ld", &n);
	cr_expect_eq(n, want, "the counter is %ld (%s): every increment applied once", want,
		     kv.value);
	tb_kv_free(&kv);
}

/* The answer to a CAS put is lost after m0 applied it; its copy sent again meets its own
 * write, or (with increment_on_m1) a later one built on it. Either way it was done, once. */
static void lost_answer_to_cas(int (*before_death)(void), long final)
{
	struct tb_kv kv = {0};
	struct tb_ds *ds = NULL;
	struct dying d;
	int64_t rev = 0;

	cr_assert_eq(increment_on_m1(), 0);
	open_behind_dying(&d, before_death, &ds);
	cr_assert_eq(tb_ds_get(ds, COUNTER, &kv), 0);
	cr_expect_eq(tb_ds_put(ds, COUNTER, "{\"n\":2,\"by\":\"lost\"}", kv.mod_revision, &rev), 0,
		     "a write applied before its answer was lost is done");
	cr_assert(dying_join(&d), "m0 applied the write before the connection died");
	cr_expect_gt(rev, kv.mod_revision);
	check_counter_is(ds, final);
	tb_kv_free(&kv);
	tb_ds_close(ds);
}

Test(etcd_cluster, lost_answer_then_refused_reconnect)
{
	lost_answer_to_cas(NULL, 2);
}

Test(etcd_cluster, lost_answer_to_a_write_built_upon)
{
	lost_answer_to_cas(increment_on_m1, 3);
}

/* A conditional delete whose answer was lost, the key written again before the retry. */
static int recreate_on_m1(void)
{
	struct tb_ds *ds = NULL;
	int err = open_eps(etcd_fx_url(&fx, 1), &ds);

	err = err ?: tb_ds_put(ds, COUNTER, "{\"n\":1,\"by\":\"again\"}", TB_REV_ABSENT, NULL);
	tb_ds_close(ds);
	return err;
}

Test(etcd_cluster, lost_answer_to_a_delete_then_recreated)
{
	struct tb_kv kv = {0};
	struct tb_ds *ds = NULL;
	struct dying d;

	cr_assert_eq(increment_on_m1(), 0);
	open_behind_dying(&d, recreate_on_m1, &ds);
	cr_assert_eq(tb_ds_get(ds, COUNTER, &kv), 0);
	cr_expect_eq(tb_ds_delete(ds, COUNTER, kv.mod_revision, NULL), 0,
		     "a delete applied before its answer was lost is done");
	cr_assert(dying_join(&d));
	tb_kv_free(&kv);
	tb_ds_close(ds);
}

/*
 * The tools themselves against the cluster as it loses a member: tabbyctl applies network
 * sets, the tabby-ipam plugin assigns addresses as a runtime would call it.
 */
#define TOOL_OPS 12

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

static int run_tabbyctl(int i)
{
	char path[160], cmd[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gns%d.yaml", fx.dir, i);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n"
		"  name: gns%d\nspec:\n  nets: [\"10.%d.0.0/16\"]\n",
		i, i);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS='%s' %s/bin/tabbyctl "
		 "apply -f '%s' >/dev/null",
		 fx.endpoints, build_dir(), path);
	return system(cmd) ? -EIO : 0;
}

static int run_ipam_add(int w, int i)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "echo '{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"tabby\","
		 "\"nodename\":\"node%d\",\"datastore_type\":\"etcdv3\",\"etcd_endpoints\":\"%s\","
		 "\"ipam\":{\"type\":\"tabby-ipam\"}}' | CNI_COMMAND=ADD CNI_CONTAINERID=c%d-%d "
		 "CNI_NETNS=/var/run/netns/none CNI_IFNAME=eth0 CNI_PATH=%s/cni %s/cni/tabby-ipam "
		 "| grep -o '\"address\": *\"[^\"]*\"' >> '%s/ips'",
		 w, fx.endpoints, w, i, build_dir(), build_dir(), fx.dir);
	return system(cmd) ? -EIO : 0;
}

static int tool_user(int w, void *arg)
{
	int err = 0;

	for (int i = 0; !err && i < TOOL_OPS; i++) {
		err = w == 0 ? run_tabbyctl(i) : run_ipam_add(w, i);
		if (err)
			fprintf(stderr, "tool user %d, op %d failed\n", w, i);
	}
	return err;
}

/* Addresses the plugin reported, one per line: 0 when there are want of them, all distinct. */
static int check_reported_ips(int want)
{
	char path[160], lines[64][96];
	int n = 0, dups = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ips", fx.dir);
	f = fopen(path, "r");
	while (f && n < 64 && fgets(lines[n], sizeof(lines[n]), f)) {
		for (int i = 0; i < n; i++)
			dups += !strcmp(lines[i], lines[n]);
		n++;
	}
	if (f)
		fclose(f);
	return n == want && !dups ? 0 : -EEXIST;
}

Test(etcd_cluster, tabbyctl_and_cni_under_member_loss)
{
	struct tb_ds_event ev = {0};
	struct tb_ds_watch *w = NULL;
	struct tb_kv_list l = {0};
	struct tb_ds *ds = NULL;
	int gns[TOOL_OPS] = {0}, problems = 0, r, k;
	int64_t start, last = 0;
	pid_t pids[3];

	cr_assert_eq(open_eps(fx.endpoints, &ds), 0);
	cr_assert_eq(tb_ds_put(ds, "/calico/resources/v3/projectcalico.org/ippools/default",
			       "{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"default\"},"
			       "\"spec\":{\"cidr\":\"10.66.0.0/24\",\"blockSize\":29}}",
			       TB_REV_ANY, &start),
		     0);
	cr_assert_eq(tb_ds_watch_open(ds, "/calico/", start, &w), 0);
	cr_assert_eq(ds_fx_start_children(3, tool_user, NULL, pids), 0);
	usleep(300 * 1000);
	cr_assert_eq(etcd_fx_kill(&fx, 0), 0, "m0 killed");
	cr_expect_eq(ds_fx_wait_children(3, pids), 0, "every apply and ADD succeeded");
	while ((r = tb_ds_watch_next(w, &ev, 1000)) == 1) {
		if (ev.kv.mod_revision < last)
			problems++;
		last = ev.kv.mod_revision;
		if (sscanf(ev.kv.key,
			   "/calico/resources/v3/projectcalico.org/globalnetworksets/"
			   "gns%d",
			   &k) == 1 &&
		    k >= 0 && k < TOOL_OPS)
			gns[k]++;
		tb_ds_event_free(&ev);
	}
	cr_expect_eq(problems, 0, "events in revision order");
	for (int i = 0; i < TOOL_OPS; i++)
		if (gns[i] != 1)
			cr_expect_fail("the watcher saw gns%d %d times", i, gns[i]);
	cr_expect_eq(
	    tb_ds_list(ds, "/calico/resources/v3/projectcalico.org/globalnetworksets/", &l), 0);
	cr_expect_eq(l.n, TOOL_OPS, "every applied set is stored");
	cr_expect_eq(check_reported_ips(2 * TOOL_OPS), 0, "%d distinct addresses", 2 * TOOL_OPS);
	tb_kv_list_free(&l);
	tb_ds_watch_close(w);
	tb_ds_close(ds);
}
