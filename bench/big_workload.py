"""A large standard-library workload for bench/make_big_profile.sh.

Profiled with cProfile it touches many thousands of distinct functions:
  1. import most of the standard library (skipping modules with side effects on
     import: browser, printing, GUI, test suites);
  2. render the documentation of every imported module with pydoc (text and HTML);
  3. run a long list of small exercises of pure-Python stdlib code: codecs, lib2to3,
     the pure-Python pickle and io, email, xml, asyncio, unittest, doctest, ...
Everything runs offline, in memory or in a temporary directory, without network
or subprocesses.  An exercise that fails on some Python version is skipped.
"""
import io
import os
import pkgutil
import sys
import sysconfig
import tempfile
import warnings

SKIP_TOP = {"antigravity", "this", "tkinter", "idlelib", "test", "turtle", "turtledemo",
            "__hello__", "__phello__", "ensurepip", "venv", "_pyrepl", "__main__",
            "_tkinter", "_xxtestfuzz", "xxlimited", "xxsubtype"}
SKIP_PARTS = {"test", "tests", "__main__", "idle_test"}
STDLIB = sysconfig.get_paths()["stdlib"]


def stdlib_module_names():
    for info in sorted(pkgutil.iter_modules([STDLIB]), key=lambda m: m.name):
        if info.name in SKIP_TOP or info.name.startswith("_test"):
            continue
        yield info.name
        if info.ispkg:
            pkg_dir = os.path.join(STDLIB, info.name)
            subs = pkgutil.walk_packages([pkg_dir], info.name + ".", onerror=lambda n: None)
            for sub in sorted(subs, key=lambda m: m.name):
                if not SKIP_PARTS & set(sub.name.split(".")):
                    yield sub.name


def import_all(names):
    modules = []
    for name in names:
        try:
            modules.append(__import__(name, fromlist=["_"]))
        except BaseException:        # missing optional C parts, platform modules
            pass
    return modules


def render_docs(modules):
    import pydoc
    html = pydoc.HTMLDoc()
    size = 0
    for mod in modules:
        try:
            size += len(pydoc.render_doc(mod, renderer=pydoc.plaintext))
            size += len(html.docmodule(mod))
        except Exception:
            pass
    return size


def stdlib_sources(limit):
    names = sorted(n for n in os.listdir(STDLIB) if n.endswith(".py"))
    return [os.path.join(STDLIB, n) for n in names[:limit]]


# ---- exercises: each takes the temporary directory --------------------------

def ex_codecs(tmp):
    import codecs
    import encodings
    text = "Grüße, naïve café — ÀÉÎÕÜ ß ñ ø å 東京 €100"
    for info in sorted(pkgutil.iter_modules(encodings.__path__), key=lambda m: m.name):
        try:
            ci = codecs.lookup(info.name)
        except LookupError:
            continue
        for errors in ("strict", "replace", "ignore"):
            try:
                data = codecs.encode(text, ci.name, errors)
                codecs.decode(data, ci.name, errors)
            except Exception:        # bytes-to-bytes codecs refuse str input
                pass
        try:
            enc = ci.incrementalencoder("replace")
            dec = ci.incrementaldecoder("replace")
            dec.decode(enc.encode(text) + enc.encode("", final=True), final=True)
            buf = io.BytesIO()
            ci.streamwriter(buf, "replace").write(text)
            ci.streamreader(io.BytesIO(buf.getvalue()), "replace").read()
        except Exception:
            pass


LEGACY_SOURCE = '''
import urllib2, StringIO, ConfigParser
from itertools import izip, imap
class Old(object):
    def __nonzero__(self): return True
    def next(self): return 1
def f(d, x=xrange(10)):
    print "value", d.has_key(1), `x`
    try:
        raise ValueError, "bad"
    except ValueError, e:
        print >>sys.stderr, e
    s = unicode(raw_input()) + u"text"
    for k, v in d.iteritems(): exec "k" in d
    l = map(lambda x: x + 1L, filter(None, zip(d.keys(), d.values())))
    return reduce(apply, l, 0777), basestring, intern("a"), buffer(s), long(3)
'''


def ex_lib2to3(tmp):
    from lib2to3 import refactor
    fixers = refactor.get_fixers_from_package("lib2to3.fixes")
    tool = refactor.RefactoringTool(fixers)
    str(tool.refactor_string(LEGACY_SOURCE, "legacy.py"))
    for path in stdlib_sources(6):
        with open(path, encoding="utf-8") as f:
            try:
                tool.refactor_string(f.read(), path)
            except Exception:
                pass


def ex_pickle(tmp):
    import collections
    import pickle
    import pickletools
    data = {"list": list(range(50)), "tuple": (1, 2.5, "x", b"y", None, True),
            "set": {1, 2, 3}, "frozen": frozenset("abc"), "nested": [{"a": [1, {"b": ()}]}],
            "big": 2 ** 100, "od": collections.OrderedDict(a=1), "text": "ünï" * 20,
            "bytes": bytes(range(256)), "ba": bytearray(b"xyz"), "complex": 3 + 4j}
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        blob = pickle._dumps(data, proto)
        pickle._loads(blob)
        pickletools.dis(pickletools.optimize(blob), io.StringIO())


def ex_pyio(tmp):
    import _pyio
    path = os.path.join(tmp, "pyio.txt")
    with _pyio.open(path, "w", encoding="utf-8", newline="\r\n") as f:
        for i in range(200):
            f.write("line %d ünï\n" % i)
    with _pyio.open(path, "r", encoding="utf-8") as f:
        f.readlines()
        f.seek(0)
        f.read(100)
    with _pyio.open(path, "rb") as f:
        f.read1(10)
        f.peek(5)
        f.readinto(bytearray(50))
    b = _pyio.BytesIO(b"abc\ndef\n" * 30)
    list(_pyio.TextIOWrapper(b, encoding="ascii"))


def ex_email(tmp):
    import email
    import email.policy
    from email.message import EmailMessage
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    msg = EmailMessage()
    msg["Subject"] = "Grüße from the profiler"
    msg["From"] = "Ann Example <ann@example.com>"
    msg["To"] = "bob@example.org, Carl <carl@example.net>"
    msg.set_content("Hello,\n\nthis is plain text with ünïcode.\n")
    msg.add_alternative("<p>Hello <b>world</b></p>", subtype="html")
    msg.add_attachment(b"\x00\x01binary" * 20, maintype="application",
                       subtype="octet-stream", filename="data.bin")
    text = msg.as_string()
    parsed = email.message_from_string(text, policy=email.policy.default)
    for part in parsed.walk():
        part.get_content_type()
        part.get_filename()
    parsed.get_body(("html", "plain")).get_content()
    old = MIMEMultipart()
    old.attach(MIMEText("old style", "plain", "utf-8"))
    old.attach(MIMEApplication(b"zz" * 40))
    email.message_from_bytes(old.as_bytes())


def ex_xml(tmp):
    import xml.dom.minidom
    import xml.dom.pulldom
    import xml.etree.ElementTree as ET
    import xml.sax
    import xml.sax.handler
    import xml.sax.saxutils
    doc = "<root a='1'>" + "".join(
        "<item id='%d'><name>n&amp;%d</name><v>%d</v></item>" % (i, i, i * i)
        for i in range(60)) + "<!-- c --><?pi x?></root>"
    dom = xml.dom.minidom.parseString(doc)
    dom.toprettyxml()
    [n.firstChild.data for n in dom.getElementsByTagName("name")]
    tree = ET.ElementTree(ET.fromstring(doc))
    tree.findall(".//item[@id='3']/name")
    ET.tostring(tree.getroot(), encoding="unicode")
    ET.indent(tree)

    class Handler(xml.sax.handler.ContentHandler):
        def startElement(self, name, attrs):
            attrs.getNames()
    xml.sax.parseString(doc.encode(), Handler())
    for event, node in xml.dom.pulldom.parseString(doc):
        if event == xml.dom.pulldom.START_ELEMENT and node.tagName == "v":
            break
    out = io.StringIO()
    gen = xml.sax.saxutils.XMLGenerator(out)
    gen.startDocument()
    gen.startElement("x", {"k": "v&"})
    gen.characters("<text>")
    gen.endElement("x")
    gen.endDocument()


def ex_html_and_diff(tmp):
    import difflib
    import html
    import html.parser
    import pydoc

    class Collect(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            pass
    page = pydoc.HTMLDoc().docmodule(sys.modules["difflib"])
    Collect().feed(page)
    html.unescape(html.escape(page[:2000]))
    a = page.splitlines()[:300]
    b = [line.replace("a", "A") for line in a[::2]] + a[1::3]
    difflib.HtmlDiff(wrapcolumn=60).make_file(a[:80], b[:80])
    list(difflib.ndiff(a[:60], b[:60]))
    list(difflib.context_diff(a, b))
    difflib.get_close_matches("sequence", a[:200])


def ex_cli_config_logging(tmp):
    import argparse
    import configparser
    import logging
    import logging.config
    import optparse
    parser = argparse.ArgumentParser(prog="demo", description="demo parser")
    parser.add_argument("--count", type=int, default=3, help="how many")
    parser.add_argument("-v", action="count", default=0)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--fast", action="store_true")
    group.add_argument("--slow", action="store_true")
    sub = parser.add_subparsers(dest="cmd")
    run = sub.add_parser("run")
    run.add_argument("files", nargs="*")
    parser.parse_args(["--count", "5", "-vv", "--fast", "run", "a", "b"])
    parser.format_help()
    op = optparse.OptionParser(usage="%prog [options]")
    op.add_option("-f", "--file", dest="filename", help="write to FILE")
    op.add_option("-q", action="store_false", dest="verbose", default=True)
    op.parse_args(["-f", "x", "-q"])
    op.format_help()
    cp = configparser.ConfigParser(interpolation=configparser.ExtendedInterpolation())
    cp.read_string("[base]\nroot = /srv\n[app]\npath = ${base:root}/app\nn = 4\nflag = yes\n")
    cp.getint("app", "n")
    cp.getboolean("app", "flag")
    cp.get("app", "path")
    cp.write(io.StringIO())
    stream = io.StringIO()
    logging.config.dictConfig({
        "version": 1,
        "formatters": {"f": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"s": {"class": "logging.StreamHandler", "formatter": "f",
                           "stream": stream}},
        "loggers": {"bench": {"handlers": ["s"], "level": "DEBUG"}},
    })
    log = logging.getLogger("bench.child")
    for i in range(20):
        log.info("message %d %s", i, "x")
        log.debug("debug %r", {"i": i})
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("caught")
    logging.shutdown()


def ex_archives(tmp):
    import bz2
    import filecmp
    import glob
    import gzip
    import lzma
    import shutil
    import tarfile
    import zipfile
    src = os.path.join(tmp, "tree")
    for d in ("a", "a/b", "c"):
        os.makedirs(os.path.join(src, d), exist_ok=True)
        for i in range(5):
            with open(os.path.join(src, d, "f%d.txt" % i), "w") as f:
                f.write("content %s %d\n" % (d, i) * 50)
    copy = os.path.join(tmp, "copy")
    shutil.copytree(src, copy)
    filecmp.dircmp(src, copy).report_full_closure()
    glob.glob(os.path.join(src, "**", "*.txt"), recursive=True)
    for fmt in ("zip", "tar", "gztar", "bztar", "xztar"):
        archive = shutil.make_archive(os.path.join(tmp, "arch_" + fmt), fmt, src)
        shutil.unpack_archive(archive, os.path.join(tmp, "un_" + fmt))
    with zipfile.ZipFile(os.path.join(tmp, "arch_zip.zip")) as z:
        z.testzip()
        z.infolist()
    with tarfile.open(os.path.join(tmp, "arch_gztar.tar.gz")) as t:
        t.getmembers()
    data = b"compress me " * 500
    gzip.decompress(gzip.compress(data))
    bz2.decompress(bz2.compress(data))
    lzma.decompress(lzma.compress(data))
    shutil.rmtree(copy)


def ex_source_tools(tmp):
    import ast
    import dis
    import pyclbr
    import symtable
    import tokenize
    for path in stdlib_sources(60):
        with open(path, "rb") as f:
            source = f.read()
        try:
            list(tokenize.tokenize(io.BytesIO(source).readline))
            tree = ast.parse(source)
            ast.unparse(tree)
            ast.dump(tree)
            code = compile(tree, path, "exec")
            dis.dis(code, file=io.StringIO())
            symtable.symtable(source.decode("utf-8"), path, "exec")
        except Exception:
            pass
    for name in ("os", "json.decoder", "email.message", "argparse"):
        pyclbr.readmodule_ex(name)

    class Renamer(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.copy_location(ast.Name(id=node.id.upper(), ctx=node.ctx), node)
    tree = ast.parse(open(stdlib_sources(1)[0], encoding="utf-8").read())
    ast.fix_missing_locations(Renamer().visit(tree))
    ast.literal_eval("{'a': [1, 2.5, (3, None)], 'b': {1, 2}}")


def ex_numbers_text(tmp):
    import _pydecimal as pd
    import calendar
    import fractions
    import random
    import statistics
    import string
    import textwrap
    ctx = pd.Context(prec=40)
    x = pd.Decimal("2")
    for op in ("sqrt", "ln", "log10", "exp"):
        getattr(ctx, op)(x)
    ctx.power(x, pd.Decimal("0.5"))
    ctx.quantize(pd.Decimal("3.14159"), pd.Decimal("0.01"))
    format(pd.Decimal("1234567.891"), ",.2f")
    rnd = random.Random(42)
    values = [rnd.gauss(0, 1) for _ in range(200)]
    for fn in ("mean", "median", "stdev", "variance", "pstdev", "quantiles", "fmean",
               "geometric_mean", "harmonic_mean", "median_grouped", "mode", "multimode"):
        try:
            getattr(statistics, fn)([abs(v) + 1 for v in values])
        except (statistics.StatisticsError, AttributeError):
            pass
    statistics.NormalDist.from_samples(values).cdf(0.5)
    for dist in ("random", "uniform", "triangular", "betavariate", "expovariate",
                 "gammavariate", "lognormvariate", "vonmisesvariate", "paretovariate",
                 "weibullvariate", "normalvariate"):
        fn = getattr(rnd, dist)
        try:
            fn() if dist == "random" else fn(*([1.0, 2.0] if dist not in (
                "expovariate", "paretovariate") else [1.5]))
        except TypeError:
            pass
    rnd.sample(range(100), 10)
    rnd.choices("abc", k=20)
    rnd.shuffle(values)
    sum(fractions.Fraction(1, n) for n in range(1, 40)).limit_denominator(1000)
    calendar.TextCalendar().formatyear(2024)
    calendar.HTMLCalendar().formatyear(2024)
    string.Template("$who likes ${what}").safe_substitute(who="tim")
    string.Formatter().format("{0:>10}|{name!r}", 3, name="x")
    textwrap.fill(textwrap.dedent("""\
        Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod
        tempor incididunt ut labore et dolore magna aliqua.""") * 5, width=37)
    textwrap.shorten("Hello  world! " * 10, width=40)


def ex_net_formats(tmp):
    import base64
    import http.cookies
    import ipaddress
    import json
    import mimetypes
    import plistlib
    import quopri
    import tomllib
    import urllib.parse
    import uuid
    import xmlrpc.client
    net = ipaddress.ip_network("10.0.0.0/22")
    list(net.subnets(new_prefix=26))
    ipaddress.collapse_addresses([ipaddress.ip_network("10.0.%d.0/24" % i) for i in range(8)])
    ipaddress.ip_address("2001:db8::1").exploded
    uuid.uuid5(uuid.NAMESPACE_DNS, "example.com")
    uuid.UUID("12345678123456781234567812345678").urn
    urllib.parse.urlencode({"q": "a b", "x": ["1", "2"]}, doseq=True)
    urllib.parse.parse_qs(urllib.parse.urlsplit("http://h/p?a=1&b=2&a=3").query)
    urllib.parse.urljoin("http://a/b/c/d;p?q", "../../g")
    urllib.parse.quote("ünï code/x", safe="")
    cookie = http.cookies.SimpleCookie()
    cookie.load('a=1; b="two words"; Path=/; HttpOnly')
    cookie.output()
    mimetypes.guess_type("x.tar.gz")
    mimetypes.guess_extension("image/png")
    doc = {"a": [1, 2, {"b": "c"}], "d": 1.5, "e": True, "f": None}
    json.dumps(doc, indent=2, sort_keys=True, cls=json.JSONEncoder)
    json.loads(json.dumps(doc), object_pairs_hook=dict)
    plistlib.loads(plistlib.dumps({"a": [1, 2], "b": b"x", "c": "t"}))
    plistlib.loads(plistlib.dumps({"a": [1, 2], "b": b"x"}, fmt=plistlib.FMT_BINARY))
    tomllib.loads('title = "x"\n[owner]\nname = "Tom"\ndob = 1979-05-27T07:32:00-08:00\n'
                  '[database]\nports = [ 8000, 8001 ]\nenabled = true\n'
                  '[[items]]\nx = 1.5\n[[items]]\nx = { a = 1, b = "z" }\n')
    xmlrpc.client.loads(xmlrpc.client.dumps(({"a": [1, 2.5, "s", True]},), "method"))
    for enc in ("b64encode", "b32encode", "b16encode", "a85encode", "b85encode",
                "urlsafe_b64encode", "b32hexencode"):
        getattr(base64, enc)(b"some bytes \x00\xff" * 5)
    quopri.decodestring(quopri.encodestring("ünï=code ".encode() * 10))


def ex_asyncio(tmp):
    import asyncio

    async def producer(queue, n):
        for i in range(n):
            await queue.put(i)
            await asyncio.sleep(0)
        await queue.put(None)

    async def consumer(queue):
        total = 0
        while True:
            item = await queue.get()
            if item is None:
                return total
            total += item

    async def main():
        queue = asyncio.Queue(maxsize=5)
        results = await asyncio.gather(producer(queue, 100), consumer(queue))
        lock = asyncio.Lock()
        event = asyncio.Event()

        async def waiter():
            async with lock:
                await event.wait()
        task = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        event.set()
        await asyncio.wait_for(task, timeout=5)
        try:
            await asyncio.wait_for(asyncio.sleep(10), timeout=0.001)
        except asyncio.TimeoutError:
            pass
        return results
    asyncio.run(main())


def ex_unittest_doctest(tmp):
    import doctest
    import unittest

    class Demo(unittest.TestCase):
        def setUp(self):
            self.items = list(range(10))

        def test_equal(self):
            self.assertEqual(sum(self.items), 45)
            self.assertListEqual(self.items[:3], [0, 1, 2])
            self.assertDictEqual({"a": 1}, {"a": 1})

        def test_raises(self):
            with self.assertRaises(ZeroDivisionError):
                1 / 0

        def test_fails(self):
            self.assertEqual([1, 2, 3], [1, 2, 4])

        @unittest.skip("demo")
        def test_skipped(self):
            pass

        def test_subtests(self):
            for i in range(3):
                with self.subTest(i=i):
                    self.assertLess(i, 5)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Demo)
    unittest.TextTestRunner(stream=io.StringIO(), verbosity=2).run(suite)
    for name in ("_pydecimal", "fractions", "statistics", "difflib", "textwrap",
                 "collections", "heapq", "string", "ipaddress", "email.utils", "shlex",
                 "base64", "pprint", "functools", "itertools", "enum", "dataclasses",
                 "typing", "pathlib", "urllib.parse", "json", "inspect", "ast", "dis"):
        try:
            doctest.testmod(__import__(name, fromlist=["_"]), report=False)
        except Exception:
            pass


def ex_audio_misc(tmp):
    import copy
    import dataclasses
    import enum
    import functools
    import pprint
    import reprlib
    import wave
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * 40)
    buf.seek(0)
    with wave.open(buf, "rb") as r:
        r.getparams()
        r.readframes(100)

    @dataclasses.dataclass(order=True, frozen=True)
    class Point:
        x: int
        y: int = 0
        tags: tuple = ()

    pts = sorted(Point(i % 7, i, ("t",)) for i in range(30))
    dataclasses.asdict(pts[0])
    dataclasses.replace(pts[1], y=5)

    class Color(enum.Flag):
        RED = enum.auto()
        GREEN = enum.auto()
        BLUE = enum.auto()
    list(Color.RED | Color.BLUE)
    repr(Color(3))

    @functools.singledispatch
    def kind(x):
        return "obj"

    @kind.register
    def _(x: int):
        return "int"
    [kind(v) for v in (1, "a", 2.0)]

    @functools.lru_cache(maxsize=32)
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)
    fib(60)
    nested = {"k%d" % i: [list(range(i)), {"x": (i, str(i) * i)}] for i in range(30)}
    pprint.pformat(nested, width=60)
    reprlib.repr(nested)
    copy.deepcopy(nested)


def ex_metadata_zoneinfo(tmp):
    import datetime
    import importlib.metadata
    import zoneinfo
    for dist in list(importlib.metadata.distributions())[:25]:
        dist.metadata.get("Name")
        dist.version
        dist.entry_points
    try:
        tz = zoneinfo.ZoneInfo("Europe/Paris")
        datetime.datetime(2024, 3, 31, 1, 30, tzinfo=tz).utcoffset()
    except Exception:
        pass


# Pure-Python packages Debian 12 ships (python3-pygments, python3-pip, meson, ...):
# used when installed, for breadth; the profile is still valid without them.
EXTRA_PACKAGES = ["pygments", "pyflakes", "pyparsing", "yaml", "toml", "setuptools",
                  "pkg_resources", "pip", "wheel", "mesonbuild", "jwt", "oauthlib",
                  "httplib2", "blinker", "distro", "wadllib", "xmltodict"]


def ex_extra_packages(tmp):
    for top in EXTRA_PACKAGES:
        try:
            pkg = __import__(top)
        except BaseException:
            continue
        path = getattr(pkg, "__path__", None)
        if not path:
            continue
        subs = pkgutil.walk_packages(path, top + ".", onerror=lambda n: None)
        import_all(sorted(s.name for s in subs
                          if not SKIP_PARTS & set(s.name.split("."))))
    sample = open(stdlib_sources(3)[2], encoding="utf-8").read()[:3000]
    for pygments in ("pygments", "pip._vendor.pygments"):   # pip vendors a copy
        try:
            lexers = __import__(pygments + ".lexers", fromlist=["_"])
            formatters = __import__(pygments + ".formatters", fromlist=["_"])
        except ImportError:
            continue
        for name, aliases, _, _ in sorted(lexers.get_all_lexers()):
            if not aliases:
                continue
            try:
                for _ in lexers.get_lexer_by_name(aliases[0]).get_tokens(sample):
                    pass
            except Exception:
                pass
        tokens = list(lexers.get_lexer_by_name("python").get_tokens(sample))
        for fname in ("html", "terminal256", "rtf", "latex", "svg", "bbcode", "irc"):
            try:
                formatters.get_formatter_by_name(fname).format(iter(tokens), io.StringIO())
            except Exception:
                pass
    for exercise in (_yaml_toml, _rich, _pyparsing, _meson_parser, _pip):
        try:
            exercise()
        except Exception:
            pass
    try:
        from pyflakes import api, reporter
        rep = reporter.Reporter(io.StringIO(), io.StringIO())
        for path in stdlib_sources(40):
            api.checkPath(path, rep)
    except ImportError:
        pass


def _yaml_toml():
    import toml
    import yaml
    doc = {"name": "bench", "items": [{"id": i, "tags": ["a", "b"], "ratio": i / 3}
                                      for i in range(20)], "nested": {"x": None, "y": True}}
    text = yaml.dump(doc, Dumper=yaml.Dumper, default_flow_style=False)
    yaml.load(text, Loader=yaml.Loader)
    yaml.load_all("a: 1\n---\nb: [1, 2, {c: d}]\n--- !!set {x, y}\n", Loader=yaml.Loader)
    toml.loads(toml.dumps({"a": doc["nested"], "b": {"list": [1, 2, 3], "s": "t"}}))


def _rich():
    from pip._vendor.rich.console import Console
    from pip._vendor.rich.pretty import Pretty
    from pip._vendor.rich.syntax import Syntax
    from pip._vendor.rich.table import Table
    from pip._vendor.rich.tree import Tree
    console = Console(file=io.StringIO(), width=100, force_terminal=True,
                      color_system="truecolor")
    table = Table(title="Functions")
    for col in ("ncalls", "tottime", "name"):
        table.add_column(col, justify="right")
    for i in range(20):
        table.add_row(str(i * 7), "%.3f" % (i / 7), "func_%d" % i)
    tree = Tree("root")
    for i in range(5):
        tree.add("branch %d" % i).add("[bold]leaf[/bold]")
    console.print(table, tree, Pretty({"a": list(range(30)), "b": {"c": (1, 2)}}))
    console.print(Syntax(open(stdlib_sources(2)[1], encoding="utf-8").read()[:2000],
                         "python", line_numbers=True))
    console.print("[red]Red[/red] [link=https://example.com]link[/link] :smiley:")
    console.rule("done")


def _pyparsing():
    import pyparsing as pp
    integer = pp.Word(pp.nums).setParseAction(lambda t: int(t[0]))
    ident = pp.Word(pp.alphas + "_", pp.alphanums + "_")
    expr = pp.infixNotation(integer | ident, [
        (pp.oneOf("* /"), 2, pp.opAssoc.LEFT), (pp.oneOf("+ -"), 2, pp.opAssoc.LEFT)])
    for text in ("1 + 2 * x", "(a + b) * (c - 4) / 2", "x * y * z + 1 - q"):
        expr.parseString(text, parseAll=True)
    pp.delimitedList(ident).parseString("a, b, c, d")


def _meson_parser():
    from mesonbuild import mparser
    code = ("project('demo', 'c', version : '1.0')\n"
            "src = files('a.c', 'b.c')\n"
            "if get_option('x') and not false\n  src += ['c.c']\nendif\n"
            "foreach s : src\n  message(s)\nendforeach\n"
            "executable('demo', src, install : true, c_args : ['-DX=1'])\n")
    mparser.Parser(code, "meson.build").parse()


def _pip():
    from pip._internal.commands import commands_dict, create_command
    from pip._vendor import requests, tomli
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.version import Version
    for name in sorted(commands_dict):
        create_command(name).parser.format_help()
    spec = SpecifierSet(">=1.0,!=1.3.*,<3")
    [Version(v) in spec for v in ("0.9", "1.0", "1.3.2", "2.5rc1", "3.0")]
    Requirement('name[extra]>=1.0; python_version >= "3.8"')
    req = requests.Request("POST", "https://example.invalid/api?q=1",
                           data={"a": "b"}, headers={"X-Test": "1"}, params={"x": "y"})
    requests.Session().prepare_request(req)
    tomli.loads('a = 1\n[b]\nc = [1, 2]\nd = { e = "f" }\n')


EXERCISES = [ex_codecs, ex_lib2to3, ex_pickle, ex_pyio, ex_email, ex_xml,
             ex_html_and_diff, ex_cli_config_logging, ex_archives, ex_source_tools,
             ex_numbers_text, ex_net_formats, ex_asyncio, ex_unittest_doctest,
             ex_audio_misc, ex_metadata_zoneinfo, ex_extra_packages]


def run_exercises():
    done = []
    with tempfile.TemporaryDirectory(prefix="profkit-bench.") as tmp:
        for ex in EXERCISES:
            try:
                ex(tmp)
                done.append(ex.__name__)
            except Exception as e:
                print("%s failed: %s: %s" % (ex.__name__, type(e).__name__, e),
                      file=sys.stderr)
    return done


def main():
    warnings.simplefilter("ignore")
    real_stdout = sys.stdout
    sys.stdout = io.StringIO()       # some modules and exercises print
    try:
        modules = import_all(list(stdlib_module_names()))
        size = render_docs(modules)
        done = run_exercises()
    finally:
        sys.stdout = real_stdout
    print("%d modules imported, %d characters of documentation, %d/%d exercises run"
          % (len(modules), size, len(done), len(EXERCISES)))


if __name__ == "__main__":
    main()
