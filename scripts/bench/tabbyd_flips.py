# SPDX-License-Identifier: Apache-2.0
"""Policy propagation flips for scripts/bench/tabbyd.sh (not run by bench.sh on its own).

Reads the events udpflow's sink appends to a file (all CLOCK_MONOTONIC ns, the clock Python's
time.monotonic_ns() reads), flips a deny on and off with tabbyctl, interleaved with the nft
peer, and prints JSON rows for one configuration of endpoints x policies.

  write  the datastore's notify file was written: the command's commit has returned
  flip   the sink's ingress entry in tabbyd's endpoint map changed: the map write that
         enforces the change
  stop   the last packet the sink saw before the flow stopped
  start  the first packet after a gap
Packets are timed by their send time (carried in the payload): the verdict is given on the
sender's path within microseconds, while the sink may be scheduled late on a busy machine.
"""
import argparse
import json
import random
import subprocess
import sys
import time


class Events:
    """The sink's event file, read as it grows."""

    def __init__(self, path):
        self.f = open(path)
        self.buf = ""
        self.ev = []

    def pump(self):
        self.buf += self.f.read()
        *lines, self.buf = self.buf.split("\n")
        for ln in lines:
            p = ln.split()
            if p and p[0] in ("stop", "start"):
                self.ev.append((p[0], int(p[3])))
            elif len(p) == 2:
                self.ev.append((p[0], int(p[1])))

    def first(self, kind, after):
        return next((t for k, t in self.ev if k == kind and t > after), None)

    def wait(self, kind, after, timeout_s):
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.pump()
            t = self.first(kind, after)
            if t is not None:
                return t
            time.sleep(0.001)
        return None


def settled_stop(ev, mark, gap_s):
    """The stop after `mark` that no start follows: a scheduling hiccup is not enforcement."""
    t = ev.wait("stop", mark, 3.0)
    while t is not None:
        time.sleep(gap_s + 0.02)
        ev.pump()
        s = ev.first("start", t)
        if s is None:
            return t
        t = ev.wait("stop", s, 3.0)
    return None


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def flip(ev, on, off, gap_s):
    """One deny on (measured) and off (resume measured); None when the flow never stopped."""
    mark = time.monotonic_ns()
    run(on)
    stop = settled_stop(ev, mark, gap_s)
    write = ev.first("write", mark)
    prog = ev.first("flip", write or mark)
    mark2 = time.monotonic_ns()
    run(off)
    start = ev.wait("start", mark2, 3.0)
    write2 = ev.first("write", mark2)
    time.sleep(gap_s)
    got = {"stop": stop, "write": write, "flip": prog, "start": start, "write again": write2}
    if None in got.values():
        print("tabbyd_flips: a flip without " + ", ".join(k for k, v in got.items() if v is None),
              file=sys.stderr)
        return None
    return {"write": (stop - write) / 1e6, "map": (stop - prog) / 1e6,
            "agent": (prog - write) / 1e6, "resume": (start - write2) / 1e6}


def nft_once(ns, path):
    t = time.monotonic_ns()
    run(["nsenter", "--net=/run/netns/" + ns, "nft", "-f", path])
    return (time.monotonic_ns() - t) / 1e6


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def row(name, value, unit, peer=None, peer_value=None, target=None):
    return json.dumps({"name": name, "value": round(value, 3), "unit": unit, "peer": peer,
                       "peer_value": None if peer_value is None else round(peer_value, 3),
                       "ratio": None if peer_value is None else round(value / peer_value, 3),
                       "target": target})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--deny", required=True, help="manifest of the deny policy")
    ap.add_argument("--pod", required=True, help="NS/NAME of the sink pod")
    ap.add_argument("--nft-ns", required=True)
    ap.add_argument("--nft-add", required=True)
    ap.add_argument("--flips", type=int, default=15)
    ap.add_argument("--gap-ms", type=int, default=30)
    ap.add_argument("--tag", required=True, help="row name suffix, e.g. e100.p100")
    a = ap.parse_args()

    ev = Events(a.events)
    gap = a.gap_ms / 1000
    ns, pod = a.pod.split("/")
    variants = {
        "deny": ([a.ctl, "apply", "-f", a.deny],
                 [a.ctl, "delete", "globalnetworkpolicy", "bench-deny"]),
        "label": ([a.ctl, "label", "pod", pod, "blocked=true", "-n", ns],
                  [a.ctl, "label", "pod", pod, "blocked", "--remove", "-n", ns]),
    }
    res = {v: [] for v in variants}
    nft = []
    lost = 0
    # Interleaved in shuffled order: the variants and the peer see the same machine.
    order = [v for v in list(variants) + ["nft"] for _ in range(a.flips)]
    random.shuffle(order)
    for v in order:
        if v == "nft":
            # Never undone: a few more rules leave it a 10,000-rule ruleset.
            nft.append(nft_once(a.nft_ns, a.nft_add))
            continue
        s = flip(ev, *variants[v], gap)
        if s is None:
            lost += 1
        else:
            res[v].append(s)
    if lost:
        print(f"tabbyd_flips {a.tag}: {lost} flips without a clean stop/start", file=sys.stderr)
    if not nft or any(len(r) < a.flips // 2 for r in res.values()):
        print(f"tabbyd_flips {a.tag}: too few samples", file=sys.stderr)
        return 1
    peer = "nft -f adding one rule to a 10,000-rule ruleset (median)"
    nft_p50 = pct(nft, 50)
    big = a.tag == "e100.p100"
    for v, r in res.items():
        w = [s["write"] for s in r]
        m = [s["map"] for s in r]
        print(row(f"tabbyd.propagation.{v}.{a.tag}.p50", pct(w, 50), "ms", peer, nft_p50))
        print(row(f"tabbyd.propagation.{v}.{a.tag}.p99", pct(w, 99), "ms", peer, nft_p50,
                  "<= 10 ms" if big else None))
        print(row(f"tabbyd.map_to_enforced.{v}.{a.tag}.p99", pct(m, 99), "ms",
                  target="<= 1 ms"))
        print(row(f"tabbyd.agent.{v}.{a.tag}.p50", pct([s["agent"] for s in r], 50), "ms"))
        print(row(f"tabbyd.resume.{v}.{a.tag}.p50", pct([s["resume"] for s in r], 50), "ms"))
    print(f"tabbyd_flips {a.tag}: " + json.dumps({"nft": nft, **res}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
