#!/usr/bin/env python3
"""Run one command and report its wall-clock time and peak resident set size.

Usage: peak_rss.py [--stdin FILE] [--stdout FILE] [--stderr FILE] [--method auto|gnu-time|wait4] -- COMMAND [ARG]...

Prints one line on stdout:  SECONDS PEAK_RSS_KIB EXIT_CODE METHOD

The command runs with its standard streams opened from the given files (no shell in between, so a
shell's start-up and memory are not measured). Time is a monotonic clock from just before the fork
to just after the reap (millisecond resolution, unlike GNU time's %e). Peak RSS is the largest
ru_maxrss in the process tree (for `find ... -exec cat {} +`, max(find, cat)), in KiB, taken by:

  gnu-time  `/usr/bin/time -f %M` wrapped around the command. Preferred when GNU time exists:
            Linux carries the RSS a process had when it called exec() into its ru_maxrss, and GNU
            time is a small C program, so the floor it adds is ~1 MiB.
  wait4     os.wait4 on a child forked from this (deliberately lean: run it with `python3 -I -S`)
            interpreter. Needs nothing but Python 3, but every figure has a floor of the
            interpreter's pages copied into the child by fork, ~7 MiB: `peak_rss.py -- true`
            shows it. Compare figures above it, or with the floor subtracted.

auto (the default) takes gnu-time if /usr/bin/time is GNU time, else wait4.
"""
import os
import sys
import time

GNU_TIME = "/usr/bin/time"


def has_gnu_time():
    if not os.access(GNU_TIME, os.X_OK):
        return False
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.dup2(w, 2)
        try:
            os.execv(GNU_TIME, [GNU_TIME, "--version"])
        finally:
            os._exit(127)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read()
    os.waitpid(pid, 0)
    return b"GNU" in out


def run(cmd, stdin, stdout, stderr):
    """Forks and execs `cmd` with redirected streams; returns (seconds, exit status, rusage)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: only system calls until exec, so its memory stays what fork copied
        try:
            for fd, path, flags in ((0, stdin, os.O_RDONLY), (1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                    (2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                if path is not None:
                    opened = os.open(path, flags, 0o644)
                    os.dup2(opened, fd)
                    os.close(opened)
            os.execvp(cmd[0], cmd)
        except OSError as e:
            os.write(2, ("peak_rss.py: %s: %s\n" % (cmd[0], e.strerror)).encode())
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - start, status, usage


def main(argv):
    opts = {"--stdin": "/dev/null", "--stdout": "/dev/null", "--stderr": None, "--method": "auto"}
    while argv and argv[0] != "--":
        if argv[0] in ("-h", "--help"):
            print(__doc__)
            return 0
        if argv[0] not in opts or len(argv) < 2:
            sys.exit("peak_rss.py: bad argument %r (see --help)" % argv[0])
        opts[argv[0]] = argv[1]
        argv = argv[2:]
    cmd = argv[1:]
    if not cmd:
        sys.exit("peak_rss.py: no command given (see --help)")
    method = opts["--method"]
    if method == "auto":
        method = "gnu-time" if has_gnu_time() else "wait4"

    if method == "gnu-time":
        import tempfile  # only here: every module imported before a wait4 fork raises its floor

        fd, report = tempfile.mkstemp(prefix="peak_rss.")
        os.close(fd)
        try:
            seconds, status, _ = run([GNU_TIME, "-f", "%M", "-o", report, "--"] + cmd,
                                     opts["--stdin"], opts["--stdout"], opts["--stderr"])
            with open(report) as f:
                # "Command exited with non-zero status N" may come first; %M is the last line.
                peak_kib = int(f.read().split()[-1])
        finally:
            os.unlink(report)
    elif method == "wait4":
        seconds, status, usage = run(cmd, opts["--stdin"], opts["--stdout"], opts["--stderr"])
        # ru_maxrss is in KiB on Linux, in bytes on macOS.
        peak_kib = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    else:
        sys.exit("peak_rss.py: --method must be auto, gnu-time or wait4")

    code = os.waitstatus_to_exitcode(status)  # negative for a signal, as in subprocess
    print("%.3f %d %d %s" % (seconds, peak_kib, code, method))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
