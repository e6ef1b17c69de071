// berth-native's network namespaces: netnsCreate(path) makes a new network
// namespace and bind-mounts it onto the existing file at path, as
// `unshare --net=path true` (and `ip netns add`) do, without starting a
// process: on a thread of libuv's pool, which unshares its own network
// namespace (the namespace is per thread), bind-mounts /proc/thread-self/ns/net
// onto path and goes back to berthd's namespace before it takes other work.
// containerd and podman make theirs the same way from a locked OS thread.
// netnsCreate(path, true) also brings the namespace's `lo` up before the bind
// mount (SIOCSIFFLAGS, as `ip link set lo up`; the kernel then gives it
// 127.0.0.1/8 and ::1/128) — all that CNI's loopback plugin does, without
// starting that Go program for every container. Resolves with whether lo was
// brought up (an addon built before this resolves with undefined), or rejects
// with an errno-coded Error (nothing mounted then).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parts.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  const char *step;
  int err;
  bool loopback_up;
} netns_job_t;

/** Sets the calling thread's network namespace's lo up; 0 or an errno. */
static int loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int err = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    err = errno;
  } else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) err = errno;
  }
  close(s);
  return err;
}

static void netns_execute(napi_env env, void *data) {
  (void)env;
  netns_job_t *j = data;
  j->err = 0;
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    j->err = errno;
    j->step = "open /proc/thread-self/ns/net for";
    return;
  }
  if (unshare(CLONE_NEWNET) < 0) {
    j->err = errno;
    j->step = "unshare(CLONE_NEWNET) for";
    close(self);
    return;
  }
  if (j->loopback_up && (j->err = loopback_up()) != 0) {
    j->step = "bringing lo up in the new network namespace for";
  } else if (mount("/proc/thread-self/ns/net", j->path, "none", MS_BIND, NULL) < 0) {
    j->err = errno;
    j->step = "bind-mounting a new network namespace on";
  }
  if (setns(self, CLONE_NEWNET) < 0) {
    // A pool thread left in a container's namespace would do berthd's later work there.
    fprintf(stderr, "berth-native: setns back to berthd's network namespace failed: %s\n", strerror(errno));
    abort();
  }
  close(self);
}

static void netns_complete(napi_env env, napi_status status, void *data) {
  netns_job_t *j = data;
  int err = status == napi_ok ? j->err : ECANCELED;
  if (err == 0) {
    napi_value up;
    napi_get_boolean(env, j->loopback_up, &up);
    napi_resolve_deferred(env, j->deferred, up);
  } else {
    settle_errno(env, j->deferred, err, j->step ? j->step : "making a network namespace on", j->path);
  }
  napi_delete_async_work(env, j->work);
  free(j->path);
  free(j);
}

/* netnsCreate(path, loopbackUp?) -> Promise<boolean>: path must be an existing file. */
static napi_value netns_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || len == 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: netnsCreate(path)");
    return NULL;
  }
  netns_job_t *j = calloc(1, sizeof *j);
  if (!j || !(j->path = malloc(len + 1))) {
    free(j);
    napi_throw_error(env, "ENOMEM", "berth-native: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], j->path, len + 1, &len);
  bool up = false;
  if (argc >= 2) napi_get_value_bool(env, argv[1], &up);
  j->loopback_up = up;
  napi_value promise = queue_promise_work(env, "netns", netns_execute, netns_complete, j, &j->deferred, &j->work);
  if (!promise) {
    free(j->path);
    free(j);
  }
  return promise;
}

void netns_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"netnsCreate", NULL, netns_create, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
