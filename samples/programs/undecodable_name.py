# Functions whose file name holds a byte that is not UTF-8 (0xE9, Latin-1
# 'e acute'): Python 3 keeps such a path as a str with the lone surrogate
# U+DCE9 (os.fsdecode, surrogateescape), Python 2 as raw bytes.  The code
# is compiled under that name, so no such file has to exist on disk.
# Runs on Python 2.7 and 3.x.
import os
import sys

name = b"lat\xe9n/latmod.py"
if sys.version_info[0] >= 3:
    name = os.fsdecode(name)

namespace = {}
source = "def lat_func(n):\n    return [i * 2 for i in range(n)]\n\n\ndef caller(n):\n    return sum(len(lat_func(i)) for i in range(n))\n"
exec(compile(source, name, "exec"), namespace)
for i in range(10):
    namespace["caller"](i)
