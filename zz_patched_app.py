import time, os
from jifen.services.earning import group_commit as gc
from jifen.entrypoints.api import app as A
_LOG = open(f"/tmp/q/writer-{os.getpid()}.log", "a", buffering=1)
_orig = gc.OrderGroups._write
def _write(self, group):
    t = time.perf_counter(); c = time.thread_time()
    _orig(self, group)
    _LOG.write(f"{len(group)} {(time.perf_counter()-t)*1000:.2f} {(time.thread_time()-c)*1000:.2f}\n")
gc.OrderGroups._write = _write
_sub = gc.OrderGroups.submit
def submit(self, program, cmd):
    f = _sub(self, program, cmd)
    t = time.perf_counter()
    f.add_done_callback(lambda _: _LOG.write(f"F {(time.perf_counter()-t)*1000:.2f}\n"))
    return f
gc.OrderGroups.submit = submit
create_app = A.create_app
