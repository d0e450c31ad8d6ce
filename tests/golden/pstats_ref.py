#!/usr/bin/env python3
"""Reference implementation of pstat-view: print exactly what Python's pstats prints.

Usage (the same command line as pstat-view):

    pstats_ref.py [--sort KEY]... [--limit N|FRACTION]... [--filter REGEX]...
                  [--strip-dirs] [--reverse] [--callers[=REGEX]] [--callees[=REGEX]]
                  FILE...

What it runs, in this order:

    s = pstats.Stats(FILE1, FILE2, ...)        # FILE1 loaded, the others added
    s.strip_dirs()                             # --strip-dirs
    s.sort_stats(*keys)                        # every --sort KEY; "a,b" is two keys
    s.reverse_order()                          # --reverse
    s.print_stats(*restrictions)               # or print_callers / print_callees

The restrictions are the --limit and --filter values in command-line order (a
--limit value containing "." is a float, else an int; a --filter value is a
regular expression), then the REGEX of --callers=REGEX / --callees=REGEX.

Inputs pstats cannot read are converted first, and the header line of such a file
still shows the original path and the original file's modification time:
  * gzip'd files are decompressed to a temporary file;
  * files this Python's marshal cannot load (Python 2 files, and `python -m profile`
    files whose code object has another version's layout) are re-written as marshal
    version 2 by an interpreter that can load them (pyenv's 2.7, 3.x).  The top-level
    entries keep their order in the file; a code-object key becomes the str of its
    repr (the same text pstats would print).

Exit status: 0 success, 2 usage error, 1 pstats raised an error, 3 an input needs
an interpreter that is not installed.
"""

import gzip
import marshal
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time

EXIT_PSTATS_ERROR = 1
EXIT_USAGE = 2
EXIT_NO_CONVERTER = 3

USAGE = ("usage: pstats_ref.py [--sort KEY]... [--limit N|FRACTION]... "
         "[--filter REGEX]... [--strip-dirs] [--reverse] [--callers[=REGEX]] "
         "[--callees[=REGEX]] FILE...")

# Runs under the converting interpreter (Python 2.7 or 3.x): argv[1] is the
# input, argv[2] the output.  The top-level dict is read a second time as a
# tuple of 2n objects (same bytes, '{' replaced by a tuple header) because a
# Python 2 dict forgets the order of the file, and that order is what pstats
# lists and what its stable sort keeps for ties.
CONVERTER = r'''
import marshal, struct, sys
data = open(sys.argv[1], 'rb').read()
d = marshal.loads(data)
if not isinstance(d, dict):
    sys.exit('not a dict')
n = len(d)
flag = ord(data[0:1]) & 0x80
items = marshal.loads(struct.pack('<Bi', ord('(') | flag, 2 * n) + data[1:])
if len(items) != 2 * n or set(items[0::2]) != set(d):
    sys.exit('top-level entries could not be read in order')
try:
    text = unicode
except NameError:
    text = str
# A byte that is not UTF-8 (a Latin-1 file name) becomes U+DC80 + byte, as
# Python 3's surrogateescape reads it; main() prints it back as that byte,
# which is what Python 2's pstats prints.
import codecs
def escape_bytes(e):
    bad = e.object[e.start:e.end]
    return u''.join(unichr(0xdc00 + ord(c)) for c in bad), e.end
codecs.register_error('escape_bytes', escape_bytes)   # used under Python 2 only
code_texts = {}
def conv(o):
    if isinstance(o, tuple):
        return tuple(conv(x) for x in o)
    if isinstance(o, dict):
        return dict((conv(k), conv(v)) for k, v in o.items())
    if type(o).__name__ == 'code':
        # Python 2 marshal has no object references: the code object of a key
        # and the one in a callers dict are two equal objects with two
        # addresses.  Python compares code objects by value, so equal ones
        # must become one string here, or callers and callees lose them.
        return code_texts.setdefault(o, text(repr(o)))
    if isinstance(o, str) and text is not str:
        return o.decode('utf-8', 'escape_bytes')
    return o
out = [b'{']
for i in range(0, 2 * n, 2):
    out.append(marshal.dumps(conv(items[i]), 2))
    out.append(marshal.dumps(conv(items[i + 1]), 2))
out.append(b'0')
f = open(sys.argv[2], 'wb')
f.write(b''.join(out))
f.close()
sys.stdout.write('%d.%d' % sys.version_info[:2])
'''


class UsageError(Exception):
    pass


class NoConverter(Exception):
    pass


def parse_args(argv):
    """Parse pstat-view's command line; return a dict of settings."""
    opts = {"sort": [], "restrictions": [], "strip": False, "reverse": False,
            "mode": "stats", "files": []}
    with_value = ("--sort", "--limit", "--filter")
    i = 0
    only_files = False
    while i < len(argv):
        arg = argv[i]
        i += 1
        if only_files or arg == "-" or not arg.startswith("-"):
            opts["files"].append(arg)
            continue
        if arg == "--":
            only_files = True
            continue
        name, eq, value = arg.partition("=")
        if name in with_value and not eq:
            if i >= len(argv):
                raise UsageError("option %s needs a value" % name)
            value = argv[i]
            i += 1
        if name == "--sort":
            opts["sort"].extend(value.split(","))
        elif name == "--limit":
            try:
                opts["restrictions"].append(float(value) if "." in value else int(value))
            except ValueError:
                raise UsageError("bad --limit value %r" % value)
        elif name == "--filter":
            opts["restrictions"].append(value)
        elif name in ("--strip-dirs", "--reverse") and not eq:
            opts["strip" if name == "--strip-dirs" else "reverse"] = True
        elif name in ("--callers", "--callees"):
            if opts["mode"] != "stats":
                raise UsageError("--callers and --callees cannot be combined")
            opts["mode"] = name[2:]
            opts["mode_regex"] = value if eq else None
        else:
            raise UsageError("unknown option %s" % arg)
    if not opts["files"]:
        raise UsageError("no input file")
    if opts["mode"] != "stats" and opts.get("mode_regex") is not None:
        opts["restrictions"].append(opts["mode_regex"])
    return opts


def pyenv_interpreters():
    """Interpreters that may load what this one cannot: 2.7 first, then 3.x."""
    root = os.environ.get("PYENV_ROOT")
    if not root:
        try:
            root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            root = os.path.expanduser("~/.pyenv")
    found = []
    versions_dir = os.path.join(root, "versions")
    if os.path.isdir(versions_dir):
        for v in os.listdir(versions_dir):
            exe = os.path.join(versions_dir, v, "bin", "python")
            m = re.match(r"(\d+)\.(\d+)\.(\d+)$", v)
            if m and os.access(exe, os.X_OK):
                found.append((tuple(int(x) for x in m.groups()), exe))
    found.sort()
    mine = sys.version_info[:2]
    return [exe for ver, exe in found if ver[:2] != mine]


def convert(src, dst):
    """Rewrite src as marshal v2 with an interpreter that loads it; return its version."""
    errors = []
    for exe in pyenv_interpreters():
        proc = subprocess.run([exe, "-c", CONVERTER, src, dst],
                              capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.strip()
        errors.append(os.path.basename(os.path.dirname(os.path.dirname(exe))))
    raise NoConverter("%s: this Python cannot load it and no other interpreter could "
                      "(tried: %s)" % (src, ", ".join(errors) or "none found"))


class Loader:
    """Load inputs as pstats.Stats objects; temporary files live in one directory."""

    def __init__(self):
        self.tmpdir = None
        self.python2_inputs = False
        self.converted = {}     # input bytes -> converted file, see load()

    def temp_path(self, name):
        if self.tmpdir is None:
            self.tmpdir = tempfile.TemporaryDirectory(prefix="pstats_ref.")
        return os.path.join(self.tmpdir.name, "%d_%s" % (len(os.listdir(self.tmpdir.name)), name))

    def load(self, path):
        with open(path, "rb") as f:
            data = f.read()
        load_path = path
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
            load_path = self.temp_path("gunzipped.pstats")
            with open(load_path, "wb") as f:
                f.write(data)
        try:
            marshal.loads(data)
        except (ValueError, EOFError, TypeError, SystemError):
            # The same input given twice reuses one conversion, so its code-object
            # keys (now repr strings holding an address) stay equal and merge, as
            # equal code objects do.
            if data not in self.converted:
                converted = self.temp_path("converted.pstats")
                version = convert(load_path, converted)
                if version.startswith("2."):
                    self.python2_inputs = True
                self.converted[data] = converted
            load_path = self.converted[data]
        stats = pstats.Stats(load_path, stream=sys.stdout)
        if load_path != path:
            # The line pstats.Stats.load_stats would have written for the original.
            stats.files = [time.ctime(os.stat(path).st_mtime) + "    " + path]
        return stats

    def close(self):
        if self.tmpdir is not None:
            self.tmpdir.cleanup()


def check_strip_order(stats):
    """Refuse --strip-dirs where a Python 2 callers dict order would decide the result.

    strip_dirs() keeps the last of two callers that strip to the same name, in
    the callers dict's order; a Python 2 dict has lost the file's order."""
    for func, value in stats.stats.items():
        seen = {}
        for caller in value[4]:
            stripped = pstats.func_strip_path(caller)
            if seen.setdefault(stripped, caller) != caller:
                raise NoConverter("--strip-dirs would merge callers %r and %r of %r, and the "
                                  "Python 2 input's order of them is unknown"
                                  % (seen[stripped], caller, func))


def run(opts):
    loader = Loader()
    try:
        loaded = [loader.load(path) for path in opts["files"]]
        s = loaded[0]
        s.add(*loaded[1:])      # what pstats.Stats(*files) does with the rest
        if opts["strip"]:
            if loader.python2_inputs:
                check_strip_order(s)
            s.strip_dirs()
        if opts["sort"]:
            s.sort_stats(*opts["sort"])
        if opts["reverse"]:
            s.reverse_order()
        restrictions = opts["restrictions"]
        if opts["mode"] == "callers":
            s.print_callers(*restrictions)
        elif opts["mode"] == "callees":
            s.print_callees(*restrictions)
        else:
            s.print_stats(*restrictions)
    finally:
        loader.close()


def main(argv):
    # pstat-view writes names as the UTF-8 bytes they were stored as.
    sys.stdout.reconfigure(encoding="utf-8", errors="surrogateescape", newline="\n")
    try:
        opts = parse_args(argv)
    except UsageError as e:
        print("pstats_ref.py: %s\n%s" % (e, USAGE), file=sys.stderr)
        return EXIT_USAGE
    try:
        run(opts)
    except NoConverter as e:
        print("pstats_ref.py: %s" % e, file=sys.stderr)
        return EXIT_NO_CONVERTER
    except Exception as e:      # whatever pstats raised: report it like pstats would
        sys.stdout.flush()
        print("pstats_ref.py: pstats raised %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return EXIT_PSTATS_ERROR
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
