#include "store/sqlite/wal_batching_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "store/sqlite/vfs_forwarding.h"

namespace commsflow::store::wal_batching_vfs {

namespace {

// The write-ahead log's format (https://sqlite.org/fileformat2.html#walformat): each frame is a
// 24-byte header, then the page; bytes 4 to 7 of the header, big-endian, are nonzero only in a
// transaction's commit frame (the database's size in pages after the commit).
constexpr int kFrameHeaderBytes = 24;
// Appends held back beyond this are written at once: a large transaction (an import) writes
// its spilled pages in chunks of about this size.
constexpr std::size_t kHeldBackLimit = 1 << 20;
// The most handed to the inner VFS in one write: SQLite's unix VFS writes at most 128 KiB - 1
// bytes in one call (it masks the length with 0x1ffff), having only ever been given pages.
constexpr std::size_t kWriteBytes = 64 * 1024;

// How a write to the log starts a commit frame: not at all, with the header alone (SQLite
// writes a frame as its header, then its page), or with the whole frame in one write (a page
// is a power of two from 512 to 65536 bytes).
enum class CommitFrame { kNone, kHeaderOnly, kWhole };

CommitFrame commit_frame_in(const void* bytes, int amount) {
  const int page = amount - kFrameHeaderBytes;
  const bool whole = page >= 512 && page <= 65536 && (page & (page - 1)) == 0;
  if (amount != kFrameHeaderBytes && !whole) return CommitFrame::kNone;
  unsigned char size_after_commit[4];
  std::memcpy(size_after_commit, static_cast<const unsigned char*>(bytes) + 4, 4);
  if ((size_after_commit[0] | size_after_commit[1] | size_after_commit[2] | size_after_commit[3]) ==
      0) {
    return CommitFrame::kNone;
  }
  return whole ? CommitFrame::kWhole : CommitFrame::kHeaderOnly;
}

sqlite3_vfs batching_vfs;
sqlite3_vfs* default_at_registration = nullptr;

// The VFS to forward to: the default when called (a test may install a fault-injecting one
// after this was registered), or, should this one ever be made the default, the one before it.
sqlite3_vfs* inner_vfs() {
  sqlite3_vfs* found = sqlite3_vfs_find(nullptr);
  return found == &batching_vfs ? default_at_registration : found;
}

// What a file opened through this VFS holds besides SQLite's part.
struct State {
  sqlite3_file* inner = nullptr;  // the inner VFS's file, in memory from sqlite3_malloc64
  bool is_log = false;            // a write-ahead log: its appends are held back
  // Appends held back: `held` belongs at offset `held_at` of the file.
  sqlite3_int64 held_at = 0;
  std::string held;
  bool commit_page_next = false;  // the last append was a commit frame's header
  // A database and its log, each opened through this VFS, know each other (see
  // x_shm_barrier); each unlinks itself when closed.
  State* log = nullptr;       // of a database: its log, while open
  State* database = nullptr;  // of a log: its database

  ~State() {
    if (log) log->database = nullptr;
    if (database) database->log = nullptr;
    sqlite3_free(inner);
  }
};

// SQLite allocates szOsFile bytes for each file and hands them to xOpen: ours is this.
struct BatchingFile {
  sqlite3_file base;
  State* state;
};

State& state_of(sqlite3_file* f) {
  return *reinterpret_cast<BatchingFile*>(f)->state;
}
sqlite3_file* inner_of(sqlite3_file* f) {
  return state_of(f).inner;
}

// Writes what is held back, in pieces of at most kWriteBytes; what fails is reported to the
// caller, and dropped, since SQLite fails the transaction those frames belong to.
int flush(State& s) {
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < s.held.size() && rc == SQLITE_OK; done += kWriteBytes) {
    const std::size_t piece = std::min(kWriteBytes, s.held.size() - done);
    rc = s.inner->pMethods->xWrite(s.inner, s.held.data() + done, static_cast<int>(piece),
                                   s.held_at + static_cast<sqlite3_int64>(done));
  }
  s.held.clear();
  s.commit_page_next = false;
  return rc;
}

int x_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  State& s = state_of(f);
  if (!s.is_log) return s.inner->pMethods->xWrite(s.inner, buffer, amount, offset);
  // Only a write that continues what is held back joins it; anything else writes it first, so
  // that the file sees every write in SQLite's order.
  if (!s.held.empty() && offset != s.held_at + static_cast<sqlite3_int64>(s.held.size())) {
    if (const int rc = flush(s); rc != SQLITE_OK) return rc;
  }
  if (s.held.empty()) s.held_at = offset;
  s.held.append(static_cast<const char*>(buffer), static_cast<std::size_t>(amount));
  const CommitFrame commit = commit_frame_in(buffer, amount);
  const bool commit_ends_here = s.commit_page_next || commit == CommitFrame::kWhole;
  s.commit_page_next = commit == CommitFrame::kHeaderOnly;
  if (commit_ends_here || s.held.size() >= kHeldBackLimit) return flush(s);
  return SQLITE_OK;
}

int x_close(sqlite3_file* f) {
  State* s = reinterpret_cast<BatchingFile*>(f)->state;
  const int flushed = flush(*s);
  const int closed = s->inner->pMethods->xClose(s->inner);
  delete s;
  return flushed != SQLITE_OK ? flushed : closed;
}

// SQLite publishes a commit to other connections (the log's new end, in shared memory) across
// a barrier, after writing its frames. Nothing is held back by then, the commit frame having
// flushed it; should a change in how SQLite writes frames ever defeat that, the frames are
// written here rather than published unwritten. A failure here cannot be reported, so the
// process stops before publishing: the next connection recovers the log from what the file
// holds, which is every commit before this one.
void x_shm_barrier(sqlite3_file* f) {
  State& s = state_of(f);
  if (s.log && !s.log->held.empty() && flush(*s.log) != SQLITE_OK) {
    std::fputs(
        "commsflow: a commit's frames could not be written to the write-ahead log; "
        "stopping before they are published\n",
        stderr);
    std::abort();
  }
  s.inner->pMethods->xShmBarrier(s.inner);
}

using Forward = vfs_forwarding::ForwardFile<inner_of>;

// SQLite releases the log's write lock (shared-memory lock 0) when a write transaction ends. A
// commit has written everything it held by then (at its commit frame, or at the latest at the
// barrier before it is published), so whatever is still held belongs to a transaction that
// rolled back: pages it spilled into the log before its end. Those are thrown away, before the
// lock is free: once it is, another connection may commit its own frames at the very same
// offsets, and writing these later would overwrite them.
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  constexpr int kWriteLock = 0;
  const bool releases_write_lock = (flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE) &&
                                   offset <= kWriteLock && kWriteLock < offset + n;
  if (State& s = state_of(f); releases_write_lock && s.log) {
    s.log->held.clear();
    s.log->commit_page_next = false;
  }
  return Forward::shm_lock(f, offset, n, flags);
}

// `forward`, after writing what is held back, so that the call sees the file SQLite expects.
template <auto forward, typename... Args>
int flushed_first(sqlite3_file* f, Args... args) {
  if (const int rc = flush(state_of(f)); rc != SQLITE_OK) return rc;
  return forward(f, args...);
}

// Forwarding methods, but for appends to a log, which are held back, and every other call on
// a log but the few that never touch its bytes, which write what is held back first.
constexpr sqlite3_io_methods kMethods = [] {
  sqlite3_io_methods m = Forward::methods();
  m.xClose = x_close;
  m.xWrite = x_write;
  m.xRead = flushed_first<Forward::read>;
  m.xTruncate = flushed_first<Forward::truncate>;
  m.xSync = flushed_first<Forward::sync>;
  m.xFileSize = flushed_first<Forward::file_size>;
  m.xLock = flushed_first<Forward::lock>;
  m.xUnlock = flushed_first<Forward::unlock>;
  m.xFileControl = flushed_first<Forward::file_control>;
  m.xShmLock = x_shm_lock;
  m.xShmBarrier = x_shm_barrier;
  return m;
}();
constexpr auto kMethodsByVersion = vfs_forwarding::by_version(kMethods);

const sqlite3_io_methods* methods_for(int version) {
  return vfs_forwarding::for_version(kMethodsByVersion, version);
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ours = reinterpret_cast<BatchingFile*>(file);
  ours->base.pMethods = nullptr;
  sqlite3_vfs* inner = inner_vfs();
  auto state = std::make_unique<State>();
  state->inner = static_cast<sqlite3_file*>(sqlite3_malloc64(inner->szOsFile));
  if (!state->inner) return SQLITE_NOMEM;
  std::memset(state->inner, 0, static_cast<std::size_t>(inner->szOsFile));
  state->is_log = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = inner->xOpen(inner, name, state->inner, flags, out_flags);
  // A failed open may still set methods that must be closed; SQLite then closes through ours.
  if (!state->inner->pMethods) return rc;
  if (state->is_log && rc == SQLITE_OK) {
    // The database this log belongs to, when it too was opened through this VFS.
    sqlite3_file* database = sqlite3_database_file_object(name);
    if (database && database->pMethods &&
        database->pMethods == methods_for(database->pMethods->iVersion)) {
      State& database_state = state_of(database);
      if (database_state.log) database_state.log->database = nullptr;
      database_state.log = state.get();
      state->database = &database_state;
    }
  }
  ours->state = state.release();
  ours->base.pMethods = methods_for(ours->state->inner->pMethods->iVersion);
  return rc;
}

}  // namespace

const char* name() {
  static const bool registered = [] {
    default_at_registration = sqlite3_vfs_find(nullptr);
    batching_vfs = sqlite3_vfs{};
    batching_vfs.iVersion = 2;
    batching_vfs.szOsFile = static_cast<int>(sizeof(BatchingFile));
    batching_vfs.mxPathname = default_at_registration->mxPathname;
    batching_vfs.zName = "commsflow-wal-batching";
    batching_vfs.xOpen = x_open;
    vfs_forwarding::forward_vfs_methods<inner_vfs>(batching_vfs);
    return sqlite3_vfs_register(&batching_vfs, 0) == SQLITE_OK;
  }();
  return registered ? batching_vfs.zName : nullptr;
}

}  // namespace commsflow::store::wal_batching_vfs
