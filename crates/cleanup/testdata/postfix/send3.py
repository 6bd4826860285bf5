exec(open("send.py").read().split("cases = {")[0])
P=10725
cases = {
 "rej4": (P, "alice@example.org", ["bob@example.net"], C("Subject: rej4", "", "body")),
 "rej570": (P, "alice@example.org", ["bob@example.net"], C("Subject: rej570", "", "body")),
 "valoop": (P, "alice@example.org", ["loop1@example.net"], C("Subject: loop", "", "body")),
 "vaself": (P, "alice@example.org", ["self@example.net"], C("Subject: self", "", "body")),
 "vafan": (P, "alice@example.org", ["fan@example.net", "a@example.net"], C("Subject: fan", "", "body")),
}
for name, (port, s, r, d) in cases.items():
    try: send(name, port, s, r, d)
    except Exception as e: print(name, "EXC", e); open(f"cases/{name}.reply","w").write(f"EXC {e}\n")
