/*
 * fsync_shim: an LD_PRELOAD library for the power-cut suite
 * (tests/suites/power-cuts.test.mjs). It models a disk on which ONLY what
 * was fsynced survives a power cut.
 *
 * Environment (without both variables the shim does nothing at all):
 *   PLENO_FSYNC_WATCH_DIR   absolute, canonical path of the folder whose files
 *                           are modelled (the server's data folder)
 *   PLENO_FSYNC_SHADOW_DIR  where the "disk" is kept: one shadow copy per file
 *   PLENO_FSYNC_SHIM_LOG    optional: a file that gets one line per modelled call
 *
 * The model:
 *   - fsync(fd) and fdatasync(fd) on a regular file directly in the watched
 *     folder: after the real call succeeds, the file's whole content is copied
 *     to SHADOW_DIR/<basename> (written to a temporary name, then renamed, so
 *     a kill -9 during the copy leaves the previous shadow, as the sync had
 *     not returned). The shadow is the file as the disk holds it.
 *   - A file never fsynced has no shadow: after the cut it is gone (its
 *     content never reached the disk). SQLite's -shm file is such a file: it
 *     is only ever mmap'ed and never synced, and SQLite rebuilds it from the
 *     WAL when the first connection opens the database.
 *   - Writes after the last fsync of a file are lost entirely (the pessimistic
 *     end of what a real disk may do; a real disk may also keep some of them).
 *   - Names: a file counts as existing from its first fsync on (SQLite also
 *     fsyncs the folder right after creating the WAL: strace shows
 *     fdatasync() of the folder's descriptor); unlink() and remove() of a
 *     watched file drop its shadow at once. (Strict POSIX makes an unlink
 *     durable only at the next fsync of the folder; SQLite unlinks the WAL only
 *     after a checkpoint whose data was synced, so both outcomes open the same
 *     database. The one DELETE-mode journal, when the database is created, is
 *     before any request.)
 *   - sync() and syncfs() copy every regular file of the watched folder.
 *   - sync_file_range() is passed through and not modelled: it flushes no
 *     disk cache and no metadata, so it makes nothing durable; SQLite on this
 *     Debian build does not call it (strace: it uses fdatasync() only).
 *   - fsync of a folder descriptor changes nothing in the model.
 *
 * After the kill -9, the test replaces every file of the data folder by its
 * shadow copy and deletes the files that have none, then restarts the server.
 *
 * Any failure to keep a shadow aborts the process: a broken model must fail
 * the test loudly rather than let it pass.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static pthread_mutex_t shadow_lock = PTHREAD_MUTEX_INITIALIZER;

static char const* watch_dir(void)
{
    char const* dir = getenv("PLENO_FSYNC_WATCH_DIR");
    return dir != NULL && dir[0] == '/' ? dir : NULL;
}

static char const* shadow_dir(void)
{
    char const* dir = getenv("PLENO_FSYNC_SHADOW_DIR");
    return dir != NULL && dir[0] == '/' ? dir : NULL;
}

static void note(char const* format, ...)
{
    char const* log = getenv("PLENO_FSYNC_SHIM_LOG");
    if (log == NULL || log[0] == '\0')
        return;
    char line[PATH_MAX + 128];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (length < 0)
        return;
    if ((size_t)length >= sizeof line)
        length = sizeof line - 1;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    ssize_t ignored = write(fd, line, (size_t)length);
    (void)ignored;
    close(fd);
}

static void die(char const* what, char const* path);

/* "first/second" into `out`; false when it does not fit. */
static int join(char* out, size_t size, char const* first, char const* second)
{
    int const length = snprintf(out, size, "%s/%s", first, second);
    return length > 0 && (size_t)length < size;
}

static void die(char const* what, char const* path)
{
    char message[PATH_MAX + 256];
    int length = snprintf(message, sizeof message, "fsync_shim: %s %s: %s\n", what, path, strerror(errno));
    if (length > 0) {
        ssize_t ignored = write(2, message, (size_t)length < sizeof message ? (size_t)length : sizeof message - 1);
        (void)ignored;
    }
    abort();
}

/* The file's base name if `path` is directly inside the watched folder, else NULL. */
static char const* watched_name(char const* path)
{
    char const* dir = watch_dir();
    if (dir == NULL || shadow_dir() == NULL || path == NULL)
        return NULL;
    size_t const length = strlen(dir);
    if (strncmp(path, dir, length) != 0 || path[length] != '/')
        return NULL;
    char const* name = path + length + 1;
    if (name[0] == '\0' || strchr(name, '/') != NULL)
        return NULL;
    return name;
}

/* Copies the content of `fd` (a regular file of the watched folder) to its shadow. */
static void keep_shadow(int fd, char const* name, char const* why)
{
    char target[PATH_MAX];
    char temporary[PATH_MAX];
    int const length = snprintf(temporary, sizeof temporary, "%s/.%s.tmp.%ld", shadow_dir(), name, (long)syscall(SYS_gettid));
    if (!join(target, sizeof target, shadow_dir(), name) || length <= 0 || (size_t)length >= sizeof temporary)
        die("path too long:", name);

    pthread_mutex_lock(&shadow_lock);
    /* The descriptor may be write-only: read through a descriptor of our own
     * on the same open file. */
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    int const in = open(link, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        die("cannot reopen", name);
    struct stat status;
    if (fstat(in, &status) != 0)
        die("cannot stat", name);
    int out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        die("cannot create", temporary);
    off_t offset = 0;
    char buffer[1 << 16];
    while (offset < status.st_size) {
        ssize_t got = pread(in, buffer, sizeof buffer, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            die("cannot read", name);
        if (got == 0)
            break; /* truncated meanwhile: keep what is there */
        for (ssize_t written = 0; written < got;) {
            ssize_t put = write(out, buffer + written, (size_t)(got - written));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                die("cannot write", temporary);
            written += put;
        }
        offset += got;
    }
    close(in);
    if (close(out) != 0)
        die("cannot close", temporary);
    if (rename(temporary, target) != 0)
        die("cannot rename", temporary);
    pthread_mutex_unlock(&shadow_lock);
    note("%s %s %lld\n", why, name, (long long)offset);
}

static void model_sync(int fd, char const* why)
{
    if (watch_dir() == NULL || shadow_dir() == NULL)
        return;
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode))
        return; /* folders, pipes, sockets: nothing to keep */
    char link[64];
    char path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, sizeof path - 1);
    if (length < 0)
        return;
    path[length] = '\0';
    char const* name = watched_name(path); /* an unlinked file reads "... (deleted)": not matched */
    if (name != NULL)
        keep_shadow(fd, name, why);
}

static void model_unlink(char const* path)
{
    char absolute[PATH_MAX];
    if (path == NULL)
        return;
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd) == NULL)
            return;
        if (!join(absolute, sizeof absolute, cwd, path))
            return;
        path = absolute;
    }
    char const* name = watched_name(path);
    if (name == NULL)
        return;
    char target[PATH_MAX];
    if (!join(target, sizeof target, shadow_dir(), name))
        die("path too long:", name);
    pthread_mutex_lock(&shadow_lock);
    if (syscall(SYS_unlinkat, AT_FDCWD, target, 0) != 0 && errno != ENOENT)
        die("cannot remove the shadow", target);
    pthread_mutex_unlock(&shadow_lock);
    note("unlink %s\n", name);
}

static void model_sync_all(char const* why)
{
    char const* dir = watch_dir();
    if (dir == NULL || shadow_dir() == NULL)
        return;
    DIR* folder = opendir(dir);
    if (folder == NULL)
        return;
    for (struct dirent* entry; (entry = readdir(folder)) != NULL;) {
        char path[PATH_MAX];
        if (!join(path, sizeof path, dir, entry->d_name))
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        struct stat status;
        if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode))
            keep_shadow(fd, entry->d_name, why);
        close(fd);
    }
    closedir(folder);
}

typedef int (*fd_call)(int);
typedef void (*void_call)(void);
typedef int (*path_call)(char const*);
typedef int (*at_call)(int, char const*, int);

/* The next definition of `name` (libc's). dlsym returns an object pointer;
 * memcpy turns it into a function pointer without a cast ISO C forbids. */
static void resolve(char const* name, void* target, size_t size)
{
    void* found = dlsym(RTLD_NEXT, name);
    if (found == NULL) {
        errno = ENOSYS;
        die("cannot find the real", name);
    }
    memcpy(target, &found, size);
}

#define REAL(type, name)                            \
    static type real_call = NULL;                   \
    if (real_call == NULL)                          \
        resolve(name, &real_call, sizeof real_call)

int fsync(int fd)
{
    REAL(fd_call, "fsync");
    int const result = real_call(fd);
    if (result == 0) {
        int const saved = errno;
        model_sync(fd, "fsync");
        errno = saved;
    }
    return result;
}

int fdatasync(int fd)
{
    REAL(fd_call, "fdatasync");
    int const result = real_call(fd);
    if (result == 0) {
        int const saved = errno;
        model_sync(fd, "fdatasync");
        errno = saved;
    }
    return result;
}

int syncfs(int fd)
{
    REAL(fd_call, "syncfs");
    int const result = real_call(fd);
    if (result == 0) {
        int const saved = errno;
        model_sync_all("syncfs");
        errno = saved;
    }
    return result;
}

void sync(void)
{
    REAL(void_call, "sync");
    real_call();
    int const saved = errno;
    model_sync_all("sync");
    errno = saved;
}

int unlink(char const* path)
{
    REAL(path_call, "unlink");
    int const result = real_call(path);
    if (result == 0) {
        int const saved = errno;
        model_unlink(path);
        errno = saved;
    }
    return result;
}

int unlinkat(int dirfd, char const* path, int flags)
{
    REAL(at_call, "unlinkat");
    int const result = real_call(dirfd, path, flags);
    /* Only names that do not depend on dirfd are modelled (SQLite uses unlink). */
    if (result == 0 && (dirfd == AT_FDCWD || path[0] == '/')) {
        int const saved = errno;
        model_unlink(path);
        errno = saved;
    }
    return result;
}

int remove(char const* path)
{
    REAL(path_call, "remove");
    int const result = real_call(path);
    if (result == 0) {
        int const saved = errno;
        model_unlink(path);
        errno = saved;
    }
    return result;
}
