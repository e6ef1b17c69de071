// The addon's parts in files of their own, each adding its functions to the exports.
#ifndef BERTH_NATIVE_PARTS_H
#define BERTH_NATIVE_PARTS_H
#include <node_api.h>

/* Rejects a deferred with an Error whose code is err's errno name and whose message is
   `what path: strerror(err)` (`what: strerror(err)` when path is NULL). */
void reject_errno(napi_env env, napi_deferred deferred, int err, const char *what, const char *path);
/* Settles a deferred of async work: resolved with undefined when err is 0, else as reject_errno. */
void settle_errno(napi_env env, napi_deferred deferred, int err, const char *what, const char *path);
/* Queues async work (resource name `berth-<job>`) settling a new promise, which it returns; NULL when
   that failed, with an EBERTHNAPI error thrown: the caller then frees `data`. */
napi_value queue_promise_work(napi_env env, const char *job, napi_async_execute_callback execute,
                              napi_async_complete_callback complete, void *data, napi_deferred *deferred,
                              napi_async_work *work);
/* A copy of a string argument, NUL-terminated, its byte length in *length when that is given; NULL with
   an exception pending when it is not a string (or memory ran out). */
char *arg_dup_string(napi_env env, napi_value v, size_t *length);
/** spawn() and reap() (spawn.c). */
void spawn_define(napi_env env, napi_value exports);
/** signalProcess() and processStartTime() (signal.c). */
void signal_define(napi_env env, napi_value exports);
/** netnsCreate() (netns.c). */
void netns_define(napi_env env, napi_value exports);
/** cgroupWarmHold() and cgroupWarmRelease() (cgroup-warm.c). */
void cgroup_warm_define(napi_env env, napi_value exports);
/** x32Syscalls() (abi-probe.c). */
void abi_probe_define(napi_env env, napi_value exports);
/** fsBatch() (fs-batch.c). */
void fs_batch_define(napi_env env, napi_value exports);
/** readInRoot() (read-in-root.c). */
void read_in_root_define(napi_env env, napi_value exports);

#endif
