/* docker's human-readable durations and sizes (go-units HumanDuration and
 * HumanSizeWithPrecision as the docker CLI calls them), so `images` and `ps`
 * read the way docker users expect. */
#include <stdio.h>

#include "human_format.h"

void cli_format_duration(int64_t ns, char *buf, size_t len)
{
	if (ns < 0)
		ns = 0;
	int64_t seconds = ns / 1000000000;
	int64_t minutes = seconds / 60;
	/* go-units rounds hours to the nearest one, everything else down. */
	int64_t hours = (ns + 1800LL * 1000000000) / (3600LL * 1000000000);
	int64_t whole_hours = seconds / 3600;

	if (seconds < 1)
		snprintf(buf, len, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, len, "1 second");
	else if (seconds < 60)
		snprintf(buf, len, "%lld seconds", (long long)seconds);
	else if (minutes == 1)
		snprintf(buf, len, "About a minute");
	else if (minutes < 60)
		snprintf(buf, len, "%lld minutes", (long long)minutes);
	else if (hours == 1)
		snprintf(buf, len, "About an hour");
	else if (hours < 48)
		snprintf(buf, len, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(buf, len, "%lld years", (long long)(whole_hours / 24 / 365));
}

void cli_format_ago(int64_t when_ns, int64_t now_ns, char *buf, size_t len)
{
	char d[64];
	cli_format_duration(now_ns - when_ns, d, sizeof d);
	snprintf(buf, len, "%s ago", d);
}

void cli_format_size(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
	double size = bytes < 0 ? 0 : (double)bytes;
	size_t i = 0;
	while (size >= 1000.0 && i < sizeof units / sizeof units[0] - 1) {
		size /= 1000.0;
		i++;
	}
	/* The docker CLI prints sizes with 3 significant digits. */
	snprintf(buf, len, "%.3g%s", size, units[i]);
}
