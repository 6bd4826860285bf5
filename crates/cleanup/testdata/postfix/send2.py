exec(open("send.py").read().split("cases = {")[0])
P=10725
big = b"Subject: big\r\n\r\n" + (b"x"*998 + b"\r\n") * 10300
longhdr = b"Subject: long\r\nX-Long: " + b"a"*200 + b"\r\n" + b"".join(b" " + b"b"*70 + b"\r\n" for _ in range(1600)) + b"X-After: after\r\n\r\nbody\r\n"
cases = {
 "hold": (P, "alice@example.org", ["bob@example.net"], C("Subject: hold-me", "", "body")),
 "redirect": (P, "alice@example.org", ["bob@example.net"], C("Subject: redirect-me", "", "body")),
 "filter": (P, "alice@example.org", ["bob@example.net"], C("Subject: filter-me", "", "body")),
 "bcc": (P, "alice@example.org", ["bob@example.net"], C("Subject: bcc-me", "", "body")),
 "hops48": (P, "alice@example.org", ["bob@example.net"], C(*(["Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000"]*48), "Subject: hops", "", "body")),
 "toobig": (P, "alice@example.org", ["bob@example.net"], big),
 "longhdr": (P, "alice@example.org", ["bob@example.net"], longhdr),
 "hdr_no_space": (P, "alice@example.org", ["bob@example.net"], C("Subject:nospace", "X-Empty:", "From:a@example.org", "", "body")),
}
for name, (port, s, r, d) in cases.items():
    try: send(name, port, s, r, d)
    except Exception as e: print(name, "EXC", e); open(f"cases/{name}.reply","w").write(f"EXC {e}\n")
