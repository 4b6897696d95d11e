// Building blocks for SQLite VFS shims (a VFS in front of another that changes a few calls and
// passes the rest on): file methods and VFS methods that only forward, and the method tables
// SQLite is given. Used by the engine's WAL-batching VFS and the tests' fault-injecting one.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstddef>

namespace commsflow::store::vfs_forwarding {

// File methods that pass each call to the file `inner(f)` names.
template <sqlite3_file* (*inner)(sqlite3_file*)>
struct ForwardFile {
  static int close(sqlite3_file* f) { return inner(f)->pMethods->xClose(inner(f)); }
  static int read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
    return inner(f)->pMethods->xRead(inner(f), buffer, amount, offset);
  }
  static int write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
    return inner(f)->pMethods->xWrite(inner(f), buffer, amount, offset);
  }
  static int truncate(sqlite3_file* f, sqlite3_int64 size) {
    return inner(f)->pMethods->xTruncate(inner(f), size);
  }
  static int sync(sqlite3_file* f, int flags) { return inner(f)->pMethods->xSync(inner(f), flags); }
  static int file_size(sqlite3_file* f, sqlite3_int64* size) {
    return inner(f)->pMethods->xFileSize(inner(f), size);
  }
  static int lock(sqlite3_file* f, int level) { return inner(f)->pMethods->xLock(inner(f), level); }
  static int unlock(sqlite3_file* f, int level) {
    return inner(f)->pMethods->xUnlock(inner(f), level);
  }
  static int check_reserved_lock(sqlite3_file* f, int* out) {
    return inner(f)->pMethods->xCheckReservedLock(inner(f), out);
  }
  static int file_control(sqlite3_file* f, int op, void* arg) {
    return inner(f)->pMethods->xFileControl(inner(f), op, arg);
  }
  static int sector_size(sqlite3_file* f) { return inner(f)->pMethods->xSectorSize(inner(f)); }
  static int device_characteristics(sqlite3_file* f) {
    return inner(f)->pMethods->xDeviceCharacteristics(inner(f));
  }
  static int shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return inner(f)->pMethods->xShmMap(inner(f), page, size, extend, out);
  }
  static int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return inner(f)->pMethods->xShmLock(inner(f), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* f) { inner(f)->pMethods->xShmBarrier(inner(f)); }
  static int shm_unmap(sqlite3_file* f, int delete_flag) {
    return inner(f)->pMethods->xShmUnmap(inner(f), delete_flag);
  }
  static int fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
    return inner(f)->pMethods->xFetch(inner(f), offset, amount, out);
  }
  static int unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
    return inner(f)->pMethods->xUnfetch(inner(f), offset, page);
  }

  // Every method forwarding, as io-methods version 3; a shim replaces the ones it changes.
  static constexpr sqlite3_io_methods methods() {
    return {3,
            close,
            read,
            write,
            truncate,
            sync,
            file_size,
            lock,
            unlock,
            check_reserved_lock,
            file_control,
            sector_size,
            device_characteristics,
            shm_map,
            shm_lock,
            shm_barrier,
            shm_unmap,
            fetch,
            unfetch};
  }
};

// `all` (a version 3 table) as tables for io-methods versions 1, 2 and 3, the methods a version
// lacks left out: a shim offers no more than the file it wraps, so SQLite never calls a method
// that file lacks.
constexpr std::array<sqlite3_io_methods, 3> by_version(sqlite3_io_methods all) {
  std::array<sqlite3_io_methods, 3> out{all, all, all};
  out[0].iVersion = 1;
  out[0].xShmMap = nullptr;
  out[0].xShmLock = nullptr;
  out[0].xShmBarrier = nullptr;
  out[0].xShmUnmap = nullptr;
  out[1].iVersion = 2;
  for (int i = 0; i < 2; ++i) {
    out[i].xFetch = nullptr;
    out[i].xUnfetch = nullptr;
  }
  return out;
}

// The table of `tables` for a wrapped file of io-methods version `version` (clamped to 1..3).
inline const sqlite3_io_methods* for_version(const std::array<sqlite3_io_methods, 3>& tables,
                                             int version) {
  if (version < 1) version = 1;
  if (version > 3) version = 3;
  return &tables[static_cast<std::size_t>(version - 1)];
}

// Sets every VFS method of `vfs` but xOpen to forward to the VFS `inner()` names, passing it (not
// the shim) as the VFS argument.
template <sqlite3_vfs* (*inner)()>
void forward_vfs_methods(sqlite3_vfs& vfs) {
  vfs.xDelete = [](sqlite3_vfs*, const char* name, int sync_dir) {
    return inner()->xDelete(inner(), name, sync_dir);
  };
  vfs.xAccess = [](sqlite3_vfs*, const char* name, int flags, int* out) {
    return inner()->xAccess(inner(), name, flags, out);
  };
  vfs.xFullPathname = [](sqlite3_vfs*, const char* name, int size, char* out) {
    return inner()->xFullPathname(inner(), name, size, out);
  };
  vfs.xRandomness = [](sqlite3_vfs*, int size, char* out) {
    return inner()->xRandomness(inner(), size, out);
  };
  vfs.xSleep = [](sqlite3_vfs*, int microseconds) {
    return inner()->xSleep(inner(), microseconds);
  };
  vfs.xCurrentTime = [](sqlite3_vfs*, double* out) { return inner()->xCurrentTime(inner(), out); };
  vfs.xGetLastError = [](sqlite3_vfs*, int size, char* out) {
    return inner()->xGetLastError(inner(), size, out);
  };
  vfs.xCurrentTimeInt64 = [](sqlite3_vfs*, sqlite3_int64* out) {
    return inner()->xCurrentTimeInt64(inner(), out);
  };
}

}  // namespace commsflow::store::vfs_forwarding
