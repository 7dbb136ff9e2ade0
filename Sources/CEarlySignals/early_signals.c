// `polybot serve` must end cleanly (exit 0, its embedded PostgreSQL stopped) whenever SIGTERM arrives, even in the
// milliseconds between exec and the moment Swift code installs its handlers. A loader constructor runs before any of
// that: for `serve` only, it records SIGTERM/SIGINT in a flag that ShutdownSignals reads once its own handlers exist.
#include "early_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t early_signal = 0;

static void record(int sig) { early_signal = sig; }

static int verb_is_serve(void) {
    char buf[512];
    int fd = open("/proc/self/cmdline", O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    size_t first = strlen(buf);  // argv[0]
    if ((ssize_t)first + 1 >= n) return 0;
    return strcmp(buf + first + 1, "serve") == 0;
}

__attribute__((constructor)) static void trap_early(void) {
    if (!verb_is_serve()) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = record;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int polybot_early_signal(void) { return early_signal; }
