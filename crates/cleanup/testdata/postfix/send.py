import smtplib, sys, socket
def send(name, port, sender, rcpts, data, helo="client.example.org"):
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo)
    try:
        s.ehlo(helo)
        code, msg = s.mail(sender)
        for r in rcpts: s.rcpt(r)
        s.putcmd("data"); c, m = s.getreply()
        # raw: caller gives exact CRLF text, we dot-stuff
        body = data.replace(b"\r\n.", b"\r\n..")
        if body.startswith(b"."): body = b"." + body
        if not body.endswith(b"\r\n"): body += b"\r\n"
        s.send(body + b".\r\n")
        c, m = s.getreply()
        res = f"{c} {m.decode()}"
    finally:
        try: s.quit()
        except Exception: pass
    print(name, "->", res)
    open(f"cases/{name}.reply", "w").write(res + "\n")
C = lambda *ls: ("\r\n".join(ls) + "\r\n").encode()
P = int(sys.argv[1]) if len(sys.argv) > 1 else 10725
which = sys.argv[2:] 
cases = {
 "bare_body": (P, "alice@example.org", ["bob@example.net"], C("", "just a body")),
 "bare_body_remote": (10727, "alice@example.org", ["bob@example.net"], C("", "just a body")),
 "no_headers_at_all": (P, "alice@example.org", ["bob@example.net"], C("hello without header")),
 "dropped": (P, "alice@example.org", ["bob@example.net"], C("Return-Path: <x@y>", "Bcc: secret@example.net", "Content-Length: 12", "Subject: drops", "", "body")),
 "resent": (P, "alice@example.org", ["bob@example.net"], C("From: a@example.org", "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Message-Id: <orig@example.org>", "Resent-To: bob@example.net", "Subject: resent", "", "body")),
 "null_sender": (P, "", ["bob@example.net"], C("Subject: null", "", "body")),
 "unqualified_sender": (P, "alice", ["bob@example.net"], C("Subject: unq", "", "body")),
 "two_rcpts": (P, "alice@example.org", ["bob@example.net", "carol@example.net"], C("Subject: two", "", "body")),
 "folded": (P, "alice@example.org", ["bob@example.net"], C("Subject: a folded", " subject line", "X-Replace: old", "X-Drop: gone", "From: a@example.org", "", "body")),
 "reject": (P, "alice@example.org", ["bob@example.net"], C("Subject: reject-me", "", "body")),
 "reject_text": (P, "alice@example.org", ["bob@example.net"], C("Subject: reject-text", "", "body")),
 "reject_4xx": (P, "alice@example.org", ["bob@example.net"], C("Subject: 4xx-me", "", "body")),
 "defer": (P, "alice@example.org", ["bob@example.net"], C("Subject: defer-me", "", "body")),
 "discard": (P, "alice@example.org", ["bob@example.net"], C("Subject: discard-me", "", "body")),
 "prepend": (P, "alice@example.org", ["bob@example.net"], C("Subject: prepend-me", "", "body")),
 "warn": (P, "alice@example.org", ["bob@example.net"], C("Subject: warn-me", "", "body")),
 "info": (P, "alice@example.org", ["bob@example.net"], C("Subject: info-me", "", "body")),
 "body": (P, "alice@example.org", ["bob@example.net"], C("Subject: bodies", "", "line1", "body-replace xyz", "body-ignore this", "body-prepend here", "end")),
 "body_reject": (P, "alice@example.org", ["bob@example.net"], C("Subject: bodies", "", "line1", "body-reject now")),
 "hops": (P, "alice@example.org", ["bob@example.net"], C(*(["Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000"]*51), "Subject: hops", "", "body")),
 "hops50": (P, "alice@example.org", ["bob@example.net"], C(*(["Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000"]*49), "Subject: hops", "", "body")),
 "mime_reject": (P, "alice@example.org", ["bob@example.net"], C("Subject: mime", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"BB\"", "", "pre", "--BB", "Content-Type: text/plain", "", "part1", "--BB", "Content-Type: application/x-evil", "", "evil", "--BB--", "post")),
 "mime_body": (P, "alice@example.org", ["bob@example.net"], C("Subject: mime", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"BB\"", "", "pre", "--BB", "Content-Type: text/plain", "", "body-replace inpart", "--BB", "Content-Type: message/rfc822", "", "Subject: reject-me", "X-Drop: nested", "", "body-replace nestedbody", "--BB--", "post")),
 "dup_rcpt": (P, "alice@example.org", ["bob@example.net", "Bob@example.net", "bob@example.net"], C("Subject: dup", "", "body")),
 "not_header": (P, "alice@example.org", ["bob@example.net"], C("Subject: nh", "this is not a header", "X-After: x", "", "body")),
 "from_only_name": (P, "alice@example.org", ["bob@example.net"], C("From: Alice", "To: bob", "Subject: unq hdr", "", "body")),
}
for name, (port, s, r, d) in cases.items():
    if which and name not in which: continue
    try: send(name, port, s, r, d)
    except Exception as e: print(name, "EXC", e); open(f"cases/{name}.reply","w").write(f"EXC {e}\n")
