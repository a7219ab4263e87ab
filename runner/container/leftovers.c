/* What killed commands leave in the store, found and removed by the next
 * command. Each kind can be told from the work of a live process:
 *
 *  - a temporary layer directory is named after its owner (pid and start
 *    time): it is a leftover once that process is gone;
 *  - a container is marked removing, with its remover recorded, before the
 *    first of its files goes: a leftover once the remover is gone;
 *  - a container's directory is made after its row and removed before it:
 *    a directory without a row is a leftover;
 *  - a layer directory gets its row, and a layer row its image, under the
 *    layers lock: whoever holds the lock sees any directory without a row,
 *    or row without an image, as a leftover. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container_remove.h"
#include "image_import.h"
#include "leftovers.h"
#include "owned_tmp.h"
#include "proc_stat.h"
#include "remove_tree.h"

/* Said once by the command (ctr_print_warnings): clearing what others
 * left is not this command's error. */
static void warn(struct ctrrun *rt, const char *what, const struct ctr_error *err)
{
	ctr_warn(&rt->warnings, "warning: %s: %s", what, err->msg);
}

static void remove_dir(struct ctrrun *rt, const char *path, const char *what)
{
	struct ctr_error err = {0};
	if (ctr_remove_tree_as(&rt->idmap, path, &err) < 0)
		warn(rt, what, &err);
}

/* The names in DIR that PICK accepts, read at once. */
static char **list_names(const char *dir, bool (*pick)(const char *), size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!pick(de->d_name))
			continue;
		if (*n == cap) {
			char **bigger = reallocarray(v, cap ? cap * 2 : 16, sizeof *v);
			if (!bigger)
				break;
			v = bigger;
			cap = cap ? cap * 2 : 16;
		}
		if (!(v[*n] = strdup(de->d_name)))
			break;
		++*n;
	}
	closedir(d);
	return v;
}

static bool is_full_id(const char *name)
{
	return strlen(name) == CTR_DB_ID_LEN && strspn(name, "0123456789abcdef") == CTR_DB_ID_LEN;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether ID is in the sorted list V of N ids. */
static bool listed(char **v, size_t n, const char *id)
{
	return n > 0 && bsearch(&id, v, n, sizeof *v, cmp_str) != NULL;
}

/* Whether the write lock is free at this instant: the sweep's writes are
 * done in passing, also by commands that only read, which must never wait
 * for another process's lock (the next command does them then). */
static bool may_write(struct ctrrun *rt)
{
	struct ctr_error err = {0};
	int rc = ctr_db_write_lock_free(rt->db, &err);
	if (rc != CTR_DB_OK && rc != CTR_DB_BUSY)
		warn(rt, "looking at the write lock", &err);
	return rc == CTR_DB_OK;
}

/* A container marked removing whose remover is gone: finished. */
static void finish_removal(struct ctrrun *rt, const char *id, bool *asked, bool *free_lock)
{
	struct ctr_error err = {0};
	struct ctr_db_processes by = {0};
	if (ctr_db_get_processes(rt->db, id, &by, &err) != CTR_DB_OK ||
	    (by.monitor_pid > 0 && ctr_proc_alive(by.monitor_pid, by.monitor_start_ticks)))
		return;
	if (!*asked) {
		*asked = true;
		*free_lock = may_write(rt);
	}
	if (!*free_lock)
		return;
	struct ctr_db_container c;
	if (ctr_db_get_container(rt->db, id, &c, &err) != CTR_DB_OK)
		return;
	/* The removal takes over from the dead remover, unless another command
	 * came first (then it says so, harmlessly). */
	/* Its cgroups' clean-up failing is a warning here like the rest. */
	struct ctr_errors met = {0};
	if (c.state == CTR_DB_REMOVING && ctr_container_remove(rt, &c, false, &err, &met) < 0)
		warn(rt, "finishing an interrupted removal", &err);
	size_t pos = 0;
	int len;
	for (const char *line; (line = ctr_lines_next(&met.lines, &pos, &len));)
		ctr_warn(&rt->warnings, "warning: finishing an interrupted removal: %.*s", len, line);
	ctr_db_container_free(&c);
}

/* Removals cut short are finished; containers/<id> without a row goes. The
 * directory list is read before the rows: a container's row is made before
 * its directory and deleted after it, so a directory seen first whose row is
 * then missing is no live container's. */
static void sweep_containers(struct ctrrun *rt)
{
	char *dir = NULL;
	if (asprintf(&dir, "%s/containers", rt->root) < 0)
		return;
	size_t n_dirs = 0, n_rows = 0;
	char **dirs = list_names(dir, is_full_id, &n_dirs);
	struct ctr_error err = {0};
	struct ctr_db_ps_row *rows = NULL;
	if (ctr_db_list_ps(rt->db, true, &rows, &n_rows, &err) != CTR_DB_OK) {
		warn(rt, "looking for what killed commands left", &err);
		goto out;
	}
	char **ids = calloc(n_rows + 1, sizeof *ids);
	if (!ids)
		goto out;
	for (size_t i = 0; i < n_rows; i++)
		ids[i] = rows[i].id;
	qsort(ids, n_rows, sizeof *ids, cmp_str);
	bool asked = false, free_lock = false;
	for (size_t i = 0; i < n_rows; i++)
		if (rows[i].state == CTR_DB_REMOVING)
			finish_removal(rt, rows[i].id, &asked, &free_lock);
	for (size_t i = 0; i < n_dirs; i++) {
		char *path = NULL;
		if (!listed(ids, n_rows, dirs[i]) && asprintf(&path, "%s/%s", dir, dirs[i]) >= 0)
			remove_dir(rt, path, "removing a container directory without a record");
		free(path);
	}
	free(ids);
out:
	ctr_db_ps_free(rows, n_rows);
	ctr_db_strv_free(dirs, n_dirs);
	free(dir);
}

/* Under the layers lock: temporary directories of dead processes, layer
 * directories without a row, layer rows without an image. */
static void sweep_layers(struct ctrrun *rt)
{
	struct ctr_error err = {0};
	int lock = ctr_layers_trylock(rt, &err);
	if (lock < 0) {
		if (errno != EWOULDBLOCK)
			warn(rt, "looking for leftover layers", &err);
		return;  /* busy: the next command looks */
	}
	char *dir = NULL;
	if (asprintf(&dir, "%s/layers", rt->root) < 0) {
		close(lock);
		return;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0;
	char **names = list_names(dir, ctr_owned_tmp_name, &n);
	for (size_t i = 0; dfd >= 0 && i < n; i++) {
		char *path = NULL;
		if (ctr_owned_tmp_is_leftover(dfd, names[i]) && asprintf(&path, "%s/%s", dir, names[i]) >= 0)
			remove_dir(rt, path, "removing the temporary layer of a killed command");
		free(path);
	}
	ctr_db_strv_free(names, n);
	/* Under the lock nobody adds or deletes layers: any order will do. */
	char **rows = NULL;
	size_t n_rows = 0;
	names = list_names(dir, is_full_id, &n);
	if (ctr_db_list_layers(rt->db, false, &rows, &n_rows, &err) == CTR_DB_OK) {
		for (size_t i = 0; i < n; i++) {
			char *path = NULL;
			if (!listed(rows, n_rows, names[i]) && asprintf(&path, "%s/%s", dir, names[i]) >= 0)
				remove_dir(rt, path, "removing a layer directory without a record");
			free(path);
		}
	}
	ctr_db_strv_free(rows, n_rows);
	ctr_db_strv_free(names, n);
	/* A read first: the delete is a write transaction, for the rare case. */
	if (ctr_db_list_layers(rt->db, true, &names, &n, &err) == CTR_DB_OK && n > 0) {
		ctr_db_strv_free(names, n);
		names = NULL;
		n = 0;
		if (may_write(rt) && ctr_db_delete_unused_layers(rt->db, &names, &n, &err) != CTR_DB_OK) {
			warn(rt, "removing layers no image uses", &err);
			n = 0;
		}
		for (size_t i = 0; i < n; i++) {
			char *path = ctr_store_layer_dir(rt, names[i]);
			if (path)
				remove_dir(rt, path, "removing a layer no image uses");
			free(path);
		}
	}
	ctr_db_strv_free(names, n);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	close(lock);
}

void ctr_sweep_leftovers(struct ctrrun *rt)
{
	/* Not on a damaged file: its errors are the command's to report. */
	if (!rt->db || ctr_db_damage(rt->db))
		return;
	sweep_containers(rt);
	sweep_layers(rt);
}
