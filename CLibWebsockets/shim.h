#ifndef CLIBWEBSOCKETS_SHIM_H
#define CLIBWEBSOCKETS_SHIM_H

#include <libwebsockets.h>

/// LWS_PRE is a macro built from a structure size ("macro unavailable: structure not
/// supported" in Swift), so Swift cannot import it. This shim can go when Swift imports
/// such macros.
static inline size_t clws_pre(void) { return LWS_PRE; }

#endif
