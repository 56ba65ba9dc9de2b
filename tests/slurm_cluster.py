"""A real one-node Slurm cluster for the tests of the Slurm path (Debian's Slurm 22.05).

`slurm_cluster` (session fixture) installs Slurm with apt-get when it is missing, writes a
slurm.conf for this machine, starts munged, slurmctld and slurmd, waits until the node is idle,
and at teardown cancels the jobs and stops the daemons it started. A cluster that already
answers `sinfo` with an idle node is used as it is and left running. Test sessions of several
checkouts on one machine take turns (a lock file): another session's fixture would stop this
one's daemons and delete its state.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
BINARIES = ["sbatch", "squeue", "scancel", "sinfo", "slurmctld", "slurmd", "munged"]
PARTITION = "debug"
# Fixed, so a session that died without teardown leaves pid files the next one can act on.
ROOT = Path("/tmp/wsrl-slurm")
LOCK = Path("/tmp/wsrl-slurm.lock")  # beside ROOT, which a starting fixture deletes

CONF = """\
ClusterName=wsrl
SlurmctldHost={node}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MinJobAge=300
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/run/slurmctld.pid
SlurmdPidFile={root}/run/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
NodeName={node} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName={partition} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


@dataclass
class SlurmCluster:
    partition: str
    node: str
    log_dir: Path | None  # None for a cluster this fixture did not start

    def queue(self) -> list[dict]:
        """Jobs slurmctld still lists (pending, running, completing)."""
        out = subprocess.run(["squeue", "-h", "-o", "%i|%j|%T|%r"], capture_output=True, text=True, check=True).stdout
        return [dict(zip(("id", "name", "state", "reason"), line.split("|"))) for line in out.splitlines() if line.strip()]

    def cancel(self, name_prefix: str) -> None:
        """Cancel the jobs whose name starts with `name_prefix` (only the test's own jobs)."""
        ids = [job["id"] for job in self.queue() if job["name"].startswith(name_prefix)]
        if ids:
            subprocess.run(["scancel", *ids], check=False)


def _run(cmd: list[str], timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def _idle_node() -> bool:
    """True when `sinfo` answers and shows a node that can take jobs."""
    if not shutil.which("sinfo"):
        return False
    try:
        states = _run(["sinfo", "-h", "-o", "%T"], timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return states.returncode == 0 and any(s.strip().rstrip("*~#") in ("idle", "mixed") for s in states.stdout.split())


def install() -> None:
    """apt-get install the Slurm packages when a binary is missing; skip when that cannot be done here."""
    if all(shutil.which(b) or Path("/usr/sbin", b).exists() for b in BINARIES):
        return
    if os.geteuid() != 0:
        pytest.skip(f"Slurm is not installed and installing it needs root (running as uid {os.geteuid()})")
    if not shutil.which("apt-get"):
        pytest.skip("Slurm is not installed and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = _run(["apt-get", "update"], timeout=300, env=env)
    assert update.returncode == 0, f"apt-get update failed:\n{update.stdout[-2000:]}{update.stderr[-2000:]}"
    got = _run(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], timeout=600, env=env)
    assert got.returncode == 0, f"apt-get install {' '.join(PACKAGES)} failed:\n{got.stdout[-2000:]}{got.stderr[-2000:]}"


def _memory_mb() -> int:
    """80% of MemTotal: slurmd drains a node that reports less memory than configured."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 8 // 10 // 1024
    raise RuntimeError("no MemTotal in /proc/meminfo")


def _node_name() -> str:
    """`hostname -s`, added to /etc/hosts when it does not resolve (slurmd looks itself up)."""
    node = _run(["hostname", "-s"]).stdout.strip()
    try:
        socket.gethostbyname(node)
    except OSError:
        with open("/etc/hosts", "a", encoding="utf-8") as hosts:
            hosts.write(f"127.0.0.1 {node}\n")
    return node


def _pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _terminate(pid_file: Path, timeout: float = 20) -> None:
    pid = _pid(pid_file)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid(pid_file) == pid:
        time.sleep(0.2)
    if _pid(pid_file) == pid:
        os.kill(pid, signal.SIGKILL)


def _munge_works() -> bool:
    if not shutil.which("munge"):
        return False
    cred = _run(["munge", "-n"], timeout=10)
    return cred.returncode == 0 and _run(["unmunge"], input=cred.stdout, timeout=10).returncode == 0


def _start_munged() -> Path | None:
    """Start munged unless one already answers; the pid file of the one started, if any."""
    if _munge_works():
        return None
    run_dir = Path("/run/munge")
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.chown(run_dir, "munge", "munge")
    started = _run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"])
    assert started.returncode == 0, f"munged did not start: {started.stderr}"
    return run_dir / "munged.pid"


def _wait_idle(timeout: float, log_dir: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _idle_node():
            return
        time.sleep(0.5)
    logs = "".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(log_dir.glob("*.log")))
    raise AssertionError(f"the Slurm node did not become idle in {timeout:.0f}s; sinfo: "
                         f"{_run(['sinfo'], timeout=10).stdout}\n{logs}")


@pytest.fixture(scope="session")
def slurm_cluster():
    """A running one-node Slurm cluster (see the module docstring), this session's alone."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, after the teardown
        yield from _cluster()


def _cluster():
    """Use the idle cluster that answers `sinfo`, or start one under ROOT and stop it afterwards."""
    if _idle_node():
        node = _run(["hostname", "-s"]).stdout.strip()
        yield SlurmCluster(partition=_run(["sinfo", "-h", "-o", "%R"]).stdout.split()[0], node=node, log_dir=None)
        return
    install()
    if os.geteuid() != 0:
        pytest.skip(f"starting slurmctld and slurmd as this fixture does needs root (running as uid {os.geteuid()})")
    run_dir, log_dir = ROOT / "run", ROOT / "log"
    daemons = [run_dir / "slurmd.pid", run_dir / "slurmctld.pid"]
    for pid_file in daemons:  # left by a session that died before its teardown
        _terminate(pid_file)
    shutil.rmtree(ROOT, ignore_errors=True)
    for sub in ("state", "spool", "run", "log"):
        (ROOT / sub).mkdir(parents=True)
    node = _node_name()
    conf = ROOT / "slurm.conf"
    conf.write_text(CONF.format(node=node, root=ROOT, cpus=os.cpu_count(), memory_mb=_memory_mb(), partition=PARTITION))
    previous_conf = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(conf)  # read by sbatch/squeue here, and passed on to jobs by --export=ALL
    munged = _start_munged()
    try:
        for daemon in ("slurmctld", "slurmd"):
            started = _run([daemon, "-f", str(conf)])
            assert started.returncode == 0, f"{daemon} did not start: {started.stderr}"
        _wait_idle(60, log_dir)
        yield SlurmCluster(partition=PARTITION, node=node, log_dir=log_dir)
    finally:
        _run(["scancel", "--user", str(os.geteuid())], timeout=30)
        for pid_file in daemons:
            _terminate(pid_file)
        if munged is not None:
            _terminate(munged)
        if previous_conf is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous_conf
