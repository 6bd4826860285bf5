exec(open("send.py").read().split("\ncases = {")[0])
P=10725
cases = {
 "stray_cr": (P, "alice@example.org", ["bob@example.net"], b"Subject: cr\rinside\r\n\r\nbody with\rcr and bare\nlf\r\n"),
}
for name, (port, s, r, d) in cases.items():
    try: send(name, port, s, r, d)
    except Exception as e: print(name, "EXC", e); open(f"cases/{name}.reply","w").write(f"EXC {e}\n")
