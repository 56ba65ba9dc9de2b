"""The stop and process-lifetime rules on plain Python processes (the build's own runs are in
test_stop.py): a block that will not unwind is cut short, a second signal exits at once, and a
forked child dies with its SIGKILLed parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")


def run_script(body: str) -> subprocess.Popen:
    script = textwrap.dedent("""
        import os, sys, time
        from webscale_rl.processes import children_die_with_parent, stop_on_signals
        """) + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return line.strip()


def alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_block_that_unwinds_exits_with_the_signal_code_and_says_so_once():
    proc = run_script("""
        with stop_on_signals(lambda s: f"stopped by {s.by}", grace=30):
            print("ready", flush=True)
            time.sleep(60)
        print("not reached")
        """)
    assert wait_for_line(proc) == "ready"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.count("stopped by SIGTERM") == 1 and "not reached" not in out


def test_a_block_that_swallows_the_stop_is_cut_short_after_the_grace_period():
    proc = run_script("""
        with stop_on_signals(lambda s: f"stopped by {s.by}", grace=1):
            try:
                print("ready", flush=True)  # inside the try: the signal may come right after it
                time.sleep(60)
            except KeyboardInterrupt:
                time.sleep(60)  # a library that catches the interrupt and carries on
        """)
    assert wait_for_line(proc) == "ready"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and err.count("stopped by Ctrl-C") == 1


def test_a_second_signal_exits_at_once():
    proc = run_script("""
        with stop_on_signals(lambda s: f"stopped by {s.by}", grace=60):
            try:
                print("ready", flush=True)
                time.sleep(60)
            except KeyboardInterrupt:
                print("winding down", flush=True)
                time.sleep(60)
        """)
    assert wait_for_line(proc) == "ready"
    proc.send_signal(signal.SIGINT)
    assert wait_for_line(proc) == "winding down"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and err.count("stopped by Ctrl-C") == 1


@pytest.mark.parametrize("hook", [True, False])
def test_forked_children_die_with_a_sigkilled_parent_only_with_the_hook(hook):
    proc = run_script(f"""
        if {hook}:
            children_die_with_parent()
        child = os.fork()
        if child == 0:
            time.sleep(60)
            os._exit(0)
        print(child, flush=True)
        time.sleep(60)
        """)
    child = int(wait_for_line(proc))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + (10 if hook else 2)
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert alive(child) is not hook
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
