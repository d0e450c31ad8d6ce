"""memory_profiler sample: children started with subprocess (for `-C`)."""
import subprocess
import sys
import time

CODE = "import time; b = bytearray(%d * 1024 * 1024); time.sleep(%s)"
procs = [subprocess.Popen([sys.executable, "-c", CODE % (mib, secs)])
         for mib, secs in ((16, 0.4), (8, 0.25))]
for p in procs:
    p.wait()
time.sleep(0.15)
