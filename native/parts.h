// The addon's parts in files of their own, each adding its functions to the exports.
#ifndef BERTH_NATIVE_PARTS_H
#define BERTH_NATIVE_PARTS_H
#include <node_api.h>

/** spawn() and reap() (spawn.c). */
void spawn_define(napi_env env, napi_value exports);
/** netnsCreate() (netns.c). */
void netns_define(napi_env env, napi_value exports);

#endif
