/* The SQL compiled into the library (generated from db/schema.sql and
 * db/migrations/ by db/embed_sql.py at build time). */
#ifndef CTR_DB_EMBEDDED_SQL_H
#define CTR_DB_EMBEDDED_SQL_H

/* One migration: ctr_db_migrations[K-1] turns schema version K-1 into K. */
struct db_migration {
	const char *name;   /* file name, e.g. "0001_initial.sql", for error messages */
	const char *sql;    /* one or more statements, no parameters */
};

extern const struct db_migration ctr_db_migrations[];
extern const int ctr_db_migration_count;

/* db/schema.sql: the full current schema, for reading and for the test that
 * checks the migrations add up to it. Not used to create databases. */
extern const char ctr_db_schema_sql[];

#endif
