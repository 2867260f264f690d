"""A long-lived helper for test/support/python.ts's pythonSession: each stdin line is a
request {"id": N, "args": [...]}, each stdout line an answer {"id": N, "out": ...} or
{"id": N, "error": "..."}. Requests run in threads, so a slow one (a polled task) does not
hold the others back. Python's start costs seconds in the lab's emulated dom0: a session
pays it once, not once per call.
"""
import json
import sys
import threading
import traceback

_lock = threading.Lock()


def _answer(msg):
    with _lock:
        sys.stdout.write(json.dumps(msg) + "\n")
        sys.stdout.flush()


def _run(handle, rid, args):
    try:
        _answer({"id": rid, "out": handle(*args)})
    except BaseException:  # noqa: B902 -- SystemExit too: it is the handler's way to fail one request
        _answer({"id": rid, "error": traceback.format_exc()})


def serve(handle):
    """Calls handle(*args) for every request until stdin closes, then waits for the running ones."""
    threads = []
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        th = threading.Thread(target=_run, args=(handle, req["id"], req["args"]))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
