#!/bin/bash
# The seed's size (docs/performance.md, "Four validators with 37 member nodes"): the same register load on the
# consortium's four validators alone, then with 37 member nodes following (cluster init --member-banks 37), all
# on 127.0.0.1; prints commit throughput, the validators' CPU (each), the member nodes' lag behind the tip and the
# validators' CPU at idle with and without them. Needs curl and python3.
#   Y=.build/release/yongchain UNITS=2000 bash scripts/member-nodes-37.sh
Y=${Y:-.build/release/yongchain}
R=${R:-/tmp/yc-member-nodes-37}
mkdir -p $R
UNITS=${UNITS:-400}
cpu() { # utime+stime ticks of each validator's process in dir $1, then the total
  local t=0 out=""; for n in registry trade-authority central-bank credit-platform; do
    p=$(cat $1/$n/node.pid); s=$(awk '{print $14+$15}' /proc/$p/stat); t=$((t+s)); out="$out $s"; done; echo "$t$out"; }
delta() { python3 -c "a='$1'.split(); b='$2'.split(); print(' '.join(str(int(y)-int(x)) for x,y in zip(a,b)))"; }
for k in v4 m37; do
  D=$R/$k; rm -rf $D
  $Y cluster init --dir $D --member-banks 37 --empty-block-ms 200 --base-port $([ $k = v4 ] && echo 24000 || echo 24100) >/dev/null || exit 1
  $Y cluster up --dir $D --only registry,trade-authority,central-bank,credit-platform >/dev/null || exit 1
  if [ $k = m37 ]; then
    $Y cluster up --dir $D >/dev/null || exit 1
  fi
  sleep 5
  echo "== $k: load $(cut -d' ' -f1-3 /proc/loadavg)"
  C0=$(cpu $D); T0=$(date +%s.%N)
  if [ $k = m37 ]; then
    ( while [ ! -f $R/stop ]; do
        for i in $(seq 5 41); do
          t=$(curl -s http://127.0.0.1:24101/v1/status | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])' 2>/dev/null)
          h=$(curl -s http://127.0.0.1:$((24100+i))/v1/status | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])' 2>/dev/null)
          echo "$t $h"
        done | awk '{l=$1-$2; if(l>m)m=l; s+=l; n++} END {print "members", n, "lag max", m, "mean", s/n}'
      done ) > $R/lag.txt &
    LAGPID=$!
  fi
  $Y bench --dir $D --workload register --units $UNITS --submitters 8 --keep 2>&1 | tee $R/bench-$k.txt | grep -E "committed|tx/s|workload" | head -5
  C1=$(cpu $D); T1=$(date +%s.%N)
  echo "validators' CPU (total, registry, trade-authority, central-bank, credit-platform): $(delta "$C0" "$C1") ticks over $(python3 -c "print(round($T1-$T0,1))") s (4 processes; $(getconf CLK_TCK) ticks/s)"
  if [ $k = m37 ]; then touch $R/stop; wait $LAGPID; rm -f $R/stop; cat $R/lag.txt
    # idle: validators' CPU with 37 members following, 20 s
    members() { for n in $(ls $D | grep '^bank-'); do awk '{print $14+$15}' /proc/$(cat $D/$n/node.pid)/stat; done | paste -sd+ | bc; }
    C0=$(cpu $D); M0=$(members); sleep 20; C1=$(cpu $D); M1=$(members)
    echo "idle 20 s with 37 members following: validators' CPU $(delta "$C0" "$C1") ticks; the 37 members' $((M1-M0)) ticks"
    for i in $(seq 5 41); do curl -s http://127.0.0.1:$((24100+i))/v1/status; echo; done | python3 -c "
import json,sys
hs=[json.loads(l)['height'] for l in sys.stdin if l.strip().startswith('{')]; print('members answering',len(hs),'heights',min(hs),max(hs))"
    curl -s http://127.0.0.1:24101/v1/status | python3 -c 'import json,sys; print("tip", json.load(sys.stdin)["height"])'
  else
    C0=$(cpu $D); sleep 20; C1=$(cpu $D); echo "idle 20 s, no members: validators' CPU $(delta "$C0" "$C1") ticks"
  fi
  $Y cluster down --dir $D >/dev/null
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
done
