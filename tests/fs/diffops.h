/* Operations of the differential tester: what one op is, its one-line text
 * form (printed for failing sequences, read back by --replay), applying it
 * to a mounted tree, and the seeded PRNG that random sequences and written
 * data come from. */
#ifndef CTR_TESTS_FS_DIFFOPS_H
#define CTR_TESTS_FS_DIFFOPS_H

#include <stddef.h>
#include <stdint.h>

/* PRNG: splitmix64 to seed, xorshift64* to draw. */
struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);
int rng_pct(struct rng *r, int pct);
/* Deterministic bytes from seed: the content of writes and layer files. */
void fill_bytes(void *buf, size_t len, uint64_t seed);

enum op_kind {
	OP_CREATE, OP_WRITE, OP_TRUNCATE, OP_UNLINK, OP_MKDIR, OP_RMDIR, OP_RENAME,
	OP_LINK, OP_SYMLINK, OP_CHMOD, OP_SETXATTR, OP_REMOVEXATTR, OP_MKFIFO,
	OP_READ, OP_STAT, OP_LISTDIR, OP__COUNT
};

extern const char *const op_names[OP__COUNT];

/* Flags of all kinds share one mask; each op uses its own subset. */
enum {
	F_EXCL = 1 << 0, F_TRUNC = 1 << 1, F_APPEND = 1 << 2,
	F_NOREPLACE = 1 << 3, F_EXCHANGE = 1 << 4,
	F_XCREATE = 1 << 5, F_XREPLACE = 1 << 6, F_NOFOLLOW = 1 << 7,
};

#define PATHLEN 128

struct op {
	enum op_kind kind;
	char a[PATHLEN], b[PATHLEN]; /* path; second path or symlink target */
	unsigned mode, flags;
	long long off, len;
	uint64_t data;   /* seed of written bytes */
	char name[32];   /* xattr name */
	char value[48];  /* xattr value */
	int ref_err;     /* errno on the reference side in the last run (shrink hint) */
};

/* What an op returned: errno, plus a digest for ops that read something. */
struct result {
	int err;
	uint64_t val;
};

void op_format(const struct op *o, char *buf, size_t size);
/* Parses a line written by op_format; returns 0 or -1. */
int op_parse(const char *line, struct op *o);
/* "0" or the errno's name. */
const char *err_name(int e);
void format_result(const struct op *o, const struct result *r, char *buf, size_t size);
/* Applies o to the tree whose root is open as rootfd (mounted at mnt). */
struct result apply_op(int rootfd, const char *mnt, const struct op *o);

#endif
