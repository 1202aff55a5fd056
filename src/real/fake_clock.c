/*
 * A fake wall clock for real servers under test, loaded with LD_PRELOAD.
 *
 * While LOCKCHECK_FAKE_CLOCK names a file, the wall clock (gettimeofday,
 * time, and clock_gettime on CLOCK_REALTIME) reads the milliseconds since
 * the Unix epoch written in it, and stands still until the file changes.
 * Every other clock (the monotonic one) is the real one.
 *
 * libfaketime does this too, but not for Debian's redis-server: jemalloc
 * calls clock_gettime while libfaketime initializes itself, and the process
 * aborts (a known clash between libfaketime and jemalloc). This file uses no libc state,
 * only raw system calls, so it needs no initialization.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long fake_ms(void) {
    const char *path = getenv("LOCKCHECK_FAKE_CLOCK");
    if (!path) return -1;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[32];
    long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
    syscall(SYS_close, fd);
    if (n <= 0) return -1;
    long long ms = 0;
    for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) ms = ms * 10 + (buf[i] - '0');
    return ms;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
    if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
        long long ms = fake_ms();
        if (ms >= 0) {
            ts->tv_sec = ms / 1000;
            ts->tv_nsec = (ms % 1000) * 1000000L;
            return 0;
        }
    }
    return (int)syscall(SYS_clock_gettime, id, ts);
}

int gettimeofday(struct timeval *tv, void *tz) {
    long long ms = fake_ms();
    if (ms < 0) return (int)syscall(SYS_gettimeofday, tv, tz);
    if (tv) {
        tv->tv_sec = ms / 1000;
        tv->tv_usec = (ms % 1000) * 1000L;
    }
    return 0;
}

time_t time(time_t *t) {
    struct timeval tv;
    gettimeofday(&tv, 0);
    if (t) *t = tv.tv_sec;
    return tv.tv_sec;
}
