#!/usr/bin/env python3
"""Splits a `perf record -g` profile of one process (kernel samples included) into where its CPU went:
user space by library (and, inside the yongchain binary, by Swift module), and kernel time by the system call
it was spent in (and inside that: softirq work such as loopback TCP delivery, the scheduler, waking another
thread), interrupts and page faults. docs/performance.md, "Session 13".

Usage: perf script -F tid,ip,sym,dso -i perf.data | python3 scripts/perf-breakdown.py [TOP]
"""
import collections
import re
import sys

SYSCALL = re.compile(r"^(?:__x64_sys_|__arm64_sys_|__ia32_sys_|__se_sys_|__do_sys_)(\w+)")
SWIFT_MODULE = re.compile(r"^\$s(\d+)(\w+)")


def module_of(sym):
    """The Swift module a mangled symbol belongs to, or None."""
    m = SWIFT_MODULE.match(sym)
    if not m:
        return None
    n = int(m.group(1))
    return m.group(2)[:n]


def classify(frames):
    """frames: [(sym, dso)] from the leaf outwards. Returns (top-level class, detail)."""
    if not frames:
        return ("unknown", "")
    leaf_sym, leaf_dso = frames[0]
    if "kernel" not in leaf_dso:
        lib = leaf_dso.rsplit("/", 1)[-1]
        if lib == "yongchain" or lib.startswith("yongchain"):
            lib = "yongchain:" + (module_of(leaf_sym) or "other")
        return ("user", lib)
    kernel = [s for s, d in frames if "kernel" in d]
    entry = "other kernel"
    for s in reversed(kernel):  # outermost first
        m = SYSCALL.match(s)
        if m:
            entry = m.group(1)
            break
        if s.startswith("asm_exc_page_fault") or s.startswith("exc_page_fault"):
            entry = "page fault"
            break
        if s.startswith("asm_sysvec_") or s.startswith("asm_common_interrupt") or s.startswith("sysvec_"):
            entry = "interrupt " + s.replace("asm_sysvec_", "").replace("sysvec_", "")
            break
        if s.startswith("ret_from_fork") or s.startswith("schedule_tail"):
            entry = "thread start"
            break
    inner = set(kernel)
    if inner & {"__do_softirq", "handle_softirqs", "net_rx_action", "do_softirq", "__local_bh_enable_ip"} \
            and ("net_rx_action" in inner or "process_backlog" in inner):
        part = "softirq: network receive (loopback delivery)"
    elif inner & {"__schedule", "schedule", "finish_task_switch", "finish_task_switch.isra.0"}:
        part = "scheduler (sleep/switch)"
    elif "try_to_wake_up" in inner or any(s.startswith("__wake_up") for s in kernel):
        part = "waking a thread"
    elif entry == "futex":
        part = "futex"
    else:
        part = "the call itself"
    return ("kernel", entry + " / " + part)


def samples(lines):
    """(tid, frames) per sample of `perf script` output: a header line, then one indented line per frame."""
    frames, tid = [], None
    for line in lines:
        if line.startswith("\t"):
            parts = line.strip().split(None, 1)
            if len(parts) < 2:
                continue
            m = re.match(r"^(.*) \((.*)\)$", parts[1])
            sym, dso = (m.group(1), m.group(2)) if m else (parts[1], "?")
            frames.append((re.sub(r"\+0x[0-9a-f]+$", "", sym), dso))
        elif line.strip():
            if tid is not None and frames:
                yield tid, frames
            tid, frames = line.split()[0], []
    if tid is not None and frames:
        yield tid, frames


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    total = 0
    classes = collections.Counter()
    details = collections.Counter()
    syscalls = collections.Counter()
    leaf_kernel = collections.Counter()
    for _, frames in samples(sys.stdin):
        total += 1
        cls, detail = classify(frames)
        classes[cls] += 1
        details[(cls, detail)] += 1
        if cls == "kernel":
            syscalls[detail.split(" / ")[0]] += 1
            leaf_kernel[frames[0][0]] += 1
    if total == 0:
        print("no samples")
        return
    pct = lambda n: 100.0 * n / total
    print(f"{total} samples")
    for cls, n in classes.most_common():
        print(f"{pct(n):6.1f} %  {cls}")
    print("\nkernel time by entry (system call, interrupt, fault):")
    for name, n in syscalls.most_common(top):
        print(f"{pct(n):6.1f} %  {name}")
    print("\nby class and part:")
    for (cls, detail), n in details.most_common(top * 2):
        print(f"{pct(n):6.1f} %  {cls:6}  {detail}")
    print("\nkernel leaf functions:")
    for name, n in leaf_kernel.most_common(top):
        print(f"{pct(n):6.1f} %  {name}")


if __name__ == "__main__":
    main()
