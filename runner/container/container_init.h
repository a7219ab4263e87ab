/* The container's side of the setup: runs in the cloned child (pid 1 of the
 * new PID namespace), builds the root file system, drops privileges and
 * execs the command. */
#ifndef CTRRUN_CONTAINER_INIT_H
#define CTRRUN_CONTAINER_INIT_H

#include "container_spec.h"

/* Never returns. SYNC is the child's end of the handshake socket; EXEC_ERR a
 * close-on-exec pipe that carries errno when execve fails. */
__attribute__((noreturn)) void container_init(const struct ctr_spec *spec, int sync, int exec_err);

#endif
