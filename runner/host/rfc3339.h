/* Times as docker prints them in JSON: RFC 3339 in UTC with Go's
 * RFC3339Nano precision. */
#ifndef CTRRUN_RFC3339_H
#define CTRRUN_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Unix nanoseconds NS as "2006-01-02T15:04:05.999999999Z": the fraction
 * without trailing zeros, and without the dot when it is zero, as Go's
 * time.RFC3339Nano. 0 is Go's zero time, "0001-01-01T00:00:00Z", which
 * docker prints for a time that has not happened (a container never
 * started). BUF should hold 40 bytes. */
void ctr_rfc3339_nano(int64_t ns, char *buf, size_t len);

#endif
