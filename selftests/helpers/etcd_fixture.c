// SPDX-License-Identifier: Apache-2.0
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers/etcd_fixture.h"

#define START_TIMEOUT_MS 20000

/* Every certificate a TLS test needs: a CA, a server certificate for 127.0.0.1, a client,
 * and a second CA with a client of its own that the members must refuse. */
static const char cert_script[] =
    "set -e\n"
    "pair() { # name cn ca ext\n"
    "  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1.key"
    " -out $1.csr -subj /CN=$2\n"
    "  openssl x509 -req -in $1.csr -CA $3.crt -CAkey $3.key -CAcreateserial -days 2"
    " -out $1.crt -extfile $4\n"
    "}\n"
    "for ca in ca other-ca; do openssl req -x509 -newkey ec -pkeyopt"
    " ec_paramgen_curve:prime256v1 -nodes -keyout $ca.key -out $ca.crt -days 2"
    " -subj /CN=tabby-test-$ca; done\n"
    "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n'"
    " > server.ext\n"
    "printf 'extendedKeyUsage=clientAuth\\n' > client.ext\n"
    "pair server 127.0.0.1 ca server.ext\n"
    "pair client tabby-client ca client.ext\n"
    "pair other-client tabby-client other-ca client.ext\n";

static int run_sh(const char *dir, const char *script, const char *logname)
{
	char cmd[8192];
	int rc;

	if ((size_t)snprintf(cmd, sizeof(cmd), "cd '%s' && { %s\n} >>'%s' 2>&1", dir, script,
			     logname) >= sizeof(cmd))
		return -E2BIG;
	rc = system(cmd);
	return rc == 0 ? 0 : -EIO;
}

static int gen_certs(struct etcd_fx *fx)
{
	snprintf(fx->ca, sizeof(fx->ca), "%s/ca.crt", fx->dir);
	snprintf(fx->cert, sizeof(fx->cert), "%s/client.crt", fx->dir);
	snprintf(fx->key, sizeof(fx->key), "%s/client.key", fx->dir);
	snprintf(fx->other_ca, sizeof(fx->other_ca), "%s/other-ca.crt", fx->dir);
	snprintf(fx->other_cert, sizeof(fx->other_cert), "%s/other-client.crt", fx->dir);
	snprintf(fx->other_key, sizeof(fx->other_key), "%s/other-client.key", fx->dir);
	return run_sh(fx->dir, cert_script, "certs.log");
}

/* n distinct free loopback ports: all bound at once, so none is handed out twice. */
static int free_ports(int *ports, int n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fds[2 * ETCD_FX_MAX], err = 0, i;
	socklen_t len = sizeof(a);

	for (i = 0; i < n && !err; i++) {
		a.sin_port = 0;
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(fds[i], (struct sockaddr *)&a, &len))
			err = -errno;
		else
			ports[i] = ntohs(a.sin_port);
	}
	while (i--)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

static int spawn(struct etcd_fx *fx, int i, bool existing)
{
	struct etcd_fx_member *m = &fx->m[i];
	char name[8], data[160], logf[160], peer[64], cluster[512] = "", token[64];
	const char *argv[48];
	pid_t parent = getpid();
	int a = 0, fd;

	snprintf(name, sizeof(name), "m%d", i);
	snprintf(data, sizeof(data), "%s/m%d", fx->dir, i);
	snprintf(logf, sizeof(logf), "%s/m%d.log", fx->dir, i);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", m->peer_port);
	snprintf(token, sizeof(token), "tabby-%s", strrchr(fx->dir, '/') + 1);
	for (int j = 0; j < fx->n; j++)
		snprintf(cluster + strlen(cluster), sizeof(cluster) - strlen(cluster),
			 "%sm%d=http://127.0.0.1:%d", j ? "," : "", j, fx->m[j].peer_port);
	argv[a++] = "etcd";
	argv[a++] = "--name", argv[a++] = name;
	argv[a++] = "--data-dir", argv[a++] = data;
	argv[a++] = "--listen-client-urls", argv[a++] = m->client_url;
	argv[a++] = "--advertise-client-urls", argv[a++] = m->client_url;
	argv[a++] = "--listen-peer-urls", argv[a++] = peer;
	argv[a++] = "--initial-advertise-peer-urls", argv[a++] = peer;
	argv[a++] = "--initial-cluster", argv[a++] = cluster;
	argv[a++] = "--initial-cluster-state", argv[a++] = existing ? "existing" : "new";
	argv[a++] = "--initial-cluster-token", argv[a++] = token;
	/* Fast elections on loopback: a lost leader is replaced within about a second. */
	argv[a++] = "--heartbeat-interval", argv[a++] = "50";
	argv[a++] = "--election-timeout", argv[a++] = "500";
	/* The datastore suite writes 600 keys in one transaction (etcd's default is 128). */
	argv[a++] = "--max-txn-ops", argv[a++] = "1024";
	if (fx->flags & ETCD_FX_SHORT_TOKEN)
		argv[a++] = "--auth-token-ttl", argv[a++] = "1";
	if (fx->flags & ETCD_FX_TLS) {
		argv[a++] = "--cert-file", argv[a++] = "server.crt";
		argv[a++] = "--key-file", argv[a++] = "server.key";
		argv[a++] = "--trusted-ca-file", argv[a++] = "ca.crt";
		argv[a++] = "--client-cert-auth";
	}
	argv[a] = NULL;
	fflush(NULL);
	m->pid = fork();
	if (m->pid < 0)
		return -errno;
	if (m->pid)
		return 0;
	/* The member must not outlive the test that started it, even one that crashed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	fd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || chdir(fx->dir))
		_exit(126);
	dup2(fd, 1);
	dup2(fd, 2);
	execvp("etcd", (char *const *)argv);
	_exit(127);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static size_t sink(char *d, size_t s, size_t n, void *arg)
{
	char *out = arg;
	size_t len = s * n, have = strlen(out);

	if (have + 1 < 64)
		snprintf(out + have, 64 - have, "%.*s", (int)len, d);
	return len;
}

static bool healthy(const struct etcd_fx *fx, int i)
{
	CURL *h = curl_easy_init();
	char url[96], body[64] = "";
	CURLcode rc;

	if (!h)
		return false;
	snprintf(url, sizeof(url), "%s/health", fx->m[i].client_url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)body);
	if (fx->flags & ETCD_FX_TLS) {
		curl_easy_setopt(h, CURLOPT_CAINFO, fx->ca);
		curl_easy_setopt(h, CURLOPT_SSLCERT, fx->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, fx->key);
	}
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	return rc == CURLE_OK && strstr(body, "\"true\"");
}

static void dump_logs(const struct etcd_fx *fx)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tail -n 15 '%s'/*.log >&2", fx->dir);
	if (system(cmd))
		fprintf(stderr, "etcd_fx: no logs in %s\n", fx->dir);
}

/* Until every running member answers /health, a member exits, or the time is up. */
static int wait_healthy(struct etcd_fx *fx)
{
	long until = now_ms() + START_TIMEOUT_MS;
	int status;

	for (;;) {
		bool all = true;

		for (int i = 0; i < fx->n; i++) {
			if (fx->m[i].pid <= 0)
				continue;
			if (waitpid(fx->m[i].pid, &status, WNOHANG) == fx->m[i].pid) {
				fprintf(stderr, "etcd_fx: member m%d exited (status %d)\n", i,
					status);
				fx->m[i].pid = 0;
				return -ECHILD;
			}
			all = all && healthy(fx, i);
		}
		if (all)
			return 0;
		if (now_ms() > until)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

const char *etcd_fx_url(const struct etcd_fx *fx, int i)
{
	return fx->m[i].client_url;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? -errno : 0;
}

/* The test process that owns a fixture directory, recorded in <dir>/owner. */
static pid_t dir_owner(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;
	int pid = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/owner", dir) >= sizeof(path))
		return 0;
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/*
 * Directories of tests that died without cleaning up (a Criterion timeout kills the test
 * process; its members die with it, their data stays): each member's data is over 100 MB,
 * in RAM under /dev/shm. Removed when their owner is gone.
 */
static void reap_stale(const char *base)
{
	DIR *d = opendir(base);
	char path[PATH_MAX];
	struct dirent *e;
	pid_t pid;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "tabby-etcd-", 11))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%.200s", base, e->d_name) >=
		    sizeof(path))
			continue;
		pid = dir_owner(path);
		if (pid > 0 && kill(pid, 0) && errno == ESRCH)
			nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	if (d)
		closedir(d);
}

static int write_owner(const struct etcd_fx *fx)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/owner", fx->dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f) ? -errno : 0;
}

static int start_once(struct etcd_fx *fx, int n, unsigned flags)
{
	const char *base = flags & ETCD_FX_DISK ? "/var/tmp" : "/dev/shm";
	int ports[2 * ETCD_FX_MAX], err;

	memset(fx, 0, sizeof(*fx));
	fx->n = n;
	fx->flags = flags;
	reap_stale(base);
	snprintf(fx->dir, sizeof(fx->dir), "%s/tabby-etcd-XXXXXX", base);
	if (!mkdtemp(fx->dir)) {
		fx->dir[0] = '\0';
		return -errno;
	}
	err = write_owner(fx);
	err = err ?: free_ports(ports, 2 * n);
	if (!err && (flags & ETCD_FX_TLS))
		err = gen_certs(fx);
	for (int i = 0; !err && i < n; i++) {
		fx->m[i].client_port = ports[2 * i];
		fx->m[i].peer_port = ports[2 * i + 1];
		snprintf(fx->m[i].client_url, sizeof(fx->m[i].client_url), "%s://127.0.0.1:%d",
			 flags & ETCD_FX_TLS ? "https" : "http", fx->m[i].client_port);
		snprintf(fx->endpoints + strlen(fx->endpoints),
			 sizeof(fx->endpoints) - strlen(fx->endpoints), "%s%s", i ? "," : "",
			 fx->m[i].client_url);
	}
	for (int i = 0; !err && i < n; i++)
		err = spawn(fx, i, false);
	if (!err)
		err = wait_healthy(fx);
	if (err) {
		fprintf(stderr, "etcd_fx: starting %d member(s) in %s failed: %s\n", n, fx->dir,
			strerror(-err));
		dump_logs(fx);
		etcd_fx_stop(fx);
	}
	return err;
}

int etcd_fx_start(struct etcd_fx *fx, int n, unsigned flags)
{
	int err;

	if (n < 1 || n > ETCD_FX_MAX)
		return -EINVAL;
	/* The free ports are released before etcd binds them: a member that exits may have lost
	 * one to a process started meanwhile, so a fresh set of ports gets two more tries. */
	err = start_once(fx, n, flags);
	for (int i = 0; err == -ECHILD && i < 2; i++)
		err = start_once(fx, n, flags);
	return err;
}

int etcd_fx_kill(struct etcd_fx *fx, int i)
{
	if (fx->m[i].pid <= 0)
		return -ESRCH;
	kill(fx->m[i].pid, SIGKILL);
	waitpid(fx->m[i].pid, NULL, 0);
	fx->m[i].pid = 0;
	return 0;
}

int etcd_fx_restart(struct etcd_fx *fx, int i)
{
	int err;

	if (fx->m[i].pid > 0)
		return -EBUSY;
	err = spawn(fx, i, true);
	return err ?: wait_healthy(fx);
}

void etcd_fx_stop(struct etcd_fx *fx)
{
	for (int i = 0; i < fx->n; i++)
		if (fx->m[i].pid > 0)
			etcd_fx_kill(fx, i);
	if (fx->dir[0])
		nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fx->dir[0] = '\0';
}

int etcd_fx_ctl(const struct etcd_fx *fx, const char *in, const char *fmt, ...)
{
	char args[1024], cmd[2048], tls[512] = "", user[96] = "";
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (rc < 0 || (size_t)rc >= sizeof(args))
		return -E2BIG;
	if (fx->flags & ETCD_FX_TLS)
		snprintf(tls, sizeof(tls), "--cacert '%s' --cert '%s' --key '%s'", fx->ca, fx->cert,
			 fx->key);
	if (fx->root_user[0])
		snprintf(user, sizeof(user), "--user '%s'", fx->root_user);
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints='%s' %s %s %s %s%s",
		 fx->endpoints, tls, user, args, in ? "< " : "", in ? in : "");
	return run_sh(fx->dir, cmd, "etcdctl.log");
}

int etcd_fx_enable_auth(struct etcd_fx *fx, const char *user, const char *password)
{
	int err;

	err = etcd_fx_ctl(fx, NULL, "role add root");
	err = err ?: etcd_fx_ctl(fx, NULL, "user add root:rootpw");
	err = err ?: etcd_fx_ctl(fx, NULL, "user grant-role root root");
	err = err ?: etcd_fx_ctl(fx, NULL, "role add app");
	err = err ?: etcd_fx_ctl(fx, NULL, "role grant-permission app --prefix=true readwrite /");
	err = err ?: etcd_fx_ctl(fx, NULL, "user add '%s:%s'", user, password);
	err = err ?: etcd_fx_ctl(fx, NULL, "user grant-role '%s' app", user);
	err = err ?: etcd_fx_ctl(fx, NULL, "auth enable");
	if (!err)
		snprintf(fx->root_user, sizeof(fx->root_user), "root:rootpw");
	return err;
}
