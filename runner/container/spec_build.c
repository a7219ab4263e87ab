/* From a container record (and its image) to the spec the core runs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctr/strv.h"
#include "spec_build.h"

int ctr_spec_lowerdirs(struct ctrrun *rt, const struct ctr_db_image *image, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (image->n_layers == 0)
		return ctr_fail(err, 0, "image %.12s has no layers", image->id);
	size_t cap = 1;
	char **dirs = calloc(image->n_layers, sizeof *dirs);
	if (!dirs)
		return ctr_fail(err, ENOMEM, "layers");
	int rc = 0;
	for (size_t i = 0; i < image->n_layers && rc == 0; i++) {
		/* The database lists the base layer first; ctrfs wants the top first. */
		char *layer = ctr_store_layer_dir(rt, image->layers[image->n_layers - 1 - i]);
		if (!layer || asprintf(&dirs[i], "%s/diff", layer) < 0)
			rc = ctr_fail(err, ENOMEM, "layers");
		free(layer);
		if (rc == 0 && strpbrk(dirs[i], ":,"))
			rc = ctr_fail(err, 0, "layer path %s has a ':' or ',', which ctrfs options cannot carry", dirs[i]);
		if (rc == 0)
			cap += strlen(dirs[i]) + 1;
	}
	if (rc == 0 && !(*out = calloc(1, cap)))
		rc = ctr_fail(err, ENOMEM, "layers");
	for (size_t i = 0; rc == 0 && i < image->n_layers; i++) {
		if (i)
			strcat(*out, ":");
		strcat(*out, dirs[i]);
	}
	for (size_t i = 0; i < image->n_layers; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}

int ctr_spec_limits(struct ctrrun *rt, const char *id, struct ctr_limits *out, struct ctr_error *err)
{
	struct ctr_db_resources res = {0};
	*out = (struct ctr_limits){0};
	if (ctr_db_get_resources(rt->db, id, &res, err) != CTR_DB_OK)
		return -1;
	*out = (struct ctr_limits){.memory = res.memory_bytes, .memory_swap = res.memory_swap_bytes,
				   .pids_limit = res.pids_limit};
	if (res.nano_cpus > 0) {  /* docker's NanoCpus back to a CFS quota */
		out->cpu_period_us = 100000;
		out->cpu_quota_us = res.nano_cpus / 10000;
	}
	int rc = 0;
	if (res.cpuset_cpus && !(out->cpuset_cpus = strdup(res.cpuset_cpus)))
		rc = ctr_fail(err, ENOMEM, "limits");
	ctr_db_resources_free(&res);
	return rc;
}

/* The container's id mapping as recorded; a legacy container's is the one
 * containers of its owner got before mappings were recorded. */
static int container_idmap(struct ctrrun *rt, struct built_spec *b, struct ctr_error *err)
{
	const struct ctr_db_security *sec = &b->security;
	if (sec->userns == CTR_DB_USERNS_LEGACY) {
		b->idmap = rt->idmap;
		b->idmap.note = NULL;  /* rt's, freed with it */
		return 0;
	}
	if (ctr_idmap_parse(sec->uid_map, sec->gid_map, &b->idmap, err) < 0)
		return -1;
	/* A plain user's maps go through newuidmap/newgidmap as its own do. */
	if (sec->userns == CTR_DB_USERNS_USER) {
		b->idmap.use_helpers = rt->idmap.use_helpers;
		b->idmap.single = rt->idmap.single;
	}
	if (sec->userns == CTR_DB_USERNS_AUTO) {
		/* Root's first subordinate ids, one block below the container's:
		 * what its root owns files in volumes as. */
		uint64_t back = 65536ull * ((uint64_t)sec->idmap_slot + 1);
		if (b->idmap.uid[0].outside < back || b->idmap.gid[0].outside < back)
			return ctr_fail(err, 0, "recorded id map of block %d is not in root's range", sec->idmap_slot);
		b->spec.remapped = true;
		b->spec.volume_root_uid = (uint32_t)(b->idmap.uid[0].outside - back);
		b->spec.volume_root_gid = (uint32_t)(b->idmap.gid[0].outside - back);
	}
	return 0;
}

char *ctr_spec_seccomp_cache(const struct ctrrun *rt)
{
	char *dir;
	return asprintf(&dir, "%s/seccomp", rt->runtime_dir) < 0 ? NULL : dir;
}

int ctr_spec_build(struct ctrrun *rt, const struct ctr_db_container *rec, struct built_spec *b, struct ctr_error *err)
{
	memset(b, 0, sizeof *b);
	b->security.idmap_slot = -1;
	if (ctr_db_find_image(rt->db, rec->image_id, &b->image, err) != CTR_DB_OK ||
	    ctr_image_config_parse(b->image.config, &b->config, err) < 0 || ctr_spec_lowerdirs(rt, &b->image, &b->lowerdirs, err) < 0)
		return -1;
	b->argv = ctr_strv_copy(rec->argv, rec->argc);
	b->env = ctr_strv_copy(rec->env, rec->n_env);
	b->dir = ctr_store_container_dir(rt, rec->id);
	if (ctr_db_get_security(rt->db, rec->id, &b->security, err) != CTR_DB_OK)
		return -1;
	if (!b->argv || !b->env || !b->dir || asprintf(&b->upper, "%s/upper", b->dir) < 0 ||
	    asprintf(&b->work, "%s/work", b->dir) < 0 || asprintf(&b->merged, "%s/merged", b->dir) < 0 ||
	    asprintf(&b->fs_log, "%s/ctrfs.log", b->dir) < 0 || asprintf(&b->proc_staging, "%s/proc", b->dir) < 0)
		return ctr_fail(err, ENOMEM, "container spec");
	memcpy(b->hostname, rec->id, CTR_DB_SHORT_ID_LEN);
	snprintf(b->cgroup_name, sizeof b->cgroup_name, "ctrrun-%.12s", rec->id);
	if (ctr_spec_limits(rt, rec->id, &b->limits, err) < 0)
		return -1;
	if (rec->n_mounts && !(b->volumes = calloc(rec->n_mounts, sizeof *b->volumes)))
		return ctr_fail(err, ENOMEM, "volumes");
	for (size_t i = 0; i < rec->n_mounts; i++) {
		b->volumes[i] = (struct ctr_volume){strdup(rec->mounts[i].host_path),
						    strdup(rec->mounts[i].container_path), rec->mounts[i].read_only, -1};
		b->n_volumes++;
		if (!b->volumes[i].host_path || !b->volumes[i].container_path)
			return ctr_fail(err, ENOMEM, "volumes");
	}
	bool remapped = false;
	uint32_t vol_uid = 0, vol_gid = 0;
	if (container_idmap(rt, b, err) < 0)
		return -1;
	char *cache = ctr_spec_seccomp_cache(rt);
	int crc = ctr_confinement_from_record(&b->security, cache, &b->conf, err);
	free(cache);
	if (crc < 0)
		return -1;
	remapped = b->spec.remapped;
	vol_uid = b->spec.volume_root_uid;
	vol_gid = b->spec.volume_root_gid;
	b->spec = (struct ctr_spec){
		.argv = b->argv,
		.env = b->env,
		.cwd = rec->workdir ? rec->workdir : b->config.workdir,
		.user = rec->user ? rec->user : b->config.user,
		.terminal = rec->tty,
		.interactive = rec->interactive,
		.stdin_fd = -1,
		.stdout_fd = -1,
		.stderr_fd = -1,
		.hostname = rec->hostname ? rec->hostname : b->hostname,
		.host_network = rec->host_network,
		.idmap = &b->idmap,
		.conf = &b->conf,
		.remapped = remapped,
		.volume_root_uid = vol_uid,
		.volume_root_gid = vol_gid,
		.dir = b->dir,
		.ctrfs = ctr_store_ctrfs_path(rt),
		.lowerdirs = b->lowerdirs,
		.upper = b->upper,
		.work = b->work,
		.fs_log = b->fs_log,
		.proc_view = true,
		.volumes = b->volumes,
		.n_volumes = b->n_volumes,
		.limits = &b->limits,
		.cgroup_name = b->cgroup_name,
	};
	return 0;
}

void ctr_spec_free(struct built_spec *b)
{
	ctr_db_image_free(&b->image);
	ctr_image_config_free(&b->config);
	ctr_strv_free(b->argv);
	ctr_strv_free(b->env);
	free(b->lowerdirs);
	free(b->dir);
	free(b->upper);
	free(b->work);
	free(b->merged);
	free(b->fs_log);
	free(b->proc_staging);
	for (size_t i = 0; i < b->n_volumes; i++) {
		free(b->volumes[i].host_path);
		free(b->volumes[i].container_path);
	}
	free(b->volumes);
	ctr_limits_free(&b->limits);
	ctr_db_security_free(&b->security);
	ctr_confinement_free(&b->conf);
	memset(b, 0, sizeof *b);
}
