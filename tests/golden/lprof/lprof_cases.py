"""What regen.sh and run_lprof_golden.py share: the case list and how to run
the reference (line_profiler) for a case."""
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CASES = os.path.join(HERE, "cases.tsv")
REF = os.path.join(HERE, "lprof_ref.py")


def read_cases(path=CASES):
    """[(name, directory, tool_args, reference_args)], directory absolute."""
    cases = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4 or not parts[0]:
                raise SystemExit("%s:%d: expected name<TAB>dir<TAB>args<TAB>reference"
                                 % (path, lineno))
            name, where, args, ref = parts
            cases.append((name, os.path.normpath(os.path.join(ROOT, where)),
                          shlex.split(args), shlex.split(ref)))
    names = [c[0] for c in cases]
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        raise SystemExit("duplicate case names: %s" % ", ".join(dupes))
    return cases


def has_line_profiler(python):
    try:
        return subprocess.run([python, "-c", "import line_profiler"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


def find_python():
    """An interpreter that imports line_profiler (Debian's is /usr/bin/python3)."""
    for candidate in (os.environ.get("PYTHON"), sys.executable, "/usr/bin/python3"):
        if candidate and has_line_profiler(candidate):
            return candidate
    return None


def env():
    """Output must not depend on the caller's locale or hash seed."""
    return dict(os.environ, LC_ALL="C.UTF-8", PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")


def reference_cmd(python, ref):
    """The command for a reference column: line_profiler ARGS or lprof_ref.py ARGS."""
    if ref[0] == "line_profiler":
        return [python, "-m", "line_profiler"] + ref[1:]
    if ref[0] == "lprof_ref.py":
        return [python, REF] + ref[1:]
    raise SystemExit("unknown reference %r" % ref[0])
