"""Helpers shared by the collector tests: a tiny test runner, and the
comparison of a profkit profile with cProfile's on the same work."""
import re
import sys
import traceback

_cases = []


def case(func):
    """Registers func as one named check of run_all()."""
    _cases.append(func)
    return func


def run_all():
    """Runs every registered check; exits 1 naming the failed ones."""
    failures = []
    for func in _cases:
        try:
            func()
            print("ok   %s" % func.__name__)
        except Exception:
            failures.append(func.__name__)
            print("FAIL %s" % func.__name__)
            traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
    if failures:
        print("%d of %d failed: %s" % (len(failures), len(_cases), ", ".join(failures)))
        sys.exit(1)
    print("all %d passed" % len(_cases))
    sys.exit(0)


def check(cond, *msg):
    if not cond:
        raise AssertionError(" ".join(str(m) for m in msg) or "check failed")


# Keys that differ between cProfile and profkit by construction: the
# profiler's own disable method, and names embedding a memory address
# ('<built-in method __new__ of type object at 0x55...>').
def norm_key(key):
    file, line, name = key
    name = re.sub(r" at 0x[0-9a-fA-F]+", " at 0x?", name)
    name = name.replace("'_profkit.Profiler'", "'_lsprof.Profiler'")
    return (file, line, name)


def counts(stats, keep=None):
    """{key: (nc, cc, {caller: (nc, cc)})} from a pstats dict, keys
    normalised; keep(key) selects functions."""
    out = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        k = norm_key(key)
        if keep and not keep(k):
            continue
        edges = {}
        for ck, v in callers.items():
            c = norm_key(ck)
            if keep and not keep(c):
                continue
            edges[c] = (v[0], v[1])
        check(k not in out, "two functions normalise to", k)
        out[k] = (nc, cc, edges)
    return out


def diff_counts(expected, got):
    """Lines describing every difference (empty when equal)."""
    lines = []
    for k in sorted(set(expected) | set(got), key=repr):
        if k not in got:
            lines.append("missing in profkit: %r %r" % (k, expected[k][:2]))
        elif k not in expected:
            lines.append("only in profkit: %r %r" % (k, got[k][:2]))
        elif expected[k] != got[k]:
            lines.append("differs: %r\n    cProfile %r\n    profkit  %r" % (k, expected[k], got[k]))
    return lines


def same_counts(expected, got, what):
    d = diff_counts(expected, got)
    check(not d, "%s: profkit's counts differ from cProfile's:\n  " % what + "\n  ".join(d))
    check(expected, what, ": nothing was recorded")


def check_times(stats, what, slack=2e-6):
    """Times are consistent: non-negative, tottime <= cumtime, each edge
    within its callee's totals, and the callers' call counts add up."""
    for key, (cc, nc, tt, ct, callers) in stats.items():
        check(nc >= cc >= 0, what, key, "nc/cc", nc, cc)
        check(tt >= -slack and ct >= -slack, what, key, "negative time", tt, ct)
        check(tt <= ct + slack, what, key, "tottime > cumtime", tt, ct)
        check(sum(v[0] for v in callers.values()) <= nc, what, key, "caller calls exceed ncalls")
        for ck, (enc, ecc, ett, ect) in callers.items():
            check(enc >= ecc >= 0, what, key, ck, "edge nc/cc", enc, ecc)
            check(ett <= tt + slack and ett <= ect + slack, what, key, ck, "edge tottime", ett, ect, tt)
