#!/usr/bin/env python3
"""What the reference tools read from a profile, as JSON on stdout, for
check_diff.py (which may run under another interpreter):

    reference.py lprof FILE   line_profiler.load_stats(FILE): unit and timings
    reference.py mprof FILE   mprof.read_mprofile_file(FILE): peak and FUNC calls

Exit 77 when the module is not installed (python3-line-profiler,
python3-mprof).
"""
import json
import sys


def lprof(path):
    from line_profiler import load_stats
    st = load_stats(path)
    funcs = [[k[0], k[1], k[2], [list(r) for r in v]] for k, v in st.timings.items()]
    return {"unit": st.unit, "functions": funcs}


def mprof(path):
    import mprof as mp
    data = mp.read_mprofile_file(path)
    calls = {name: [c[:4] for c in cs] for name, cs in data["func_timestamp"].items()}
    return {"peak": max(data["mem_usage"]) if data["mem_usage"] else 0.0, "calls": calls}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    try:
        out = lprof(path) if kind == "lprof" else mprof(path)
    except ImportError as e:
        print("reference.py: %s" % e, file=sys.stderr)
        return 77
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
