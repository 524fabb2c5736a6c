#!/usr/bin/python3
# Runs a command under a seccomp filter built like the one systemd loads for a unit, where systemd
# itself is not PID 1 (test/deploy/unit-sandbox.test.ts). Needs no-new-privileges (setpriv
# --no-new-privs) to load the filter as an unprivileged user.
#
#   seccomp-exec.py [--system-calls FILE [--refuse-with eperm|kill] [--eperm NAME,…]]
#                   [--address-families AF_INET,…] [--deny-write-execute] -- COMMAND…
#
# --system-calls: only the calls named in FILE (one a line); any other fails with EPERM, as
#   SystemCallFilter= with SystemCallErrorNumber=EPERM. Without it every call is allowed.
# --refuse-with kill: a call outside FILE kills the process instead (systemd's default action),
#   except those named by --eperm, which fail with EPERM: a stricter filter that shows which calls
#   outside the list a program makes.
# --address-families: socket() only for these families, as RestrictAddressFamilies=.
# --deny-write-execute: no memory both writable and executable, and none made executable later, as
#   MemoryDenyWriteExecute=yes (mmap with PROT_WRITE|PROT_EXEC, mprotect/pkey_mprotect adding PROT_EXEC).
import argparse
import errno
import mmap
import os
import socket

import seccomp  # Debian: python3-seccomp

WRITE_EXECUTE = mmap.PROT_WRITE | mmap.PROT_EXEC
MEMORY_CALLS = ("mmap", "mprotect", "pkey_mprotect")


def allow(rules: seccomp.SyscallFilter, name: str, *conditions: seccomp.Arg) -> None:
    try:
        rules.add_rule(seccomp.ALLOW, name, *conditions)
    except (RuntimeError, ValueError):
        pass  # a call this architecture does not have, as systemd skips it


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system-calls")
    parser.add_argument("--refuse-with", choices=("eperm", "kill"), default="eperm")
    parser.add_argument("--eperm", default="")
    parser.add_argument("--address-families")
    parser.add_argument("--deny-write-execute", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    refused = seccomp.ERRNO(errno.EPERM)
    if options.system_calls is None:
        names = None
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    else:
        with open(options.system_calls, encoding="ascii") as listed:
            names = set(listed.read().split())
        rules = seccomp.SyscallFilter(defaction=refused if options.refuse_with == "eperm" else seccomp.KILL_PROCESS)
        for name in filter(None, options.eperm.split(",")):
            rules.add_rule(refused, name)
    conditional = set()
    if options.address_families is not None:
        conditional.add("socket")
        if names is None:
            raise SystemExit("--address-families needs --system-calls")
        for family in options.address_families.split(","):
            allow(rules, "socket", seccomp.Arg(0, seccomp.EQ, getattr(socket, family)))
    if options.deny_write_execute:
        conditional.update(MEMORY_CALLS)
        if names is None:
            rules.add_rule(refused, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, WRITE_EXECUTE, WRITE_EXECUTE))
            for name in MEMORY_CALLS[1:]:
                rules.add_rule(refused, name, seccomp.Arg(2, seccomp.MASKED_EQ, mmap.PROT_EXEC, mmap.PROT_EXEC))
        else:
            for prot in (0, mmap.PROT_WRITE, mmap.PROT_EXEC):
                allow(rules, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, WRITE_EXECUTE, prot))
            for name in MEMORY_CALLS[1:]:
                allow(rules, name, seccomp.Arg(2, seccomp.MASKED_EQ, mmap.PROT_EXEC, 0))
    for name in sorted((names or set()) - conditional):
        allow(rules, name)
    rules.load()
    os.execv(command[0], command)


main()
