"""`webscale-rl push-space --repo org/name`: create or update the demo as a Hugging Face Space.

A Space installs requirements.txt before it copies the repo, so the webscale_rl package
cannot come from a path in it; instead it is bundled next to app.py, in the layout Python
imports it from (webscale_rl/builder, webscale_rl/eval, ...), and requirements.txt carries
only pinned third-party packages. The Space then holds exactly the bundle: one commit, stale
files deleted, none made when nothing changed. The token comes from HF_TOKEN or the
`hf auth login` cache, is never written, and every file is scanned for it before upload.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import shutil
import tempfile
from pathlib import Path

from webscale_rl.dataset_card.push import digest, resolve_token, with_retries

log = logging.getLogger(__name__)

REPO_TYPE = "space"
SPACE_DIR = Path(__file__).resolve().parent
SPACE_FILES = ("app.py", "README.md", "requirements.txt", "screenshot.png")
PACKAGES = ("webscale_rl", "webscale_rl.builder", "webscale_rl.builder.stages", "webscale_rl.eval",
            "webscale_rl.dataset_card", "webscale_rl.space")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "screenshot.png")


def package_folders() -> dict[str, Path]:
    """Where each package's files are now: an editable checkout maps them to top-level folders
    (builder/, eval/...), an installed wheel nests them; both bundle the same."""
    found = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"cannot find the package {name} to bundle (is webscale-rl installed?)")
        found[name] = Path(list(spec.submodule_search_locations)[0]).resolve()
    return found


def bundle(dest: Path) -> list[str]:
    """Write the Space's tree into `dest`: app.py, README.md, requirements.txt, the screenshot
    and the webscale_rl package; return its files, relative and sorted."""
    for name in SPACE_FILES:
        if (SPACE_DIR / name).exists():
            shutil.copy2(SPACE_DIR / name, dest / name)
    copied: list[Path] = []
    for name, folder in package_folders().items():
        if any(folder.is_relative_to(done) for done in copied):
            continue  # already inside a copied package (builder/stages, or any installed wheel)
        shutil.copytree(folder, dest.joinpath(*name.split(".")), ignore=SKIP, dirs_exist_ok=True)
        copied.append(folder)
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())


def push_space(repo_id: str, *, private: bool = False, token: str | None = None) -> dict:
    """Create the Space if needed and make it hold exactly the bundle; return what happened."""
    from huggingface_hub import HfApi

    token = resolve_token(token)
    api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="webscale-rl-space-") as tmp:
        folder = Path(tmp)
        files = bundle(folder)
        for rel in files:
            digest(folder / rel, token)  # refuses a file that contains the token
        url = with_retries(lambda: api.create_repo(repo_id, repo_type=REPO_TYPE, space_sdk="gradio",
                                                   private=private, exist_ok=True), "create the Space")
        before = api.repo_info(repo_id, repo_type=REPO_TYPE).sha
        commit = with_retries(lambda: api.upload_folder(
            repo_id=repo_id, repo_type=REPO_TYPE, folder_path=folder, delete_patterns=["*"],
            commit_message="Update the webscale-rl demo"), "upload the Space")
    after = api.repo_info(repo_id, repo_type=REPO_TYPE).sha
    return {"url": str(url), "commit": after, "new_commit": after != before, "files": files,
            "commit_url": getattr(commit, "commit_url", None)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl push-space",
                                     description="create or update the Gradio demo as a Hugging Face Space")
    parser.add_argument("--repo", required=True, help="the Space, as org/name")
    parser.add_argument("--private", action="store_true", help="create the Space private")
    args = parser.parse_args(argv)
    done = push_space(args.repo, private=args.private)
    state = "updated" if done["new_commit"] else "already up to date"
    print(f"Space {args.repo} {state} at {done['commit'][:12]} ({len(done['files'])} files): {done['url']}")
    return 0
