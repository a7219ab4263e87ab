/* include/ctr/error.h: ctr_fail's escaping of control characters, the
 * context prefix and the appended hint, and their cuts at the message's end.
 * The expected strings are written from the rule: below 0x20 and 0x7f become
 * \n, \t, \r or \xNN; everything else stays. */
#include <errno.h>
#include <string.h>

#include "ctr/error.h"
#include "tap.h"

static void test_fail(void)
{
	struct ctr_error err = {0};
	int rc = ctr_fail(&err, 0, "bad value %s", "a\nb");
	TAP_CHECK(rc == -1 && err.errnum == 0, "ctr_fail returns -1, errnum 0");
	TAP_STR_EQ(err.msg, "bad value a\\nb", "a newline in an argument is written \\n");

	ctr_fail(&err, 0, "x%sy", "\t\r\x1b[31m\x7f\x01");
	TAP_STR_EQ(err.msg, "x\\t\\r\\x1b[31m\\x7f\\x01y", "tab, CR, ESC, DEL and 0x01 are escaped");

	ctr_fail(&err, 0, "caf\xc3\xa9 %s", "back\\slash ~");
	TAP_STR_EQ(err.msg, "caf\xc3\xa9 back\\slash ~", "UTF-8, backslash and printable ASCII stay");

	ctr_fail(&err, ENOENT, "cannot open %s", "f\nx");
	TAP_CHECK(err.errnum == ENOENT, "errnum kept");
	char want[256];
	snprintf(want, sizeof want, "cannot open f\\nx: %s", strerror(ENOENT));
	TAP_STR_EQ(err.msg, want, "strerror appended after the escaped message");

	/* The message may be one of the arguments. */
	ctr_fail(&err, 0, "inner");
	ctr_fail(&err, 0, "outer: %s", err.msg);
	TAP_STR_EQ(err.msg, "outer: inner", "err->msg as an argument of its own ctr_fail");

	/* Escaping twice changes nothing. */
	ctr_fail(&err, 0, "%s", "a\nb");
	ctr_fail(&err, 0, "%s", err.msg);
	TAP_STR_EQ(err.msg, "a\\nb", "an escaped message escaped again is the same");
}

static void test_cut(void)
{
	struct ctr_error err = {0};
	char big[2048];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ctr_fail(&err, 0, "%s", big);
	TAP_CHECK(strlen(err.msg) == sizeof err.msg - 1, "a long message is cut at the buffer's end");

	/* An escape that does not fit whole is left out: 1021 'a', then "\n"
	 * needs 2 bytes and 1 is left (with the terminator, 1024). */
	memset(big, 'a', 1022);
	big[1022] = '\n';
	big[1023] = '\0';
	ctr_fail(&err, 0, "%s", big);
	TAP_CHECK(strlen(err.msg) == 1022 && err.msg[1021] == 'a', "an escape that does not fit is left out whole");

	char small[4];
	size_t n = ctr_error_escape(small, sizeof small, "a\x01");
	TAP_STR_EQ(small, "a", "\\x01 (4 bytes) does not fit in 3: left out");
	TAP_CHECK(n == 1, "escape returns the length written");
	n = ctr_error_escape(small, sizeof small, "\tb");
	TAP_STR_EQ(small, "\\tb", "\\t then b fit in 3");
}

static void test_prefix(void)
{
	struct ctr_error err = {0};
	ctr_fail(&err, EACCES, "cannot open %s", "f");
	int rc = ctr_error_prefix(&err, "layer %s", "abc");
	char want[256];
	snprintf(want, sizeof want, "layer abc: cannot open f: %s", strerror(EACCES));
	TAP_CHECK(rc == -1 && err.errnum == EACCES, "prefix returns -1 and keeps errnum");
	TAP_STR_EQ(err.msg, want, "prefix puts 'context: ' before the message");

	ctr_fail(&err, 0, "m");
	ctr_error_prefix(&err, "image %s", "a\nb");
	TAP_STR_EQ(err.msg, "image a\\nb: m", "the context is escaped too");

	ctr_fail(&err, 0, "m");
	ctr_error_prefix(&err, "one");
	ctr_error_prefix(&err, "two");
	TAP_STR_EQ(err.msg, "two: one: m", "prefixes nest outermost first");

	char big[2048];
	memset(big, 'c', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ctr_fail(&err, 0, "the message");
	ctr_error_prefix(&err, "%s", big);
	TAP_CHECK(strlen(err.msg) == sizeof err.msg - 1 && err.msg[0] == 'c',
		  "a context longer than the buffer is cut, terminated");

	memset(big, 'd', 1020);
	big[1020] = '\0';
	ctr_fail(&err, 0, "xyz");
	ctr_error_prefix(&err, "%s", big);
	TAP_CHECK(strlen(err.msg) == sizeof err.msg - 1 && strncmp(err.msg + 1020, ": x", 3) == 0,
		  "the message's end is cut when the whole does not fit");
}

static void test_append(void)
{
	struct ctr_error err = {0};
	ctr_fail(&err, 0, "image is used by container a");
	int rc = ctr_error_append(&err, " (remove %s first)", "it");
	TAP_CHECK(rc == -1, "append returns -1");
	TAP_STR_EQ(err.msg, "image is used by container a (remove it first)", "append adds after the message");

	ctr_fail(&err, 0, "m");
	ctr_error_append(&err, " %s", "x\ty");
	TAP_STR_EQ(err.msg, "m x\\ty", "appended text is escaped");

	char big[1100];
	memset(big, 'e', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ctr_fail(&err, 0, "%s", big);
	ctr_error_append(&err, " more");
	TAP_CHECK(strlen(err.msg) == sizeof err.msg - 1, "append to a full message keeps it terminated");
}

int main(void)
{
	test_fail();
	test_cut();
	test_prefix();
	test_append();
	return tap_done();
}
