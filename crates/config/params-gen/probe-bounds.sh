#!/bin/sh
# Cross-check kinds and bounds of the parameters every Postfix program reads at start
# (the "global" ones, 66 in 3.7): for each name, run `postmap -q` against a throwaway
# config directory whose main.cf sets NAME = VALUE, and print what Postfix says.
# Read-only: no daemon is started, /etc/postfix is not read.
#
#   postconf -c EMPTY -d | cut -d' ' -f1 | xargs -P 24 -I{} ./probe-bounds.sh {} xyz
#
# "bad boolean" / "bad numerical" / "bad time value" give the kind; values 0, -1 and
# 9999999999 give the lower bound and int-vs-long (Kind::Int vs Kind::Size).
# Takes about 2 s per run (postmap's start-up), hence the parallel xargs.
d=$(mktemp -d)
printf '%s = %s\nmyhostname = vm.localdomain\n' "$1" "$2" > "$d/main.cf"
: > "$d/master.cf"
out=$(/usr/sbin/postmap -c "$d" -q foo 'inline:{a=b}' 2>&1 | grep -i 'fatal\|warning' | head -1)
rm -r "$d"
echo "$1|$2|${out:-OK}"
