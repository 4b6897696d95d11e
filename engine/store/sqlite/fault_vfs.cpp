#include "store/sqlite/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>

#include "store/sqlite/vfs_forwarding.h"

namespace commsflow::store::fault_vfs {

namespace {

std::atomic<std::int64_t> budget{-1};  // bytes left before SQLITE_FULL; negative: unlimited
std::atomic<bool> read_only{false};
std::atomic<std::int64_t> refused{0};

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs fault_vfs;

// Our file object: the real VFS's file follows it in the same allocation (szOsFile covers both).
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f)->real;
}

// Takes `amount` from the budget; false when it would run out (the budget is left as it was).
bool spend(std::int64_t amount) {
  std::int64_t left = budget.load();
  while (left >= 0) {
    if (left < amount) {
      ++refused;
      return false;
    }
    if (budget.compare_exchange_weak(left, left - amount)) return true;
  }
  return true;
}

int x_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (!spend(amount)) return SQLITE_FULL;
  return real_of(f)->pMethods->xWrite(real_of(f), buffer, amount, offset);
}

// Forwarding methods, but for writes, which spend the budget.
constexpr sqlite3_io_methods kMethods = [] {
  sqlite3_io_methods m = vfs_forwarding::ForwardFile<real_of>::methods();
  m.xWrite = x_write;
  return m;
}();
constexpr auto kMethodsByVersion = vfs_forwarding::by_version(kMethods);

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ours = reinterpret_cast<FaultFile*>(file);
  ours->real = reinterpret_cast<sqlite3_file*>(ours + 1);
  if (read_only && (flags & SQLITE_OPEN_MAIN_DB)) {
    flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
  }
  int rc = real_vfs->xOpen(real_vfs, name, ours->real, flags, out_flags);
  // A failed open may still set methods that must be closed; SQLite closes through ours.
  ours->base.pMethods =
      ours->real->pMethods
          ? vfs_forwarding::for_version(kMethodsByVersion, ours->real->pMethods->iVersion)
          : nullptr;
  return rc;
}

sqlite3_vfs* real() {
  return real_vfs;
}

}  // namespace

void install() {
  static bool installed = [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    fault_vfs = sqlite3_vfs{};
    fault_vfs.iVersion = 2;
    fault_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + real_vfs->szOsFile;
    fault_vfs.mxPathname = real_vfs->mxPathname;
    fault_vfs.zName = "commsflow-fault";
    fault_vfs.xOpen = x_open;
    vfs_forwarding::forward_vfs_methods<real>(fault_vfs);
    return sqlite3_vfs_register(&fault_vfs, 1) == SQLITE_OK;
  }();
  (void)installed;
}

void fail_writes_after(std::int64_t bytes) {
  budget = bytes;
}

void open_databases_read_only(bool value) {
  read_only = value;
}

void reset() {
  budget = -1;
  read_only = false;
  refused = 0;
}

std::int64_t refused_writes() {
  return refused;
}

}  // namespace commsflow::store::fault_vfs
