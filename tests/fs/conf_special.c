/* Symlinks, fifos, unix sockets and device nodes through the mount. */
#include "conf_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int symlink_create_and_readlink(struct testfs *t)
{
	char buf[64];

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(symlink("target/x", M("s")));
	CHECK(S_ISLNK(conf_lstat(M("s")).st_mode));
	CHECK_EQ(readlink(M("s"), buf, sizeof(buf)), 8);
	CHECK(!memcmp(buf, "target/x", 8));
	CHECK(S_ISLNK(conf_lstat(U("s")).st_mode));
	CHECK_EQ(conf_lstat(M("s")).st_size, 8);
	return CONF_PASS;
}

static int symlink_lower_readlink(struct testfs *t)
{
	char buf[64];

	CHECK_OK(symlink("../somewhere/else", L0("s")));
	MOUNT();
	CHECK_EQ(readlink(M("s"), buf, sizeof(buf)), 17);
	CHECK(!memcmp(buf, "../somewhere/else", 17));
	return CONF_PASS;
}

static int symlink_lower_followed_to_file_in_other_layer(struct testfs *t)
{
	CHECK_OK(symlink("f", L0("s")));
	CHECK_OK(conf_put(L1("f"), "target content"));
	MOUNT();
	CHECK_CONTENT(M("s"), "target content");
	return CONF_PASS;
}

static int symlink_dangling_lstat_ok_stat_enoent(struct testfs *t)
{
	struct stat st;

	CHECK_OK(symlink("missing", L0("s")));
	MOUNT();
	CHECK_OK(lstat(M("s"), &st));
	CHECK_ERR(stat(M("s"), &st), ENOENT);
	return CONF_PASS;
}

static int symlink_to_dir_traversal(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/x"), "x"));
	CHECK_OK(symlink("d", L0("l")));
	MOUNT();
	CHECK_CONTENT(M("l/x"), "x");
	CHECK_STR(conf_names(M("l")), "x");
	return CONF_PASS;
}

static int symlink_long_target(struct testfs *t)
{
	static char target[4096], buf[4200];

	memset(target, 'a', 4095);
	for (int i = 100; i < 4095; i += 100)
		target[i] = '/';
	target[4095] = '\0';
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(symlink(target, M("s")));
	CHECK_EQ(readlink(M("s"), buf, sizeof(buf)), 4095);
	CHECK(!memcmp(buf, target, 4095));
	REMOUNT();
	CHECK_EQ(readlink(M("s"), buf, sizeof(buf)), 4095);
	return CONF_PASS;
}

static int symlink_over_existing_name_eexist(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(symlink("x", M("f")), EEXIST);
	return CONF_PASS;
}

static int symlink_over_whiteout(struct testfs *t)
{
	char buf[16];

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	CHECK_OK(symlink("tgt", M("f")));
	CHECK_EQ(readlink(M("f"), buf, sizeof(buf)), 3);
	CHECK(S_ISLNK(conf_lstat(U("f")).st_mode));
	return CONF_PASS;
}

static int symlink_open_nofollow_eloop(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(symlink("f", L0("s")));
	MOUNT();
	CHECK_ERR(open(M("s"), O_RDONLY | O_NOFOLLOW), ELOOP);
	return CONF_PASS;
}

static int readlink_of_regular_file_einval(struct testfs *t)
{
	char buf[16];

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(readlink(M("f"), buf, sizeof(buf)), EINVAL);
	return CONF_PASS;
}

static int fifo_created_through_mount(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mkfifo(M("p"), 0640));
	CHECK(S_ISFIFO(conf_lstat(M("p")).st_mode));
	CHECK_EQ(conf_lstat(M("p")).st_mode & 07777, 0640);
	CHECK(S_ISFIFO(conf_lstat(U("p")).st_mode));
	return CONF_PASS;
}

static int fifo_from_lower_passes_data(struct testfs *t)
{
	char buf[16] = { 0 };
	int fd, status;
	pid_t pid;

	CHECK_OK(mkfifo(L0("p"), 0666));
	MOUNT();
	CHECK(S_ISFIFO(conf_lstat(M("p")).st_mode));
	fflush(NULL);
	CHECK_OK(pid = fork());
	if (pid == 0) {
		int w = open(M("p"), O_WRONLY);
		_exit(w >= 0 && write(w, "through", 7) == 7 ? 0 : 1);
	}
	fd = open(M("p"), O_RDONLY);
	if (fd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		CONF_FAILED("open fifo for reading");
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(n, 7);
	CHECK_STR(buf, "through");
	return CONF_PASS;
}

static int fifo_over_existing_lower_name_eexist(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(mkfifo(M("f"), 0644), EEXIST);
	CHECK_CONTENT(M("f"), "F");
	return CONF_PASS;
}

static int bind_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int socket_bind_creates_socket_node(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = bind_unix(M("sock")));
	close(fd);
	CHECK(S_ISSOCK(conf_lstat(M("sock")).st_mode));
	CHECK(S_ISSOCK(conf_lstat(U("sock")).st_mode));
	return CONF_PASS;
}

static int socket_bind_connect_roundtrip(struct testfs *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[8] = { 0 };
	int srv, cli, conn;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_OK(srv = bind_unix(M("d/sock")));
	CHECK_OK(listen(srv, 1));
	CHECK_OK(cli = socket(AF_UNIX, SOCK_STREAM, 0));
	strcpy(sa.sun_path, M("d/sock"));
	CHECK_OK(connect(cli, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(conn = accept(srv, NULL, NULL));
	CHECK_EQ(send(cli, "ping", 4, 0), 4);
	CHECK_EQ(recv(conn, buf, sizeof(buf), 0), 4);
	CHECK_STR(buf, "ping");
	close(conn);
	close(cli);
	close(srv);
	return CONF_PASS;
}

static int socket_node_from_lower_visible(struct testfs *t)
{
	int fd;

	CHECK_OK(fd = bind_unix(L0("sock")));
	close(fd);
	MOUNT();
	CHECK(S_ISSOCK(conf_lstat(M("sock")).st_mode));
	CHECK_STR(conf_names(t->mnt), "sock");
	return CONF_PASS;
}

static int socket_bind_over_existing_name_eaddrinuse(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(bind_unix(M("f")), EADDRINUSE);
	return CONF_PASS;
}

static int mknod_char_device(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mknod(M("c"), S_IFCHR | 0640, makedev(1, 3)));
	struct stat st = conf_lstat(M("c"));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(1, 3));
	CHECK_EQ(conf_lstat(U("c")).st_rdev, makedev(1, 3));
	REMOUNT();
	CHECK_EQ(conf_lstat(M("c")).st_rdev, makedev(1, 3));
	return CONF_PASS;
}

static int mknod_block_device(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mknod(M("b"), S_IFBLK | 0600, makedev(7, 200)));
	struct stat st = conf_lstat(M("b"));
	CHECK(S_ISBLK(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(7, 200));
	return CONF_PASS;
}

static int mknod_device_copyup_keeps_rdev(struct testfs *t)
{
	CHECK_OK(mknod(L0("c"), S_IFCHR | 0644, makedev(1, 5)));
	MOUNT();
	CHECK_OK(chmod(M("c"), 0600));
	struct stat st = conf_lstat(U("c"));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(1, 5));
	CHECK_EQ(st.st_mode & 07777, 0600);
	return CONF_PASS;
}

static int mknod_regular_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mknod(M("r"), S_IFREG | 0600, 0));
	CHECK(S_ISREG(conf_lstat(M("r")).st_mode));
	CHECK_EQ(conf_lstat(M("r")).st_size, 0);
	return CONF_PASS;
}

const struct conf_case conf_cases_special[] = {
	CONF_CASE(symlink_create_and_readlink, 1, 0),
	CONF_CASE(symlink_lower_readlink, 1, 0),
	CONF_CASE(symlink_lower_followed_to_file_in_other_layer, 2, 0),
	CONF_CASE(symlink_dangling_lstat_ok_stat_enoent, 1, 0),
	CONF_CASE(symlink_to_dir_traversal, 2, 0),
	CONF_CASE(symlink_long_target, 1, 0),
	CONF_CASE(symlink_over_existing_name_eexist, 1, 0),
	CONF_CASE(symlink_over_whiteout, 1, 0),
	CONF_CASE(symlink_open_nofollow_eloop, 1, 0),
	CONF_CASE(readlink_of_regular_file_einval, 1, 0),
	CONF_CASE(fifo_created_through_mount, 1, 0),
	CONF_CASE(fifo_from_lower_passes_data, 1, 0),
	CONF_CASE(fifo_over_existing_lower_name_eexist, 1, 0),
	CONF_CASE(socket_bind_creates_socket_node, 1, 0),
	CONF_CASE(socket_bind_connect_roundtrip, 1, 0),
	CONF_CASE(socket_node_from_lower_visible, 1, 0),
	CONF_CASE(socket_bind_over_existing_name_eaddrinuse, 1, 0),
	CONF_CASE(mknod_char_device, 1, CONF_ROOT),
	CONF_CASE(mknod_block_device, 1, CONF_ROOT),
	CONF_CASE(mknod_device_copyup_keeps_rdev, 1, CONF_ROOT),
	CONF_CASE(mknod_regular_file, 1, 0),
};
const size_t conf_ncases_special = sizeof(conf_cases_special) / sizeof(conf_cases_special[0]);
