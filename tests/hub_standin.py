"""A small local stand-in of the Hugging Face Hub HTTP API, for round-trip tests.

The real `huggingface_hub` and `datasets` clients talk to it through `HF_ENDPOINT`. It keeps
dataset and Space repos as chains of commits (each commit is a full snapshot: path -> blob), branches
and tags in `ROOT/state.json`, blob bytes in `ROOT/blobs/<sha256>` and one line per request
in `ROOT/requests.log`. Every upload is answered `uploadMode: "regular"`, so file bytes travel
base64 inside the commit and neither LFS nor xet storage is needed.

Only what the clients call is implemented (see ../shared/research/hub-api.md): repo create,
validate-yaml, preupload, commit, tag, refs, revision info, tree, paths-info, commits and
resolve (HEAD/GET with Range). Authorization headers are checked and never stored: the log
records only whether one was sent. A test hook (`POST /_standin/fail`) makes the next
matching requests fail with a given status, to exercise client retries.

Run on its own: `python tests/hub_standin.py ROOT [--port N]`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
_API = re.compile(r"^/api/(models|datasets|spaces)/([^/]+)/([^/]+)(?:/([^/]+)(?:/([^/]+)(?:/(.*))?)?)?$")
_RESOLVE = re.compile(r"^/(datasets|spaces)/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")


def repo_key(kind: str, repo_id: str) -> str:
    """Where a repo lives in the state: datasets under their id, Spaces under spaces/<id>
    (a dataset and a Space may share a name)."""
    return f"spaces/{repo_id}" if kind in ("space", "spaces") else repo_id


def git_blob_oid(data: bytes) -> str:
    """The oid git (and the Hub) gives a regular file; the client compares it in preupload."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Failure:
    """Requests whose `METHOD path` contains `contains` get `status` for the next `times` calls."""

    method: str
    contains: str
    status: int
    times: int


@dataclass
class HubState:
    """Repos, commits and refs, persisted as JSON; blobs live next to it on disk."""

    root: Path
    token: str | None = None  # when set, writes and private reads need exactly this bearer token
    repos: dict = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "blobs").mkdir(exist_ok=True)
        state = self.root / "state.json"
        if state.exists():
            self.repos = json.loads(state.read_text())

    def save(self) -> None:
        tmp = self.root / "state.json.tmp"
        tmp.write_text(json.dumps(self.repos, indent=1, sort_keys=True))
        tmp.replace(self.root / "state.json")

    def put_blob(self, data: bytes) -> dict:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.root / "blobs" / sha256
        if not path.exists():
            path.write_bytes(data)
        return {"sha256": sha256, "oid": git_blob_oid(data), "size": len(data)}

    def blob(self, entry: dict) -> bytes:
        return (self.root / "blobs" / entry["sha256"]).read_bytes()

    def new_commit(self, repo: dict, parent: str | None, files: dict, summary: str) -> str:
        body = json.dumps({"parent": parent, "files": files, "summary": summary, "n": len(repo["commits"]),
                           "t": time.time()}, sort_keys=True)
        sha = hashlib.sha1(body.encode()).hexdigest()
        repo["commits"][sha] = {"parent": parent, "files": files, "summary": summary,
                                "date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
        return sha

    def resolve_rev(self, repo: dict, rev: str) -> str | None:
        if rev in repo["branches"]:
            return repo["branches"][rev]
        if rev in repo["tags"]:
            return repo["tags"][rev]["commit"]
        return rev if rev in repo["commits"] else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "StandinServer"

    # -- plumbing ---------------------------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass  # one line per request goes to requests.log instead of stderr

    def _log(self, status: int) -> None:
        authed = "auth" if self.headers.get("Authorization") else "anon"
        line = f"{time.strftime('%H:%M:%S')} {self.command} {self.path} -> {status} ({authed})\n"
        with self.server.state.lock, open(self.server.state.root / "requests.log", "a", encoding="utf-8") as f:
            f.write(line)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload=None, headers: dict | None = None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        self.send_response(status)
        if raw is None:
            self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._log(status)

    def _error(self, status: int, message: str, code: str | None = None) -> None:
        headers = {"X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        self._send(status, {"error": message}, headers)

    def _authorized(self) -> bool:
        expected = self.server.state.token
        got = self.headers.get("Authorization", "")
        if expected is None:
            return bool(got)
        return got == f"Bearer {expected}"

    def _injected_failure(self) -> bool:
        state = self.server.state
        key = f"{self.command} {self.path}"
        with state.lock:
            for failure in state.failures:
                if failure.times > 0 and failure.method == self.command and failure.contains in key:
                    failure.times -= 1
                    self._body()
                    self._send(failure.status, {"error": "injected failure"}, {"Retry-After": "0"})
                    return True
        return False

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            if self._injected_failure():
                return
            self._route()
        except Exception as err:  # a stand-in bug must surface as a 500, not a hung client
            self._error(500, f"stand-in error: {type(err).__name__}: {err}")

    # -- routing ----------------------------------------------------------------------------
    def _route(self) -> None:
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        if path == "/_standin/fail" and self.command == "POST":
            spec = json.loads(self._body())
            with self.server.state.lock:
                self.server.state.failures.append(Failure(spec["method"], spec["contains"], spec["status"],
                                                          spec.get("times", 1)))
            return self._send(200, {"ok": True})
        if path == "/api/repos/create" and self.command == "POST":
            return self._create_repo(json.loads(self._body() or b"{}"))
        if path == "/api/validate-yaml" and self.command == "POST":
            return self._validate_yaml(json.loads(self._body() or b"{}"))
        if path == "/api/whoami-v2":
            return self._send(200, {"name": "standin-user", "type": "user", "orgs": []}) if self._authorized() \
                else self._error(401, "Invalid credentials", None)
        match = _RESOLVE.match(path)
        if match and self.command in {"GET", "HEAD"}:
            kind, org, name, rev, file_path = match.groups()
            return self._resolve(repo_key(kind, f"{org}/{name}"), unquote(rev), unquote(file_path))
        match = _API.match(path)
        if match:
            kind, org, name, action, rev, rest = match.groups()
            if kind not in ("datasets", "spaces"):
                return self._error(404, "only dataset and Space repos exist here", "RepoNotFound")
            repo_id = repo_key(kind, f"{org}/{name}")
            rev = unquote(rev) if rev else None
            rest = unquote(rest) if rest else ""
            if action is None and self.command == "GET":
                return self._info(repo_id, "main")
            handlers = {
                ("revision", "GET"): lambda: self._info(repo_id, rev),
                ("preupload", "POST"): lambda: self._preupload(repo_id, rev),
                ("commit", "POST"): lambda: self._commit(repo_id, rev),
                ("tag", "POST"): lambda: self._tag(repo_id, rev),
                ("refs", "GET"): lambda: self._refs(repo_id),
                ("tree", "GET"): lambda: self._tree(repo_id, rev, rest, query),
                ("paths-info", "POST"): lambda: self._paths_info(repo_id, rev),
                ("commits", "GET"): lambda: self._commits(repo_id, rev),
            }
            handler = handlers.get((action, self.command))
            if handler:
                return handler()
        self._body()
        self._error(404, f"no route for {self.command} {path}")

    def _repo(self, repo_id: str, write: bool = False) -> dict | None:
        """The repo if it exists and the caller may see it; otherwise answer and return None."""
        repo = self.server.state.repos.get(repo_id)
        if repo is None:
            self._error(404, f"Repository not found: {repo_id}", "RepoNotFound")
            return None
        if (write or repo["private"]) and not self._authorized():
            self._error(401, "Invalid username or password.", "RepoNotFound")
            return None
        return repo

    def _commit_of(self, repo: dict, rev: str | None) -> str | None:
        sha = self.server.state.resolve_rev(repo, rev or "main")
        if sha is None:
            self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return sha

    def _repo_at(self, repo_id: str, rev: str | None) -> tuple[dict, str] | None:
        """The visible repo and the commit a revision names; otherwise answer and return None."""
        repo = self._repo(repo_id)
        sha = self._commit_of(repo, rev) if repo is not None else None
        return (repo, sha) if sha is not None else None

    # -- write endpoints --------------------------------------------------------------------
    def _create_repo(self, payload: dict) -> None:
        if not self._authorized():
            return self._error(401, "You must be authenticated to create a repo", None)
        kind = payload.get("type")
        if kind not in ("dataset", "space"):
            return self._error(400, "the stand-in only hosts datasets and Spaces", None)
        if kind == "space" and not payload.get("sdk"):
            return self._error(400, "a Space needs an sdk (gradio, docker or static)", None)
        name = f"{payload.get('organization') or 'standin-user'}/{payload['name']}"
        repo_id = repo_key(kind, name)
        url = f"http://{self.headers.get('Host')}/{kind}s/{name}"
        state = self.server.state
        with state.lock:
            if repo_id in state.repos:
                return self._send(409, {"error": "You already created this dataset repo", "url": url})
            repo = {"private": payload.get("visibility") == "private" or bool(payload.get("private")),
                    "commits": {}, "branches": {}, "tags": {}}
            if kind == "space":
                repo["sdk"] = payload["sdk"]
            files = {".gitattributes": state.put_blob(GITATTRIBUTES)}
            repo["branches"]["main"] = state.new_commit(repo, None, files, "initial commit")
            state.repos[repo_id] = repo
            state.save()
        self._send(200, {"url": url, "name": name})

    def _validate_yaml(self, payload: dict) -> None:
        """Parse the README front matter as the Hub does and report structural errors."""
        content = payload.get("content", "")
        errors = []
        match = re.match(r"^---\s*\n(.*?)\n---\s*\n", content, re.S)
        if match:
            try:
                meta = yaml.safe_load(match.group(1))
            except yaml.YAMLError as err:
                meta, errors = None, [{"message": f"invalid YAML: {err}"}]
            if meta is not None and not isinstance(meta, dict):
                errors.append({"message": "metadata must be a mapping"})
            elif isinstance(meta, dict):
                for entry in meta.get("configs") or []:
                    if not isinstance(entry, dict) or "config_name" not in entry or "data_files" not in entry:
                        errors.append({"message": f"bad configs entry {entry!r}"})
        if errors:
            return self._send(400, {"error": "; ".join(e["message"] for e in errors), "errors": errors})
        self._send(200, {"errors": [], "warnings": []})

    def _preupload(self, repo_id: str, rev: str) -> None:
        payload = json.loads(self._body())
        repo = self._repo(repo_id, write=True)
        if repo is None:
            return
        sha = self._commit_of(repo, rev)
        if sha is None:
            return
        files = repo["commits"][sha]["files"]
        self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                    "oid": files[f["path"]]["oid"] if f["path"] in files else None}
                                   for f in payload["files"]]})

    def _commit(self, repo_id: str, rev: str) -> None:
        lines = [json.loads(line) for line in self._body().splitlines() if line.strip()]
        repo = self._repo(repo_id, write=True)
        if repo is None:
            return
        state = self.server.state
        with state.lock:
            if rev not in repo["branches"]:
                return self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            head = repo["branches"][rev]
            header = lines[0]["value"] if lines and lines[0]["key"] == "header" else {}
            parent = header.get("parentCommit")
            if parent and parent != head:
                return self._error(412, "A commit has happened since. Please refresh and try again.", None)
            files = dict(repo["commits"][head]["files"])
            for line in lines[1:]:
                value = line["value"]
                if line["key"] == "file":
                    data = base64.b64decode(value["content"]) if value.get("encoding") == "base64" \
                        else value["content"].encode()
                    files[value["path"]] = state.put_blob(data)
                elif line["key"] == "deletedFile":
                    if value["path"] not in files:
                        return self._error(404, "A file with this name doesn't exist", "EntryNotFound")
                    del files[value["path"]]
                elif line["key"] == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: e for p, e in files.items() if not p.startswith(prefix)}
                else:
                    return self._error(400, f"the stand-in does not accept {line['key']} operations", None)
            sha = state.new_commit(repo, head, files, header.get("summary", ""))
            repo["branches"][rev] = sha
            state.save()
        host = self.headers.get("Host")
        web = repo_id if repo_id.startswith("spaces/") else f"datasets/{repo_id}"
        self._send(200, {"commitOid": sha, "commitUrl": f"http://{host}/{web}/commit/{sha}",
                         "success": True})

    def _tag(self, repo_id: str, rev: str) -> None:
        payload = json.loads(self._body() or b"{}")
        repo = self._repo(repo_id, write=True)
        if repo is None:
            return
        state = self.server.state
        with state.lock:
            sha = self._commit_of(repo, rev)
            if sha is None:
                return
            tag = payload["tag"]
            if tag in repo["tags"]:
                return self._error(409, f"Tag {tag} already exists", None)
            repo["tags"][tag] = {"commit": sha, "message": payload.get("message")}
            state.save()
        self._send(200, {"ok": True})

    # -- read endpoints ---------------------------------------------------------------------
    def _info(self, repo_id: str, rev: str) -> None:
        found = self._repo_at(repo_id, rev)
        if found is None:
            return
        repo, sha = found
        files = repo["commits"][sha]["files"]
        siblings = [{"rfilename": p, "size": e["size"], "blobId": e["oid"]} for p, e in sorted(files.items())]
        name = repo_id.removeprefix("spaces/")
        info = {"id": name, "_id": name, "sha": sha, "private": repo["private"],
                "lastModified": repo["commits"][sha]["date"], "tags": [], "disabled": False,
                "gated": False, "siblings": siblings}
        if "sdk" in repo:
            info["sdk"] = repo["sdk"]
        self._send(200, info)

    def _refs(self, repo_id: str) -> None:
        repo = self._repo(repo_id)
        if repo is None:
            return
        self._send(200, {
            "branches": [{"name": b, "ref": f"refs/heads/{b}", "targetCommit": s} for b, s in repo["branches"].items()],
            "tags": [{"name": t, "ref": f"refs/tags/{t}", "targetCommit": v["commit"]} for t, v in repo["tags"].items()],
            "converts": [], "pullRequests": []})

    def _commits(self, repo_id: str, rev: str) -> None:
        found = self._repo_at(repo_id, rev)
        if found is None:
            return
        repo, sha = found
        out = []
        while sha:
            commit = repo["commits"][sha]
            out.append({"id": sha, "title": commit["summary"], "message": commit["summary"], "authors": [],
                        "date": commit["date"]})
            sha = commit["parent"]
        self._send(200, out)

    @staticmethod
    def _entry(path: str, entry: dict) -> dict:
        return {"type": "file", "path": path, "oid": entry["oid"], "size": entry["size"]}

    @staticmethod
    def _folder(path: str) -> dict:
        return {"type": "directory", "path": path, "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0}

    def _tree(self, repo_id: str, rev: str, folder: str, query: dict) -> None:
        found = self._repo_at(repo_id, rev)
        if found is None:
            return
        repo, sha = found
        recursive = query.get("recursive", ["false"])[0].lower() in {"1", "true"}
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        files = {p: e for p, e in repo["commits"][sha]["files"].items() if p.startswith(prefix)}
        if prefix and not files:
            return self._error(404, f"{folder} does not exist on {rev}", "EntryNotFound")
        entries: dict[str, dict] = {}
        for path, entry in sorted(files.items()):
            parts = path[len(prefix):].split("/")
            for depth in range(1, len(parts)):
                if not recursive and depth > 1:
                    break
                sub = prefix + "/".join(parts[:depth])
                entries.setdefault(sub, self._folder(sub))
            if recursive or len(parts) == 1:
                entries[path] = self._entry(path, entry)
        self._send(200, [entries[k] for k in sorted(entries)])

    def _paths_info(self, repo_id: str, rev: str) -> None:
        body = self._body().decode()
        form = parse_qs(body) if "json" not in (self.headers.get("Content-Type") or "") else json.loads(body)
        found = self._repo_at(repo_id, rev)
        if found is None:
            return
        repo, sha = found
        files = repo["commits"][sha]["files"]
        out = []
        for path in form.get("paths", []):
            path = path.strip("/")
            if path in files:
                out.append(self._entry(path, files[path]))
            elif any(p.startswith(path + "/") for p in files):
                out.append(self._folder(path))
        self._send(200, out)

    def _resolve(self, repo_id: str, rev: str, path: str) -> None:
        found = self._repo_at(repo_id, rev)
        if found is None:
            return
        repo, sha = found
        entry = repo["commits"][sha]["files"].get(path)
        if entry is None:
            return self._error(404, f"Entry not found: {path}", "EntryNotFound")
        data = self.server.state.blob(entry)
        headers = {"X-Repo-Commit": sha, "ETag": f'"{entry["oid"]}"', "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}
        match = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range", "").strip())
        if match and (match.group(1) or match.group(2)):
            first, last = match.groups()
            size = len(data)
            if first:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            else:
                start, end = max(0, size - int(last)), size - 1
            if start >= size:
                return self._send(416, raw=b"", headers={"Content-Range": f"bytes */{size}"})
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return self._send(206, raw=data[start:end + 1], headers=headers)
        self._send(200, raw=data, headers=headers)


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, port: int = 0, token: str | None = None) -> None:
        self.state = HubState(Path(root), token=token)
        super().__init__(("127.0.0.1", port), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def start(root: str | Path, port: int = 0, token: str | None = None) -> StandinServer:
    """Serve in a daemon thread; stop with `server.shutdown(); server.server_close()`."""
    server = StandinServer(Path(root), port=port, token=token)
    threading.Thread(target=server.serve_forever, name="hub-standin", daemon=True).start()
    return server


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="local stand-in of the Hub API")
    parser.add_argument("root")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    standin = StandinServer(Path(args.root), port=args.port)
    print(standin.url, flush=True)
    try:
        standin.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
