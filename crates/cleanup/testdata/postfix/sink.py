import socketserver, sys, os, itertools
OUT = "/tmp/pfx-cleanup/sink/out"
os.makedirs(OUT, exist_ok=True)
counter = itertools.count(len(os.listdir(OUT)))
class H(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda s: (self.wfile.write(s.encode() + b"\r\n"), self.wfile.flush())
        w("220 sink ESMTP")
        env = []
        while True:
            line = self.rfile.readline()
            if not line: return
            cmd = line.decode("latin1").strip()
            u = cmd.upper()
            if u.startswith("EHLO"): w("250-sink"); w("250 8BITMIME")
            elif u.startswith("HELO"): w("250 sink")
            elif u.startswith("MAIL") or u.startswith("RCPT"): env.append(cmd); w("250 ok")
            elif u == "DATA":
                w("354 go")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if l in (b".\r\n", b".\n", b""): break
                    if l.startswith(b".."): l = l[1:]
                    data += l
                n = next(counter)
                with open(f"{OUT}/{n:04d}.eml", "wb") as f:
                    f.write(("\n".join(env) + "\n\n").encode()); f.write(data)
                env = []
                w("250 ok queued")
            elif u == "QUIT": w("221 bye"); return
            else: w("250 ok")
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
S(("127.0.0.1", 10726), H).serve_forever()
