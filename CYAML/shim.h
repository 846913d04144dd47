#ifndef CYAML_SHIM_H
#define CYAML_SHIM_H

/// libyaml's parser API (`yaml_parser_*`, `yaml_event_*`) imports into Swift as it is:
/// no macros or variadic functions are needed, so this header only names the library.
#include <yaml.h>

#endif
