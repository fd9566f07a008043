/*
 * batch-runner-spawn: starts a worker's task processes, one at a time, for one task slot.
 *
 * Why a program of its own: a task of `true` costs about a millisecond, and how it is started is
 * most of the rest. Node's spawn copies a large address space and builds streams per child; a
 * long-lived bash forks itself (page tables, copy-on-write faults) and runs a subshell per task.
 * This program uses posix_spawn, which glibc implements with clone3/clone(CLONE_VM | CLONE_VFORK):
 * no copy at all, the child execs at once (fork and exec where a seccomp filter refuses that). Like Java's jspawnhelper, it is small, static (it runs in
 * any Linux image of its architecture, whatever its libc) and does nothing but start processes.
 * The worker falls back to bash (then to Node's spawn) where it cannot run (shellSpawner.ts).
 *
 * Protocol (the same answers as the bash loop in shellSpawner.ts gives). On stdin, one record per
 * task: its length in decimal, a space, then fields, each a type byte, a value and a NUL:
 *   k skip file   o stdout file (appended to)   e stderr file (appended to)
 *   u a variable to unset   s NAME=value to set   a an argument (the first is the command)
 * The task's environment is this program's own (the worker's shared one) with the u and s fields
 * applied. On stdout, one line per event:
 *   K                  the skip file exists: the task was not started
 *   S <pid>            started (written only once it has run for START_NOTICE_MS)
 *   E <pid> <status>   ended: exit code, or 128 + the signal that ended it
 *   D <pid> <status> <microseconds>   started and ended within START_NOTICE_MS (no S line)
 *   X <status> <message>   could not be started: 127 not found, 126 any other reason
 * After a task ends, whatever is left in its process group is killed. `--version` prints
 * VERSION_LINE; `--check` prints it too, but only once it has started a process (itself) the way
 * it starts tasks, so the worker uses it only where it works. End of input: exit once the running
 * task has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VERSION_LINE "batch-runner-spawn 1\n"
/* Most tasks of a batch of short ones end within this: their S and E travel as one D line. */
#define START_NOTICE_MS 2
#define MAX_RECORD (64 * 1024 * 1024)
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

static void say(const char *text, size_t length) {
  while (length > 0) {
    ssize_t n = write(1, text, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) exit(0); /* the worker is gone */
    text += n;
    length -= (size_t)n;
  }
}

static void sayf(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void sayf(const char *format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) {
    n = sizeof line - 1;
    line[n - 1] = '\n';
  }
  say(line, (size_t)n);
}

/* Reads exactly `length` bytes; 0 at a clean end of input before any byte. */
static int read_all(char *into, size_t length) {
  size_t got = 0;
  while (got < length) {
    ssize_t n = read(0, into + got, length - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return got == 0 ? 0 : -1;
    got += (size_t)n;
  }
  return 1;
}

/* Input is read in large chunks: many records arrive in one read(2). */
static char inbuf[1 << 16];
static size_t inpos, inlen;

static int next_byte(void) {
  if (inpos == inlen) {
    ssize_t n;
    do n = read(0, inbuf, sizeof inbuf);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    inpos = 0;
    inlen = (size_t)n;
  }
  return (unsigned char)inbuf[inpos++];
}

static int read_bytes(char *into, size_t length) {
  size_t take = inlen - inpos < length ? inlen - inpos : length;
  memcpy(into, inbuf + inpos, take);
  inpos += take;
  return take == length ? 1 : read_all(into + take, length - take) == 1 ? 1 : -1;
}

struct task {
  const char *skip, *out, *err;
  const char **unset, **set, **argv;
  size_t unsets, sets, args;
};

static int parse(char *record, size_t length, struct task *task) {
  size_t fields = 0;
  for (size_t i = 0; i < length; i++) fields += record[i] == '\0';
  memset(task, 0, sizeof *task);
  task->unset = calloc(fields + 1, sizeof(char *));
  task->set = calloc(fields + 1, sizeof(char *));
  task->argv = calloc(fields + 1, sizeof(char *));
  if (!task->unset || !task->set || !task->argv) return -1;
  for (size_t at = 0; at < length;) {
    char kind = record[at];
    char *value = record + at + 1;
    size_t size = strnlen(value, length - at - 1);
    if (at + 1 + size >= length) return -1; /* no NUL at the end */
    at += size + 2;
    switch (kind) {
      case 'k': task->skip = value; break;
      case 'o': task->out = value; break;
      case 'e': task->err = value; break;
      case 'u': task->unset[task->unsets++] = value; break;
      case 's':
        if (!strchr(value, '=')) return -1;
        task->set[task->sets++] = value;
        break;
      case 'a': task->argv[task->args++] = value; break;
      default: return -1;
    }
  }
  return task->args > 0 && task->out && task->err ? 0 : -1;
}

static int named(const char *entry, const char *name, size_t length) {
  return strncmp(entry, name, length) == 0 && entry[length] == '=';
}

/* This program's environment less the unset and set names, plus the set ones. */
static char **environment(const struct task *task) {
  size_t count = 0;
  while (environ[count]) count++;
  char **env = calloc(count + task->sets + 1, sizeof(char *));
  if (!env) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    const char *entry = environ[i];
    const char *equals = strchr(entry, '=');
    size_t length = equals ? (size_t)(equals - entry) : strlen(entry);
    int drop = 0;
    for (size_t j = 0; j < task->unsets && !drop; j++) drop = strlen(task->unset[j]) == length && named(entry, task->unset[j], length);
    for (size_t j = 0; j < task->sets && !drop; j++) drop = named(task->set[j], entry, length);
    if (!drop) env[n++] = (char *)entry;
  }
  for (size_t j = 0; j < task->sets; j++) env[n++] = (char *)task->set[j];
  env[n] = NULL;
  return env;
}

static const char *lookup(char **env, const char *name) {
  size_t length = strlen(name);
  for (char **e = env; *e; e++)
    if (named(*e, name, length)) return *e + length + 1;
  return NULL;
}

/*
 * The file a command name runs, searched in the task's PATH as execvp does (a name with a slash is
 * taken as it is). 0, or the errno of the search: ENOENT, or EACCES when only files that cannot be
 * run were found.
 */
static int resolve(const char *command, char **env, char *path, size_t size) {
  if (strchr(command, '/')) {
    if ((size_t)snprintf(path, size, "%s", command) >= size) return ENAMETOOLONG;
    return 0;
  }
  if (!*command) return ENOENT;
  const char *search = lookup(env, "PATH");
  if (!search) search = DEFAULT_PATH;
  int denied = 0;
  for (const char *dir = search;; dir++) {
    const char *end = strchrnul(dir, ':');
    int length = (int)(end - dir);
    if ((size_t)snprintf(path, size, "%.*s%s%s", length, dir, length ? "/" : "", command) < size) {
      struct stat st;
      if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (access(path, X_OK) == 0) return 0;
        denied = 1;
      }
    }
    if (!*end) break;
    dir = end;
  }
  return denied ? EACCES : ENOENT;
}

static sigset_t child_signal;

static long long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int status_of(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/*
 * Waits until `pid` has ended, at most `ms` (forever when negative), without reaping it: its pid,
 * and so its process group's id, cannot be taken by another process before the group is killed.
 */
static int ended_within(pid_t pid, int ms) {
  long long deadline = now_us() + ms * 1000LL;
  for (;;) {
    siginfo_t info;
    info.si_pid = 0;
    int flags = WEXITED | WNOWAIT | (ms < 0 ? 0 : WNOHANG);
    int r = waitid(P_PID, (id_t)pid, &info, flags);
    if (r == 0 && info.si_pid == pid) return 1;
    if (r < 0 && errno == ECHILD) return 1;
    if (ms < 0 || (r < 0 && errno == EINTR)) continue;
    long long left = deadline - now_us();
    if (left <= 0) return 0;
    struct timespec wait = {left / 1000000, (left % 1000000) * 1000};
    sigtimedwait(&child_signal, NULL, &wait);
  }
}

/* After the task ended: what it left in its group goes, then it is reaped. */
static int finish(pid_t pid) {
  kill(-pid, SIGKILL);
  int status = 255 << 8;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status_of(status);
}

/*
 * posix_spawn fails where a seccomp filter refuses the clone3 call glibc starts with (EPERM from
 * older container runtimes, instead of the ENOSYS that makes glibc fall back): then tasks start
 * with fork and exec, as bash would, with an exec error reported through a close-on-exec pipe.
 * `--fork` starts with that way (the tests).
 */
static int use_fork;

static int fork_spawn(pid_t *pid, const char *path, char *const argv[], char *const env[], const struct task *task) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return errno;
  pid_t child = fork();
  if (child < 0) {
    int error = errno;
    close(report[0]);
    close(report[1]);
    return error;
  }
  if (child == 0) {
    setpgid(0, 0);
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &default_action, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int in = open("/dev/null", O_RDONLY);
    int out = open(task->out, O_WRONLY | O_APPEND | O_CREAT, 0666);
    int err = open(task->err, O_WRONLY | O_APPEND | O_CREAT, 0666);
    if (in >= 0 && out >= 0 && err >= 0 && dup2(in, 0) == 0 && dup2(out, 1) == 1 && dup2(err, 2) == 2) {
      close(in);
      close(out);
      close(err);
      execve(path, argv, env);
    }
    int error = errno;
    ssize_t ignored = write(report[1], &error, sizeof error);
    (void)ignored;
    _exit(127);
  }
  setpgid(child, child); /* whichever of the two runs first */
  close(report[1]);
  int error = 0;
  ssize_t n;
  do n = read(report[0], &error, sizeof error);
  while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == (ssize_t)sizeof error) {
    waitpid(child, NULL, 0);
    return error;
  }
  *pid = child;
  return 0;
}

static int posix_start(pid_t *pid, const char *path, char *const argv[], char *const env[], const struct task *task) {
  posix_spawn_file_actions_t files;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, task->out, O_WRONLY | O_APPEND | O_CREAT, 0666);
  posix_spawn_file_actions_addopen(&files, 2, task->err, O_WRONLY | O_APPEND | O_CREAT, 0666);
  posix_spawnattr_init(&attributes);
  /* A process group of its own (a stop reaches all it started), default signal handling, no mask. */
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  int error = posix_spawn(pid, path, &files, &attributes, argv, env);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  return error;
}

/* Starts `path`; 0, or the errno of why it did not start. */
static int start(pid_t *pid, const char *path, char *const argv[], char *const env[], const struct task *task) {
  if (use_fork) return fork_spawn(pid, path, argv, env, task);
  int error = posix_start(pid, path, argv, env, task);
  if (error == EPERM || error == ENOSYS) {
    /* The clone refused, or an exec that fails either way: fork decides, and is kept if it works. */
    int refused = error;
    error = fork_spawn(pid, path, argv, env, task);
    if (!error) {
      use_fork = 1;
      fprintf(stderr, "batch-runner-spawn: posix_spawn is refused here (%s); tasks start with fork and exec\n",
              strerror(refused));
    }
  }
  return error;
}

static void run(const struct task *task) {
  if (task->skip && access(task->skip, F_OK) == 0) {
    say("K\n", 2);
    return;
  }
  char **env = environment(task);
  char path[4096];
  if (!env) {
    sayf("X 126 out of memory\n");
    return;
  }
  int error = resolve(task->argv[0], env, path, sizeof path);
  pid_t pid = 0;
  long long began = now_us();
  if (!error) error = start(&pid, path, (char *const *)task->argv, env, task);
  if (error == ENOEXEC) {
    /* A file without #! runs as a shell script, as execvp and bash do. */
    const char **argv = calloc(task->args + 2, sizeof(char *));
    if (argv) {
      argv[0] = "/bin/sh";
      argv[1] = path;
      for (size_t i = 1; i < task->args; i++) argv[i + 1] = task->argv[i];
      error = start(&pid, "/bin/sh", (char *const *)argv, env, task);
      free(argv);
    }
  }
  free(env);
  if (error) {
    sayf("X %d %s\n", error == ENOENT ? 127 : 126, strerror(error));
    return;
  }
  if (ended_within(pid, START_NOTICE_MS)) {
    int status = finish(pid);
    sayf("D %d %d %lld\n", (int)pid, status, now_us() - began);
    return;
  }
  sayf("S %d\n", (int)pid);
  ended_within(pid, -1);
  sayf("E %d %d\n", (int)pid, finish(pid));
}

/* --check: this program can start a process here (itself, with --version). */
static int check(const char *self) {
  const char *argv[] = {self, "--version", NULL};
  struct task task;
  memset(&task, 0, sizeof task);
  task.out = task.err = "/dev/null";
  char *empty[] = {NULL};
  pid_t pid;
  if (start(&pid, self, (char *const *)argv, empty, &task) != 0) return 1;
  ended_within(pid, -1);
  if (finish(pid) != 0) return 1;
  say(VERSION_LINE, strlen(VERSION_LINE));
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    say(VERSION_LINE, strlen(VERSION_LINE));
    return 0;
  }
  int fork_flag = argc > 1 && strcmp(argv[1], "--fork") == 0;
  int check_flag = argc > 1 && strcmp(argv[1], "--check") == 0;
  if (argc > 2 || (argc > 1 && !fork_flag && !check_flag)) {
    fprintf(stderr, "usage: batch-runner-spawn [--version | --check | --fork] (task records on stdin)\n");
    return 2;
  }
  use_fork = fork_flag;
  /* SIGCHLD stays pending for sigtimedwait; tasks get an empty mask (posix_spawnattr_setsigmask). */
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_signal, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (check_flag) return check(access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : argv[0]);
  for (;;) {
    size_t length = 0;
    int c, digits = 0;
    while ((c = next_byte()) >= '0' && c <= '9' && digits < 10) {
      length = length * 10 + (size_t)(c - '0');
      digits++;
    }
    if (c < 0 && digits == 0) return 0; /* end of input */
    if (c != ' ' || digits == 0 || length > MAX_RECORD) {
      fprintf(stderr, "batch-runner-spawn: a malformed record\n");
      return 3;
    }
    char *record = malloc(length + 1);
    if (!record || read_bytes(record, length) != 1) {
      fprintf(stderr, "batch-runner-spawn: a record cut short\n");
      return 3;
    }
    struct task task;
    if (parse(record, length, &task) != 0) {
      fprintf(stderr, "batch-runner-spawn: a malformed record\n");
      return 3;
    }
    run(&task);
    free(task.unset);
    free(task.set);
    free(task.argv);
    free(record);
  }
}
