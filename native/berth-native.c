// berth-native: the few system calls berthd needs that Node does not offer.
//
// 1. socketsInNetns(netnsPath, addr, port) -> { udpFd, tcpFd }
//    Creates a bound UDP socket and a bound, listening TCP socket inside the
//    network namespace at netnsPath, as dockerd does for 127.0.0.11: the
//    calling thread joins the namespace (setns), makes the sockets, and goes
//    back. A socket stays in the namespace it was made in, so berthd can serve
//    a container's 127.0.0.11:53 from its own process without any NAT in the
//    container's namespace and without route_localnet (CVE-2020-8558).
//    tcpSocketInNetns(netnsPath, family) -> fd is the client side of the same
//    trick: an unconnected TCP socket made in a pod's namespace, which the
//    CRI's port-forward connects to the pod's own loopback.
//    Only the calling thread moves; Node's other threads are untouched, and no
//    JavaScript runs while this thread is in the container's namespace.
//
// 2. SOCK_SEQPACKET unix sockets (conmon's attach socket): connect, listen,
//    accept, one packet per recv/send, half-close, close, and a readiness
//    watcher on Node's event loop (uv_poll), so that JavaScript can drive a
//    non-blocking socket whose packet boundaries libuv's streams would lose.
//
// 3. mallocTrim() -> boolean: glibc's malloc_trim(0), which hands the free
//    pages of every malloc arena back to the kernel. Node's Buffers and
//    libuv's thread pool allocate through malloc, and glibc keeps what they
//    freed (its mmap threshold rises with each large free), so after a burst
//    of work the RSS stays high though nothing is in use. berthd calls it
//    once the API has gone quiet (src/lib/memory-trim.ts), after
//    lowMemoryNotification() -> boolean: V8's memory-reducing collection
//    (v8::Isolate::LowMemoryNotification, reached through the node binary's
//    exported symbols; false when they are not there).
// 4. mountOverlay(target, data) and umount(target, detach): mount(2) of an
//    overlay and umount2(2), run on libuv's thread pool (N-API async work), so
//    that starting and cleaning up a container needs no `mount`/`umount`
//    process (5-45 ms each under load) and the event loop is not held while
//    the kernel works. They resolve, or reject with an errno-coded Error.
// 5. pipe(size) -> [readFd, writeFd]: a close-on-exec pipe with a buffer of
//    `size` bytes (F_SETPIPE_SZ), for a layer's decompressor (igzip): with
//    1 MiB instead of 64 KiB it runs ahead of berthd, and berthd reads its
//    output in 1 MiB pieces into one reused buffer (src/image/tool-pipes.ts).
// 6. syncFs(path): syncfs(2) of path's file system on libuv's thread pool,
//    without a `sync -f` process (src/image/early-write-back.ts).
// 7. spawn(...) and reap(pidfd): posix_spawn(3) with a pidfd, for the helper
//    processes berthd runs (native/spawn.c says why and how); signalProcess():
//    a signal to a pid only while it is the process that started then
//    (native/signal.c).
// 8. netnsCreate(path): a new network namespace bind-mounted on path, made on
//    libuv's thread pool without a process (native/netns.c).
// 9. cgroupWarmHold(path) and cgroupWarmRelease(): keep the kernel's cgroup
//    attach lock ready for `runc create` (native/cgroup-warm.c).
// 10. x32Syscalls(): whether this kernel runs x32 system calls (native/abi-probe.c).
// 11. fsBatch(ops): directories, small files and links made in one job on the
//     thread pool (native/fs-batch.c); readInRoot(root, path, max): a file read
//     with the kernel resolving its path inside root (native/read-in-root.c).
//
// Errors are thrown as Error objects whose `code` is the errno name (ENOENT).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "parts.h"

#define CHECK(env, call)                                                        \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error((env), "EBERTHNAPI", "berth-native: N-API call failed: " #call); \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

/** Throws an Error for errno `err` with `code` set to its name. Returns NULL for `return throw_errno(...)`. */
static napi_value throw_errno(napi_env env, int err, const char *what, const char *subject) {
  char msg[8600];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s %s: %s", what, subject ? subject : "", strerror(err));
  napi_throw_error(env, name ? name : "EUNKNOWN", msg);
  return NULL;
}

static napi_value int_value(napi_env env, int64_t v) {
  napi_value out;
  if (napi_create_int64(env, v, &out) != napi_ok) return NULL;
  return out;
}

static napi_value undefined_value(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/** Reads argument `i` as a string into buf (at most size-1 bytes); false with an exception pending otherwise. */
static int arg_string(napi_env env, napi_value v, char *buf, size_t size, const char *name) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "berth-native: %s must be a string", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  if (len >= size) {
    char msg[128];
    snprintf(msg, sizeof msg, "berth-native: %s is too long (%zu bytes)", name, len);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return 0;
  }
  napi_get_value_string_utf8(env, v, buf, size, &len);
  return 1;
}

static int arg_int(napi_env env, napi_value v, int32_t *out, const char *name) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "berth-native: %s must be a number", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  return 1;
}

// ---- sockets in another network namespace ---------------------------------

/** Makes the UDP and TCP sockets bound to addr:port in the current namespace; errno on failure (nothing left open). */
static int bind_pair(struct sockaddr_in *sa, int *udp, int *tcp, const char **step) {
  int one = 1, err;
  *udp = *tcp = -1;
  *step = "socket(udp)";
  *udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (*udp < 0) goto fail;
  *step = "bind(udp)";
  if (bind(*udp, (struct sockaddr *)sa, sizeof *sa) < 0) goto fail;
  *step = "socket(tcp)";
  *tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (*tcp < 0) goto fail;
  *step = "setsockopt(tcp, SO_REUSEADDR)";
  if (setsockopt(*tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) goto fail;
  *step = "bind(tcp)";
  if (bind(*tcp, (struct sockaddr *)sa, sizeof *sa) < 0) goto fail;
  *step = "listen(tcp)";
  if (listen(*tcp, 128) < 0) goto fail;
  return 0;
fail:
  err = errno;
  if (*udp >= 0) close(*udp);
  if (*tcp >= 0) close(*tcp);
  *udp = *tcp = -1;
  return err;
}

/**
 * Moves the calling thread into the network namespace at path; returns an fd of
 * the thread's own namespace for leave_netns, or -1 with an exception pending.
 */
static int enter_netns(napi_env env, const char *path) {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    throw_errno(env, errno, "open", "/proc/thread-self/ns/net");
    return -1;
  }
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    close(self);
    throw_errno(env, err, "open network namespace", path);
    return -1;
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    int err = errno;
    close(self);
    close(target);
    throw_errno(env, err, "setns", path);
    return -1;
  }
  close(target);
  return self;
}

/** Brings the calling thread back to the namespace enter_netns left. */
static void leave_netns(int self) {
  if (setns(self, CLONE_NEWNET) < 0) {
    // Node's main thread stuck in a container's namespace would serve the
    // host's API from there: nothing sane can follow, so stop the process.
    fprintf(stderr, "berth-native: setns back to berthd's network namespace failed: %s\n", strerror(errno));
    abort();
  }
  close(self);
}

static napi_value sockets_in_netns(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char path[4096], addr[64];
  int32_t port;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: socketsInNetns(netnsPath, addr, port)");
    return NULL;
  }
  if (!arg_string(env, argv[0], path, sizeof path, "netnsPath") || !arg_string(env, argv[1], addr, sizeof addr, "addr") || !arg_int(env, argv[2], &port, "port")) return NULL;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (port < 0 || port > 65535 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "berth-native: addr must be an IPv4 address and port 0-65535");
    return NULL;
  }

  int self = enter_netns(env, path);
  if (self < 0) return NULL;
  int udp, tcp;
  const char *step;
  int err = bind_pair(&sa, &udp, &tcp, &step);
  leave_netns(self);
  if (err != 0) {
    char subject[4200];
    snprintf(subject, sizeof subject, "%s:%d in %s", addr, port, path);
    return throw_errno(env, err, step, subject);
  }
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  CHECK(env, napi_set_named_property(env, out, "udpFd", int_value(env, udp)));
  CHECK(env, napi_set_named_property(env, out, "tcpFd", int_value(env, tcp)));
  return out;
}

/**
 * tcpSocketInNetns(netnsPath, family) -> fd: an unbound, unconnected,
 * non-blocking TCP socket (family 4 or 6) made inside the network namespace at
 * netnsPath. The caller connects it; being made there, it reaches only what
 * that namespace reaches (the CRI's port-forward dials the pod's loopback).
 */
static napi_value tcp_socket_in_netns(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char path[4096];
  int32_t family;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: tcpSocketInNetns(netnsPath, family)");
    return NULL;
  }
  if (!arg_string(env, argv[0], path, sizeof path, "netnsPath") || !arg_int(env, argv[1], &family, "family")) return NULL;
  if (family != 4 && family != 6) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "berth-native: family must be 4 or 6");
    return NULL;
  }
  int self = enter_netns(env, path);
  if (self < 0) return NULL;
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int err = fd < 0 ? errno : 0;
  leave_netns(self);
  if (fd < 0) return throw_errno(env, err, "socket(tcp) in", path);
  return int_value(env, fd);
}

// ---- SOCK_SEQPACKET unix sockets -------------------------------------------

static int unix_address(napi_env env, napi_value v, struct sockaddr_un *sun) {
  memset(sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  return arg_string(env, v, sun->sun_path, sizeof sun->sun_path, "path");
}

/** seqpacketConnect(path) -> fd: a non-blocking connected socket. EAGAIN when the listener's backlog is full. */
static napi_value seqpacket_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct sockaddr_un sun;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !unix_address(env, argv[0], &sun)) return NULL;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", "");
  if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "connect", sun.sun_path);
  }
  return int_value(env, fd);
}

/** seqpacketListen(path, backlog) -> fd: a non-blocking listening socket. */
static napi_value seqpacket_listen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  struct sockaddr_un sun;
  int32_t backlog;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !unix_address(env, argv[0], &sun) || !arg_int(env, argv[1], &backlog, "backlog")) return NULL;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", "");
  if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "listen", sun.sun_path);
  }
  return int_value(env, fd);
}

static int arg_fd(napi_env env, napi_callback_info info, napi_value *argv, size_t want, int32_t *fd) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: missing arguments");
    return 0;
  }
  return arg_int(env, argv[0], fd, "fd");
}

/** seqpacketAccept(fd) -> fd, or undefined when no connection waits. */
static napi_value seqpacket_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!arg_fd(env, info, argv, 1, &fd)) return NULL;
  int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c >= 0) return int_value(env, c);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return undefined_value(env);
  return throw_errno(env, errno, "accept", "");
}

/** recvPacket(fd) -> Buffer (one packet), null at end of stream, undefined when none is waiting. */
static napi_value recv_packet(napi_env env, napi_callback_info info) {
  static char buf[65536];
  napi_value argv[1];
  int32_t fd;
  if (!arg_fd(env, info, argv, 1, &fd)) return NULL;
  ssize_t n;
  do n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return undefined_value(env);
    return throw_errno(env, errno, "recv", "");
  }
  napi_value out;
  if (n == 0) {
    CHECK(env, napi_get_null(env, &out));
    return out;
  }
  CHECK(env, napi_create_buffer_copy(env, (size_t)n, buf, NULL, &out));
  return out;
}

/** sendPacket(fd, buffer) -> true when sent as one packet, false when the socket is full (wait for writable). */
static napi_value send_packet(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t len;
  if (!arg_fd(env, info, argv, 2, &fd)) return NULL;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: sendPacket needs a Buffer");
    return NULL;
  }
  ssize_t n;
  do n = send(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  napi_value out;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    CHECK(env, napi_get_boolean(env, 0, &out));
    return out;
  }
  if (n < 0) return throw_errno(env, errno, "send", "");
  CHECK(env, napi_get_boolean(env, 1, &out));
  return out;
}

/** shutdownWrite(fd): half-close, the peer reads end of stream. */
static napi_value shutdown_write(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!arg_fd(env, info, argv, 1, &fd)) return NULL;
  if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN) return throw_errno(env, errno, "shutdown", "");
  return undefined_value(env);
}

/** closeFd(fd): closes a descriptor this addon made (stop its watcher first). */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!arg_fd(env, info, argv, 1, &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close", "");
  return undefined_value(env);
}

// ---- readiness watcher -----------------------------------------------------

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int closing;
} watcher_t;

static void on_watcher_closed(uv_handle_t *h) {
  watcher_t *w = (watcher_t *)h;
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  free(w);
}

/** Calls the watcher's callback(errorCode | null, readable, writable) on the loop. */
static void on_poll(uv_poll_t *h, int status, int events) {
  watcher_t *w = (watcher_t *)h;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (w->closing || napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[3], result;
  napi_get_reference_value(env, w->callback, &fn);
  // MakeCallback needs an object as `this`.
  napi_get_global(env, &recv);
  if (status < 0) napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &argv[0]);
  else napi_get_null(env, &argv[0]);
  napi_get_boolean(env, (events & (UV_READABLE | UV_DISCONNECT)) != 0, &argv[1]);
  napi_get_boolean(env, (events & UV_WRITABLE) != 0, &argv[2]);
  if (fn != NULL && napi_make_callback(env, w->context, recv, fn, 3, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void no_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)data; (void)hint;
}

/** watch(fd, callback) -> handle: callback(errorCode|null, readable, writable) while watching (see watchSet). */
static napi_value watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  napi_valuetype t;
  if (!arg_fd(env, info, argv, 2, &fd)) return NULL;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: watch needs a callback");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "watch", "");
  int r = uv_poll_init(loop, &w->poll, fd);
  if (r < 0) {
    free(w);
    return throw_errno(env, -r, "uv_poll_init", "");
  }
  w->env = env;
  napi_value name, resource;
  napi_create_string_utf8(env, "berth-native:watch", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok || napi_async_init(env, resource, name, &w->context) != napi_ok) {
    w->closing = 1;
    uv_close((uv_handle_t *)&w->poll, (uv_close_cb)free);
    napi_throw_error(env, "EBERTHNAPI", "berth-native: watch could not hold its callback");
    return NULL;
  }
  napi_value handle;
  CHECK(env, napi_create_external(env, w, no_finalize, NULL, &handle));
  return handle;
}

static watcher_t *arg_watcher(napi_env env, napi_value v) {
  void *w = NULL;
  if (napi_get_value_external(env, v, &w) != napi_ok || w == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "berth-native: not a watch handle");
    return NULL;
  }
  if (((watcher_t *)w)->closing) {
    napi_throw_error(env, "ERR_USE_AFTER_CLOSE", "berth-native: the watch handle was closed");
    return NULL;
  }
  return w;
}

/** watchSet(handle, readable, writable): which readiness to report; neither stops reporting. */
static napi_value watch_set(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  bool readable = false, writable = false;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: watchSet(handle, readable, writable)");
    return NULL;
  }
  watcher_t *w = arg_watcher(env, argv[0]);
  if (!w) return NULL;
  napi_get_value_bool(env, argv[1], &readable);
  napi_get_value_bool(env, argv[2], &writable);
  int events = (readable ? UV_READABLE | UV_DISCONNECT : 0) | (writable ? UV_WRITABLE : 0);
  int r = events == 0 ? uv_poll_stop(&w->poll) : uv_poll_start(&w->poll, events, on_poll);
  if (r < 0) return throw_errno(env, -r, "uv_poll_start", "");
  return undefined_value(env);
}

/** unwatch(handle): stops and frees the watcher (call before closing its fd). */
static napi_value unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "berth-native: unwatch(handle)");
    return NULL;
  }
  watcher_t *w = arg_watcher(env, argv[0]);
  if (!w) return NULL;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_watcher_closed);
  return undefined_value(env);
}

static napi_value malloc_trim_all(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(env, napi_get_boolean(env, malloc_trim(0) == 1, &result));
  return result;
}

/* ---- pipes for helper processes ---- */

/* pipe(size) -> [readFd, writeFd]: a pipe (both ends close-on-exec) whose buffer
   is asked to hold `size` bytes (F_SETPIPE_SZ; the default 64 KiB stays when the
   system refuses more). A decompressor's pipes this big let it run ahead of berthd
   by that much, and berthd read its output in big pieces. */
static napi_value make_pipe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t size = 0;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc > 0) CHECK(env, napi_get_value_int32(env, argv[0], &size));
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return throw_errno(env, errno, "pipe", "");
  if (size > 0) (void)fcntl(fds[1], F_SETPIPE_SZ, size);
  napi_value out, r, w;
  if (napi_create_array_with_length(env, 2, &out) != napi_ok || !(r = int_value(env, fds[0])) || !(w = int_value(env, fds[1])) ||
      napi_set_element(env, out, 0, r) != napi_ok || napi_set_element(env, out, 1, w) != napi_ok) {
    close(fds[0]);
    close(fds[1]);
    napi_throw_error(env, "EBERTHNAPI", "berth-native: returning a pipe failed");
    return NULL;
  }
  return out;
}

// V8's memory-reducing collection (v8::Isolate::LowMemoryNotification), which
// N-API does not offer: full collections in V8's reduce-memory mode until one
// frees nothing more, compacting only the pages worth it, shrinking the young
// generation and unmapping the freed pages before it returns. Against one
// compacting full GC (gc() under --compact-on-every-full-gc) it leaves berthd
// 1-2 MB smaller and never above its size before the trim (the forced
// compaction first copied every live object, 5-10 MB more for 40-130 ms).
// The functions are found at run time among the node binary's exported
// symbols (Node exports V8's API for addons), so the addon still loads in any
// Node and stays ABI-stable: without them this returns false and berthd falls
// back to gc(). A member function takes its object as the first argument in
// the Itanium C++ ABI. It runs on the main thread, the one GetCurrent answers
// for.
static napi_value low_memory_notification(napi_env env, napi_callback_info info) {
  (void)info;
  static void *(*get_current)(void);
  static void (*notify)(void *);
  static int looked;
  if (!looked) {
    looked = 1;
    get_current = (void *(*)(void))dlsym(RTLD_DEFAULT, "_ZN2v87Isolate10GetCurrentEv");
    notify = (void (*)(void *))dlsym(RTLD_DEFAULT, "_ZN2v87Isolate21LowMemoryNotificationEv");
  }
  void *isolate = get_current && notify ? get_current() : NULL;
  if (isolate) notify(isolate);
  napi_value result;
  CHECK(env, napi_get_boolean(env, isolate != NULL, &result));
  return result;
}

/* ---- mount(2) and umount2(2) on the thread pool ---- */

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *target;
  char *data; /* NULL: an unmount (or a syncfs) */
  int detach;
  int syncfs; /* syncfs(2) of the file system holding target instead */
  int err;
} mount_job_t;

char *arg_dup_string(napi_env env, napi_value v, size_t *length) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth-native: a string argument was expected");
    return NULL;
  }
  char *buf = malloc(len + 1);
  if (!buf) {
    napi_throw_error(env, "ENOMEM", "berth-native: out of memory");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, v, buf, len + 1, &len) != napi_ok) {
    free(buf);
    napi_throw_type_error(env, "EINVAL", "berth-native: a string argument was expected");
    return NULL;
  }
  if (length) *length = len;
  return buf;
}

static void mount_job_free(mount_job_t *j) {
  free(j->target);
  free(j->data);
  free(j);
}

static void mount_execute(napi_env env, void *data) {
  (void)env;
  mount_job_t *j = data;
  if (j->syncfs) {
    int fd = open(j->target, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      j->err = errno;
      return;
    }
    j->err = syncfs(fd) == 0 ? 0 : errno;
    close(fd);
    return;
  }
  int r = j->data ? mount("overlay", j->target, "overlay", 0, j->data) : umount2(j->target, j->detach ? MNT_DETACH : 0);
  j->err = r == 0 ? 0 : errno;
}

void reject_errno(napi_env env, napi_deferred deferred, int err, const char *what, const char *path) {
  napi_value result = NULL;
  const char *name = strerrorname_np(err);
  size_t size = strlen(what) + (path ? strlen(path) : 0) + 256;
  char *msg = malloc(size);
  if (msg && path) snprintf(msg, size, "%s %s: %s", what, path, strerror(err));
  else if (msg) snprintf(msg, size, "%s: %s", what, strerror(err));
  napi_value code_v, msg_v;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code_v);
  napi_create_string_utf8(env, msg ? msg : what, NAPI_AUTO_LENGTH, &msg_v);
  free(msg);
  napi_create_error(env, code_v, msg_v, &result);
  // As Node's own fs errors do: the path as a property too, for callers that tell one op's failure from another's.
  napi_value path_v;
  if (result && path && napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &path_v) == napi_ok) napi_set_named_property(env, result, "path", path_v);
  napi_reject_deferred(env, deferred, result);
}

void settle_errno(napi_env env, napi_deferred deferred, int err, const char *what, const char *path) {
  if (err != 0) return reject_errno(env, deferred, err, what, path);
  napi_value result = NULL;
  napi_get_undefined(env, &result);
  napi_resolve_deferred(env, deferred, result);
}

napi_value queue_promise_work(napi_env env, const char *job, napi_async_execute_callback execute,
                              napi_async_complete_callback complete, void *data, napi_deferred *deferred,
                              napi_async_work *work) {
  napi_value promise, name;
  char text[64];
  snprintf(text, sizeof text, "berth-%s", job);
  if (napi_create_promise(env, deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, data, work) != napi_ok ||
      napi_queue_async_work(env, *work) != napi_ok) {
    snprintf(text, sizeof text, "berth-native: queueing a %s job failed", job);
    napi_throw_error(env, "EBERTHNAPI", text);
    return NULL;
  }
  return promise;
}

static void mount_complete(napi_env env, napi_status status, void *data) {
  mount_job_t *j = data;
  settle_errno(env, j->deferred, status == napi_ok ? j->err : ECANCELED,
               j->syncfs ? "syncing the file system of" : j->data ? "mounting an overlay on" : "unmounting", j->target);
  napi_delete_async_work(env, j->work);
  mount_job_free(j);
}

static napi_value queue_mount_job(napi_env env, mount_job_t *j) {
  napi_value promise = queue_promise_work(env, "mount", mount_execute, mount_complete, j, &j->deferred, &j->work);
  if (!promise) mount_job_free(j);
  return promise;
}

/* mountOverlay(target, data): mount -t overlay overlay -o data target. */
static napi_value mount_overlay(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  mount_job_t *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, ENOMEM, "mountOverlay", NULL);
  if (!(j->target = arg_dup_string(env, argv[0], NULL)) || !(j->data = arg_dup_string(env, argv[1], NULL))) {
    mount_job_free(j);
    return NULL;
  }
  return queue_mount_job(env, j);
}

/* umount(target, detach): umount2(target, detach ? MNT_DETACH : 0). */
static napi_value umount_target(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool detach = false;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  mount_job_t *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, ENOMEM, "umount", NULL);
  if (!(j->target = arg_dup_string(env, argv[0], NULL))) {
    mount_job_free(j);
    return NULL;
  }
  if (argc > 1) napi_get_value_bool(env, argv[1], &detach);
  j->detach = detach;
  return queue_mount_job(env, j);
}

/* syncFs(path): syncfs(2) of the file system holding path, on the thread pool. */
static napi_value sync_fs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  mount_job_t *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, ENOMEM, "syncFs", NULL);
  if (!(j->target = arg_dup_string(env, argv[0], NULL))) {
    mount_job_free(j);
    return NULL;
  }
  j->syncfs = 1;
  return queue_mount_job(env, j);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"socketsInNetns", NULL, sockets_in_netns, NULL, NULL, NULL, napi_enumerable, NULL},
    {"tcpSocketInNetns", NULL, tcp_socket_in_netns, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seqpacketConnect", NULL, seqpacket_connect, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seqpacketListen", NULL, seqpacket_listen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seqpacketAccept", NULL, seqpacket_accept, NULL, NULL, NULL, napi_enumerable, NULL},
    {"recvPacket", NULL, recv_packet, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sendPacket", NULL, send_packet, NULL, NULL, NULL, napi_enumerable, NULL},
    {"shutdownWrite", NULL, shutdown_write, NULL, NULL, NULL, napi_enumerable, NULL},
    {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"watch", NULL, watch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"watchSet", NULL, watch_set, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unwatch", NULL, unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mallocTrim", NULL, malloc_trim_all, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lowMemoryNotification", NULL, low_memory_notification, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mountOverlay", NULL, mount_overlay, NULL, NULL, NULL, napi_enumerable, NULL},
    {"umount", NULL, umount_target, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pipe", NULL, make_pipe, NULL, NULL, NULL, napi_enumerable, NULL},
    {"syncFs", NULL, sync_fs, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  spawn_define(env, exports);
  signal_define(env, exports);
  netns_define(env, exports);
  cgroup_warm_define(env, exports);
  abi_probe_define(env, exports);
  fs_batch_define(env, exports);
  read_in_root_define(env, exports);
  return exports;
}
