/* ctrrun logs: a container's output from state.db, stdout lines to stdout
 * and stderr lines to stderr, in the order they arrived. Chunks are stored
 * as read; lines are cut here. Output goes out with write(2), never through
 * stdio: a buffered stdout would hold its lines back while stderr's go out
 * (`logs 2>&1 | cat` would print every stderr line first). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container_args.h"
#include "cli_options.h"
#include "ctrrun.h"
#include "stale.h"

static const char logs_usage[] =
	"usage: ctrrun logs [OPTIONS] CONTAINER\n\n"
	"Print a container's output (also after it exited).\n"
	"  -f, --follow        keep printing new output until the container exits\n"
	"  -n, --tail N        only the last N lines (default: all)\n"
	"      --since TIME    only output since TIME: RFC 3339 (2026-11-30T10:00:00Z),\n"
	"                      Unix seconds, or a duration ago (10s, 5m, 1h30m)\n"
	"  -t, --timestamps    prefix each line with the time it was read\n"
	"  -h, --help          this help\n";

struct line {
	enum ctr_db_stream stream;
	int64_t time_ns;
	char *text;  /* with its newline, if it had one */
	size_t len;
};

/* What is written, in order: the bytes of one stream at a time, handed to
 * the kernel before any byte of the other stream (and at the end of every
 * read of the log). */
struct output {
	int fd;             /* the stream whose bytes are in buf; -1: none */
	char buf[64 * 1024];
	size_t len;
};

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {  /* a non-blocking stdout (shared with a parent) */
			poll(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, -1);
			continue;
		}
		if (w <= 0)
			return;  /* a closed pipe: SIGPIPE ends us, as docker's `logs | head` */
		p += w;
		len -= (size_t)w;
	}
}

static void out_flush(struct output *o)
{
	if (o->len)
		write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void out_put(struct output *o, int fd, const char *p, size_t len)
{
	if (o->fd != fd || o->len + len > sizeof o->buf)
		out_flush(o);
	o->fd = fd;
	if (len > sizeof o->buf) {
		write_all(fd, p, len);
		return;
	}
	memcpy(o->buf + o->len, p, len);
	o->len += len;
}

struct line_cutter {
	/* The unfinished line of each stream, and when it began. */
	char *partial[3];
	size_t partial_len[3];
	int64_t partial_time[3];
	/* --tail: a ring of the last N complete lines. */
	struct line *ring;
	size_t ring_cap, ring_len, ring_start;
	bool timestamps, buffering;
	int64_t since_ns;
	struct output out;
};

static void print_line(struct line_cutter *lc, enum ctr_db_stream stream, int64_t time_ns, const char *text,
		       size_t len)
{
	int fd = stream == CTR_DB_STDERR ? 2 : 1;
	if (time_ns < lc->since_ns)
		return;
	if (lc->timestamps) {
		time_t secs = (time_t)(time_ns / 1000000000);
		struct tm tm;
		gmtime_r(&secs, &tm);
		char stamp[64];
		size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(stamp + n, sizeof stamp - n, ".%09lldZ ", (long long)(time_ns % 1000000000));
		out_put(&lc->out, fd, stamp, n);
	}
	out_put(&lc->out, fd, text, len);
}

static void emit(struct line_cutter *lc, enum ctr_db_stream stream, int64_t time_ns, const char *text, size_t len)
{
	if (!lc->buffering) {
		print_line(lc, stream, time_ns, text, len);
		return;
	}
	if (lc->ring_cap == 0 || time_ns < lc->since_ns)
		return;
	struct line *slot;
	if (lc->ring_len < lc->ring_cap) {
		slot = &lc->ring[(lc->ring_start + lc->ring_len++) % lc->ring_cap];
	} else {
		slot = &lc->ring[lc->ring_start];
		lc->ring_start = (lc->ring_start + 1) % lc->ring_cap;
		free(slot->text);
	}
	*slot = (struct line){.stream = stream, .time_ns = time_ns, .text = malloc(len ? len : 1), .len = len};
	if (slot->text)
		memcpy(slot->text, text, len);
	else
		slot->len = 0;
}

/* Cuts chunk C into lines; a line's time is that of the chunk it began in. */
static void feed(struct line_cutter *lc, const struct ctr_db_log_chunk *c)
{
	int s = c->stream == CTR_DB_STDERR ? 2 : 1;
	const char *p = c->data, *end = p + c->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
		if (lc->partial_len[s] == 0)
			lc->partial_time[s] = c->time_ns;
		if (nl && lc->partial_len[s] == 0) {
			emit(lc, c->stream, c->time_ns, p, n);
		} else {
			char *grown = realloc(lc->partial[s], lc->partial_len[s] + n);
			if (!grown)
				return;
			lc->partial[s] = grown;
			memcpy(grown + lc->partial_len[s], p, n);
			lc->partial_len[s] += n;
			if (nl) {
				emit(lc, c->stream, lc->partial_time[s], lc->partial[s], lc->partial_len[s]);
				lc->partial_len[s] = 0;
			}
		}
		p += n;
	}
}

/* --tail: the lines kept so far go out; from now on (-f) lines go out as
 * they come. Unfinished lines stay unfinished. */
static void print_ring(struct line_cutter *lc)
{
	for (size_t i = 0; i < lc->ring_len; i++) {
		struct line *l = &lc->ring[(lc->ring_start + i) % lc->ring_cap];
		print_line(lc, l->stream, l->time_ns, l->text, l->len);
		free(l->text);
	}
	lc->ring_len = 0;
	lc->buffering = false;
	out_flush(&lc->out);
}

/* At the end: unfinished lines are output as they are. */
static void flush_partials(struct line_cutter *lc)
{
	for (int s = 1; s <= 2; s++)
		if (lc->partial_len[s]) {
			emit(lc, s == 2 ? CTR_DB_STDERR : CTR_DB_STDOUT, lc->partial_time[s], lc->partial[s],
			     lc->partial_len[s]);
			lc->partial_len[s] = 0;
		}
	out_flush(&lc->out);
}

/* The monitor writes the last output before it records the exit, so one
 * more read after this says false misses nothing. */
static bool still_running(struct ctrrun *rt, const char *id)
{
	struct ctr_error err;
	struct ctr_db_container now;
	if (ctr_db_get_container(rt->db, id, &now, &err) != CTR_DB_OK)
		return false;
	bool running = now.state == CTR_DB_RUNNING || now.state == CTR_DB_PAUSED || now.state == CTR_DB_CREATED;
	ctr_db_container_free(&now);
	static int polls;
	if (running && ++polls % 20 == 0)
		cli_reap_stale_if_unlocked(rt);  /* a dead monitor would keep us waiting forever */
	return running;
}

/* RFC 3339, Unix seconds, or a duration ago. */
static int parse_since(const char *s, int64_t now_ns, int64_t *out)
{
	struct tm tm = {0};
	char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end) {
		double frac = 0;
		if (*end == '.') {
			char *fe;
			frac = strtod(end, &fe);
			end = fe;
		}
		if (*end != 'Z' && *end != '\0')
			return -1;
		*out = (int64_t)timegm(&tm) * 1000000000 + (int64_t)(frac * 1e9);
		return 0;
	}
	char *e;
	double v = strtod(s, &e);
	if (e != s && *e == '\0') {
		*out = (int64_t)(v * 1e9);
		return 0;
	}
	int64_t total = 0;
	const char *p = s;
	while (*p) {
		double n = strtod(p, &e);
		if (e == p)
			return -1;
		int64_t unit = *e == 'h' ? 3600000000000LL : *e == 'm' ? 60000000000LL : *e == 's' ? 1000000000LL : 0;
		if (!unit || n < 0)
			return -1;
		total += (int64_t)(n * (double)unit);
		p = e + 1;
	}
	*out = now_ns - total;
	return total > 0 ? 0 : -1;
}

int cmd_logs(struct ctrrun *rt, int argc, char **argv)
{
	bool follow = false;
	struct line_cutter lc = {.out.fd = -1};
	long tail = -1;
	const char *ref = NULL;
	static const struct option options[] = {
		{"follow", no_argument, NULL, 'f'},
		{"tail", required_argument, NULL, 'n'},
		{"since", required_argument, NULL, 'S'},
		{"timestamps", no_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, "logs", "fn:th", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 't':
			lc.timestamps = true;
			break;
		case 'n': {
			char *end;
			tail = strcmp(optarg, "all") == 0 ? -1 : strtol(optarg, &end, 10);
			if (strcmp(optarg, "all") != 0 && (*end || tail < 0)) {
				fprintf(stderr, "ctrrun: logs: %s '%s': expected a number of lines or all\n", p.flag,
					optarg);
				return CTRRUN_EXIT_ERROR;
			}
			break;
		}
		case 'S':
			if (parse_since(optarg, ctr_now_ns(), &lc.since_ns) < 0) {
				fprintf(stderr, "ctrrun: logs: --since '%s': expected RFC 3339, Unix seconds or a "
						"duration like 10m\n", optarg);
				return CTRRUN_EXIT_ERROR;
			}
			break;
		case 'h':
			return cli_print_help(logs_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "ctrrun: logs takes one container\n");
		return CTRRUN_EXIT_ERROR;
	}
	ref = optind < argc ? argv[optind] : NULL;
	if (!ref) {
		fprintf(stderr, "ctrrun: logs needs a container\n%s", logs_usage);
		return CTRRUN_EXIT_ERROR;
	}
	struct ctr_db_container c;
	if (cli_open_state(rt, true) < 0)
		return CTRRUN_EXIT_ERROR;
	if (ctr_db_find_container(rt->db, ref, &c, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	if (tail >= 0) {
		lc.buffering = true;
		lc.ring_cap = (size_t)tail;
		lc.ring = tail ? calloc((size_t)tail, sizeof *lc.ring) : NULL;
		if (tail && !lc.ring) {
			ctr_db_container_free(&c);
			fprintf(stderr, "ctrrun: out of memory\n");
			return CTRRUN_EXIT_ERROR;
		}
	}
	int64_t seq = 0;
	int rc = 0;
	bool first_pass = true;
	for (;;) {
		struct ctr_db_log_chunk *chunks = NULL;
		size_t n = 0;
		if (ctr_db_read_logs(rt->db, c.id, seq, 1024, &chunks, &n, &err) != CTR_DB_OK) {
			ctr_print_error(&err);
			rc = CTRRUN_EXIT_ERROR;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			feed(&lc, &chunks[i]);
			seq = chunks[i].seq;
		}
		ctr_db_log_chunks_free(chunks, n);
		out_flush(&lc.out);
		if (n == 1024)
			continue;
		if (first_pass) {
			/* Everything there is, read: the tail goes out, then new lines
			 * as they come. Not following, an unfinished last line is a
			 * line of the tail too. */
			if (!follow)
				flush_partials(&lc);
			print_ring(&lc);
			first_pass = false;
		}
		if (!follow)
			break;
		/* The monitor writes the last output before it records the exit,
		 * so a read after seeing the container gone misses nothing. */
		if (!still_running(rt, c.id)) {
			follow = false;  /* one more read, then stop */
			continue;
		}
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	print_ring(&lc);
	flush_partials(&lc);
	free(lc.ring);
	free(lc.partial[1]);
	free(lc.partial[2]);
	ctr_db_container_free(&c);
	return rc;
}
