"""`webscale-rl push-space` round trip through the Hub stand-in: the real huggingface_hub client
creates the Space, uploads app, README header, requirements and the bundled package in one
commit, deletes stale files, makes no commit when nothing changed, and never stores the
token; a snapshot of the Space imports the app from its own bundle.

Clients run in subprocesses (huggingface_hub reads HF_ENDPOINT at import), as in test_push.py."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from hub_standin import start
from test_push import TOKEN, client_env, run

ROOT = Path(__file__).resolve().parents[1]
REPO = "acme/webscale-rl-demo"
KEY = f"spaces/{REPO}"  # where the stand-in keeps a Space

STALE_SCRIPT = textwrap.dedent("""
    import sys
    from huggingface_hub import HfApi
    HfApi().upload_file(path_or_fileobj=b"left over", path_in_repo="old_app.py", repo_id=sys.argv[1], repo_type="space")
""")
SNAPSHOT_SCRIPT = "import sys; from huggingface_hub import snapshot_download; " \
                  "print(snapshot_download(sys.argv[1], repo_type='space', local_dir=sys.argv[2]))"
IMPORT_SCRIPT = textwrap.dedent("""
    import json
    import app, webscale_rl, webscale_rl.builder.rollout as rollout
    from webscale_rl.builder.inputs import sample_corpus_rows
    print(json.dumps({"app": app.__file__, "package": webscale_rl.__file__, "rollout": rollout.__file__,
                      "rows": len(sample_corpus_rows()), "demo": callable(app.build_demo)}))
""")


@pytest.fixture(scope="module")
def pushed(tmp_path_factory):
    """First push, a stale file added by hand, second push, third push (unchanged), then an
    anonymous snapshot of the Space, imported from its own folder."""
    tmp = tmp_path_factory.mktemp("space-hub")
    server = start(tmp / "standin", token=TOKEN)
    env = client_env(server.url, tmp / "home", TOKEN)
    push = [sys.executable, "-m", "webscale_rl.cli", "push-space", "--repo", REPO]
    try:
        outputs = [run(push, env, tmp)]
        first = server.state.repos[KEY]["branches"]["main"]
        run([sys.executable, "-c", STALE_SCRIPT, REPO], env, tmp)
        outputs += [run(push, env, tmp), run(push, env, tmp)]
        snapshot = tmp / "snapshot"
        run([sys.executable, "-c", SNAPSHOT_SCRIPT, REPO, str(snapshot)], client_env(server.url, tmp / "home2", None), tmp)
        imported = run([sys.executable, "-c", IMPORT_SCRIPT], {**client_env(server.url, tmp / "home3", None),
                                                                "GRADIO_ANALYTICS_ENABLED": "False"}, snapshot)
        yield {"server": server, "tmp": tmp, "first": first, "snapshot": snapshot,
               "outputs": [o.stdout + o.stderr for o in outputs], "imported": json.loads(imported.stdout.splitlines()[-1])}
    finally:
        server.shutdown()
        server.server_close()


def files_at(server, rev: str = "main") -> dict[str, bytes]:
    repo = server.state.repos[KEY]
    sha = server.state.resolve_rev(repo, rev)
    return {p: server.state.blob(e) for p, e in repo["commits"][sha]["files"].items()}


def test_the_space_holds_the_app_its_header_and_requirements(pushed):
    files = files_at(pushed["server"])
    for name in ("app.py", "README.md", "requirements.txt"):
        assert files[name] == (ROOT / "space" / name).read_bytes(), name
    header = yaml.safe_load(re.match(r"^---\n(.*?)\n---\n", files["README.md"].decode(), re.S).group(1))
    assert header["sdk"] == "gradio" and header["app_file"] == "app.py" and header["sdk_version"]
    assert "gradio[mcp]==" + header["sdk_version"] in files["requirements.txt"].decode().splitlines()
    assert pushed["server"].state.repos[KEY]["sdk"] == "gradio"
    assert "spaces/" + REPO in pushed["outputs"][0] and "updated" in pushed["outputs"][0]


def test_the_package_is_bundled_in_its_import_layout(pushed):
    files = files_at(pushed["server"])
    assert files["webscale_rl/builder/rollout.py"] == (ROOT / "builder" / "rollout.py").read_bytes()
    assert files["webscale_rl/transport.py"] == (ROOT / "webscale_rl" / "transport.py").read_bytes()
    assert files["webscale_rl/space/engine.py"] == (ROOT / "space" / "engine.py").read_bytes()
    for needed in ("webscale_rl/builder/stages/check.py", "webscale_rl/builder/sample_corpus/good_a.jsonl",
                   "webscale_rl/builder/fewshot/screen.jsonl", "webscale_rl/eval/verify.py",
                   "webscale_rl/builder/write.py", "webscale_rl/dataset_card/card.py"):
        assert needed in files, needed
    assert not any("__pycache__" in p or p.startswith(("tests/", "builder/", ".venv")) for p in files)


def test_stale_files_go_and_an_unchanged_push_makes_no_commit(pushed):
    server = pushed["server"]
    repo = server.state.repos[KEY]
    assert "old_app.py" not in files_at(server)
    assert "old_app.py" in files_at(server, repo["commits"][repo["branches"]["main"]]["parent"])
    # initial commit, first push, the stale file, the push that removed it; the last push made none
    assert len(repo["commits"]) == 4
    assert "already up to date" in pushed["outputs"][2]


def test_a_snapshot_of_the_space_runs_from_its_own_bundle(pushed):
    snapshot, imported = pushed["snapshot"].resolve(), pushed["imported"]
    for key in ("app", "package", "rollout"):
        assert Path(imported[key]).resolve().is_relative_to(snapshot), (key, imported[key])
    assert imported["rows"] == 85 and imported["demo"] is True


def test_the_token_is_sent_but_never_stored_or_pushed(pushed):
    needle = TOKEN.encode()
    blobs = list((pushed["tmp"] / "standin").rglob("*"))
    assert len(blobs) > 50 and not any(p.is_file() and needle in p.read_bytes() for p in blobs)
    assert not any(TOKEN in out for out in pushed["outputs"])
    assert "(auth)" in (pushed["tmp"] / "standin" / "requests.log").read_text()


def test_push_space_needs_a_token(monkeypatch):
    from webscale_rl.dataset_card.push import PushError
    from webscale_rl.space.publish import push_space

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)
    with pytest.raises(PushError, match="no Hugging Face token"):
        push_space(REPO)


def test_a_file_holding_the_token_is_refused(tmp_path, monkeypatch):
    from webscale_rl.dataset_card.push import PushError
    from webscale_rl.space import publish

    secret_app = tmp_path / "space"
    secret_app.mkdir()
    (secret_app / "app.py").write_text(f"TOKEN = '{TOKEN}'\n")
    monkeypatch.setattr(publish, "SPACE_DIR", secret_app)
    monkeypatch.setattr("huggingface_hub.HfApi.create_repo", lambda *a, **k: pytest.fail("must not reach the Hub"))
    with pytest.raises(PushError, match="contains the Hub token"):
        publish.push_space(REPO, token=TOKEN)
