// berth-native's signals to a process by pid without hitting another one
// that got its pid:
//
// signalProcess(pid, startTime, signal) -> boolean: sends `signal` to pid
//   only if it is still the process that started at `startTime` (field 22 of
//   /proc/<pid>/stat), through a pidfd so that a pid reused between the check
//   and the signal cannot be hit; false when that process is gone. This is
//   what `runc kill` does for a container's init (it checks the start time
//   runc recorded), without starting runc.
// processStartTime(pid) -> number: that field, 0 when the process is gone.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parts.h"

static napi_value signal_throw(napi_env env, int err, const char *what) {
  char msg[256];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, name ? name : "EUNKNOWN", msg);
  return NULL;
}

/** Field 22 (starttime) of /proc/<pid>/stat; 0 when unreadable. */
static unsigned long long proc_start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  // "<pid> (<comm>) <state> ...": comm may hold spaces and parens; fields after the last ')'.
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  p++;
  // After ')' comes field 3 (state); starttime is field 22, 19 fields on.
  for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

static napi_value signal_process(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t pid = 0, sig = 0;
  int64_t start = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_get_value_int32(env, argv[0], &pid) != napi_ok ||
      napi_get_value_int64(env, argv[1], &start) != napi_ok || napi_get_value_int32(env, argv[2], &sig) != napi_ok || pid <= 0 || start <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: signalProcess(pid, startTime, signal)");
    return NULL;
  }
  napi_value out;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    if (errno == ESRCH) {
      napi_get_boolean(env, false, &out);
      return out;
    }
    return signal_throw(env, errno, "pidfd_open");
  }
  // The pidfd now names one process for good: if it is the one that started then, signal it.
  int same = proc_start_time(pid) == (unsigned long long)start;
  int r = same ? (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) : -1;
  int err = errno;
  close(pidfd);
  if (same && r < 0 && err != ESRCH) return signal_throw(env, err, "pidfd_send_signal");
  napi_get_boolean(env, same && r == 0, &out);
  return out;
}

/* processStartTime(pid) -> number: field 22 of /proc/<pid>/stat, 0 when it is gone. */
static napi_value process_start_time(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int32_t pid = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: processStartTime(pid)");
    return NULL;
  }
  napi_create_int64(env, (int64_t)proc_start_time(pid), &out);
  return out;
}

void signal_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"signalProcess", NULL, signal_process, NULL, NULL, NULL, napi_enumerable, NULL},
    {"processStartTime", NULL, process_start_time, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
