/*
 * berth-fs-agent: does the filesystem work of `docker cp` (and export) from
 * inside a container's root, so that every path lookup is made by the kernel
 * with the container's root as `/` — a symlink the container plants or swaps
 * in (renameat2 RENAME_EXCHANGE) can only lead to the container's own files,
 * never to the host's (CVE-2018-15664). berthd keeps the tar format and
 * docker's semantics; this program only answers small requests on stdin with
 * small answers on stdout (protocol below, mirrored in src/engine/container/fs-agent.ts).
 *
 *   berth-fs-agent --pid PID --base ROOTFS
 *       a running container: joins the mount namespace of PID (nothing else)
 *       and takes that namespace's root, which must be ROOTFS's directory
 *       (same device and inode: a recycled PID is refused).
 *   berth-fs-agent --rootfs ROOTFS [--bind SOURCE DEST ro|rw]...
 *       a container that is not running: a private mount namespace, ROOTFS as
 *       root, each SOURCE bind-mounted (recursively) at DEST inside it, the
 *       destination looked up inside the root.
 *
 * Two roots are kept as directory fds: the container's view (with its
 * mounts) and the base (ROOTFS alone, as the host mounted it: no volumes, no
 * kernel filesystems). Each request names the root its paths are in; the
 * agent fchdir()s there and chroot(".")s before the call.
 *
 * Frames, little-endian: u32 length of what follows, then
 *   request:  u8 op, u8 root, u16 flags, u32 len1, u32 len2, u32 a, u32 b,
 *             i64 t1, i64 t2, then len1 bytes (path or data), len2 bytes
 *   answer:   i32 errno (0: ok), then the payload (on error: strerror text)
 * The first answer (to no request) says whether the set-up worked.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OP_LSTAT = 1, OP_STAT, OP_READLINK, OP_READDIR, OP_OPENREAD, OP_MKDIR, OP_MKDIRALL, OP_CREATE, OP_WRITE, OP_CLOSE,
       OP_SYMLINK, OP_LINK, OP_LCHOWN, OP_CHMOD, OP_UTIMES, OP_REMOVEALL };
enum { F_FOLLOW = 1 };
#define HEADER 36
#define MAX_FRAME (8u << 20)
#define CHUNK (64u << 10)

static int roots[2] = {-1, -1}; /* 0: the container's view, 1: the base rootfs */
static int current_root = -1;
static int write_fd = -1, write_err = 0;

static void die(const char *what) {
  fprintf(stderr, "berth-fs-agent: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int full_read(int fd, void *buf, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r == 0) return 0;
    if (r < 0) { if (errno == EINTR) continue; return -1; }
    got += (size_t)r;
  }
  return 1;
}

static void full_write(const void *buf, size_t n) {
  for (size_t put = 0; put < n;) {
    ssize_t w = write(1, (const char *)buf + put, n - put);
    if (w < 0) { if (errno == EINTR) continue; exit(1); } /* berthd went away */
    put += (size_t)w;
  }
}

static void answer(int err, const void *payload, uint32_t n) {
  uint32_t len = 4 + n;
  int32_t e = err;
  full_write(&len, 4);
  full_write(&e, 4);
  if (n > 0) full_write(payload, n);
}

static void answer_errno(int err) {
  const char *msg = strerror(err);
  answer(err, msg, (uint32_t)strlen(msg));
}

static void answer_result(int rc) {
  if (rc == 0) answer(0, NULL, 0);
  else answer_errno(errno);
}

static void answer_stat(const struct stat *st) {
  unsigned char b[64];
  uint32_t u[4] = {st->st_mode, st->st_uid, st->st_gid, (uint32_t)st->st_nlink};
  int64_t v[6] = {st->st_size, (int64_t)st->st_dev, (int64_t)st->st_ino, (int64_t)st->st_rdev, st->st_mtim.tv_sec, st->st_mtim.tv_nsec};
  memcpy(b, u, 16);
  memcpy(b + 16, v, 48);
  answer(0, b, sizeof b);
}

static int use_root(int which) {
  if (which != 0 && which != 1) { errno = EINVAL; return -1; }
  if (current_root == which) return 0;
  if (fchdir(roots[which]) != 0 || chroot(".") != 0) return -1;
  current_root = which;
  return 0;
}

/* os.MkdirAll: each missing component made with `mode`; an existing non-directory is ENOTDIR. */
static int mkdir_all(char *path, mode_t mode) {
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(path, mode) != 0 && errno != EEXIST) { *p = saved; return -1; }
    struct stat st;
    if (stat(path, &st) != 0) { *p = saved; return -1; }
    *p = saved;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    if (saved == '\0') return 0;
  }
}

/* os.RemoveAll below directory fd `dfd`: never follows a symlink; a missing name is no error. */
static int remove_at(int dfd, const char *name) {
  if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return -1;
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  DIR *d = fdopendir(fd);
  if (!d) { close(fd); return -1; }
  int rc = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (remove_at(fd, e->d_name) != 0) { rc = -1; break; }
  }
  int saved = errno;
  closedir(d);
  if (rc != 0) { errno = saved; return -1; }
  if (unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return -1;
  return 0;
}

static int remove_all(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash[1] == '\0') { errno = EINVAL; return -1; }
  char parent[PATH_MAX];
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  if (n >= sizeof parent) { errno = ENAMETOOLONG; return -1; }
  memcpy(parent, path, n);
  parent[n] = '\0';
  int dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno == ENOENT ? 0 : -1;
  int rc = remove_at(dfd, slash + 1);
  int saved = errno;
  close(dfd);
  errno = saved;
  return rc;
}

static void op_readdir(const char *path) {
  DIR *d = opendir(path);
  if (!d) { answer_errno(errno); return; }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (struct dirent *e; buf && (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t l = strlen(e->d_name) + 1;
    if (n + l > cap) { cap = (n + l) * 2; char *b = realloc(buf, cap); if (!b) { free(buf); buf = NULL; break; } buf = b; }
    memcpy(buf + n, e->d_name, l);
    n += l;
  }
  closedir(d);
  if (!buf || n > MAX_FRAME) answer_errno(ENOMEM);
  else answer(0, buf, (uint32_t)n);
  free(buf);
}

/*
 * A regular file's stat, then its bytes in frames, then an empty frame. The
 * open never blocks (a fifo) and never follows a last symlink unless asked;
 * anything but a regular file — a device node the container made — is refused.
 */
static void op_openread(const char *path, int follow) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0) { answer_errno(errno); return; }
  struct stat st;
  if (fstat(fd, &st) != 0) { int e = errno; close(fd); answer_errno(e); return; }
  if (!S_ISREG(st.st_mode)) { close(fd); answer_errno(EINVAL); return; }
  fcntl(fd, F_SETFL, O_RDONLY);
  answer_stat(&st);
  static char buf[CHUNK];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { answer_errno(errno); break; }
    answer(0, buf, (uint32_t)r);
    if (r == 0) break;
  }
  close(fd);
}

static void serve(unsigned char op, unsigned char root, uint16_t flags, char *p1, uint32_t n1, char *p2, uint32_t a, uint32_t b, int64_t t1, int64_t t2) {
  if (op == OP_WRITE) { /* no answer: errors are kept for OP_CLOSE */
    for (uint32_t put = 0; write_fd >= 0 && write_err == 0 && put < n1;) {
      ssize_t w = write(write_fd, p1 + put, n1 - put);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) write_err = errno;
      else put += (uint32_t)w;
    }
    return;
  }
  if (op == OP_CLOSE) {
    int err = write_fd < 0 ? EBADF : write_err;
    if (write_fd >= 0 && close(write_fd) != 0 && err == 0) err = errno;
    write_fd = -1;
    write_err = 0;
    if (err) answer_errno(err); else answer(0, NULL, 0);
    return;
  }
  if (use_root(root) != 0) { answer_errno(errno); return; }
  struct stat st;
  switch (op) {
  case OP_LSTAT:
  case OP_STAT:
    if ((op == OP_LSTAT ? lstat(p1, &st) : stat(p1, &st)) != 0) answer_errno(errno);
    else answer_stat(&st);
    return;
  case OP_READLINK: {
    static char target[PATH_MAX];
    ssize_t r = readlink(p1, target, sizeof target);
    if (r < 0) answer_errno(errno); else answer(0, target, (uint32_t)r);
    return;
  }
  case OP_READDIR: op_readdir(p1); return;
  case OP_OPENREAD: op_openread(p1, flags & F_FOLLOW); return;
  case OP_MKDIR: answer_result(mkdir(p1, (mode_t)a)); return;
  case OP_MKDIRALL: answer_result(mkdir_all(p1, (mode_t)a)); return;
  case OP_CREATE:
    if (write_fd >= 0) { answer_errno(EBUSY); return; }
    write_fd = open(p1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)a);
    write_err = 0;
    answer_result(write_fd < 0 ? -1 : 0);
    return;
  case OP_SYMLINK: answer_result(symlink(p2, p1)); return;
  case OP_LINK: answer_result(linkat(AT_FDCWD, p2, AT_FDCWD, p1, 0)); return;
  case OP_LCHOWN: answer_result(fchownat(AT_FDCWD, p1, (uid_t)a, (gid_t)b, AT_SYMLINK_NOFOLLOW)); return;
  case OP_CHMOD: answer_result(fchmodat(AT_FDCWD, p1, (mode_t)a, 0)); return;
  case OP_UTIMES: {
    struct timespec ts[2] = {{t1 / 1000000000, t1 % 1000000000}, {t2 / 1000000000, t2 % 1000000000}};
    answer_result(utimensat(AT_FDCWD, p1, ts, (flags & F_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW));
    return;
  }
  case OP_REMOVEALL: answer_result(remove_all(p1)); return;
  default: answer_errno(ENOSYS); return;
  }
}

/* Joins PID's mount namespace; its root must be the container's rootfs (roots[1]). */
static void enter_running(const char *pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/ns/mnt", pid);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) die(path);
  if (setns(ns, CLONE_NEWNS) != 0) die("setns");
  close(ns);
  roots[0] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (roots[0] < 0) die("open the container's root");
  struct stat a, b;
  if (fstat(roots[0], &a) != 0 || fstat(roots[1], &b) != 0) die("fstat");
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
    fprintf(stderr, "berth-fs-agent: the root of process %s is not the container's rootfs\n", pid);
    exit(1);
  }
}

/* A private mount namespace with `rootfs` as root and each bind mounted inside it. */
static void enter_stopped(const char *rootfs, char **binds, int nbinds) {
  if (unshare(CLONE_NEWNS) != 0) die("unshare");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("make / private");
  int trees[nbinds > 0 ? nbinds : 1];
  for (int i = 0; i < nbinds; i++) {
    trees[i] = open_tree(AT_FDCWD, binds[3 * i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (trees[i] < 0) die(binds[3 * i]);
    if (strcmp(binds[3 * i + 2], "ro") == 0) {
      struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
      if (mount_setattr(trees[i], "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) die("mount_setattr");
    }
  }
  /* Opened after unshare: the copy of the rootfs mount the binds go on. */
  roots[0] = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (roots[0] < 0) die(rootfs);
  if (use_root(0) != 0) die("chroot");
  for (int i = 0; i < nbinds; i++) {
    char *dest = binds[3 * i + 1];
    struct stat src;
    if (fstat(trees[i], &src) != 0) die("fstat");
    /* A missing mount point is made in the rootfs, as dockerd and runc do. */
    if (S_ISDIR(src.st_mode)) {
      if (mkdir_all(dest, 0755) != 0) die(dest);
    } else {
      char *slash = strrchr(dest, '/');
      if (slash && slash != dest) { *slash = '\0'; int rc = mkdir_all(dest, 0755); *slash = '/'; if (rc != 0) die(dest); }
      int fd = open(dest, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) die(dest);
      close(fd);
    }
    if (move_mount(trees[i], "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) != 0) die(dest);
    close(trees[i]);
  }
}

int main(int argc, char **argv) {
  /* Not ptrace-able, /proc/<pid>/fd not open to others: the fds lead out of the container. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const char *pid = NULL, *base = NULL, *rootfs = NULL;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc) pid = argv[++i];
    else if (strcmp(argv[i], "--base") == 0 && i + 1 < argc) base = argv[++i];
    else if (strcmp(argv[i], "--rootfs") == 0 && i + 1 < argc) rootfs = argv[++i];
    else break;
  }
  /* The rest: --bind SOURCE DEST ro|rw, as triples. */
  char **binds = calloc((size_t)argc, sizeof *binds);
  int nbinds = 0;
  if (!binds) die("calloc");
  for (; i < argc; i += 4, nbinds++) {
    if (strcmp(argv[i], "--bind") != 0 || i + 3 >= argc) { fprintf(stderr, "berth-fs-agent: bad arguments\n"); return 2; }
    binds[3 * nbinds] = argv[i + 1], binds[3 * nbinds + 1] = argv[i + 2], binds[3 * nbinds + 2] = argv[i + 3];
  }
  if ((pid == NULL) == (rootfs == NULL) || (pid && (!base || nbinds > 0))) { fprintf(stderr, "berth-fs-agent: bad arguments\n"); return 2; }
  roots[1] = open(pid ? base : rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (roots[1] < 0) die(pid ? base : rootfs);
  if (pid) enter_running(pid);
  else enter_stopped(rootfs, binds, nbinds);
  if (use_root(0) != 0 || chdir("/") != 0) die("chroot");
  answer(0, NULL, 0); /* ready */

  unsigned char *frame = malloc(MAX_FRAME);
  if (!frame) die("malloc");
  for (;;) {
    uint32_t len;
    int r = full_read(0, &len, 4);
    if (r == 0) return 0;
    if (r < 0 || len < HEADER || len > MAX_FRAME || full_read(0, frame, len) != 1) return 1;
    uint16_t flags;
    uint32_t n1, n2, a, b;
    int64_t t1, t2;
    memcpy(&flags, frame + 2, 2);
    memcpy(&n1, frame + 4, 4);
    memcpy(&n2, frame + 8, 4);
    memcpy(&a, frame + 12, 4);
    memcpy(&b, frame + 16, 4);
    memcpy(&t1, frame + 20, 8);
    memcpy(&t2, frame + 28, 8);
    if ((uint64_t)HEADER + n1 + n2 != len) return 1;
    /* Paths become C strings: copy them out with their NULs. */
    char *p1 = malloc(n1 + 1), *p2 = malloc(n2 + 1);
    if (!p1 || !p2) die("malloc");
    memcpy(p1, frame + HEADER, n1), p1[n1] = '\0';
    memcpy(p2, frame + HEADER + n1, n2), p2[n2] = '\0';
    serve(frame[0], frame[1], flags, p1, n1, p2, a, b, t1, t2);
    free(p1);
    free(p2);
  }
}
