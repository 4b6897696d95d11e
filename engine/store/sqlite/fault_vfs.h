// A fault-injecting SQLite VFS for tests: wraps the default VFS and, when asked, fails writes
// with SQLITE_FULL once a byte budget is spent (a full disk) or opens database files read-only
// (a file the user may not write). Built into the test binaries only, never into `commsflow`.
//
// install() makes the wrapper the default VFS for every connection opened afterwards; with no
// fault set it only forwards. The settings are process-wide atomics: set them between
// operations, not while another thread is using the database.
#pragma once

#include <cstdint>

namespace commsflow::store::fault_vfs {

// Registers the wrapper as the default VFS (once; later calls do nothing).
void install();

// Writes succeed until `bytes` more bytes have been written to any database, journal or WAL
// file, then fail with SQLITE_FULL (the write that crosses the budget writes nothing).
// A negative budget means no limit.
void fail_writes_after(std::int64_t bytes);

// While true, database files (not journals) open read-only, as if the user lacked write access.
void open_databases_read_only(bool read_only);

// Clears every fault.
void reset();

// Writes refused with SQLITE_FULL since the last reset().
std::int64_t refused_writes();

}  // namespace commsflow::store::fault_vfs
