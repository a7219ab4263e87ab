/* Layers and images: the rows behind import, images, rmi, and the layer
 * stack a container's root is built from. */
#include <errno.h>
#include <stdlib.h>

#include "db_internal.h"

/* ---- layers ---- */

int ctr_db_add_layer(struct ctr_db *db, const struct ctr_db_layer *layer, struct ctr_error *err)
{
	if (!db_is_hex_id(layer->id, true))
		return db_fail(db, err, CTR_DB_ERROR, "layer id \"%s\" is not %d hex digits", layer->id, CTR_DB_ID_LEN);
	if (db_begin_write(db, "adding a layer", err))
		return CTR_DB_ERROR;
	int rc;
	{
		_cleanup_stmt_ sqlite3_stmt *stmt =
			db_prepare(db, "INSERT INTO layers (id, size_bytes, created_ns) VALUES (?1, ?2, ?3) "
				       "ON CONFLICT (id) DO NOTHING", "adding a layer", err);
		rc = stmt ? CTR_DB_OK : CTR_DB_ERROR;
		if (rc == CTR_DB_OK) {
			db_bind_text(stmt, 1, layer->id);
			sqlite3_bind_int64(stmt, 2, layer->size_bytes);
			sqlite3_bind_int64(stmt, 3, layer->created_ns);
			rc = db_step_done(db, stmt, "adding a layer", err);
		}
		if (rc == CTR_DB_OK && sqlite3_changes(db->conn) == 0)
			rc = db_fail(db, err, CTR_DB_EXISTS, "layer %s is recorded already", layer->id);
	}
	return db_end(db, rc, "adding a layer", err);
}

int ctr_db_get_layer(struct ctr_db *db, const char *id, struct ctr_db_layer *out, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT id, size_bytes, created_ns FROM layers WHERE id = ?1",
			   "reading a layer", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no layer %s", id);
	if (rc != SQLITE_ROW)
		return db_fail_sqlite(db, err, "reading a layer");
	db_column_id(stmt, 0, out->id);
	out->size_bytes = sqlite3_column_int64(stmt, 1);
	out->created_ns = sqlite3_column_int64(stmt, 2);
	return CTR_DB_OK;
}

/* Returns the deleted ids through *ids (RETURNING gives exactly the rows the
 * DELETE removed, in the same transaction). */
static int delete_unused(struct ctr_db *db, char ***ids, size_t *n_ids, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "DELETE FROM layers WHERE id NOT IN (SELECT layer_id FROM image_layers) "
			       "RETURNING id", "deleting unused layers", err);
	if (!stmt)
		return CTR_DB_ERROR;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)ids, &cap, *n_ids + 1, sizeof **ids, err) ||
		    db_column_strdup(db, stmt, 0, &(*ids)[*n_ids], err))
			return CTR_DB_ERROR;
		++*n_ids;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "deleting unused layers");
	return CTR_DB_OK;
}

int ctr_db_delete_unused_layers(struct ctr_db *db, char ***ids, size_t *n_ids, struct ctr_error *err)
{
	*ids = NULL;
	*n_ids = 0;
	if (db_begin_write(db, "deleting unused layers", err))
		return CTR_DB_ERROR;
	int rc = db_end(db, delete_unused(db, ids, n_ids, err), "deleting unused layers", err);
	if (rc) {
		ctr_db_strv_free(*ids, *n_ids);
		*ids = NULL;
		*n_ids = 0;
	}
	return rc;
}

static int list_layers(struct ctr_db *db, bool unused_only, char ***ids, size_t *n, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, unused_only ? "SELECT id FROM layers WHERE id NOT IN "
					     "(SELECT layer_id FROM image_layers) ORDER BY id"
					   : "SELECT id FROM layers ORDER BY id",
			   "listing layers", err);
	if (!stmt)
		return CTR_DB_ERROR;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)ids, &cap, *n + 1, sizeof **ids, err) ||
		    db_column_strdup(db, stmt, 0, &(*ids)[*n], err))
			return CTR_DB_ERROR;
		++*n;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "listing layers");
	return CTR_DB_OK;
}

int ctr_db_list_layers(struct ctr_db *db, bool unused_only, char ***ids, size_t *n, struct ctr_error *err)
{
	*ids = NULL;
	*n = 0;
	int rc = list_layers(db, unused_only, ids, n, err);
	if (rc) {
		ctr_db_strv_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- images ---- */

static const char image_columns[] =
	"SELECT i.id, i.repository, i.tag, i.created_ns, i.config, "
	"(SELECT coalesce(sum(l.size_bytes), 0) FROM layers AS l "
	" WHERE l.id IN (SELECT layer_id FROM image_layers WHERE image_id = i.id)) "
	"FROM images AS i ";

static int insert_image(struct ctr_db *db, const struct ctr_db_image *image, const char *tag,
			struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *find =
		db_prepare(db, "SELECT id FROM images WHERE id = ?1 OR (repository = ?2 AND tag = ?3)",
			   "adding an image", err);
	if (!find)
		return CTR_DB_ERROR;
	db_bind_text(find, 1, image->id);
	db_bind_text(find, 2, image->repository);
	db_bind_text(find, 3, tag);
	int rc = sqlite3_step(find);
	if (rc == SQLITE_ROW)
		return db_fail(db, err, CTR_DB_EXISTS, "image %s or %s:%s is recorded already (as %.12s)",
			       image->id, image->repository, tag, (const char *)sqlite3_column_text(find, 0));
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "adding an image");

	_cleanup_stmt_ sqlite3_stmt *ins =
		db_prepare(db, "INSERT INTO images (id, repository, tag, created_ns, config) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)", "adding an image", err);
	if (!ins)
		return CTR_DB_ERROR;
	db_bind_text(ins, 1, image->id);
	db_bind_text(ins, 2, image->repository);
	db_bind_text(ins, 3, tag);
	sqlite3_bind_int64(ins, 4, image->created_ns);
	db_bind_text(ins, 5, image->config);
	if (db_step_done(db, ins, "adding an image", err))
		return CTR_DB_ERROR;

	_cleanup_stmt_ sqlite3_stmt *layer =
		db_prepare(db, "INSERT INTO image_layers (image_id, position, layer_id) "
			       "SELECT ?1, ?2, id FROM layers WHERE id = ?3", "adding an image's layers", err);
	if (!layer)
		return CTR_DB_ERROR;
	for (size_t i = 0; i < image->n_layers; i++) {
		db_bind_text(layer, 1, image->id);
		sqlite3_bind_int64(layer, 2, (int64_t)i);
		db_bind_text(layer, 3, image->layers[i]);
		if (db_step_done(db, layer, "adding an image's layers", err))
			return CTR_DB_ERROR;
		if (sqlite3_changes(db->conn) == 0)
			return db_fail(db, err, CTR_DB_NOT_FOUND, "image %s:%s: layer %s is not recorded",
				       image->repository, tag, image->layers[i]);
		sqlite3_reset(layer);
	}
	return CTR_DB_OK;
}

int ctr_db_add_image(struct ctr_db *db, const struct ctr_db_image *image, struct ctr_error *err)
{
	const char *tag = image->tag ? image->tag : "latest";
	if (!db_is_hex_id(image->id, true))
		return db_fail(db, err, CTR_DB_ERROR, "image id \"%s\" is not %d hex digits", image->id, CTR_DB_ID_LEN);
	if (!image->repository || !*image->repository || !*tag)
		return db_fail(db, err, CTR_DB_ERROR, "image %s: empty repository or tag", image->id);
	if (db_begin_write(db, "adding an image", err))
		return CTR_DB_ERROR;
	return db_end(db, insert_image(db, image, tag, err), "adding an image", err);
}

/* Fills OUT from a row of image_columns, then reads its layers. */
static int load_image(struct ctr_db *db, sqlite3_stmt *row, struct ctr_db_image *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	db_column_id(row, 0, out->id);
	out->created_ns = sqlite3_column_int64(row, 3);
	out->size_bytes = sqlite3_column_int64(row, 5);
	if (db_column_strdup(db, row, 1, &out->repository, err) || db_column_strdup(db, row, 2, &out->tag, err) ||
	    db_column_strdup(db, row, 4, &out->config, err))
		return CTR_DB_ERROR;
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT layer_id FROM image_layers WHERE image_id = ?1 ORDER BY position",
			   "reading an image's layers", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, out->id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)&out->layers, &cap, out->n_layers + 1, sizeof *out->layers, err) ||
		    db_column_strdup(db, stmt, 0, &out->layers[out->n_layers], err))
			return CTR_DB_ERROR;
		out->n_layers++;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "reading an image's layers");
	return CTR_DB_OK;
}

/* Looks one image up by the WHERE clause (one text parameter). Returns
 * CTR_DB_NOT_FOUND silently (err untouched) so the caller can try the next
 * way of reading REF. */
static int find_by(struct ctr_db *db, const char *where, const char *p1, const char *p2,
		   struct ctr_db_image *out, struct ctr_error *err)
{
	char sql[512];
	snprintf(sql, sizeof sql, "%s WHERE %s", image_columns, where);
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, "finding an image", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, p1);
	if (p2)
		db_bind_text(stmt, 2, p2);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return CTR_DB_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return db_fail_sqlite(db, err, "finding an image");
	return load_image(db, stmt, out, err);
}

/* Unique id prefix: one match is the image, several are listed. */
static int find_by_prefix(struct ctr_db *db, const char *ref, const char *prefix, struct ctr_db_image *out,
			  struct ctr_error *err)
{
	char pattern[CTR_DB_ID_LEN + 2];
	if (db_prefix_pattern(db, prefix, pattern, err))
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no image %s", ref);
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT id, repository, tag, count(*) OVER () FROM images "
			       "WHERE id GLOB ?1 ORDER BY id LIMIT 10", "finding an image", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, pattern);
	char list[700] = "";
	int64_t total = 0;
	char id[CTR_DB_ID_LEN + 1] = "";
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		total = sqlite3_column_int64(stmt, 3);
		db_column_id(stmt, 0, id);
		db_append(list, sizeof list, "%s%.12s (%s:%s)", list[0] ? ", " : "", id,
			  (const char *)sqlite3_column_text(stmt, 1), (const char *)sqlite3_column_text(stmt, 2));
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "finding an image");
	if (total == 0)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no image %s", ref);
	if (total > 1)
		return db_fail(db, err, CTR_DB_AMBIGUOUS, "image id prefix %s is ambiguous: %s%s", prefix, list,
			       total > 10 ? ", ..." : "");
	rc = find_by(db, "i.id = ?1", id, NULL, out, err);
	return rc == CTR_DB_NOT_FOUND ? db_fail(db, err, rc, "no image %s", ref) : rc;
}

static int find_image(struct ctr_db *db, const char *ref, struct ctr_db_image *out, struct ctr_error *err)
{
	const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	int rc;
	if (db_is_hex_id(hex, true) && (rc = find_by(db, "i.id = ?1", hex, NULL, out, err)) != CTR_DB_NOT_FOUND)
		return rc;
	if (hex == ref) {
		/* repository[:tag]: the tag follows the last colon after the last
		 * slash (a registry host may carry a port: host:5000/name). */
		const char *slash = strrchr(ref, '/');
		const char *colon = strrchr(slash ? slash : ref, ':');
		char *repo = strndup(ref, colon ? (size_t)(colon - ref) : strlen(ref));
		if (!repo)
			return ctr_fail(err, ENOMEM, "state db %s: finding image %s", db->path, ref);
		rc = find_by(db, "i.repository = ?1 AND i.tag = ?2", repo, colon ? colon + 1 : "latest", out, err);
		free(repo);
		if (rc != CTR_DB_NOT_FOUND)
			return rc;
	}
	return find_by_prefix(db, ref, hex, out, err);
}

int ctr_db_find_image(struct ctr_db *db, const char *ref, struct ctr_db_image *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	if (db_begin_read(db, "finding an image", err))
		return CTR_DB_ERROR;
	int rc = db_end(db, find_image(db, ref, out, err), "finding an image", err);
	if (rc)
		ctr_db_image_free(out);
	return rc;
}

static int list_images(struct ctr_db *db, struct ctr_db_image **images, size_t *n, struct ctr_error *err)
{
	char sql[512];
	snprintf(sql, sizeof sql, "%s ORDER BY i.created_ns DESC, i.id", image_columns);
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, "listing images", err);
	if (!stmt)
		return CTR_DB_ERROR;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)images, &cap, *n + 1, sizeof **images, err))
			return CTR_DB_ERROR;
		/* Counted before loading, so a half-loaded image is freed too. */
		if (load_image(db, stmt, &(*images)[(*n)++], err))
			return CTR_DB_ERROR;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "listing images");
	return CTR_DB_OK;
}

int ctr_db_list_images(struct ctr_db *db, struct ctr_db_image **images, size_t *n, struct ctr_error *err)
{
	*images = NULL;
	*n = 0;
	if (db_begin_read(db, "listing images", err))
		return CTR_DB_ERROR;
	int rc = db_end(db, list_images(db, images, n, err), "listing images", err);
	if (rc) {
		ctr_db_image_list_free(*images, *n);
		*images = NULL;
		*n = 0;
	}
	return rc;
}

static int delete_image(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *users =
		db_prepare(db, "SELECT name, count(*) OVER () FROM containers WHERE image_id = ?1 "
			       "ORDER BY name LIMIT 10", "deleting an image", err);
	if (!users)
		return CTR_DB_ERROR;
	db_bind_text(users, 1, id);
	char list[700] = "";
	int64_t total = 0;
	int rc;
	while ((rc = sqlite3_step(users)) == SQLITE_ROW) {
		total = sqlite3_column_int64(users, 1);
		db_append(list, sizeof list, "%s%s", list[0] ? ", " : "", (const char *)sqlite3_column_text(users, 0));
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "deleting an image");
	if (total > 0)
		return db_fail(db, err, CTR_DB_IN_USE, "image %.12s is used by %lld container%s: %s%s", id,
			       (long long)total, total > 1 ? "s" : "", list, total > 10 ? ", ..." : "");

	_cleanup_stmt_ sqlite3_stmt *del = db_prepare(db, "DELETE FROM images WHERE id = ?1", "deleting an image", err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	if (db_step_done(db, del, "deleting an image", err))
		return CTR_DB_ERROR;
	if (sqlite3_changes(db->conn) == 0)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no image %s", id);
	return CTR_DB_OK;
}

int ctr_db_delete_image(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	if (db_begin_write(db, "deleting an image", err))
		return CTR_DB_ERROR;
	return db_end(db, delete_image(db, id, err), "deleting an image", err);
}

void ctr_db_image_free(struct ctr_db_image *image)
{
	if (!image)
		return;
	free(image->repository);
	free(image->tag);
	free(image->config);
	ctr_db_strv_free(image->layers, image->n_layers);
	image->repository = image->tag = image->config = NULL;
	image->layers = NULL;
	image->n_layers = 0;
}

void ctr_db_image_list_free(struct ctr_db_image *images, size_t n)
{
	for (size_t i = 0; images && i < n; i++)
		ctr_db_image_free(&images[i]);
	free(images);
}
