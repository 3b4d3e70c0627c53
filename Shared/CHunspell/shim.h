#ifndef SWITCHBOARD_CHUNSPELL_SHIM_H
#define SWITCHBOARD_CHUNSPELL_SHIM_H

// Hunspell 1.7 (Debian's libhunspell-dev, pkg-config `hunspell`): its plain C API
// (Hunspell_create, _spell, _suggest, _free_list, _destroy) is callable from Swift as it
// is, so nothing is wrapped here. A handle is not thread-safe: only the session service's
// `SpellChecker` uses handles, on its own serial queue, never on Swift's cooperative pool.
#include <hunspell/hunspell.h>

#endif
