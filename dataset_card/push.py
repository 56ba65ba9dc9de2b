"""Publish a built folder to the Hub as one commit plus a `vX.Y.Z` tag.

`push` creates the repo if needed, adds a changelog entry for the version, regenerates the
card, compares every file's hash with what the repo already holds and commits only when
something differs, in ONE `create_commit` (stale shards under data/ and assets/ are deleted
in the same commit). It then tags the commit, so `load_dataset(repo, revision="vX.Y.Z")`
pins the version. Re-pushing the same build as an existing version makes no commit; pushing
it under an existing tag with different content is refused. 429, 412 (someone committed
meanwhile: the plan is rebuilt from the new head) and 5xx answers are retried.

The token comes from `HF_TOKEN` or the `hf auth login` cache (or the `token` argument when
called from Python); it is never written anywhere, and every file is scanned for it before
upload.

When to use what: use this command whenever the finished output folder fits on one disk,
including Slurm runs (their output folder sits on shared storage; push once from any node
after the run). It is the only path that publishes the trainer views, the card, the
changelog and a version tag, in one idempotent commit. datatrove's `hf://` writers
(`HuggingFaceDatasetWriter`, or `ParquetWriter` with an `hf://datasets/ORG/NAME/...` output
folder) upload shards from each Slurm task as it finishes: use them only for raw records too
large to stage locally, into a separate repo or branch, knowing that they make one commit per
task, no card and no tag, and that a later `push` to the same paths would replace them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from webscale_rl.dataset_card.card import CHANGELOG, PLOT_PATH, REWARD_FILE, write_card
from webscale_rl.retry import retry_after

log = logging.getLogger(__name__)

REPO_TYPE = "dataset"
RETRY_STATUS = {412, 429, 500, 502, 503, 504}
RETRY_ATTEMPTS = 6
RETRY_BASE_DELAY = 1.0
MANAGED_DIRS = ("data/", "assets/")
MANAGED_FILES = ("README.md", "stats.json", "build_config.yaml", "quality.json", CHANGELOG, REWARD_FILE)
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
T = TypeVar("T")


class PushError(RuntimeError):
    """A push that must not proceed (no token, token found in a file, tag reuse)."""


def tag_for(version: str) -> str:
    match = _VERSION.match(version.strip())
    if not match:
        raise PushError(f"version must look like X.Y.Z, got {version!r}")
    return "v" + ".".join(match.groups())


def resolve_token(token: str | None = None) -> str:
    """An explicit token, else HF_TOKEN, else the login cache; never read from anywhere else."""
    from huggingface_hub import get_token

    token = token or get_token()
    if not token:
        raise PushError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    return token


def with_retries(call: Callable[[], T], what: str) -> T:
    """Run `call`, retrying Hub answers 429/412/5xx with exponential backoff (Retry-After wins)."""
    from huggingface_hub.errors import HfHubHTTPError

    for attempt in range(RETRY_ATTEMPTS):
        try:
            return call()
        except HfHubHTTPError as err:
            response = getattr(err, "response", None)
            status = getattr(response, "status_code", None)
            if status not in RETRY_STATUS or attempt == RETRY_ATTEMPTS - 1:
                raise
            delay = RETRY_BASE_DELAY * 2**attempt
            asked = retry_after(response.headers.get("Retry-After")) if response is not None else None
            if asked is not None:
                delay = asked
            log.warning("%s: Hub answered %s, retrying in %.0f s (%d/%d)", what, status, delay,
                        attempt + 1, RETRY_ATTEMPTS - 1)
            time.sleep(delay)
    raise AssertionError("unreachable")


def local_files(out_dir: Path) -> dict[str, Path]:
    """Files to publish: everything except hidden paths (.work/, caches) and the bytecode
    Python leaves when someone imports the folder's reward.py."""
    files = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts) \
                and path.suffix != ".pyc":
            files[rel.as_posix()] = path
    return files


def digest(path: Path, token: str) -> tuple[str, str]:
    """(git blob sha1, sha256) of a file, streamed; raises if the token occurs in it."""
    size = path.stat().st_size
    sha1 = hashlib.sha1(b"blob %d\0" % size)
    sha256 = hashlib.sha256()
    needle, tail = token.encode(), b""
    scan = len(needle) >= 8  # a very short "token" would match random bytes of binary files
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            sha1.update(chunk)
            sha256.update(chunk)
            if scan and needle in tail + chunk:
                raise PushError(f"{path} contains the Hub token; refusing to push it")
            tail = chunk[-(len(needle) - 1):] if len(needle) > 1 else b""
    return sha1.hexdigest(), sha256.hexdigest()


def plan_operations(out_dir: Path, remote: dict[str, object], token: str) -> list:
    """Commit operations that turn the remote tree into the local folder (managed paths only)."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    ops: list = []
    files = local_files(out_dir)
    for rel, path in files.items():
        sha1, sha256 = digest(path, token)
        entry = remote.get(rel)
        lfs = getattr(entry, "lfs", None)
        same = entry is not None and (getattr(entry, "blob_id", None) == sha1 or (lfs is not None and lfs.sha256 == sha256))
        if not same:
            ops.append(CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(path)))
    for rel in sorted(remote):
        if rel not in files and (rel.startswith(MANAGED_DIRS) or rel in MANAGED_FILES):
            ops.append(CommitOperationDelete(path_in_repo=rel))
    return ops


def remote_files(api, repo_id: str, revision: str) -> dict[str, object]:
    from huggingface_hub.hf_api import RepoFile

    tree = api.list_repo_tree(repo_id, recursive=True, revision=revision, repo_type=REPO_TYPE)
    return {item.path: item for item in tree if isinstance(item, RepoFile)}


def remote_changelog(api, repo_id: str, revision: str) -> list[dict]:
    """Version entries recorded in the repo at `revision` (empty for a new repo)."""
    from huggingface_hub.errors import EntryNotFoundError

    try:
        path = api.hf_hub_download(repo_id, CHANGELOG, repo_type=REPO_TYPE, revision=revision)
    except EntryNotFoundError:
        return []
    return list(json.loads(Path(path).read_text(encoding="utf-8")).get("versions", []))


def changelog_entry(out_dir: Path, tag: str) -> dict:
    """Deterministic for one build (date = the build's finish date), so a re-push changes nothing."""
    stats = json.loads((out_dir / "stats.json").read_text(encoding="utf-8"))
    return {"version": tag[1:], "tag": tag, "date": str(stats.get("finished_at") or "")[:10] or "unknown",
            "config_hash": stats.get("config_hash", ""), "pairs_kept": stats.get("pairs_kept", 0),
            "documents_in": stats.get("documents_in", 0)}


def write_changelog(out_dir: Path, repo_id: str, versions: list[dict]) -> None:
    (out_dir / CHANGELOG).write_text(json.dumps({"repo_id": repo_id, "versions": versions}, indent=2) + "\n",
                                     encoding="utf-8")


def _prepare(out_dir: Path, repo_id: str, versions: list[dict]) -> None:
    write_changelog(out_dir, repo_id, versions)
    write_card(out_dir, repo_id)


def _snapshot(out_dir: Path) -> dict[Path, bytes | None]:
    """The files `_prepare` rewrites, so a refused or failed push leaves the folder as it was."""
    paths = [out_dir / "README.md", out_dir / CHANGELOG, out_dir / PLOT_PATH, out_dir / REWARD_FILE]
    return {p: p.read_bytes() if p.exists() else None for p in paths}


def _restore(saved: dict[Path, bytes | None]) -> None:
    for path, data in saved.items():
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)


def _existing_tag(api, repo_id: str, tag: str) -> str | None:
    refs = with_retries(lambda: api.list_repo_refs(repo_id, repo_type=REPO_TYPE), "list refs")
    return next((t.target_commit for t in refs.tags if t.name == tag), None)


def push(out_dir: str | Path, repo_id: str, version: str, private: bool = False, token: str | None = None) -> dict:
    """Publish `out_dir` as `repo_id@vX.Y.Z`; return {repo_id, tag, commit, new_commit, files_changed}."""
    out = Path(out_dir)
    if not (out / "stats.json").exists() or not (out / "data").is_dir():
        raise PushError(f"{out} is not a finished build (needs stats.json and data/)")
    tag = tag_for(version)
    token = resolve_token(token)
    saved = _snapshot(out)
    try:
        return _push(out, repo_id, tag, private, token)
    except BaseException:
        _restore(saved)
        raise


def _push(out: Path, repo_id: str, tag: str, private: bool, token: str) -> dict:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    with_retries(lambda: api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True), "create repo")

    tagged = _existing_tag(api, repo_id, tag)
    if tagged is not None:  # re-push of a released version: allowed only if nothing differs
        _prepare(out, repo_id, remote_changelog(api, repo_id, tagged))
        ops = plan_operations(out, remote_files(api, repo_id, tagged), token)
        if ops:
            raise PushError(f"{repo_id} already has {tag} with different content ({len(ops)} files differ); "
                            "push this build as a new version")
        return {"repo_id": repo_id, "tag": tag, "commit": tagged, "new_commit": False, "files_changed": 0}

    def commit_once() -> tuple[str, int]:
        head = api.repo_info(repo_id, repo_type=REPO_TYPE, revision="main").sha
        versions = [v for v in remote_changelog(api, repo_id, head) if v.get("tag") != tag]
        _prepare(out, repo_id, versions + [changelog_entry(out, tag)])
        ops = plan_operations(out, remote_files(api, repo_id, head), token)
        if not ops:
            return head, 0
        info = api.create_commit(repo_id, ops, repo_type=REPO_TYPE, parent_commit=head,
                                 commit_message=f"Release {tag}",
                                 commit_description=f"webscale-rl build {changelog_entry(out, tag)['config_hash']}")
        return info.oid, len(ops)

    commit, changed = with_retries(commit_once, "commit")

    def tag_once() -> None:
        try:
            api.create_tag(repo_id, tag=tag, revision=commit, repo_type=REPO_TYPE, tag_message=f"webscale-rl {tag}")
        except HfHubHTTPError as err:  # a retried request may have created it already
            if getattr(err.response, "status_code", None) != 409 or _existing_tag(api, repo_id, tag) != commit:
                raise

    with_retries(tag_once, "tag")
    return {"repo_id": repo_id, "tag": tag, "commit": commit, "new_commit": changed > 0, "files_changed": changed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl push", description="push a built folder to the Hub as a tagged version")
    parser.add_argument("out_dir", help="the build's output folder")
    parser.add_argument("--repo", required=True, help="ORG/NAME of the dataset repo")
    parser.add_argument("--version", required=True, help="X.Y.Z; tagged as vX.Y.Z")
    parser.add_argument("--private", action="store_true", help="create the repo private (ignored if it exists)")
    args = parser.parse_args(argv)
    try:
        result = push(args.out_dir, args.repo, args.version, private=args.private)
    except PushError as err:
        print(f"push failed: {err}")
        return 1
    print(json.dumps(result, indent=2))
    return 0
