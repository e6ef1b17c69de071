// berth-native's file batches: fsBatch(ops) makes a list of directories,
// small files and symbolic links, in order, in one job on libuv's thread
// pool. A container's create writes about twenty such entries (its etc files,
// its rootfs's directories, the init layer): through fs.promises each is two
// or three pool trips, one after another, and each trip waits for a pool
// thread and then for the event loop; here the whole list is one trip.
//
// An op is an array:
//   [0, path, mode, parents]        mkdir; an existing directory is fine; with
//                                   parents its missing parents are made too,
//                                   with the same mode (as Node's recursive
//                                   mkdir)
//   [1, path, data, mode, replace]  a file holding data (a string or bytes):
//                                   created or truncated; never through a
//                                   symbolic link (O_NOFOLLOW); with replace, an
//                                   entry already there (of any kind but a
//                                   directory) is removed and the file made anew
//   [2, path, target, replace]      a symbolic link to target; with replace, an
//                                   entry already there is removed first
//   [3, path]                       whatever is at path removed, a directory
//                                   with all it holds (`rm -rf`; links are
//                                   removed, never followed); nothing there is
//                                   fine
//   [4, path, from]                 the entry at from renamed to path, which
//                                   must not exist (renameat2's
//                                   RENAME_NOREPLACE: EEXIST when it does)
// Modes go through the umask, as Node's own calls do. The promise resolves
// once every op is done, or rejects at the first failure with an Error whose
// code is the errno name and whose message names the op and the path; the ops
// before it stay done.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parts.h"

enum { OP_MKDIR = 0, OP_WRITE = 1, OP_SYMLINK = 2, OP_REMOVE = 3, OP_RENAME = 4 };

typedef struct {
  int kind;
  char *path;
  char *data; /* file contents, the link's target, or the rename's source (NUL-terminated) */
  size_t size;
  unsigned mode;
  bool flag; /* mkdir: parents; write, symlink: replace */
} fs_op_t;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  fs_op_t *ops;
  uint32_t count;
  int err;
  const char *what;
  uint32_t failed; /* index of the op that failed */
} fs_batch_t;

static void batch_free(fs_batch_t *b) {
  if (!b) return;
  for (uint32_t i = 0; i < b->count; i++) {
    free(b->ops[i].path);
    free(b->ops[i].data);
  }
  free(b->ops);
  free(b);
}

/** mkdir(path, mode); an existing directory is fine; with parents, missing parents are made (with the same mode, as Node's recursive mkdir). */
static int make_dir(char *path, unsigned mode, bool parents) {
  int err = mkdir(path, mode) == 0 ? 0 : errno;
  char *slash = strrchr(path, '/');
  if (err == ENOENT && parents && slash && slash != path) {
    *slash = '\0';
    int perr = make_dir(path, mode, true);
    *slash = '/';
    if (perr != 0) return perr;
    err = mkdir(path, mode) == 0 ? 0 : errno;
  }
  if (err == EEXIST) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : EEXIST;
  }
  return err;
}

static int write_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= (size_t)n;
  }
  return 0;
}

static int write_file(const fs_op_t *op, const char **what) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (op->flag ? O_EXCL : O_TRUNC);
  *what = "opening";
  int fd = open(op->path, flags, op->mode);
  if (fd < 0 && op->flag && errno == EEXIST) {
    *what = "removing what was at";
    if (unlink(op->path) < 0 && errno != ENOENT) return errno;
    *what = "opening";
    fd = open(op->path, flags, op->mode);
  }
  if (fd < 0) return errno;
  *what = "writing";
  int err = write_all(fd, op->data, op->size);
  if (close(fd) < 0 && err == 0 && errno != EINTR) {
    *what = "closing";
    err = errno;
  }
  return err;
}

static int make_symlink(const fs_op_t *op, const char **what) {
  *what = "making a symbolic link at";
  if (symlink(op->data, op->path) == 0) return 0;
  if (!op->flag || errno != EEXIST) return errno;
  *what = "removing what was at";
  if (unlink(op->path) < 0 && errno != ENOENT) return errno;
  *what = "making a symbolic link at";
  return symlink(op->data, op->path) == 0 ? 0 : errno;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st;
  (void)ftw;
  int r = type == FTW_DP ? rmdir(path) : unlink(path);
  return r == 0 || errno == ENOENT ? 0 : errno;
}

/** `rm -rf path`: depth first, never following a link (FTW_PHYS), nor leaving the file system (FTW_MOUNT). */
static int remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : errno;
  if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 || errno == ENOENT ? 0 : errno;
  int r = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (r < 0) return errno;
  return r;
}

/** rename(from, path), never over an entry already at path (RENAME_NOREPLACE, through the system call: glibc's wrapper came in 2.28). */
static int rename_entry(const fs_op_t *op, const char **what) {
  *what = "renaming an entry to";
  return syscall(SYS_renameat2, AT_FDCWD, op->data, AT_FDCWD, op->path, 1 /* RENAME_NOREPLACE */) == 0 ? 0 : errno;
}

static void batch_execute(napi_env env, void *data) {
  (void)env;
  fs_batch_t *b = data;
  for (uint32_t i = 0; i < b->count; i++) {
    fs_op_t *op = &b->ops[i];
    const char *what = "making the directory";
    int err;
    if (op->kind == OP_MKDIR) err = make_dir(op->path, op->mode, op->flag);
    else if (op->kind == OP_WRITE) err = write_file(op, &what);
    else if (op->kind == OP_SYMLINK) err = make_symlink(op, &what);
    else if (op->kind == OP_RENAME) err = rename_entry(op, &what);
    else {
      what = "removing";
      err = remove_tree(op->path);
    }
    if (err != 0) {
      b->err = err;
      b->what = what;
      b->failed = i;
      return;
    }
  }
}

static void batch_complete(napi_env env, napi_status status, void *data) {
  fs_batch_t *b = data;
  if (status != napi_ok) settle_errno(env, b->deferred, ECANCELED, "a file batch", NULL);
  else if (b->err != 0) settle_errno(env, b->deferred, b->err, b->what, b->ops[b->failed].path);
  else settle_errno(env, b->deferred, 0, NULL, NULL);
  napi_delete_async_work(env, b->work);
  batch_free(b);
}

static napi_value throw_type(napi_env env, uint32_t index, const char *text) {
  char msg[160];
  snprintf(msg, sizeof msg, "fsBatch: op %u: %s", index, text);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

/** A string or byte argument, copied (NUL-terminated); NULL with an exception pending when it is neither. */
static char *copy_bytes(napi_env env, napi_value v, size_t *size) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return NULL;
  if (type == napi_string) return arg_dup_string(env, v, size);
  bool typed = false;
  if (napi_is_typedarray(env, v, &typed) != napi_ok || !typed) return NULL;
  napi_typedarray_type ttype;
  size_t length, offset;
  void *bytes;
  napi_value buffer;
  if (napi_get_typedarray_info(env, v, &ttype, &length, &bytes, &buffer, &offset) != napi_ok || ttype != napi_uint8_array) return NULL;
  char *out = malloc(length + 1);
  if (!out) return NULL;
  if (length > 0) memcpy(out, bytes, length);
  out[length] = '\0';
  *size = length;
  return out;
}

static bool element(napi_env env, napi_value arr, uint32_t i, napi_value *out) {
  return napi_get_element(env, arr, i, out) == napi_ok;
}

/** Element i of arr as a file mode (its permission bits); false when it is not a number. */
static bool mode_element(napi_env env, napi_value arr, uint32_t i, unsigned *mode) {
  napi_value v;
  int32_t n = 0;
  if (!element(env, arr, i, &v) || napi_get_value_int32(env, v, &n) != napi_ok) return false;
  *mode = (unsigned)n & 07777;
  return true;
}

/** Element i of arr copied to *out: a non-empty string without a NUL (a path, a link's target). */
static bool path_element(napi_env env, napi_value arr, uint32_t i, char **out, size_t *size) {
  napi_value v;
  return element(env, arr, i, &v) && (*out = copy_bytes(env, v, size)) != NULL && (*out)[0] != '\0' && strlen(*out) == *size;
}

static bool bool_element(napi_env env, napi_value arr, uint32_t i) {
  napi_value v;
  bool out = false;
  if (element(env, arr, i, &v)) napi_get_value_bool(env, v, &out);
  return out;
}

/* fsBatch(ops): runs ops (see the top of this file) in order on the thread pool. */
static napi_value fs_batch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_array = false;
  uint32_t count = 0;
  if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &count) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "fsBatch: ops must be an array");
    return NULL;
  }
  fs_batch_t *b = calloc(1, sizeof *b);
  if (!b || !(b->ops = calloc(count ? count : 1, sizeof *b->ops))) {
    free(b);
    napi_throw_error(env, "ENOMEM", "fsBatch: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    b->count = i + 1;
    fs_op_t *op = &b->ops[i];
    napi_value item, v;
    int32_t kind = -1;
    size_t ignored;
    if (!element(env, argv[0], i, &item) || !element(env, item, 0, &v) || napi_get_value_int32(env, v, &kind) != napi_ok || kind < OP_MKDIR || kind > OP_RENAME) {
      batch_free(b);
      return throw_type(env, i, "its kind must be 0 (mkdir), 1 (write), 2 (symlink), 3 (remove) or 4 (rename)");
    }
    op->kind = kind;
    if (!path_element(env, item, 1, &op->path, &ignored)) {
      batch_free(b);
      return throw_type(env, i, "its path must be a non-empty string");
    }
    if (kind == OP_MKDIR) {
      if (!mode_element(env, item, 2, &op->mode)) {
        batch_free(b);
        return throw_type(env, i, "a mkdir needs a mode");
      }
      op->flag = bool_element(env, item, 3);
    } else if (kind == OP_WRITE) {
      if (!element(env, item, 2, &v) || !(op->data = copy_bytes(env, v, &op->size))) {
        batch_free(b);
        return throw_type(env, i, "a write needs its data as a string or a Uint8Array");
      }
      if (!mode_element(env, item, 3, &op->mode)) {
        batch_free(b);
        return throw_type(env, i, "a write needs a mode");
      }
      op->flag = bool_element(env, item, 4);
    } else if (kind == OP_SYMLINK) {
      if (!path_element(env, item, 2, &op->data, &op->size)) {
        batch_free(b);
        return throw_type(env, i, "a symlink needs a non-empty target string");
      }
      op->flag = bool_element(env, item, 3);
    } else if (kind == OP_RENAME) {
      if (!path_element(env, item, 2, &op->data, &op->size)) {
        batch_free(b);
        return throw_type(env, i, "a rename needs the non-empty path it moves from");
      }
    }
  }
  b->count = count;
  napi_value promise = queue_promise_work(env, "fs-batch", batch_execute, batch_complete, b, &b->deferred, &b->work);
  if (!promise) batch_free(b);
  return promise;
}

void fs_batch_define(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "fsBatch", NAPI_AUTO_LENGTH, fs_batch, NULL, &fn) == napi_ok) napi_set_named_property(env, exports, "fsBatch", fn);
}
