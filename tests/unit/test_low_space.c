/* CTRFS_LOW_SPACE's sizes, and the free-space test against a real
 * filesystem (the one this runs on). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "low_space.h"
#include "tap.h"

static int parses(const char *text, uint64_t want)
{
	uint64_t got = 12345;
	return low_space_parse(text, &got) == 0 && got == want;
}

static int refused(const char *text)
{
	uint64_t got = 12345;
	return low_space_parse(text, &got) < 0 && got == 12345;
}

int main(void)
{
	TAP_CHECK(parses("0", 0), "0 turns it off");
	TAP_CHECK(parses("4096", 4096), "plain bytes");
	TAP_CHECK(parses("64k", 64 << 10) && parses("64K", 64 << 10), "K, either case");
	TAP_CHECK(parses("256M", (uint64_t)256 << 20), "M");
	TAP_CHECK(parses("2g", (uint64_t)2 << 30), "G");
	TAP_CHECK(parses("1T", (uint64_t)1 << 40), "T");
	TAP_CHECK(parses("16777215T", (uint64_t)16777215 << 40), "the largest T that fits 64 bits");
	TAP_CHECK(refused("16777216T"), "one more T overflows: refused");
	TAP_CHECK(refused("99999999999999999999"), "more than 64 bits of bytes: refused");
	TAP_CHECK(refused(""), "empty: refused");
	TAP_CHECK(refused("-1") && refused(" 1") && refused("+1"), "signs and blanks: refused");
	TAP_CHECK(refused("1MB") && refused("1x") && refused("M") && refused("1.5G"), "other suffixes, no digits, fractions: refused");

	struct ctr_error err = {0};
	struct low_space ls;
	unsetenv("CTRFS_LOW_SPACE");
	TAP_CHECK(low_space_init(&ls, &err) == 0 && ls.threshold == LOW_SPACE_DEFAULT, "default without the variable");
	setenv("CTRFS_LOW_SPACE", "", 1);
	TAP_CHECK(low_space_init(&ls, &err) == 0 && ls.threshold == LOW_SPACE_DEFAULT, "default when empty");
	setenv("CTRFS_LOW_SPACE", "1g", 1);
	TAP_CHECK(low_space_init(&ls, &err) == 0 && ls.threshold == (uint64_t)1 << 30, "CTRFS_LOW_SPACE=1g");
	setenv("CTRFS_LOW_SPACE", "lots", 1);
	TAP_CHECK(low_space_init(&ls, &err) < 0 && strstr(err.msg, "CTRFS_LOW_SPACE=lots"), "a bad value is named: %s",
		  err.msg);

	/* Against the filesystem of the current directory: below a threshold
	 * of all its blocks, above one of nothing. */
	int fd = open(".", O_PATH | O_DIRECTORY);
	struct statvfs st;
	TAP_CHECK(fd >= 0 && fstatvfs(fd, &st) == 0, "statvfs of .");
	uint64_t avail = (uint64_t)st.f_bavail * st.f_frsize;
	ls.threshold = (uint64_t)st.f_blocks * st.f_frsize + 1;
	TAP_CHECK(low_space_now(&ls, fd), "low below a threshold above the filesystem's size");
	ls.threshold = 1;
	TAP_CHECK(!low_space_now(&ls, fd) || avail == 0, "not low with a threshold of 1 byte (%llu available)",
		  (unsigned long long)avail);
	ls.threshold = 0;
	TAP_CHECK(!low_space_now(&ls, fd), "never low with threshold 0");
	TAP_CHECK(!low_space_now(&(struct low_space){.threshold = 1 << 30}, -1), "a bad fd: not low");
	close(fd);
	return tap_done();
}
