#!/usr/bin/env python3
"""Samples every node of a `yongchain bench --dir DIR` cluster while it runs (docs/performance.md, session 14).

    scripts/node-memory-sample.py DIR OUT.tsv [--malloc NODE]

Every 0.5 s, per node: VmRSS, VmHWM, RssFile, RssAnon (MiB), threads, minor faults and CPU seconds from /proc, and
from /metrics the pool (size, counted bytes), the gossip queued to peers, the height and the trims' time. With
--malloc NODE, glibc's own count (`malloc_stats`, arenas' system and in-use bytes) of that node is appended to its
node.log every 20 s through gdb (which stops the node for a moment: that node's peak reads a few MiB higher).
Prints each node's largest RSS, and when, at the end (when the nodes are gone)."""
import json, os, re, subprocess, sys, threading, time, urllib.request

d, path = sys.argv[1], sys.argv[2]
malloc_node = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--malloc' else None
while not os.path.exists(f'{d}/cluster.json'):
    time.sleep(0.5)
time.sleep(1)
nodes = json.load(open(f'{d}/cluster.json'))['nodes']


def pid(n):
    try:
        return int(open(f"{n['home']}/node.pid").read().strip())
    except (OSError, ValueError):
        return None


def malloc_loop(n):
    while (p := pid(n)) and os.path.exists(f'/proc/{p}'):
        subprocess.run(['timeout', '60', 'gdb', '-p', str(p), '-batch', '-ex', 'handle all nostop noprint pass',
                        '-ex', 'call (void)malloc_stats()'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(20)


if malloc_node:
    threading.Thread(target=malloc_loop, args=([n for n in nodes if n['name'] == malloc_node][0],), daemon=True).start()
out = open(path, 'w')
out.write('t\tnode\trss\thwm\trss_file\trss_anon\tthreads\tpool\tpool_bytes\tqueued\theight\ttrim_s\tminflt\tcpu_s\n')
t0, peak, gone = time.time(), {}, 0
while gone < 20:
    alive = 0
    for n in nodes:
        p = pid(n)
        try:
            st = open(f'/proc/{p}/status').read()
            f = open(f'/proc/{p}/stat').read().rpartition(')')[2].split()
        except (OSError, TypeError):
            continue
        alive += 1
        kib = lambda k: int(re.search(rf'^{k}:\s+(\d+)', st, re.M).group(1)) // 1024
        m = {}
        try:
            for line in urllib.request.urlopen(n['url'] + '/metrics', timeout=2).read().decode().splitlines():
                if not line.startswith('#'):
                    k, _, v = line.rpartition(' ')
                    m[k] = v
        except OSError:
            pass
        queued = sum(float(v) for k, v in m.items() if k.startswith('yongchain_p2p_queued'))
        rss, t = kib('VmRSS'), time.time() - t0
        threads = re.search(r'^Threads:\s+(\d+)', st, re.M).group(1)
        cpu = (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
        out.write(f"{t:.1f}\t{n['name']}\t{rss}\t{kib('VmHWM')}\t{kib('RssFile')}\t{kib('RssAnon')}\t"
                  f"{threads}\t{m.get('yongchain_mempool_size', '')}\t"
                  f"{m.get('yongchain_mempool_bytes', '')}\t{queued:.0f}\t{m.get('yongchain_consensus_height', '')}\t"
                  f"{m.get('yongchain_process_malloc_trim_seconds_total', '')}\t{f[7]}\t{cpu:.1f}\n")
        if rss > peak.get(n['name'], (0,))[0]:
            peak[n['name']] = (rss, round(t, 1))
    out.flush()
    gone = 0 if alive else gone + 1
    time.sleep(0.5)
print(json.dumps(peak))
