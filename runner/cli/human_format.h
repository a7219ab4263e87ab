/* docker's human-readable times and sizes, for images and ps. */
#ifndef CTRRUN_HUMAN_FORMAT_H
#define CTRRUN_HUMAN_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "3 seconds", "About a minute", "5 minutes", "About an hour", "2 hours",
 * "3 days", "2 weeks", "4 months", "2 years", as docker's units.HumanDuration. */
void cli_format_duration(int64_t ns, char *buf, size_t len);
/* "2 minutes ago" for a Unix-ns time; "Less than a second ago" when recent. */
void cli_format_ago(int64_t when_ns, int64_t now_ns, char *buf, size_t len);
/* Decimal units as docker: "0B", "512B", "4.26MB", "1.2GB". */
void cli_format_size(int64_t bytes, char *buf, size_t len);

#endif
