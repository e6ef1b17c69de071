// berth-native's process spawning: posix_spawn(3) with a pidfd, for the
// short-lived helpers berthd runs per container (runc, the CNI plugins, conmon,
// iptables…).
//
// Node's child_process (libuv 1.46) fork()s: the kernel copies the page tables
// of the whole daemon (tens of MB) and the event loop waits, blocked, until the
// child has exec'd — 2-8 ms per process on the main thread here, the largest
// part of berthd's own CPU when it starts or removes many containers. glibc's
// posix_spawn uses clone(CLONE_VM|CLONE_VFORK): nothing is copied and the caller
// waits only for the exec itself. The exit is then watched through a pidfd on
// Node's event loop (the addon's watch()) and reaped with waitid(P_PIDFD), so
// libuv, which reaps only the children it spawned itself, never sees these.
//
// spawn(file, argv, envp, cwd, stdio, setsid) -> { pid, pidfd, fds }
//   file: an absolute path (no PATH search here); argv, envp: arrays of
//   strings; cwd: string or null; stdio: one entry per child fd from 0 —
//   -1 /dev/null, -2 a new pipe (its parent end comes back in fds), or an fd
//   of the caller's to pass on; setsid: start the child in a new session.
//   Every signal is reset to its default and none is blocked in the child, as
//   libuv does for its children. A failed exec throws an Error whose `code`
//   is the errno name (ENOENT, EACCES), with nothing left open.
// reap(pidfd) -> undefined while it runs, else { code, signal } (one of them
//   null) once reaped; the pidfd is closed then.
// reapAsync(pidfd) -> Promise<{ code, signal }>: the same for a process known
//   to have exited (its pidfd polled readable), on libuv's thread pool: the
//   kernel's clean-up of a reaped process (release_task, which invalidates
//   every /proc dentry the process left — Go programs such as runc and the
//   CNI plugins leave many) cost ~6 ms of berthd's main thread per container
//   started here (perf), a fifth of its CPU.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parts.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define MAX_STDIO 8

extern char **environ;

static napi_value spawn_throw(napi_env env, int err, const char *what, const char *subject) {
  char msg[4200];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s %s %s", what, subject ? subject : "", name ? name : strerror(err));
  napi_throw_error(env, name ? name : "EUNKNOWN", msg);
  return NULL;
}

static void free_strings(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/** A JS array of strings as a NULL-terminated vector (malloc'd); NULL with an exception pending. */
static char **string_vector(napi_env env, napi_value arr, const char *name) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array || napi_get_array_length(env, arr, &n) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "berth-native: spawn's %s must be an array of strings", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) {
    spawn_throw(env, ENOMEM, "spawn", name);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value s;
    size_t len = 0;
    if (napi_get_element(env, arr, i, &s) != napi_ok || napi_get_value_string_utf8(env, s, NULL, 0, &len) != napi_ok) {
      free_strings(v);
      char msg[96];
      snprintf(msg, sizeof msg, "berth-native: spawn's %s must be an array of strings", name);
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
      return NULL;
    }
    v[i] = malloc(len + 1);
    if (!v[i]) {
      free_strings(v);
      spawn_throw(env, ENOMEM, "spawn", name);
      return NULL;
    }
    napi_get_value_string_utf8(env, s, v[i], len + 1, &len);
  }
  return v;
}

/** A string argument, or NULL for null/undefined (*ok stays 1); *ok = 0 with an exception pending on a wrong type. */
static char *optional_string(napi_env env, napi_value v, int *ok) {
  napi_valuetype t;
  *ok = 1;
  if (napi_typeof(env, v, &t) != napi_ok || t == napi_null || t == napi_undefined) return NULL;
  size_t len = 0;
  if (t != napi_string || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    *ok = 0;
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: spawn's cwd must be a string or null");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    *ok = 0;
    spawn_throw(env, ENOMEM, "spawn", "cwd");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static napi_value spawn_process(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: spawn(file, argv, envp, cwd, stdio, setsid)");
    return NULL;
  }
  char file[4096];
  size_t flen = 0;
  if (napi_get_value_string_utf8(env, argv[0], file, sizeof file, &flen) != napi_ok || flen == 0 || flen >= sizeof file - 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: spawn's file must be a path");
    return NULL;
  }
  bool setsid_flag = false;
  napi_get_value_bool(env, argv[5], &setsid_flag);
  bool is_array = false;
  uint32_t nstdio = 0;
  if (napi_is_array(env, argv[4], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[4], &nstdio) != napi_ok || nstdio > MAX_STDIO) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: spawn's stdio must be an array of at most 8 numbers");
    return NULL;
  }
  int spec[MAX_STDIO];
  for (uint32_t i = 0; i < nstdio; i++) {
    napi_value e;
    if (napi_get_element(env, argv[4], i, &e) != napi_ok || napi_get_value_int32(env, e, &spec[i]) != napi_ok || spec[i] < -2) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: spawn's stdio entries are -1 (/dev/null), -2 (pipe) or an fd");
      return NULL;
    }
  }

  int ok = 1;
  char **args = NULL, **envp = NULL, *cwd = NULL;
  int child_end[MAX_STDIO], parent_end[MAX_STDIO];
  for (int i = 0; i < MAX_STDIO; i++) child_end[i] = parent_end[i] = -1;
  int devnull = -1, err = 0, pidfd = -1;
  const char *step = "spawn";
  pid_t pid = -1;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int fa_ready = 0, attr_ready = 0;
  napi_value result = NULL;

  if (!(args = string_vector(env, argv[1], "argv"))) goto out;
  napi_valuetype et;
  napi_typeof(env, argv[2], &et);
  if (et != napi_null && et != napi_undefined && !(envp = string_vector(env, argv[2], "envp"))) goto out;
  cwd = optional_string(env, argv[3], &ok);
  if (!ok) goto out;

  for (uint32_t i = 0; i < nstdio; i++) {
    if (spec[i] == -1) {
      if (devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
        err = errno;
        step = "open /dev/null for";
        goto fail;
      }
      child_end[i] = devnull;
    } else if (spec[i] == -2) {
      int p[2];
      if (pipe2(p, O_CLOEXEC) < 0) {
        err = errno;
        step = "pipe2 for";
        goto fail;
      }
      // The child reads its stdin, and writes every other pipe.
      child_end[i] = i == 0 ? p[0] : p[1];
      parent_end[i] = i == 0 ? p[1] : p[0];
    } else {
      child_end[i] = spec[i];
    }
  }

  if ((err = posix_spawn_file_actions_init(&fa)) != 0) goto fail;
  fa_ready = 1;
  for (uint32_t i = 0; i < nstdio; i++) {
    // dup2 onto the child's fd i clears its close-on-exec flag (glibc ≥ 2.29 also when the numbers match).
    if ((err = posix_spawn_file_actions_adddup2(&fa, child_end[i], (int)i)) != 0) goto fail;
  }
  if (cwd && (err = posix_spawn_file_actions_addchdir_np(&fa, cwd)) != 0) goto fail;
  if ((err = posix_spawnattr_init(&attr)) != 0) goto fail;
  attr_ready = 1;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
#ifdef __GLIBC__
  // glibc's sigfillset leaves out its own two real-time signals (SIGCANCEL, SIGSETXID: 32 and 33), and
  // its posix_spawn sets those to SIG_IGN in the child unless they are in this set; an ignored signal
  // survives exec, so a program would start with them ignored. sigaddset refuses them: set the bits.
  for (int sig = 32; sig <= 33; sig++) all.__val[(sig - 1) / (8 * sizeof(unsigned long))] |= 1UL << ((sig - 1) % (8 * sizeof(unsigned long)));
#endif
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (setsid_flag) flags |= POSIX_SPAWN_SETSID;
  if ((err = posix_spawnattr_setsigmask(&attr, &none)) != 0 || (err = posix_spawnattr_setsigdefault(&attr, &all)) != 0 || (err = posix_spawnattr_setflags(&attr, flags)) != 0) goto fail;

  step = "spawn";
  if ((err = posix_spawn(&pid, file, &fa, &attr, args, envp ? envp : environ)) != 0) {
    pid = -1;
    goto fail;
  }
  // The child is ours until reaped (libuv waits only for its own pids), so the pid cannot be reused before this.
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    err = errno;
    step = "pidfd_open for";
    goto fail;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);

  napi_value obj, v, fds;
  if (napi_create_object(env, &obj) != napi_ok || napi_create_array_with_length(env, nstdio, &fds) != napi_ok) {
    err = ENOMEM;
    goto fail;
  }
  napi_create_int32(env, pid, &v);
  napi_set_named_property(env, obj, "pid", v);
  napi_create_int32(env, pidfd, &v);
  napi_set_named_property(env, obj, "pidfd", v);
  for (uint32_t i = 0; i < nstdio; i++) {
    napi_create_int32(env, parent_end[i], &v);
    napi_set_element(env, fds, i, v);
    // The caller owns the parent ends now; the child's ends are closed below.
  }
  napi_set_named_property(env, obj, "fds", fds);
  result = obj;
  for (uint32_t i = 0; i < nstdio; i++) {
    if (spec[i] == -2) close(child_end[i]);
  }
  goto out;

fail:
  for (uint32_t i = 0; i < nstdio; i++) {
    if (spec[i] == -2) {
      if (child_end[i] >= 0) close(child_end[i]);
      if (parent_end[i] >= 0) close(parent_end[i]);
    }
  }
  if (pid > 0) {
    // Spawned but not watchable (no pidfd): end it rather than leave an unreaped child.
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  spawn_throw(env, err ? err : EINVAL, step, file);
out:
  if (devnull >= 0) close(devnull);
  if (fa_ready) posix_spawn_file_actions_destroy(&fa);
  if (attr_ready) posix_spawnattr_destroy(&attr);
  free_strings(args);
  free_strings(envp);
  free(cwd);
  return result;
}

static napi_value reap_process(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t pidfd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &pidfd) != napi_ok || pidfd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: reap(pidfd)");
    return NULL;
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r;
  do r = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r < 0) return spawn_throw(env, errno, "waitid", "");
  napi_value out;
  if (si.si_pid == 0) {
    napi_get_undefined(env, &out);
    return out;
  }
  close(pidfd);
  napi_value code, sig;
  napi_create_object(env, &out);
  if (si.si_code == CLD_EXITED) {
    napi_create_int32(env, si.si_status, &code);
    napi_get_null(env, &sig);
  } else {
    napi_get_null(env, &code);
    napi_create_int32(env, si.si_status, &sig);
  }
  napi_set_named_property(env, out, "code", code);
  napi_set_named_property(env, out, "signal", sig);
  return out;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int pidfd;
  int err;
  siginfo_t si;
} reap_job_t;

static void reap_execute(napi_env env, void *data) {
  (void)env;
  reap_job_t *j = data;
  int r;
  memset(&j->si, 0, sizeof j->si);
  do r = waitid((idtype_t)P_PIDFD, (id_t)j->pidfd, &j->si, WEXITED);
  while (r < 0 && errno == EINTR);
  j->err = r < 0 ? errno : 0;
  close(j->pidfd);
}

static void reap_complete(napi_env env, napi_status status, void *data) {
  reap_job_t *j = data;
  napi_value result = NULL;
  if (status == napi_ok && j->err == 0) {
    napi_value code, sig;
    napi_create_object(env, &result);
    if (j->si.si_code == CLD_EXITED) {
      napi_create_int32(env, j->si.si_status, &code);
      napi_get_null(env, &sig);
    } else {
      napi_get_null(env, &code);
      napi_create_int32(env, j->si.si_status, &sig);
    }
    napi_set_named_property(env, result, "code", code);
    napi_set_named_property(env, result, "signal", sig);
    napi_resolve_deferred(env, j->deferred, result);
  } else {
    reject_errno(env, j->deferred, status == napi_ok ? j->err : ECANCELED, "waitid", NULL);
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

/* reapAsync(pidfd) -> Promise<{ code, signal }>; the pidfd is closed. */
static napi_value reap_async(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t pidfd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &pidfd) != napi_ok || pidfd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: reapAsync(pidfd)");
    return NULL;
  }
  reap_job_t *j = calloc(1, sizeof *j);
  if (!j) return spawn_throw(env, ENOMEM, "reapAsync", "");
  j->pidfd = pidfd;
  napi_value promise = queue_promise_work(env, "reap", reap_execute, reap_complete, j, &j->deferred, &j->work);
  if (!promise) free(j);
  return promise;
}

void spawn_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"spawn", NULL, spawn_process, NULL, NULL, NULL, napi_enumerable, NULL},
    {"reap", NULL, reap_process, NULL, NULL, NULL, napi_enumerable, NULL},
    {"reapAsync", NULL, reap_async, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
