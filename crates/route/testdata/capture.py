#!/usr/bin/env python3
"""Captures Postfix's own trivial-rewrite answers for the requests in cases.txt.

Run as root, in a private mount namespace (it mounts over /dev to catch syslog):

    unshare -m --propagation private python3 capture.py cases.txt > postfix-3.7.txt

For each [case] it writes a temporary main.cf (the base settings below plus the
case's `name = value` lines, `$TESTDATA` being this directory), runs Postfix's trivial-rewrite daemon in stand-alone
mode (`trivial-rewrite -S`, the request on stdin in Postfix's attribute protocol),
and prints the request with the reply. Warnings the daemon sends to syslog while
answering a request are printed after it as `warning` lines.
"""
import os, socket, subprocess, sys, tempfile, threading, time

DAEMON = "/usr/lib/postfix/sbin/trivial-rewrite"
BASE = [
    ("compatibility_level", "3.6"),
    ("myhostname", "host.example.com"),
    ("mydomain", "example.com"),
    ("inet_interfaces", "127.0.0.1"),
    ("inet_protocols", "ipv4"),
    ("mail_owner", "postfix"),
]

logs = []

def setup_syslog(tmp):
    dev = os.path.join(tmp, "dev")
    os.mkdir(dev)
    subprocess.run(["mount", "-t", "tmpfs", "none", dev], check=True)
    for n in ["null", "zero", "random", "urandom", "full"]:
        open(os.path.join(dev, n), "w").close()
        subprocess.run(["mount", "--bind", "/dev/" + n, os.path.join(dev, n)], check=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(os.path.join(dev, "log"))
    def listen():
        while True:
            logs.append(s.recv(65536).decode(errors="replace"))
    threading.Thread(target=listen, daemon=True).start()
    subprocess.run(["mount", "--bind", dev, "/dev"], check=True)

def attrs(pairs):
    return b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in pairs) + b"\0"

def ask(confdir, pairs):
    env = dict(os.environ, MAIL_CONFIG=confdir)
    before = len(logs)
    out = subprocess.run([DAEMON, "-S"], input=attrs(pairs), capture_output=True, env=env, timeout=10).stdout
    time.sleep(0.05)
    fields = out.split(b"\0")
    reply, i = [], 0
    while i + 1 < len(fields) and fields[i]:
        reply.append(fields[i + 1].decode())
        i += 2
    warnings = [l.split(": warning: ", 1)[1] for l in logs[before:] if ": warning: " in l]
    fatals = [l for l in logs[before:] if "fatal" in l or "panic" in l]
    return reply, warnings, fatals

def main():
    tmp = tempfile.mkdtemp(prefix="route-capture-")
    setup_syslog(tmp)
    queue = os.path.join(tmp, "queue")
    os.mkdir(queue)
    name, settings, requests = None, [], []
    cases = []
    for line in open(sys.argv[1]):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if name:
                cases.append((name, settings, requests))
            name, settings, requests = line, [], []
        elif line.startswith(("resolve\t", "verify\t", "rewrite\t")):
            requests.append(line.split("\t"))
        else:
            k, v = line.split("=", 1)
            settings.append((k.strip(), v.strip()))
    if name:
        cases.append((name, settings, requests))
    print("# Postfix's trivial-rewrite answers, captured by capture.py from cases.txt.")
    print("# resolve, verify: sender, address -> flags, transport, nexthop, recipient")
    print("# rewrite: context, address -> address")
    for name, settings, requests in cases:
        confdir = os.path.join(tmp, "conf")
        os.makedirs(confdir, exist_ok=True)
        with open(os.path.join(confdir, "main.cf"), "w") as f:
            testdata = os.path.dirname(os.path.abspath(sys.argv[1]))
            merged = dict(BASE + [("queue_directory", queue), ("data_directory", queue)])
            merged.update(settings)
            for k, v in merged.items():
                f.write(f"{k} = {v.replace('$TESTDATA', testdata)}\n")
        print()
        print(name)
        for k, v in settings:
            print(f"{k} = {v}")
        for req in requests:
            if req[0] in ("resolve", "verify"):
                _, sender, addr = req
                reply, warnings, fatals = ask(confdir, [("request", req[0]), ("sender", sender), ("address", addr)])
            else:
                _, context, addr = req
                reply, warnings, fatals = ask(confdir, [("request", "rewrite"), ("rule", context), ("address", addr)])
            if fatals:
                sys.exit(f"{name} {req}: {fatals}")
            print("\t".join(req + ["->"] + reply))
            for w in warnings:
                print("warning\t" + w)

main()
