// SPDX-License-Identifier: Apache-2.0
/*
 * CNI ADD/DEL latency and throughput: the tabby plugin (IPAM in the embedded store, datastore
 * writes included) side by side with Debian's reference bridge + host-local plugins, on the
 * same machine in the same run. 200 pods sequentially, then 200 pods 8 at a time; each
 * workload namespace is created beforehand and timed apart. Everything happens inside a
 * private network namespace this process makes for itself (the "node").
 *
 * Rows: cni.<op>.<mode>.<stat> with peer "bridge+host-local".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAR 8

extern char **environ;

struct sys {
	const char *label;
	char bin[256];
	char conf[1024];
	char path_env[300];
};

static int npods = 200;
static char dir[64];
static char (*ns_paths)[64];
static int node_fd;
static volatile int ns_made; /* namespaces of the current round not yet dropped */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[(int)((n - 1) * p + 0.5)];
}

/* A named network namespace, like `ip netns add`; timed by the caller. */
static int netns_make(const char *path)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0444);

	if (fd < 0)
		return -errno;
	close(fd);
	if (unshare(CLONE_NEWNET))
		return -errno;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL))
		return -errno;
	return setns(node_fd, CLONE_NEWNET) ? -errno : 0;
}

static void netns_drop(const char *path)
{
	umount2(path, MNT_DETACH);
	unlink(path);
}

/* Whatever ends the run - a failure, a signal, the end - drops the namespaces it made.
 * umount2 and unlink are async-signal-safe. */
static void drop_all(void)
{
	for (int i = 0; i < ns_made; i++)
		netns_drop(ns_paths[i]);
	ns_made = 0;
}

static void remove_dir(void)
{
	char cmd[128];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "bench_cni: could not remove %s\n", dir);
	dir[0] = '\0';
}

/* exit() from a handler is not async-signal-safe; a benchmark interrupted by hand accepts
 * that to leave nothing behind (atexit runs drop_all and remove_dir). */
static void on_signal(int sig)
{
	drop_all();
	exit(128 + sig);
}

/* Runs one plugin command; returns its exit status, -1 when it did not run. */
static int run(const struct sys *s, const char *cmd, int i)
{
	char e_cmd[32], e_cid[64], e_ns[96], e_if[32] = "CNI_IFNAME=eth0";
	char *envp[] = {e_cmd, e_cid, e_ns, e_if, (char *)s->path_env, NULL};
	char *argv[] = {(char *)s->bin, NULL};
	posix_spawn_file_actions_t fa;
	int p[2], st = -1;
	pid_t pid;

	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", cmd);
	snprintf(e_cid, sizeof(e_cid), "CNI_CONTAINERID=bench%04d", i);
	snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=%s", ns_paths[i]);
	if (pipe2(p, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, s->bin, &fa, NULL, argv, envp)) {
		pid = -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (write(p[1], s->conf, strlen(s->conf)) < 0)
		st = -1;
	close(p[1]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct job {
	const struct sys *s;
	const char *cmd;
	double *lat;
	int next;
	int failed;
	pthread_mutex_t mu;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	for (;;) {
		double t0;
		int i;

		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= npods)
			return NULL;
		t0 = now_ms();
		if (run(j->s, j->cmd, i))
			__atomic_add_fetch(&j->failed, 1, __ATOMIC_RELAXED);
		j->lat[i] = now_ms() - t0;
	}
}

/* Runs cmd for every pod with par workers; fills lat[] and returns the wall time in ms. */
static double phase(const struct sys *s, const char *cmd, int par, double *lat, int *failed)
{
	struct job j = {.s = s, .cmd = cmd, .lat = lat};
	pthread_t th[PAR];
	double t0 = now_ms();

	pthread_mutex_init(&j.mu, NULL);
	for (int w = 0; w < par; w++)
		pthread_create(&th[w], NULL, worker, &j);
	for (int w = 0; w < par; w++)
		pthread_join(th[w], NULL);
	*failed = j.failed;
	return now_ms() - t0;
}

struct result {
	double add_p50, add_p99, add_rate, del_p50, del_p99, del_rate;
	int failed;
};

static int measure(const struct sys *s, int par, struct result *r, double *ns_lat)
{
	double *lat = calloc((size_t)npods, sizeof(double));
	double wall;
	int f1 = 0, f2 = 0;

	if (!lat)
		return -1;
	for (int i = 0; i < npods; i++) {
		double t0 = now_ms();

		snprintf(ns_paths[i], sizeof(ns_paths[i]), "/run/netns/tbbench-%d-%d", getpid(), i);
		ns_made = i + 1;
		if (netns_make(ns_paths[i])) {
			drop_all();
			return -1;
		}
		if (ns_lat)
			ns_lat[i] = now_ms() - t0;
	}
	wall = phase(s, "ADD", par, lat, &f1);
	r->add_rate = npods / (wall / 1e3);
	r->add_p50 = pct(lat, npods, 0.5);
	r->add_p99 = pct(lat, npods, 0.99);
	wall = phase(s, "DEL", par, lat, &f2);
	r->del_rate = npods / (wall / 1e3);
	r->del_p50 = pct(lat, npods, 0.5);
	r->del_p99 = pct(lat, npods, 0.99);
	r->failed = f1 + f2;
	drop_all();
	free(lat);
	return 0;
}

static void row(const char *name, double v, const char *unit, double peer, const char *target)
{
	printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\",\"peer\":\"bridge+host-local\","
	       "\"peer_value\":%.3f,\"ratio\":%.3f,\"target\":%s%s%s}\n",
	       name, v, unit, peer, peer > 0 ? v / peer : 0.0, target ? "\"" : "",
	       target ? target : "null", target ? "\"" : "");
}

static void rows(const char *mode, const struct result *t, const struct result *b)
{
	char n[64];

#define ROW(op, stat, field, unit, target)                                                         \
	snprintf(n, sizeof(n), "cni.%s.%s.%s", op, mode, stat);                                    \
	row(n, t->field, unit, b->field, target)
	ROW("add", "p50", add_p50, "ms", "<= 5 ms");
	ROW("add", "p99", add_p99, "ms", "<= 20 ms");
	ROW("add", "pods_per_s", add_rate, "pods/s", mode[0] == 's' ? ">= 200" : NULL);
	ROW("del", "p50", del_p50, "ms", "<= 5 ms");
	ROW("del", "p99", del_p99, "ms", NULL);
	ROW("del", "pods_per_s", del_rate, "pods/s", NULL);
#undef ROW
}

static int setup(struct sys *t, struct sys *b)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char cmd[1024], db[128], pool[128];

	snprintf(dir, sizeof(dir), "/tmp/tabby-bench-cni-XXXXXX");
	if (!mkdtemp(dir) || unshare(CLONE_NEWNET))
		return -1;
	node_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	mkdir("/run/netns", 0755);
	if (system("ip link set lo up; sysctl -qw net.ipv4.ip_forward=1"))
		return -1;
	snprintf(db, sizeof(db), "%s/tabby.db", dir);
	snprintf(pool, sizeof(pool), "%s/pool.yaml", dir);
	snprintf(
	    cmd, sizeof(cmd),
	    "printf 'apiVersion: projectcalico.org/v3\\nkind: IPPool\\nmetadata: {name: bench}\\n"
	    "spec: {cidr: 10.201.0.0/16}\\n' > %s && TABBY_DATASTORE_PATH=%s %s/bin/tabbyctl "
	    "apply -f %s >/dev/null",
	    pool, db, build, pool);
	if (system(cmd))
		return -1;
	*t = (struct sys){.label = "tabby"};
	snprintf(t->bin, sizeof(t->bin), "%s/cni/tabby", build);
	snprintf(t->path_env, sizeof(t->path_env), "CNI_PATH=%s/cni", build);
	snprintf(t->conf, sizeof(t->conf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"tabby\",\"nodename\":"
		 "\"benchnode\",\"datastore_path\":\"%s\",\"ipam\":{\"type\":\"tabby-ipam\"}}",
		 db);
	*b = (struct sys){.label = "bridge+host-local"};
	snprintf(b->bin, sizeof(b->bin), "/usr/lib/cni/bridge");
	snprintf(b->path_env, sizeof(b->path_env), "CNI_PATH=/usr/lib/cni");
	snprintf(
	    b->conf, sizeof(b->conf),
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"refbench\",\"type\":\"bridge\",\"bridge\":"
	    "\"tbbench0\",\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\","
	    "\"ranges\":[[{\"subnet\":\"10.202.0.0/16\"}]],\"dataDir\":\"%s/host-local\"}}",
	    dir);
	return access(b->bin, X_OK) || access(t->bin, X_OK) ? -1 : 0;
}

int main(void)
{
	struct result ts, bs, tp, bp;
	struct sys t, b;
	double *ns_lat;

	if (getenv("BENCH_CNI_PODS"))
		npods = atoi(getenv("BENCH_CNI_PODS"));
	atexit(remove_dir);
	atexit(drop_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	ns_paths = calloc((size_t)npods, sizeof(*ns_paths));
	ns_lat = calloc((size_t)npods, sizeof(double));
	if (!ns_paths || !ns_lat || setup(&t, &b)) {
		fprintf(stderr, "bench_cni: setup failed (tabby built? tabbyctl? "
				"containernetworking-plugins installed?)\n");
		return 1;
	}
	if (measure(&t, 1, &ts, ns_lat) || measure(&b, 1, &bs, NULL) ||
	    measure(&t, PAR, &tp, NULL) || measure(&b, PAR, &bp, NULL)) {
		fprintf(stderr, "bench_cni: creating namespaces failed\n");
		return 1;
	}
	rows("seq", &ts, &bs);
	rows("par8", &tp, &bp);
	printf("{\"name\":\"cni.netns_create.p50\",\"value\":%.3f,\"unit\":\"ms\",\"peer\":null,"
	       "\"peer_value\":null,\"ratio\":null,\"target\":null}\n",
	       pct(ns_lat, npods, 0.5));
	fprintf(stderr, "failed operations: tabby %d, bridge+host-local %d\n",
		ts.failed + tp.failed, bs.failed + bp.failed);
	return ts.failed + tp.failed ? 1 : 0;
}
