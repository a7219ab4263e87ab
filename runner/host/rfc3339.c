/* RFC 3339 times with Go's RFC3339Nano fraction rules. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rfc3339.h"

void ctr_rfc3339_nano(int64_t ns, char *buf, size_t len)
{
	if (ns == 0) {
		snprintf(buf, len, "0001-01-01T00:00:00Z");
		return;
	}
	/* Floor division, so times before 1970 keep a positive fraction. */
	int64_t secs = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	char date[64] = "";
	if (!gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "0001-01-01T00:00:00Z");
		return;
	}
	char digits[16] = "";
	if (frac) {
		snprintf(digits, sizeof digits, ".%09lld", (long long)frac);
		size_t n = strlen(digits);
		while (n > 1 && digits[n - 1] == '0')
			digits[--n] = '\0';
	}
	snprintf(buf, len, "%s%sZ", date, digits);
}
