"""The Ray instance a `type: ray` build runs on. datatrove's RayPipelineExecutor expects
`ray.init()` to have been called; this does it once per process: it joins the cluster named by
`executor.address` (e.g. `auto`, or `ray://head:10001`), or else starts a local instance bound
to 127.0.0.1, so that nothing it opens listens beyond this machine.

datatrove's Ray actor runs its ranks in a `multiprocess` pool, which forks by default; a fork of
a Ray worker (a process with gRPC and event-loop threads) can inherit a lock some thread held
and hang forever at random (ray-project/ray#28328: a rank's child sat idle, no log line, until
killed). Every worker of the build's Ray job therefore starts its pool's processes fresh
(`spawn`), set by Ray's worker setup hook."""

from __future__ import annotations

import os

# Set before Ray is imported, which reads them once. RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 is Ray's
# own "this machine only" switch: every address it gives itself and binds is 127.0.0.1.
LOCAL_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0",
             "RAY_AUTH_MODE": "disabled"}  # no token to mint and store for a loopback-only instance
LOOPBACK = "127.0.0.1"


def spawn_task_processes() -> None:
    """Ray's `worker_process_setup_hook`: the pool that runs a rank spawns its process rather than forking."""
    import multiprocess

    multiprocess.set_start_method("spawn", force=True)


RUNTIME_ENV = {"worker_process_setup_hook": f"{__name__}.spawn_task_processes"}


def is_local(opts: dict) -> bool:
    """True when the build starts its own Ray instance on this machine (no `address`)."""
    return not opts.get("address")


def connect(opts: dict) -> dict:
    """Join or start Ray once per process; return the executor options without the keys
    `ray.init` takes (`address`, and `num_cpus` for a local instance)."""
    opts = dict(opts)
    address, num_cpus = opts.pop("address", None), opts.pop("num_cpus", None)
    if not address:
        for name, value in LOCAL_ENV.items():
            os.environ.setdefault(name, value)
    import ray

    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False, runtime_env=RUNTIME_ENV)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, runtime_env=RUNTIME_ENV)
            if ray.util.get_node_ip_address() != LOOPBACK:
                ray.shutdown()
                raise RuntimeError(
                    "the local Ray instance would listen on this machine's network address, because Ray was "
                    "imported before the build could set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0; set it in the "
                    "environment, or give executor.address of a running cluster")
    return opts
