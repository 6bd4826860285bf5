exec(open("send.py").read().split("\ncases = {")[0])
P=10725
filler = ["filler line number %02d" % i for i in range(10)]
cases = {
 "bcl_late": (P, "alice@example.org", ["bob@example.net"], C("Subject: late", "", *filler, "late-bad here")),
 "bcl_part": (P, "alice@example.org", ["bob@example.net"], C("Subject: latepart", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"BB\"", "", *filler, "--BB", "Content-Type: text/plain", "", "late-bad in part", "--BB--")),
 "ignore_msgid": (P, "alice@example.org", ["bob@example.net"], C("Subject: ig", "Message-Id: <ignore-me@x>", "", "body")),
 "delivered_to": (P, "alice@example.org", ["bob@example.net"], C(*(["Delivered-To: x@y"]*49), "Subject: dt", "", "body")),
 "part_prepend": (P, "alice@example.org", ["bob@example.net"], C("Subject: pp", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"BB\"", "", "--BB", "Content-Type: text/plain", "X-Part-Prepend: y", "", "hi", "--BB--")),
 "lf_only": (P, "alice@example.org", ["bob@example.net"], b"Subject: lf\n\nbody\n"),
}
for name, (port, s, r, d) in cases.items():
    try: send(name, port, s, r, d)
    except Exception as e: print(name, "EXC", e); open(f"cases/{name}.reply","w").write(f"EXC {e}\n")
