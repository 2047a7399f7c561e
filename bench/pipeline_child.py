"""``python -m bench.pipeline_child CODE DAY CHUNK``: one night, reported as JSON on stdout.

Runs the service ``jifen jobs run`` calls, in its own process, so that its
peak RSS is the pipeline's alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date

from jifen.bootstrap import bootstrap
from jifen.services.nightly import pipeline
from jifen.services.nightly.lanes import StepProgress
from jifen.services.programs import registry as programs


def main() -> None:
    code, day, chunk = sys.argv[1], date.fromisoformat(sys.argv[2]), int(sys.argv[3])
    jf = bootstrap()
    program = programs.find_program(jf.uow(write=False), code)
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def progress(p: StepProgress) -> None:
        if p.done:
            steps[p.step] = round(time.perf_counter() - started - sum(steps.values()), 2)

    night = pipeline.run_night(
        jf.uow,
        jf.clock,
        jf.locks,
        jf.rulebooks,
        program,
        day,
        chunk=chunk,
        progress=progress,
        lanes=jf.lanes,
    )
    seconds = time.perf_counter() - started
    counts = [s.counts for s in night.steps]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "entries": sum(c.get("entries", 0) for c in counts),
                "events": sum(c.get("events", 0) for c in counts),
                "steps": steps,
            }
        )
    )
    jf.close()


if __name__ == "__main__":
    main()
