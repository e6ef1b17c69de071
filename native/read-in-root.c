// berth-native's reads inside a root: readInRoot(root, path, maxBytes) reads
// the regular file at `path` as a process chrooted at `root` would see it, in
// one job on libuv's thread pool. The kernel resolves the path
// (openat2(2) with RESOLVE_IN_ROOT: an absolute symlink restarts at the root,
// `..` stops at it; RESOLVE_NO_MAGICLINKS: no /proc/<pid>/fd links), so the
// lookup never leaves the tree, even while it changes. For the image's
// /etc/passwd and /etc/group on a container's start (src/lib/read-in-root.ts),
// which otherwise take a trip to the pool per path component and per call.
// Rejects with an errno-coded Error: ENOSYS where the kernel has no openat2
// (before 5.6), EINVAL for what is not a regular file (a fifo is opened
// without blocking and never read), EFBIG past maxBytes; EXDEV or EAGAIN when
// a rename raced the lookup.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parts.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *root;
  char *path;
  size_t max;
  char *data;
  size_t size;
  int err;
} read_job_t;

static void job_free(read_job_t *j) {
  free(j->root);
  free(j->path);
  free(j->data);
  free(j);
}

static int read_regular(int fd, size_t max, char **out, size_t *size) {
  struct stat st;
  if (fstat(fd, &st) < 0) return errno;
  if (!S_ISREG(st.st_mode)) return EINVAL;
  size_t cap = (size_t)st.st_size + 1;
  if (cap > max + 1) cap = max + 1;
  char *buf = malloc(cap);
  if (!buf) return ENOMEM;
  size_t have = 0;
  for (;;) {
    if (have == cap) {
      if (cap > max) {
        free(buf);
        return EFBIG;
      }
      size_t next = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *grown = realloc(buf, next);
      if (!grown) {
        free(buf);
        return ENOMEM;
      }
      buf = grown;
      cap = next;
    }
    ssize_t n = read(fd, buf + have, cap - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      free(buf);
      return err;
    }
    if (n == 0) break;
    have += (size_t)n;
  }
  if (have > max) {
    free(buf);
    return EFBIG;
  }
  *out = buf;
  *size = have;
  return 0;
}

static void read_execute(napi_env env, void *data) {
  (void)env;
  read_job_t *j = data;
  int root = open(j->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    j->err = errno;
    return;
  }
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = (int)syscall(SYS_openat2, root, j->path, &how, sizeof how);
  j->err = fd < 0 ? errno : 0;
  close(root);
  if (fd < 0) return;
  j->err = read_regular(fd, j->max, &j->data, &j->size);
  close(fd);
}

static void read_complete(napi_env env, napi_status status, void *data) {
  read_job_t *j = data;
  int err = status == napi_ok ? j->err : ECANCELED;
  if (err != 0) {
    reject_errno(env, j->deferred, err, "reading inside the root", j->path);
  } else {
    napi_value buf;
    if (napi_create_buffer_copy(env, j->size, j->size ? j->data : "", NULL, &buf) == napi_ok) napi_resolve_deferred(env, j->deferred, buf);
    else reject_errno(env, j->deferred, ENOMEM, "reading inside the root", j->path);
  }
  napi_delete_async_work(env, j->work);
  job_free(j);
}

/** A non-empty string argument without a NUL inside it; NULL with an exception pending otherwise. */
static char *path_arg(napi_env env, napi_value v) {
  size_t len = 0;
  char *out = arg_dup_string(env, v, &len);
  if (out && (len == 0 || strlen(out) != len)) {
    free(out);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "readInRoot(root, path, maxBytes): root and path must be non-empty strings without NUL");
    return NULL;
  }
  return out;
}

/* readInRoot(root, path, maxBytes): the regular file at path inside root, as a Buffer. */
static napi_value read_in_root(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  read_job_t *j = calloc(1, sizeof *j);
  int64_t max = 0;
  if (!j) {
    napi_throw_error(env, "ENOMEM", "readInRoot: out of memory");
    return NULL;
  }
  if (argc < 3) {
    job_free(j);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "readInRoot(root, path, maxBytes): three arguments");
    return NULL;
  }
  if (!(j->root = path_arg(env, argv[0])) || !(j->path = path_arg(env, argv[1]))) {
    job_free(j);
    return NULL;
  }
  if (napi_get_value_int64(env, argv[2], &max) != napi_ok || max < 0) {
    job_free(j);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "readInRoot(root, path, maxBytes): maxBytes must be a byte count");
    return NULL;
  }
  j->max = (size_t)max;
  napi_value promise = queue_promise_work(env, "read-in-root", read_execute, read_complete, j, &j->deferred, &j->work);
  if (!promise) job_free(j);
  return promise;
}

void read_in_root_define(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "readInRoot", NAPI_AUTO_LENGTH, read_in_root, NULL, &fn) == napi_ok) napi_set_named_property(env, exports, "readInRoot", fn);
}
