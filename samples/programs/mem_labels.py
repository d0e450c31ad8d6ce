"""memory_profiler sample: function names whose legend labels collide.

Run by samples/make_mprof.sh as `python3-mprof run mem_labels.py`. mprof
names a FUNC by the function's __module__ and __name__, and labels it in
`mprof plot` with the shortest dotted suffix no other name shares
(function_labels()). Setting __module__ before decorating gives, in one
file, the names a package layout gives: f in a.x, b.x and c.y, load in a
module `utils` and in a package's `app.utils` (mprof labels them
"utils.load" and "app.utils.load"), a
`profile.timestamp` label equal to a function's name, a label with a dot,
and names starting with "_".
"""
import time


def _alloc(mib):
    buf = bytearray(mib * 1024 * 1024)
    time.sleep(0.03)
    return len(buf)


def named(module, name):
    """A profiled function called `name` that says it lives in `module`."""
    def fn(mib):
        return _alloc(mib)
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = module
    return profile(fn)


ax_f = named("a.x", "f")
bx_f = named("b.x", "f")
cy_f = named("c.y", "f")
main_f = named("__main__", "f")
ax_private = named("a.x", "_private")
cy_private = named("c.y", "_private")
utils_load = named("utils", "load")
app_utils_load = named("app.utils", "load")

with profile.timestamp("plain"):
    time.sleep(0.03)
cy_f(3)
ax_f(2)
bx_f(4)
main_f(1)
ax_private(1)
cy_private(2)
utils_load(1)
app_utils_load(2)
named("__main__", "plain")(1)
with profile.timestamp("a.b"):
    time.sleep(0.03)
time.sleep(0.1)
