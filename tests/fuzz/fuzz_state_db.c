/* Fuzzes opening state.db over a damaged or hostile file (db/open.c and the
 * schema checks and migrations behind it), then reading it as ctrrun's
 * commands do (db/images.c, containers.c, ps.c, processes.c, resources.c,
 * logs.c): the input is written as STATE_DIR/state.db and opened with the
 * db API. It must refuse (with a message naming the file) or open, never
 * crash; rows whose values a damaged file has changed must be read or
 * refused, never dereferenced blindly.
 *
 * SQLite itself is Debian's (not instrumented), so coverage guides the
 * fuzzer through ctrrun's code only; a crash inside SQLite is still seen. */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "ctr/db.h"
#include "fuzz_util.h"

static char dir[4096], path[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(dir, sizeof dir, "%s", fuzz_scratch_dir("state-db"));
	snprintf(path, sizeof path, "%s/" CTR_DB_FILE, dir);
	return 0;
}

static void remove_db_files(void)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[4300];
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		if (unlink(p) < 0 && errno != ENOENT)
			fuzz_fail("%s: %s", p, strerror(errno));
	}
}

/* What ctrrun reads from an open database: images, ps, and each
 * container's record, processes, limits and first log chunks. Errors are
 * fine; each must come with a message. */
static void read_everything(struct ctr_db *db)
{
	struct ctr_error err;
	struct ctr_db_image *images = NULL;
	size_t n_images = 0;
	err.msg[0] = '\0';
	if (ctr_db_list_images(db, &images, &n_images, &err) == 0) {
		for (size_t i = 0; i < n_images; i++) {
			struct ctr_db_image img;
			if (ctr_db_find_image(db, images[i].id, &img, &err) == 0)
				ctr_db_image_free(&img);
		}
		ctr_db_image_list_free(images, n_images);
	}

	struct ctr_db_ps_row *rows = NULL;
	size_t n_rows = 0;
	err.msg[0] = '\0';
	if (ctr_db_list_ps(db, true, &rows, &n_rows, &err) == 0) {
		for (size_t i = 0; i < n_rows && i < 8; i++) {
			const char *id = rows[i].id;
			struct ctr_db_container c;
			if (ctr_db_get_container(db, id, &c, &err) == 0)
				ctr_db_container_free(&c);
			struct ctr_db_processes p;
			ctr_db_get_processes(db, id, &p, &err);
			struct ctr_db_resources r;
			if (ctr_db_get_resources(db, id, &r, &err) == 0)
				ctr_db_resources_free(&r);
			struct ctr_db_log_chunk *chunks = NULL;
			size_t n_chunks = 0;
			if (ctr_db_read_logs(db, id, 0, 16, &chunks, &n_chunks, &err) == 0)
				ctr_db_log_chunks_free(chunks, n_chunks);
		}
		ctr_db_ps_free(rows, n_rows);
	} else if (!err.msg[0])
		fuzz_fail("ps failed without a message");
	char **running = NULL;
	size_t n_running = 0;
	if (ctr_db_list_running(db, &running, &n_running, &err) == 0)
		ctr_db_strv_free(running, n_running);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fds_begin();
	remove_db_files();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) < 0)
		fuzz_fail("%s: %s", path, strerror(errno));
	struct ctr_db *db = NULL;
	struct ctr_error err = {0};
	int rc = ctr_db_open(&db, path, &err);
	if (rc == 0) {
		read_everything(db);
		ctr_db_close(db);
	} else if (db || !strstr(err.msg, path))
		fuzz_fail("refused without naming the file: %s", err.msg);
	remove_db_files();
	fuzz_check_fds();
	return 0;
}
