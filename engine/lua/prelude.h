// Lua source of the `commsflow` module that workflow files require.
#pragma once

namespace commsflow {
// A chunk called with (getinfo, os_time, os_date, os_difftime, now) from the privileged
// environment. Returns the module table and the sandbox's `os` table.
extern const char* const kCommsflowPrelude;
}  // namespace commsflow
