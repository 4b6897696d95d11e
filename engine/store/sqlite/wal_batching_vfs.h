// The SQLite VFS the engine's connections open with: the default VFS, except that the frames a
// transaction appends to the write-ahead log reach the file in one write at its commit instead
// of two writes per page (SQLite writes each frame's 24-byte header, then its page). A decision
// dirties eight or so pages, and on a virtual machine each write is a costly system call.
//
// The contract it keeps: when SQLite's write of a transaction's commit frame returns, every
// frame of that transaction is in the file (given to the kernel), exactly as without it; so
// SQLite publishes the new log end to other connections, and syncs at synchronous=FULL, only
// over bytes already written. What it holds back are appended frames of a transaction not yet
// committed, and only until the commit frame, a read, a sync or any other call on the log file.
// What a transaction that rolls back still holds is never written: it is dropped when SQLite
// releases the log's write lock, before another connection may append where it would have gone.
// A failed write is reported by the write, read or sync that made it, so SQLite fails that
// transaction and rolls it back as it would have anyway. As a second line, anything still held
// when SQLite publishes a commit to other connections is written first (see x_shm_barrier).
//
// Each connection's log file is used by one thread at a time (SQLite's rule for a connection);
// the VFS itself keeps no shared state beyond its registration.
#pragma once

namespace commsflow::store::wal_batching_vfs {

// The VFS's registered name, for sqlite3_open_v2. Registers it on the first call (never as the
// default: plain SQLite, as the benchmarks' baselines use it, is left as it is). It forwards to
// whatever VFS is the default when each file is opened, so a test's fault-injecting VFS still
// sees every write.
const char* name();

}  // namespace commsflow::store::wal_batching_vfs
