// berth-native's probe of the system-call ABIs this kernel runs:
//
// x32Syscalls() -> boolean: whether a system call of the x32 ABI (the x86-64
//   number with bit 30 set) works here. Kernels built without
//   CONFIG_X86_X32_ABI, and Debian's unless booted with syscall.x32=y, answer
//   every such call with ENOSYS. A seccomp profile's SCMP_ARCH_X32 then guards
//   calls no process can make, yet it roughly doubles the filter that
//   `runc create` compiles for every container (runtime/seccomp.ts drops it).
//   The call is made in a forked child that only makes it and exits: a filter
//   berthd itself runs under may kill a process for a foreign ABI's call, and
//   then only the child dies (its containers would get the same filter). Not
//   x86-64: false.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parts.h"

static bool probe_x32(void) {
#if defined(__x86_64__)
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // Only async-signal-safe calls here: the parent has other threads.
    long r = syscall(0x40000000L | SYS_getpid);
    _exit(r > 0 ? 0 : 1);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
#else
  return false;
#endif
}

static napi_value x32_syscalls(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  if (napi_get_boolean(env, probe_x32(), &result) != napi_ok) return NULL;
  return result;
}

void abi_probe_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"x32Syscalls", NULL, x32_syscalls, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
