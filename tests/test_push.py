"""Round trip through a local stand-in of the Hub: the real huggingface_hub client pushes two
versions, the real `datasets.load_dataset` reads every row of every config back at each tag,
a re-push makes no commit, retries survive 412/429, and the token is stored nowhere.

huggingface_hub and datasets read HF_ENDPOINT at import, so every client runs in a
subprocess with its own environment; the stand-in runs in a thread of the test process.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hub_standin import start
from test_write import fake_build
from webscale_rl.builder import write
from webscale_rl.dataset_card.push import PushError, local_files, tag_for

REPO = "acme/webscale-rl"
PRIVATE_REPO = "acme/private-qa"
TOKEN = "hf_standin" + secrets.token_hex(16)


def client_env(url: str, hf_home: Path, token: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env.update(HF_ENDPOINT=url, HF_HOME=str(hf_home), HF_HUB_DISABLE_TELEMETRY="1",
               HF_HUB_DISABLE_PROGRESS_BARS="1", HF_DATASETS_DISABLE_PROGRESS_BARS="1")
    if token:
        env["HF_TOKEN"] = token
    return env


def run(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def inject(url: str, method: str, contains: str, status: int) -> None:
    body = json.dumps({"method": method, "contains": contains, "status": status}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{url}/_standin/fail", data=body, method="POST"))


PUSH_SCRIPT = textwrap.dedent("""
    import json, sys
    from webscale_rl.dataset_card.push import PushError, push
    b1, b2, repo, private_repo = sys.argv[1:5]
    results = {"v1.1.0": push(b2, repo, "1.1.0"), "again": push(b2, repo, "1.1.0"),
               "old_again": push(b1, repo, "1.0.0"), "private": push(b1, private_repo, "0.1.0", private=True)}
    try:
        push(b2, repo, "1.0.0")
    except PushError as err:
        results["reused_tag"] = str(err)
    print(json.dumps(results))
""")

LOAD_SCRIPT = textwrap.dedent("""
    import json, sys
    from datasets import load_dataset
    repo = sys.argv[1]
    out = {}
    for rev in ("v1.0.0", "v1.1.0"):
        for config in ("default", "verl", "trl"):
            ds = load_dataset(repo, config, revision=rev)
            key = "extra_info" if config == "verl" else "id"
            out[f"{rev}/{config}"] = {split: sorted(r["id"] if key == "id" else r[key]["id"] for r in d)
                                      for split, d in ds.items()}
    print(json.dumps(out))
""")


def local_ids(out: Path, config: str) -> dict[str, list[str]]:
    ids = {}
    for split, paths in write.split_files(out, config).items():
        column = "extra_info" if config == "verl" else "id"
        values = [v for p in paths for v in pq.read_table(p, columns=[column]).column(column).to_pylist()]
        ids[split] = sorted(v["id"] if column == "extra_info" else v for v in values)
    return ids


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """Push v1.0.0 (CLI, HF_TOKEN), then v1.1.0 + re-pushes (login cache, injected 412/429),
    then load both tags of every config."""
    tmp = tmp_path_factory.mktemp("hub")
    server = start(tmp / "standin", token=TOKEN)
    b1, b2 = tmp / "build1", tmp / "build2"
    fake_build(b1, n_docs=14, tag="a", evil=True, test_fraction=0.3, rows_per_shard=6)
    fake_build(b2, n_docs=9, tag="b", test_fraction=0.3)
    try:
        first = run([sys.executable, "-m", "webscale_rl.cli", "push", str(b1), "--repo", REPO, "--version", "1.0.0"],
                    client_env(server.url, tmp / "home1", TOKEN), tmp)
        head_v1 = server.state.repos[REPO]["branches"]["main"]
        login_home = tmp / "home2"
        login_home.mkdir()
        (login_home / "token").write_text(TOKEN)  # the user's `hf auth login` cache
        inject(server.url, "POST", f"/api/datasets/{REPO}/commit/main", 412)
        inject(server.url, "POST", f"/api/datasets/{REPO}/tag/", 429)
        second = run([sys.executable, "-c", PUSH_SCRIPT, str(b1), str(b2), REPO, PRIVATE_REPO],
                     client_env(server.url, login_home, None), tmp)
        loaded = run([sys.executable, "-c", LOAD_SCRIPT, REPO], client_env(server.url, tmp / "home3", None), tmp)
        yield {"tmp": tmp, "server": server, "b1": b1, "b2": b2, "head_v1": head_v1,
               "first": json.loads(first.stdout),
               "second": json.loads(second.stdout.strip().splitlines()[-1]),
               "loaded": json.loads(loaded.stdout.strip().splitlines()[-1]),
               "outputs": [first.stdout + first.stderr, second.stdout + second.stderr, loaded.stdout + loaded.stderr]}
    finally:
        server.shutdown()
        server.server_close()


def files_at(server, repo: str, rev: str) -> dict[str, bytes]:
    repo_state = server.state.repos[repo]
    sha = server.state.resolve_rev(repo_state, rev)
    return {p: server.state.blob(e) for p, e in repo_state["commits"][sha]["files"].items()}


def test_every_row_of_every_config_loads_at_each_tag(round_trip):
    loaded, b1, b2 = round_trip["loaded"], round_trip["b1"], round_trip["b2"]
    for rev, build in (("v1.0.0", b1), ("v1.1.0", b2)):
        for config in write.CONFIGS:
            expected = local_ids(build, config)
            assert set(expected) == {"train", "test"}
            assert loaded[f"{rev}/{config}"] == expected, (rev, config)


def test_one_commit_per_version_and_tags(round_trip):
    server, first, second = round_trip["server"], round_trip["first"], round_trip["second"]
    repo = server.state.repos[REPO]
    assert first["new_commit"] and first["tag"] == "v1.0.0" and first["commit"] == round_trip["head_v1"]
    assert second["v1.1.0"]["new_commit"] and repo["commits"][second["v1.1.0"]["commit"]]["parent"] == first["commit"]
    assert {t: v["commit"] for t, v in repo["tags"].items()} == {"v1.0.0": first["commit"],
                                                                  "v1.1.0": second["v1.1.0"]["commit"]}
    assert len(repo["commits"]) == 3  # initial commit + one per version
    assert repo["branches"]["main"] == second["v1.1.0"]["commit"]


def test_repush_makes_no_commit_and_tags_are_immutable(round_trip):
    second = round_trip["second"]
    assert second["again"] == {**second["v1.1.0"], "new_commit": False, "files_changed": 0}
    assert second["old_again"]["new_commit"] is False and second["old_again"]["commit"] == round_trip["first"]["commit"]
    assert "already has v1.0.0 with different content" in second["reused_tag"]
    changelog = json.loads((round_trip["b2"] / "changelog.json").read_text())  # refused push restored it
    assert [v["tag"] for v in changelog["versions"]] == ["v1.0.0", "v1.1.0"]


def test_pushed_tree_is_the_folder_without_work_files(round_trip):
    server, b1, b2 = round_trip["server"], round_trip["b1"], round_trip["b2"]
    for rev, build in (("v1.0.0", b1), ("v1.1.0", b2)):
        remote = {p: d for p, d in files_at(server, REPO, rev).items() if p != ".gitattributes"}
        local = {rel: path.read_bytes() for rel, path in local_files(build).items()}
        if rev == "v1.0.0":  # build1's card was re-rendered with the v1.1.0 changelog afterwards
            local = {k: v for k, v in local.items() if k not in {"README.md", "changelog.json"}}
            remote = {k: v for k, v in remote.items() if k not in {"README.md", "changelog.json"}}
        assert remote == local
        assert not any(p.startswith(".work") for p in files_at(server, REPO, rev))
    readme = files_at(server, REPO, "v1.1.0")["README.md"].decode()
    assert "**v1.1.0**" in readme and "**v1.0.0**" in readme and "assets/domain_distribution.png" in readme
    assert 'revision="v1.1.0"' in readme and REPO in readme


TRAINER_SCRIPT = textwrap.dedent("""
    import importlib.util, json, sys
    from datasets import load_dataset
    local = sys.argv[1]
    rows = load_dataset(local, "trl", split="train")
    spec = importlib.util.spec_from_file_location("reward", local + "/reward.py")
    reward = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reward)
    row = next(r for r in rows if r["answer"].isdigit())
    completions = [[{"role": "assistant", "content": "The tower is described. \\\\boxed{" + row["answer"] + "}"}],
                   [{"role": "assistant", "content": "\\\\boxed{maybe " + row["answer"] + "}"}]]
    scores = reward.answer_reward(completions, answer=[row["answer"]] * 2, answer_type=[row["answer_type"]] * 2,
                                  prompts=[row["prompt"]] * 2, id=[row["id"]] * 2)
    print(json.dumps({"scores": scores, "webscale_rl": [m for m in sys.modules if m.startswith("webscale_rl")]}))
""")


def test_reward_module_travels_with_the_dataset(round_trip):
    """What the card tells a trainer: `hf download` the tagged dataset, load its trl config from
    the folder and reward completions with the reward.py it carries."""
    server, tmp = round_trip["server"], round_trip["tmp"]
    shipped = files_at(server, REPO, "v1.1.0")["reward.py"]
    assert shipped == (round_trip["b2"] / "reward.py").read_bytes()
    local = tmp / "downloaded"
    env = client_env(server.url, tmp / "home4", None)
    run([str(Path(sys.executable).with_name("hf")), "download", REPO, "--repo-type", "dataset", "--revision", "v1.1.0",
         "--local-dir", str(local)], env, tmp)
    assert (local / "reward.py").read_bytes() == shipped
    done = run([sys.executable, "-I", "-c", TRAINER_SCRIPT, str(local)], env, tmp)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"scores": [1.0, 0.0], "webscale_rl": []}


def test_retries_on_412_and_429(round_trip):
    log = (round_trip["tmp"] / "standin" / "requests.log").read_text().splitlines()
    commits = [line for line in log if f"/api/datasets/{REPO}/commit/main" in line]
    assert [c.split("-> ")[1][:3] for c in commits] == ["200", "412", "200"]
    tags = [line for line in log if f"/api/datasets/{REPO}/tag/" in line]
    assert [t.split("-> ")[1][:3] for t in tags] == ["200", "429", "200"]


def test_private_repo_needs_the_token(round_trip):
    server = round_trip["server"]
    assert server.state.repos[PRIVATE_REPO]["private"] is True
    url = f"{server.url}/api/datasets/{PRIVATE_REPO}/revision/v0.1.0"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url)
    assert err.value.code == 401
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert json.loads(urllib.request.urlopen(request).read())["private"] is True


def test_token_never_written_or_pushed(round_trip):
    tmp = round_trip["tmp"]
    needle = TOKEN.encode()
    login_cache = tmp / "home2" / "token"
    scanned = 0
    for path in tmp.rglob("*"):
        if path.is_file() and path != login_cache:
            scanned += 1
            assert needle not in path.read_bytes(), path
    assert scanned > 50  # builds, stand-in blobs/state/log and the clients' caches
    assert all(TOKEN not in output for output in round_trip["outputs"])
    log = (tmp / "standin" / "requests.log").read_text()
    assert "(auth)" in log  # the token was sent, and the stand-in logged only that it was


def test_push_refuses_bad_input(tmp_path, monkeypatch):
    from webscale_rl.dataset_card import push

    with pytest.raises(PushError):
        tag_for("1.0")
    assert tag_for("v2.3.4") == tag_for("2.3.4") == "v2.3.4"
    out = tmp_path / "out"
    fake_build(out, n_docs=2)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)
    with pytest.raises(PushError, match="no Hugging Face token"):
        push.push(out, REPO, "1.0.0")
    (out / "stats.json").write_text((out / "stats.json").read_text() + "\n" + TOKEN)
    with pytest.raises(PushError, match="contains the Hub token"):
        push.digest(out / "stats.json", TOKEN)
