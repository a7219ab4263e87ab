/* Inputs of the differential tester: the identical starting layers, and
 * random operations drawn from the reference side's current tree. */
#ifndef CTR_TESTS_FS_DIFFGEN_H
#define CTR_TESTS_FS_DIFFGEN_H

#include "diffops.h"
#include "harness.h"

/* Fills t's two lowers (build before mounting); the seed varies sizes and
 * contents only. Returns 0 or -errno. */
int build_layers(struct testfs *t, uint64_t seed);
/* Draws the next op from r, picking paths mostly among what the tree open as
 * rootfd holds now (so ops hit existing objects), else new names from a
 * small pool (so names collide and get reused). */
void gen_next_op(struct rng *r, int rootfd, struct op *o);

#endif
