/* Minimal TAP output for the C unit tests: one "ok"/"not ok" per check. */
#ifndef CTR_TESTS_TAP_H
#define CTR_TESTS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

/* Line-buffered, so a sanitizer that ends the process keeps what was said. */
__attribute__((constructor)) static void tap_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

#define TAP_CHECK(cond, ...)                                                        \
	do {                                                                        \
		tap_count++;                                                        \
		int tap_ok_ = !!(cond);                                             \
		if (!tap_ok_)                                                       \
			tap_failed++;                                               \
		printf("%s %d - ", tap_ok_ ? "ok" : "not ok", tap_count);         \
		printf(__VA_ARGS__);                                                \
		printf("\n");                                                       \
		if (!tap_ok_)                                                       \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

#define TAP_STR_EQ(got, want, ...)                                               \
	do {                                                                     \
		const char *g_ = (got), *w_ = (want);                            \
		TAP_CHECK(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__); \
		if (!(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_))                 \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
