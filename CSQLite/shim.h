#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is the cast `((sqlite3_destructor_type)-1)`, which Swift cannot import.
/// This shim can go when Swift imports function-pointer casts in macros.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

#endif
