import re, os
C = lambda *ls: ("\r\n".join(ls) + "\r\n").encode()
def body(f): return open(f).read().split("\ncases = {")[1].split("\n}\n")[0]
P=10725
filler = ["filler line number %02d" % i for i in range(10)]
big = b""
longhdr = b"Subject: long\r\nX-Long: " + b"a"*200 + b"\r\n" + b"".join(b" " + b"b"*70 + b"\r\n" for _ in range(1600)) + b"X-After: after\r\n\r\nbody\r\n"
cases = {}
for f in ("send.py","send2.py","send3.py","send4.py","send5.py"): cases.update(eval("{" + body(f) + "\n}"))
out = "/work/wt-cleanup/crates/cleanup/testdata/postfix"
skip = {"toobig", "from_only_name"}  # from_only_name needs header address rewriting (not yet)
for name, (port, s, r, d) in cases.items():
    if name in skip: continue
    if not d.endswith(b"\r\n"): d += b"\r\n"  # as send() does
    env = f"MAIL FROM:<{s}>\n" + "".join(f"RCPT TO:<{x}>\n" for x in r)
    if port == 10727: env = "X-REMOTE\n" + env
    open(f"{out}/{name}.in", "wb").write(env.encode() + b"\n" + d)
    reply = open(f"cases/{name}.reply").read().strip()
    m = re.search(r"queued as ([0-9A-F]+)", reply)
    if not m:
        open(f"{out}/{name}.reply", "w").write(reply + "\n"); continue
    qid = m.group(1)
    eml = f"cases/{name}.eml"
    if not os.path.exists(eml) or name in ("hold","redirect","filter","bcc","vaself","vafan"):
        if os.path.exists(eml):
            data = open(eml,"rb").read()
            data = data.split(b"\n\n",1)[0] + b"\n"
            open(f"{out}/{name}.envelope", "wb").write(data)
        continue
    data = open(eml, "rb").read()
    data = data.replace(qid.encode(), b"QUEUEID")
    data = re.sub(rb"\w\w\w, \d+ \w\w\w 2026 \d\d:\d\d:\d\d \+0000 \(UTC\)", b"DATE", data)
    data = re.sub(rb"<2026\d{10}\.QUEUEID@", b"<MSGIDTIME.QUEUEID@", data)
    open(f"{out}/{name}.ref", "wb").write(data)
