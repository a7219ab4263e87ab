/* ctrrun ps: containers as docker lists them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <time.h>

#include "container_args.h"
#include "cli_options.h"
#include "ctrrun.h"
#include "human_format.h"
#include "stale.h"

static const char ps_usage[] = "usage: ctrrun ps [OPTIONS]\n\n"
			       "List running containers (with -a, all of them), newest first.\n"
			       "  -a, --all          all containers, not only running ones\n"
			       "  -q, --quiet        only container ids\n"
			       "      --no-trunc     full container ids\n"
			       "      --format json  one JSON object per line, with docker's keys\n"
			       "  -h, --help         this help\n";

static void status_text(const struct ctr_db_ps_row *r, int64_t now, char *buf, size_t len)
{
	char when[64];
	switch (r->state) {
	case CTR_DB_RUNNING:
	case CTR_DB_PAUSED:
		cli_format_duration(now - r->started_ns, when, sizeof when);
		snprintf(buf, len, "Up %s%s", when, r->state == CTR_DB_PAUSED ? " (Paused)" : "");
		break;
	case CTR_DB_EXITED:
		cli_format_ago(r->finished_ns, now, when, sizeof when);
		/* Why its monitor stopped it, where it did (docker keeps that to inspect). */
		snprintf(buf, len, "Exited (%d) %s%s%s", r->exit_code, when, r->error ? ": " : "", r->error ? r->error : "");
		break;
	case CTR_DB_CREATED:
		snprintf(buf, len, "Created");
		break;
	case CTR_DB_REMOVING:
		snprintf(buf, len, "Removal In Progress");
		break;
	default:
		snprintf(buf, len, "Dead");
	}
}

static void iso_time(int64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lldZ", base, (long long)(ns % 1000000000));
}

/* docker ps --format json: one object per line. */
static void print_json(const struct ctr_db_ps_row *rows, size_t n, int64_t now, bool no_trunc)
{
	for (size_t i = 0; i < n; i++) {
		const struct ctr_db_ps_row *r = &rows[i];
		char created[64], status[320], ago[64];
		iso_time(r->created_ns, created, sizeof created);
		cli_format_ago(r->created_ns, now, ago, sizeof ago);
		status_text(r, now, status, sizeof status);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "ID", json_object_new_string(no_trunc ? r->id : r->short_id));
		json_object_object_add(o, "Image", json_object_new_string(r->image));
		json_object_object_add(o, "Command", json_object_new_string(r->command));
		json_object_object_add(o, "CreatedAt", json_object_new_string(created));
		json_object_object_add(o, "RunningFor", json_object_new_string(ago));
		json_object_object_add(o, "State", json_object_new_string(ctr_db_state_name(r->state)));
		json_object_object_add(o, "Status", json_object_new_string(status));
		json_object_object_add(o, "Names", json_object_new_string(r->name));
		json_object_object_add(o, "Pid", json_object_new_int(r->pid));
		json_object_object_add(o, "ExitCode", r->exit_code >= 0 ? json_object_new_int(r->exit_code) : NULL);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
}

int cmd_ps(struct ctrrun *rt, int argc, char **argv)
{
	bool all = false, quiet = false, no_trunc = false, json = false;
	static const struct option options[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"no-trunc", no_argument, NULL, 'T'},
		{"format", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, "ps", "aqh", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'F':
			if (strcmp(optarg, "json") != 0) {
				fprintf(stderr, "ctrrun: ps: --format '%s': only json is supported\n", optarg);
				return CTRRUN_EXIT_ERROR;
			}
			json = true;
			break;
		case 'h':
			return cli_print_help(ps_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ctrrun: ps takes no arguments, got '%s' (see ctrrun ps --help)\n", argv[optind]);
		return CTRRUN_EXIT_ERROR;
	}
	if (cli_open_state(rt, true) < 0)
		return CTRRUN_EXIT_ERROR;
	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0;
	if (ctr_db_list_ps(rt->db, all, &rows, &n, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	int64_t now = ctr_now_ns();
	if (json) {
		print_json(rows, n, now, no_trunc);
		ctr_db_ps_free(rows, n);
		return 0;
	}
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", no_trunc ? rows[i].id : rows[i].short_id);
		ctr_db_ps_free(rows, n);
		return 0;
	}
	/* Cells first, then columns as wide as their widest cell, as docker. */
	enum { COLS = 6 };
	static const char *const header[COLS] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"};
	char (*cells)[COLS][160] = calloc(n ? n : 1, sizeof *cells);
	if (!cells) {
		ctr_db_ps_free(rows, n);
		fprintf(stderr, "ctrrun: out of memory\n");
		return CTRRUN_EXIT_ERROR;
	}
	size_t width[COLS];
	for (int c = 0; c < COLS; c++)
		width[c] = strlen(header[c]);
	for (size_t i = 0; i < n; i++) {
		const struct ctr_db_ps_row *r = &rows[i];
		char created[64];
		cli_format_ago(r->created_ns, now, created, sizeof created);
		snprintf(cells[i][0], sizeof cells[i][0], "%s", no_trunc ? r->id : r->short_id);
		snprintf(cells[i][1], sizeof cells[i][1], "%s", r->image);
		if (!no_trunc && strlen(r->command) > 20)
			snprintf(cells[i][2], sizeof cells[i][2], "\"%.19s…\"", r->command);
		else
			snprintf(cells[i][2], sizeof cells[i][2], "\"%.150s\"", r->command);
		snprintf(cells[i][3], sizeof cells[i][3], "%s", created);
		status_text(r, now, cells[i][4], sizeof cells[i][4]);
		snprintf(cells[i][5], sizeof cells[i][5], "%s", r->name);
		for (int c = 0; c < COLS; c++) {
			/* "…" is one column on screen but three bytes. */
			size_t w = strlen(cells[i][c]) - (strstr(cells[i][c], "…") ? 2 : 0);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (int c = 0; c < COLS - 1; c++)
		printf("%-*s   ", (int)width[c], header[c]);
	printf("%s\n", header[COLS - 1]);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < COLS - 1; c++)
			printf("%-*s   ", (int)width[c] + (strstr(cells[i][c], "…") ? 2 : 0), cells[i][c]);
		printf("%s\n", cells[i][COLS - 1]);
	}
	free(cells);
	ctr_db_ps_free(rows, n);
	return 0;
}
