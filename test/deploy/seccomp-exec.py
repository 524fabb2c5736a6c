#!/usr/bin/python3
# Runs a command under a seccomp filter built like systemd's for a unit (unit-sandbox.test.ts), where
# systemd itself is not PID 1: only the system calls listed in ALLOWED_FILE (one name a line), socket()
# only for the address families in FAMILIES (AF_INET,AF_INET6,…), and every other call failing with
# EPERM, as SystemCallFilter=, RestrictAddressFamilies= and SystemCallErrorNumber=EPERM do.
# Needs no-new-privileges (setpriv --no-new-privs) to load the filter as an unprivileged user.
# Usage: seccomp-exec.py ALLOWED_FILE FAMILIES -- COMMAND [ARG…]
import errno
import os
import socket
import sys

import seccomp  # Debian: python3-seccomp


def main() -> None:
    allowed_file, families, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command[:1] == ["--"]:
        command = command[1:]
    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    with open(allowed_file, encoding="ascii") as names:
        for name in names.read().split():
            if name == "socket":
                continue  # allowed per family below
            try:
                rules.add_rule(seccomp.ALLOW, name)
            except (RuntimeError, ValueError):
                pass  # a call this architecture does not have, as systemd skips it
    for family in families.split(","):
        rules.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, getattr(socket, family)))
    rules.load()
    os.execv(command[0], command)


main()
