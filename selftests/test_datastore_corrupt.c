// SPDX-License-Identifier: Apache-2.0
/*
 * A store that is corrupt, foreign or unreadable is refused with a clear error and a log line
 * naming its path, never opened as an empty store and never overwritten.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/ds_fixture.h"
#include "log.h"

static struct ds_fx fx;

static void setup(void)
{
	cr_assert_eq(ds_fx_init(&fx), 0, "temporary directory");
	snprintf(fx.path, sizeof(fx.path), "%s/tabby.db", fx.dir);
}

static void teardown(void)
{
	ds_fx_cleanup(&fx);
}

TestSuite(datastore_corrupt, .init = setup, .fini = teardown);

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* Runs SQL on the file directly, as a third party (or a bug) would. */
static int sql_on(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -EIO;
}

/*
 * A real tabby store with keys, closed, and its WAL checkpointed into the file (tabby's own
 * connections leave the WAL in place on close), so corrupting the file corrupts the data.
 */
static int make_store(const char *path)
{
	struct tb_ds_config cfg = { .type = TB_DS_LOCAL, .path = (char *)path };
	struct tb_ds *ds;
	char key[32];
	int err = tb_ds_open(&cfg, &ds);

	for (int i = 0; !err && i < 200; i++) {
		snprintf(key, sizeof(key), "/k/%03d", i);
		err = tb_ds_put(ds, key, "{\"some\":\"value that fills pages\"}", TB_REV_ANY, NULL);
	}
	if (!err)
		tb_ds_close(ds);
	return err ?: sql_on(path, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static int prep_garbage(const char *path)
{
	char buf[8192];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7919 + 13);
	return write_file(path, buf, sizeof(buf));
}

static int prep_text(const char *path)
{
	return write_file(path, "not a database\n", 15);
}

static int prep_foreign(const char *path)
{
	return sql_on(path, "CREATE TABLE mine(x); INSERT INTO mine VALUES(1);");
}

static int prep_newer_schema(const char *path)
{
	return make_store(path) ?: sql_on(path, "PRAGMA user_version = 99");
}

static int prep_no_state(const char *path)
{
	return make_store(path) ?: sql_on(path, "DELETE FROM state");
}

static int prep_directory(const char *path)
{
	return mkdir(path, 0755) ? -errno : 0;
}

/* Overwrites pages after the first: the header is valid, the tables are not. */
static int prep_bad_pages(const char *path)
{
	char junk[4096];
	int fd, err = make_store(path);

	if (err)
		return err;
	memset(junk, 0x5a, sizeof(junk));
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	for (off_t off = 4096; off < 4 * 4096; off += 4096)
		if (pwrite(fd, junk, sizeof(junk), off) != (ssize_t)sizeof(junk))
			err = -EIO;
	close(fd);
	return err;
}

struct corrupt_case {
	const char *name;
	int (*prep)(const char *path);
	bool open_may_succeed; /* then the first list must fail instead */
};

static const struct corrupt_case cases[] = {
	{ "garbage bytes", prep_garbage, false },
	{ "text file", prep_text, false },
	{ "someone else's sqlite database", prep_foreign, false },
	{ "newer schema version", prep_newer_schema, false },
	{ "state row missing", prep_no_state, false },
	{ "a directory", prep_directory, false },
	{ "corrupt pages", prep_bad_pages, true },
};

static bool file_mentions(const char *file, const char *needle)
{
	char buf[8192];
	FILE *f = fopen(file, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void check_case(const struct corrupt_case *c, const char *path, const char *logpath)
{
	struct tb_ds_config cfg = { .type = TB_DS_LOCAL, .path = (char *)path };
	struct tb_kv_list l = { 0 };
	struct stat before, after;
	struct tb_ds *ds = NULL;
	int err;

	err = c->prep(path);
	if (err || stat(path, &before)) {
		cr_expect_fail("%s: preparing the file failed: %d", c->name, err);
		return;
	}
	err = tb_ds_open(&cfg, &ds);
	if (!err && c->open_may_succeed) {
		err = tb_ds_list(ds, "", &l);
		tb_kv_list_free(&l);
		tb_ds_close(ds);
		ds = NULL;
	}
	if (err != -EIO && !(err == -EISDIR && c->prep == prep_directory))
		cr_expect_fail("%s: got %d, want -EIO", c->name, err);
	if (ds)
		tb_ds_close(ds);
	if (!file_mentions(logpath, path))
		cr_expect_fail("%s: no log line names %s", c->name, path);
	/* Refused means untouched: never re-initialised over someone's data. */
	if (stat(path, &after) || after.st_size != before.st_size)
		cr_expect_fail("%s: the file changed size", c->name);
}

Test(datastore_corrupt, refused_with_eio)
{
	char path[160], logpath[160];

	snprintf(logpath, sizeof(logpath), "%s/log", fx.dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/case%zu.db", fx.dir, i);
		unlink(logpath);
		cr_assert_eq(tb_log_set_file(logpath, TB_LOG_ERROR), 0, "log file");
		check_case(&cases[i], path, logpath);
		tb_log_set_file(NULL, TB_LOG_NONE);
	}
}

/* Opens path as an unprivileged user in a child; returns the open's -errno (0 on success). */
static int open_as_nobody(const char *path)
{
	struct tb_ds_config cfg = { .type = TB_DS_LOCAL, .path = (char *)path };
	struct tb_ds *ds;
	int status, err;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1000;
	if (pid == 0) {
		/* Root passes every permission check: drop to nobody first. */
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(200);
		err = tb_ds_open(&cfg, &ds);
		if (!err)
			tb_ds_close(ds);
		_exit(-err);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1001;
	return -WEXITSTATUS(status);
}

struct perm_case {
	const char *name;
	mode_t dir_mode;
	mode_t file_mode;
};

static const struct perm_case perm_cases[] = {
	{ "file not readable", 0755, 0600 },
	{ "file read-only", 0755, 0644 },
	{ "directory not writable (no room for the WAL)", 0755, 0666 },
	{ "directory not searchable", 0700, 0666 },
};

Test(datastore_corrupt, unreadable_is_eacces)
{
	char dir[160], path[192];
	int err;

	for (size_t i = 0; i < sizeof(perm_cases) / sizeof(perm_cases[0]); i++) {
		const struct perm_case *c = &perm_cases[i];

		snprintf(dir, sizeof(dir), "%s/p%zu", fx.dir, i);
		snprintf(path, sizeof(path), "%s/tabby.db", dir);
		cr_assert_eq(make_store(path), 0, "%s: make store", c->name);
		cr_assert_eq(chmod(path, c->file_mode) || chmod(dir, c->dir_mode), 0);
		/* The parent of the case directory must let nobody through. */
		cr_assert_eq(chmod(fx.dir, 0755), 0);
		err = open_as_nobody(path);
		if (err != -EACCES)
			cr_expect_fail("%s: got %d, want -EACCES", c->name, err);
		chmod(dir, 0755);
	}
}
