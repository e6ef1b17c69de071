// berth-native's warm cgroup attach, for the runtime's create:
//
// cgroupWarmHold(path) and cgroupWarmRelease(): while at least one hold is
//   taken, a thread of the addon's own writes "0" to `path` every 3 ms. The
//   path is berthd's own cgroup.procs (runtime/attach-warmup.ts finds it), and
//   "0" asks the kernel to move the writer's process into the cgroup it is
//   already in: nothing changes, but the kernel takes its cgroup attach lock
//   (cgroup_threadgroup_rwsem) for writing, as it does for every write to a
//   cgroup.procs. That lock is a per-CPU rwsem: a writer that finds it idle
//   first waits for an RCU grace period (8-16 ms at HZ=250), and it stays
//   ready for writers until a grace period after the last one. `runc create`
//   writes the container's init to cgroup.procs; when this thread has been
//   writing since the start began, runc's write finds the lock ready instead of
//   waiting for a grace period of its own (bench/README.md has the numbers).
//   Failed writes are ignored: a kernel that checks before it locks, or a
//   cgroup that refuses, only means no gain.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parts.h"

static pthread_mutex_t warm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t warm_wake = PTHREAD_COND_INITIALIZER;
static int warm_holds;
static int warm_thread_started;
static char warm_path[PATH_MAX];

static void *warm_loop(void *arg) {
  (void)arg;
  char path[PATH_MAX];
  struct timespec pause = {0, 3 * 1000 * 1000};
  pthread_mutex_lock(&warm_lock);
  for (;;) {
    while (warm_holds == 0) pthread_cond_wait(&warm_wake, &warm_lock);
    memcpy(path, warm_path, sizeof path);
    pthread_mutex_unlock(&warm_lock);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t written = write(fd, "0", 1);
      (void)written;
      close(fd);
    }
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&warm_lock);
  }
  return NULL;
}

static napi_value cgroup_warm_hold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: cgroupWarmHold(path)");
    return NULL;
  }
  char path[PATH_MAX];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0 || len >= sizeof path - 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "berth-native: cgroupWarmHold: the path must be a non-empty string shorter than PATH_MAX");
    return NULL;
  }
  pthread_mutex_lock(&warm_lock);
  if (!warm_thread_started) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int err = pthread_create(&thread, &attr, warm_loop, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
      pthread_mutex_unlock(&warm_lock);
      napi_throw_error(env, "EAGAIN", "berth-native: cgroupWarmHold: the thread could not be started");
      return NULL;
    }
    warm_thread_started = 1;
  }
  memcpy(warm_path, path, len + 1);
  warm_holds++;
  pthread_cond_signal(&warm_wake);
  pthread_mutex_unlock(&warm_lock);
  return NULL;
}

static napi_value cgroup_warm_release(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  pthread_mutex_lock(&warm_lock);
  if (warm_holds > 0) warm_holds--;
  pthread_mutex_unlock(&warm_lock);
  return NULL;
}

void cgroup_warm_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"cgroupWarmHold", NULL, cgroup_warm_hold, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cgroupWarmRelease", NULL, cgroup_warm_release, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
