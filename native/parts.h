// The addon's parts in files of their own, each adding its functions to the exports.
#ifndef BERTH_NATIVE_PARTS_H
#define BERTH_NATIVE_PARTS_H
#include <node_api.h>

/** spawn() and reap() (spawn.c). */
/* Settles a deferred of async work: resolved with undefined when err is 0, else rejected with an
   Error whose code is err's errno name and whose message is `what path: strerror(err)`. */
void settle_errno(napi_env env, napi_deferred deferred, int err, const char *what, const char *path);
void spawn_define(napi_env env, napi_value exports);
/** signalProcess() and processStartTime() (signal.c). */
void signal_define(napi_env env, napi_value exports);
/** netnsCreate() (netns.c). */
void netns_define(napi_env env, napi_value exports);

#endif
