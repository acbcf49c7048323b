# SPDX-License-Identifier: GPL-2.0
"""A Python program that leaks threads: one threading.Thread per 200 ms
whose target blocks forever, in queue.get() ("queue", the default) or in
Lock.acquire() ("lock"); COUNT of them if given, then it stays. Prints
"ready" once the first has started, "started N" after each, "done N"."""
import queue
import sys
import threading
import time

jobs = queue.Queue()
held = threading.Lock()
held.acquire()


def wait_for_job():
    jobs.get()


def wait_for_lock():
    held.acquire()


def main():
    target = wait_for_lock if sys.argv[1:2] == ["lock"] else wait_for_job
    count = int(sys.argv[2]) if len(sys.argv) > 2 else -1
    n = 0
    while n != count:
        threading.Thread(target=target, daemon=True).start()
        n += 1
        print("ready" if n == 1 else "started %d" % n, flush=True)
        time.sleep(0.2)
    print("done %d" % n, flush=True)
    threading.Event().wait()


main()
