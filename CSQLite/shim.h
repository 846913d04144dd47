#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is the cast `((sqlite3_destructor_type)-1)`, which Swift cannot import.
/// This shim can go when Swift imports function-pointer casts in macros.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

/// `sqlite3_db_config` is variadic (`int op, ...`), and Swift cannot call C variadic
/// functions. This shim serves the options that take an int and an `int*` (DEFENSIVE,
/// ENABLE_FTS3_TOKENIZER, TRUSTED_SCHEMA, …): it sets `value` (-1 leaves it) and stores the
/// setting now in force in `*now`. It can go when Swift calls C variadic functions.
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value, int *now) {
    return sqlite3_db_config(db, op, value, now);
}

#endif
