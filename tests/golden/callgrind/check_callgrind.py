#!/usr/bin/env python3
"""The callgrind reader and writer against valgrind's callgrind_annotate.

1. Writer, pstats input: every sample under samples/pstats goes through
   `prof-convert X -o Y.callgrind`; callgrind_annotate --threshold=100
   --auto=no --inclusive=no must list, for every function, the self cost
   round(tottime * 1e9) ns (0 for negative times) that Python's own pstats
   finds in X (loaded as tests/golden/pstats_ref.py loads it, so Python 2
   and other-version files work too). Functions sharing a file and a name
   are expected as "name:LINE" (the writer's documented disambiguation).
2. Writer, folded input: every sample under samples/folded; the self
   sample counts callgrind_annotate lists (event "samples") must be the
   counts of the stacks ending in each frame, computed here from the folded
   text (the same multiset of numbers and the same total).
3. Reader: every real callgrind sample under samples/callgrind. pstat-view
   --format json's tottime per function must equal callgrind_annotate's
   exclusive cost, and cumtime its --inclusive=yes cost for every function
   not in a recursive cycle (callgrind_annotate counts recursion twice).
   callgrind_annotate makes a separate "inlinedfile:function" row of code
   under fi=/fe=, which profkit keeps in the function: such functions are
   compared by name, summed over their rows (and not for inclusive cost).
   Recursion is found from the call edges of the same file converted to
   pstats by prof-convert and loaded by Python's pstats.
4. --bad DIR: every file in DIR/expected.txt makes pstat-view exit 2 with
   exactly `pstat-view: PATH: callgrind: MESSAGE`.

Exit 77 (skip) when callgrind_annotate is not installed. Prints counts and
`N passed, M failed` last; exit status 1 if M > 0.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))
import pstats_ref  # noqa: E402  (tests/golden/pstats_ref.py)

ROW = re.compile(r"^\s*([\d,]+|\.)\s+\(\s*[\d.]+%\)\s+(.*)$")
OBJ_SUFFIX = re.compile(r"^(.*) \[[^\]]*\]$")


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s\n  %s" % (name, detail.replace("\n", "\n  ")))


def run(cmd, cwd=None):
    return subprocess.run(cmd, capture_output=True, cwd=cwd)


def annotate(path, inclusive, cwd):
    """{file:function: cost} from callgrind_annotate's function table."""
    proc = run(["callgrind_annotate", "--threshold=100", "--auto=no",
                "--inclusive=" + ("yes" if inclusive else "no"), path], cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError("callgrind_annotate failed on %s: %s" % (path, proc.stderr.decode()))
    rows, in_table, seps = {}, False, 0
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith("-----"):
            seps += 1
            continue
        if line.rstrip().endswith("file:function"):
            in_table = True
            continue
        if not in_table:
            continue
        m = ROW.match(line)
        if not m:
            if line.strip():
                break
            continue
        label = m.group(2)
        obj = OBJ_SUFFIX.match(label)
        if obj:
            label = obj.group(1)
        value = 0 if m.group(1) == "." else int(m.group(1).replace(",", ""))
        rows[label] = rows.get(label, 0) + value
    return rows


# ---- 1. pstats -> callgrind ----

CODE_ADDRESS = re.compile(r"(<code object .* at )0x[0-9a-f]+")


def name_text(name):
    """A code-object key (pure-Python profile) as its repr, without the
    address: profkit's description and this Python's repr differ there."""
    text = name if isinstance(name, str) else repr(name)
    return CODE_ADDRESS.sub(r"\g<1>0x?", text)


def expected_from_pstats(stats):
    """{label: ns} as the writer must label and cost every function."""
    keys = set(stats)
    for value in stats.values():
        keys.update(value[4])
    per_name = {}
    for file, line, name in keys:
        per_name.setdefault((file, name_text(name)), set()).add(line)
    want = {}
    for key in keys:
        file, line, name = key
        text = name_text(name)
        if len(per_name[(file, text)]) > 1:
            text = "%s:%d" % (text, line if line > 0 else 0)
        tt = stats[key][2] if key in stats else 0.0
        # Python 2 files hold a code-object key twice (entry, caller) as
        # two objects: one function for profkit, one label here.
        label = "%s:%s" % (file, text)
        want[label] = want.get(label, 0) + max(0, round(tt * 1e9))
    return want


def compare_rows(res, label, want, got):
    """Every nonzero expected row listed with its value, no row unexpected."""
    bad = []
    for k, v in want.items():
        if v and got.get(k) != v:
            bad.append("%s: want %d, got %s" % (k, v, got.get(k)))
    for k, v in got.items():
        if k not in want:
            bad.append("%s: unexpected row (%d)" % (k, v))
        elif v != want[k]:
            bad.append("%s: want %d, got %d" % (k, want[k], v))
    res.check(not bad, label, "\n".join(sorted(set(bad))[:10]))
    return sum(1 for v in want.values() if v)


def check_pstats(res, tools, tmp):
    loader = pstats_ref.Loader()
    sample_dir = os.path.join(ROOT, "samples", "pstats")
    files = compared = 0
    for name in sorted(os.listdir(sample_dir)):
        path = os.path.join(sample_dir, name)
        try:
            stats = loader.load(path).stats
        except (TypeError, pstats_ref.NoConverter) as e:
            print("skip %s: Python's pstats cannot load it (%s)" % (name, e))
            continue
        out = os.path.join(tmp, "p%d.callgrind" % files)
        proc = run([tools.prof_convert, path, "-o", out])
        if proc.returncode != 0:
            res.check(False, "prof-convert " + name, proc.stderr.decode())
            continue
        got = {CODE_ADDRESS.sub(r"\g<1>0x?", k): v for k, v in annotate(out, False, tmp).items()}
        compared += compare_rows(res, "annotate " + name, expected_from_pstats(stats), got)
        files += 1
    loader.close()
    print("pstats -> callgrind: %d files, %d functions with nonzero self cost compared"
          % (files, compared))


# ---- 2. folded -> callgrind ----

FOLDED_LINE = re.compile(r"^(.*)\s+?(\d+(?:\.\d*)?)$")


def folded_leaf_counts(path):
    counts = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            m = FOLDED_LINE.match(line.rstrip("\n").rstrip("\r"))
            if not m:
                continue
            frames = m.group(1).rstrip(";").split(";")
            counts[frames[-1]] = counts.get(frames[-1], 0) + float(m.group(2))
    return sorted(round(v) for v in counts.values() if round(v))


def check_folded(res, tools, tmp):
    sample_dir = os.path.join(ROOT, "samples", "folded")
    files = compared = 0
    for name in sorted(os.listdir(sample_dir)):
        path = os.path.join(sample_dir, name)
        out = os.path.join(tmp, "f%d.callgrind" % files)
        proc = run([tools.prof_convert, path, "-o", out])
        if proc.returncode != 0:
            res.check(False, "prof-convert " + name, proc.stderr.decode())
            continue
        want = folded_leaf_counts(path)
        got = sorted(v for v in annotate(out, False, tmp).values() if v)
        with open(out, encoding="utf-8", errors="surrogateescape") as f:
            events = [l for l in f if l.startswith("events:")]
        res.check(got == want and events == ["events: samples\n"], "annotate " + name,
                  "want %s\ngot  %s\nevents %s" % (want[:20], got[:20], events))
        compared += len(want)
        files += 1
    print("folded -> callgrind: %d files, %d functions compared" % (files, compared))


# ---- 3. callgrind -> model ----

def recursive_keys(stats):
    """Keys on a call cycle (Tarjan's SCCs over pstats' caller edges)."""
    callees = {k: [] for k in stats}
    for callee, value in stats.items():
        for caller in value[4]:
            callees.setdefault(caller, []).append(callee)
    index, low, on, stack, out, counter = {}, {}, set(), [], set(), [0]

    def strongconnect(v):
        work = [(v, iter(callees.get(v, ())))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(callees.get(w, ()))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1 or node in callees.get(node, ()):
                    out.update(comp)

    for v in list(callees):
        if v not in index:
            strongconnect(v)
    return out


def plain_sample(path, tmp):
    if not path.endswith(".gz"):
        return path
    out = os.path.join(tmp, os.path.basename(path)[:-3])
    with gzip.open(path, "rb") as f, open(out, "wb") as g:
        g.write(f.read())
    return out


TIME_UNITS = {"s": 1, "ms": 1e3, "us": 1e6, "\u00b5s": 1e6, "ns": 1e9}


def cost_scale(path):
    """Costs per model unit: the model holds seconds for a time event."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            if line.startswith("events:"):
                return TIME_UNITS.get(line.split()[1], 1)
    return 1


def split_label(label):
    return label.split(":", 1) if ":" in label else ("", label)


def check_reader(res, tools, tmp):
    sample_dir = os.path.join(ROOT, "samples", "callgrind")
    totals = {"exact": 0, "by_name": 0, "inclusive": 0, "recursive": 0}
    import pstats
    for name in sorted(os.listdir(sample_dir)):
        if ".callgrind" not in name:
            continue
        path = plain_sample(os.path.join(sample_dir, name), tmp)
        proc = run([tools.pstat_view, "--format", "json", path])
        if proc.returncode != 0:
            res.check(False, "pstat-view " + name, proc.stderr.decode())
            continue
        funcs = json.loads(proc.stdout.decode("utf-8", "surrogateescape"))["functions"]
        scale = cost_scale(path)
        for f in funcs:
            f["tottime"] = round(f["tottime"] * scale)
            f["cumtime"] = round(f["cumtime"] * scale)
        pst = os.path.join(tmp, name + ".pstats")
        proc = run([tools.prof_convert, path, "-o", pst])
        res.check(proc.returncode == 0, "prof-convert %s to pstats" % name, proc.stderr.decode())
        cycles = {(k[0], k[2]) for k in recursive_keys(pstats.Stats(pst).stats)}
        excl, incl = annotate(path, False, tmp), annotate(path, True, tmp)
        rows_of = {}
        for label in excl:
            rows_of.setdefault(split_label(label)[1], []).append(label)
        ours_of = {}
        for f in funcs:
            ours_of.setdefault(f["name"], []).append(f)
        bad = []
        for fname, ours in ours_of.items():
            labels = rows_of.get(fname, [])
            own = sorted("%s:%s" % (f["file"], fname) for f in ours)
            if sorted(labels) == own:
                for f in ours:
                    label = "%s:%s" % (f["file"], fname)
                    totals["exact"] += 1
                    if f["tottime"] != excl[label]:
                        bad.append("%s: self %s, annotate %s" % (label, f["tottime"], excl[label]))
                    if (f["file"], fname) in cycles:
                        totals["recursive"] += 1
                        continue
                    totals["inclusive"] += 1
                    if f["cumtime"] != incl.get(label):
                        bad.append("%s: cumtime %s, annotate inclusive %s"
                                   % (label, f["cumtime"], incl.get(label)))
            else:
                totals["by_name"] += 1
                mine = sum(f["tottime"] for f in ours)
                theirs = sum(excl[l] for l in labels)
                if mine != theirs:
                    bad.append("%s (%d rows): self %s, annotate %s" % (fname, len(labels), mine, theirs))
        unknown = [l for l in excl if split_label(l)[1] not in ours_of and excl[l]]
        res.check(not bad and not unknown, "reader " + name,
                  "\n".join(bad[:10] + ["annotate only: " + l for l in unknown[:5]]))
    print("callgrind -> model: %(exact)d functions compared exactly (self), %(inclusive)d "
          "also inclusive, %(recursive)d recursive ones skipped for inclusive, "
          "%(by_name)d compared by name (inlined rows summed)" % totals)


# ---- 4. bad input ----

def check_bad(res, tools, bad_dir):
    with open(os.path.join(bad_dir, "expected.txt"), encoding="utf-8") as f:
        expected = [l.rstrip("\n").split("\t", 1) for l in f
                    if l.strip() and not l.startswith("#")]
    for name, msg in expected:
        path = os.path.join(bad_dir, name)
        got = run([tools.pstat_view, path])
        want = "pstat-view: %s: callgrind: %s\n" % (path, msg)
        res.check(got.returncode == 2 and got.stderr.decode() == want and not got.stdout,
                  "bad " + name, "want exit 2, %r\ngot exit %d, %r"
                  % (want, got.returncode, got.stderr.decode()))
    listed = {n for n, _ in expected} | {"expected.txt"}
    extra = sorted(set(os.listdir(bad_dir)) - listed)
    res.check(not extra, "every bad file has an expected line", " ".join(extra))
    print("bad input: %d files" % len(expected))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prof-convert", required=True)
    ap.add_argument("--pstat-view", required=True)
    ap.add_argument("--bad", help="check the bad-input files in this directory instead")
    tools = ap.parse_args()
    tools.prof_convert = os.path.abspath(tools.prof_convert)
    tools.pstat_view = os.path.abspath(tools.pstat_view)
    res = Results()
    if tools.bad:
        check_bad(res, tools, os.path.abspath(tools.bad))
    else:
        if not shutil.which("callgrind_annotate"):
            print("skip: callgrind_annotate (valgrind) is not installed")
            return 77
        with tempfile.TemporaryDirectory(prefix="cg_check.") as tmp:
            check_pstats(res, tools, tmp)
            check_folded(res, tools, tmp)
            check_reader(res, tools, tmp)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
