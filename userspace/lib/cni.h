/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CNI protocol (spec 1.0.0 plus 1.1.0's GC and STATUS), shared by the `tabby` and
 * `tabby-ipam` plugins: the environment, CNI_ARGS, the network configuration with tabby's
 * (Calico's) fields, version negotiation, results and errors.
 */
#ifndef TABBY_CNI_H
#define TABBY_CNI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "datastore.h"
#include "ipam_addr.h"

enum tb_cni_cmd {
	TB_CNI_ADD,
	TB_CNI_DEL,
	TB_CNI_CHECK,
	TB_CNI_VERSION,
	TB_CNI_GC,
	TB_CNI_STATUS,
};

/* The spec's well-known error codes. */
enum tb_cni_code {
	TB_CNI_E_VERSION = 1, /* incompatible CNI version */
	TB_CNI_E_FIELD = 2,   /* unsupported field in the network configuration */
	TB_CNI_E_UNKNOWN_CONTAINER = 3,
	TB_CNI_E_ENV = 4, /* invalid or missing environment variable */
	TB_CNI_E_IO = 5,
	TB_CNI_E_DECODE = 6,
	TB_CNI_E_CONFIG = 7, /* invalid network config */
	TB_CNI_E_TRY_AGAIN = 11,
	TB_CNI_E_NOT_AVAILABLE = 50, /* STATUS: the plugin can't serve ADDs */
	TB_CNI_E_LIMITED = 51,
	TB_CNI_E_INTERNAL = 100, /* tabby's own: see msg */
};

#define TB_CNI_VERSION_LATEST "1.1.0"

struct tb_cni_error {
	int code;
	char msg[512];
	char details[512];
};

/* Records an error; returns -1 so callers can `return tb_cni_fail(...)`. */
int tb_cni_fail(struct tb_cni_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tb_cni_error_print(const struct tb_cni_error *e, const char *version, FILE *f);

struct tb_cni_env {
	enum tb_cni_cmd cmd;
	const char *container_id;
	const char *netns; /* may be empty on DEL */
	const char *ifname;
	const char *args;
	const char *path;
};

/* Reads CNI_* and checks what the command needs (code 4 when missing). */
int tb_cni_env_load(struct tb_cni_env *env, struct tb_cni_error *e);

struct tb_cni_args {
	char *k8s_namespace;
	char *k8s_pod;
	char *k8s_pod_uid;
	char *k8s_container; /* K8S_POD_INFRA_CONTAINER_ID */
	char *ip;	     /* IP: fixed addresses, comma separated (podman --ip) */
	char *mac;	     /* MAC: the workload interface's MAC (podman --mac-address) */
	bool ignore_unknown;
};

/* Parses "K=V;K=V". Unknown keys are refused (code 2) unless IgnoreUnknown=1|true. */
int tb_cni_args_parse(const char *s, struct tb_cni_args *out, struct tb_cni_error *e);
void tb_cni_args_free(struct tb_cni_args *a);

/* Versions. */
bool tb_cni_version_supported(const char *v);
/* <0, 0, >0 like strcmp, numerically. */
int tb_cni_version_cmp(const char *a, const char *b);
void tb_cni_version_print(FILE *f);

/* The network configuration (stdin), tabby's and Calico's field names. */
struct tb_cni_conf {
	json_t *raw;
	const char *cni_version;
	const char *name;
	const char *type;
	int mtu; /* 0 = default 1500 */
	char *nodename;
	struct tb_ds_config ds;
	int policy_setup_timeout; /* seconds, 0 = don't wait */
	const char *log_level;
	const char *log_file;
	const char *run_dir;
	/* ipam */
	const char *ipam_type;
	bool assign_ipv4;
	bool assign_ipv6;
	json_t *ipv4_pools; /* array of strings or NULL */
	json_t *ipv6_pools;
	json_t *prev_result;	   /* DEL/CHECK */
	json_t *valid_attachments; /* GC: cni.dev/valid-attachments */
};

int tb_cni_conf_parse(const char *text, enum tb_cni_cmd cmd, struct tb_cni_conf *c,
		      struct tb_cni_error *e);
void tb_cni_conf_free(struct tb_cni_conf *c);

/* A result, in memory. */
struct tb_cni_iface {
	char name[16];
	char mac[18];
	const char *sandbox; /* NULL for a host-side interface */
};

struct tb_cni_ip {
	struct tb_ip ip;
	int prefix; /* 32 / 128 */
	int iface;  /* index into ifaces, -1 for none */
	bool has_gw;
	struct tb_ip gw;
};

struct tb_cni_route {
	struct tb_cidr dst;
	bool has_gw;
	struct tb_ip gw;
};

struct tb_cni_result {
	struct tb_cni_iface ifaces[2];
	int n_ifaces;
	struct tb_cni_ip ips[4];
	int n_ips;
	struct tb_cni_route routes[4];
	int n_routes;
};

/* Renders the result in the shape of the given version (0.3.x/0.4.0 carry ips[].version). */
json_t *tb_cni_result_json(const struct tb_cni_result *r, const char *version);
/* Reads the ips of a prevResult (any supported version) back. */
int tb_cni_result_parse(const json_t *j, struct tb_cni_result *r);

/* Around a command. */
char *tb_cni_read_stdin(void);
/* Log level and file: netconf log_level/log_file_path, then TABBY_LOG_LEVEL/TABBY_LOG_FILE. */
void tb_cni_log_setup(const char *ident, const struct tb_cni_conf *c);
struct tb_ds;
int tb_cni_ds_open(const struct tb_cni_conf *c, struct tb_ds **ds, struct tb_cni_error *e);
int tb_cni_print_result(const struct tb_cni_result *r, const char *version);

/* A plugin's command handlers: each runs on the datastore opened for it (tb_cni_ds_open). */
typedef int (*tb_cni_cmd_fn)(struct tb_ds *ds, const struct tb_cni_env *env,
			     const struct tb_cni_conf *c, struct tb_cni_error *e);
struct tb_cni_cmds {
	tb_cni_cmd_fn add, del, check, gc, status;
};

/*
 * A plugin's whole life: environment, VERSION, the netconf on stdin, logging, then the
 * datastore and the handler of every other command; an error is printed as the spec's JSON.
 * Returns the exit status.
 */
int tb_cni_run(const char *ident, const struct tb_cni_cmds *cmds);

#endif
