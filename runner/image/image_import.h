/* Importing a rootfs tarball as a single-layer image. */
#ifndef CTRRUN_IMAGE_IMPORT_H
#define CTRRUN_IMAGE_IMPORT_H

#include "storage.h"
#include "image_config.h"

/* Imports FILE ("-": standard input), any compression libarchive reads, as
 * image REF ("name[:tag]", tag latest) with CONFIG and docker import's commit
 * message (-m), recorded as the image config's comment (NULL: "Imported from
 * FILE"), and fills IMAGE_ID (64 hex + NUL). The layer id is the sha256 of
 * the uncompressed tar; the layer is extracted securely into layers/<id>/diff
 * (rootless: as root of a user namespace with the caller's mapping, so owners
 * map into the subordinate range). On any error nothing is left behind: no
 * directory, no row. */
int ctr_image_import_msg(struct ctrrun *rt, const char *file, const char *ref, const struct ctr_image_config *config,
			 const char *message, char *image_id, struct ctr_error *err);

/* The pieces of an import, for other ways of making a layer (commit):
 *
 * An unnamed temporary file under layers/ (O_TMPFILE, gone when closed) to
 * write a layer tar into; WHAT names it in messages. */
int ctr_layers_tmpfile(const struct ctrrun *rt, const char *what, struct ctr_error *err);
/* The layer id of the tar in FD: the sha256 (hex) of its uncompressed bytes,
 * read from offset 0. An empty file is refused. */
int ctr_layer_tar_id(int fd, const char *what, char id[CTR_DB_ID_LEN + 1], struct ctr_error *err);
/* Refuses, with a message saying how to free it, a REPO:TAG that an image
 * has already. The database must be open. */
int ctr_image_check_name_free(struct ctrrun *rt, const char *repo, const char *tag, struct ctr_error *err);
/* Records IMAGE (repository, tag, created_ns, config, layers bottom first:
 * all recorded already but the top one) with the tar in FD as its top layer,
 * whose id IMAGE->layers[n_layers - 1] must be ctr_layer_tar_id of FD. The
 * tar is extracted into layers/<id> unless that layer is there already
 * (rootless: in a user namespace), then the layer and image rows are written
 * under the layers lock. Fills IMAGE->id, the sha256 of IMAGE->config. On
 * any error nothing is left behind: no directory, no row. */
int ctr_image_add_with_layer(struct ctrrun *rt, int fd, const char *what, struct ctr_db_image *image,
			     struct ctr_error *err);

/* Splits REF into repository and tag ("latest" when none is given) and checks
 * both against docker's rules: [HOST[:PORT]/]path/components[:TAG], path
 * components lowercase letters and digits joined by ".", "_", "__" or "-"s,
 * the tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, no digest, not 64 hex digits.
 * *REPO and *TAG are the caller's to free. */
int ctr_image_ref_parse(const char *ref, char **repo, char **tag, struct ctr_error *err);

/* An exclusive lock on layers/ (a record lock on layers/.lock, held by this
 * process only, not by its children, so it ends when the process is
 * killed), held while layer directories are renamed into place or removed
 * and their rows change, so an import that reuses a layer never races an
 * rmi that deletes it. Whoever
 * holds it sees no half-made state: a layer directory without its row, or a
 * layer row that no image uses, exists only while the lock is held (or was
 * left by a killed command: leftovers.c removes it under the lock). Returns
 * the fd to close, or -1 and *ERR. */
int ctr_layers_lock(const struct ctrrun *rt, struct ctr_error *err);
/* The same without waiting: -1 with errno EWOULDBLOCK (and *ERR) when
 * another process holds it. */
int ctr_layers_trylock(const struct ctrrun *rt, struct ctr_error *err);

#endif
