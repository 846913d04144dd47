#ifndef CLIBFUZZER_SHIM_H
#define CLIBFUZZER_SHIM_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for a program that keeps its own main (LLVM 13+). Declared weak so a
// plain build links without libFuzzer: `#_hasSymbol` then tells the fuzz targets to replay
// their inputs instead. No shim function: Swift calls it directly. Goes when SwiftPM can
// build a target with `-sanitize=fuzzer` and no main of its own.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv,
                               int (*callback)(const uint8_t *data, size_t size)) __attribute__((weak));

#endif
