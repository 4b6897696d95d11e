#include "store/sqlite/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>

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

int x_close(sqlite3_file* f) {
  return real_of(f)->pMethods->xClose(real_of(f));
}
int x_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), buffer, amount, offset);
}
int x_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (!spend(amount)) return SQLITE_FULL;
  return real_of(f)->pMethods->xWrite(real_of(f), buffer, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int x_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), offset, page);
}

// Methods for a real file of io-methods version `version` (1 to 3): the wrapper offers no more
// than the real file does, so SQLite never calls a method the real file lacks.
const sqlite3_io_methods* methods_for(int version) {
  static const sqlite3_io_methods by_version[3] = {
      {1, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
       x_check_reserved_lock, x_file_control, x_sector_size, x_device_characteristics, nullptr,
       nullptr, nullptr, nullptr, nullptr, nullptr},
      {2, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
       x_check_reserved_lock, x_file_control, x_sector_size, x_device_characteristics, x_shm_map,
       x_shm_lock, x_shm_barrier, x_shm_unmap, nullptr, nullptr},
      {3, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
       x_check_reserved_lock, x_file_control, x_sector_size, x_device_characteristics, x_shm_map,
       x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch},
  };
  if (version < 1) version = 1;
  if (version > 3) version = 3;
  return &by_version[version - 1];
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ours = reinterpret_cast<FaultFile*>(file);
  ours->real = reinterpret_cast<sqlite3_file*>(ours + 1);
  if (read_only && (flags & SQLITE_OPEN_MAIN_DB)) {
    flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
  }
  int rc = real_vfs->xOpen(real_vfs, name, ours->real, flags, out_flags);
  // A failed open may still set methods that must be closed; SQLite closes through ours.
  ours->base.pMethods =
      ours->real->pMethods ? methods_for(ours->real->pMethods->iVersion) : nullptr;
  return rc;
}

// The rest forward to the real VFS, passing it (not ours) as the VFS argument.
int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return real_vfs->xFullPathname(real_vfs, name, size, out);
}
int x_randomness(sqlite3_vfs*, int size, char* out) {
  return real_vfs->xRandomness(real_vfs, size, out);
}
int x_sleep(sqlite3_vfs*, int microseconds) {
  return real_vfs->xSleep(real_vfs, microseconds);
}
int x_current_time(sqlite3_vfs*, double* out) {
  return real_vfs->xCurrentTime(real_vfs, out);
}
int x_get_last_error(sqlite3_vfs*, int size, char* out) {
  return real_vfs->xGetLastError(real_vfs, size, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
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
    fault_vfs.xDelete = x_delete;
    fault_vfs.xAccess = x_access;
    fault_vfs.xFullPathname = x_full_pathname;
    fault_vfs.xRandomness = x_randomness;
    fault_vfs.xSleep = x_sleep;
    fault_vfs.xCurrentTime = x_current_time;
    fault_vfs.xGetLastError = x_get_last_error;
    fault_vfs.xCurrentTimeInt64 = x_current_time_int64;
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
