""".github/workflows/: actionlint finds nothing in them, and the publish workflow deploys
to GitHub Pages on a push to main only, checks feed ids on a pull request, asks for no
more permissions than each job needs, and builds with the Pages URL and a content cache
that the build really uses."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import count_markdown_reads

import tasks
from broadsheet.buildcache import CODE_GLOBS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
PUBLISH = WORKFLOWS / "publish.yml"
# The only kind of `if:` the publish workflow needs; anything else must be taught here.
EVENT_CONDITION = re.compile(r"^github\.event_name == '(?P<event>[a-z_]+)'$")
MAJOR_VERSION_PIN = re.compile(r"^actions/[a-z-]+@v\d+$")


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def actionlint() -> str:
    """The actionlint binary of this environment (the dev extra installs it)."""
    search_path = os.pathsep.join(
        [str(Path(sys.prefix) / "bin"), str(Path(sys.executable).parent), os.environ["PATH"]]
    )
    found = shutil.which("actionlint", path=search_path)
    if found is None:
        pytest.fail(
            "actionlint is not installed: run `pip install -e '.[dev]'` "
            "(`make test` does) to get it"
        )
    return found


def run_actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [actionlint(), "-no-color", "-oneline", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_workflow(path: Path = PUBLISH) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in workflow:  # YAML 1.1 reads the key `on` as the boolean true
        workflow["on"] = workflow.pop(True)
    return workflow


def runs_on(item: dict, event: str) -> bool:
    """Whether a job or step with this `if:` runs for the event."""
    condition = item.get("if")
    if condition is None:
        return True
    match = EVENT_CONDITION.match(condition.strip())
    assert match, f"if: {condition!r} is not github.event_name == '...': teach this test"
    return match["event"] == event


def jobs_run(workflow: dict, event: str) -> list[str]:
    return [name for name, job in workflow["jobs"].items() if runs_on(job, event)]


def steps_run(workflow: dict, event: str) -> list[dict]:
    """Every step that runs for the event, job by job, in order."""
    return [
        step
        for name in jobs_run(workflow, event)
        for step in workflow["jobs"][name]["steps"]
        if runs_on(step, event)
    ]


def uses(step: dict) -> str:
    """The action a step uses, without its version ('' for a run step)."""
    return step.get("uses", "").split("@")[0]


def all_steps(workflow: dict) -> Iterator[dict]:
    for job in workflow["jobs"].values():
        yield from job["steps"]


def build_steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["build"]["steps"]


def step_index(steps: list[dict], predicate) -> int:
    found = [index for index, step in enumerate(steps) if predicate(step)]
    assert len(found) == 1, f"expected one such step, found {len(found)}"
    return found[0]


def is_build(step: dict) -> bool:
    return "tasks.py build --publish" in step.get("run", "")


def is_feed_check(step: dict) -> bool:
    return "tasks.py check --against" in step.get("run", "")


def test_actionlint_finds_nothing_in_any_workflow():
    files = workflow_files()
    assert PUBLISH in files

    result = run_actionlint(*files)

    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\n"
        "permissions:\n"
        "  pages: admin\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ steps.nowhere.outputs.url }}\n",
        encoding="utf-8",
    )

    result = run_actionlint(broken)

    assert result.returncode == 1
    assert "pages" in result.stdout
    assert "nowhere" in result.stdout


def test_push_to_main_builds_and_deploys_to_pages():
    workflow = load_workflow()
    assert workflow["on"]["push"] == {"branches": ["main"]}

    assert jobs_run(workflow, "push") == ["build", "deploy"]
    steps = steps_run(workflow, "push")
    upload = [step for step in steps if uses(step) == "actions/upload-pages-artifact"]
    assert [step["with"] for step in upload] == [{"path": "output"}]
    assert step_index(steps, is_build) < steps.index(upload[0])
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [uses(step) for step in deploy["steps"]] == ["actions/deploy-pages"]
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_pull_request_builds_and_checks_feed_ids_but_never_deploys():
    workflow = load_workflow()
    assert "pull_request" in workflow["on"]

    assert jobs_run(workflow, "pull_request") == ["build"]
    steps = steps_run(workflow, "pull_request")
    assert step_index(steps, is_build) < step_index(steps, is_feed_check)
    assert not {uses(step) for step in steps} & {
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }
    assert "environment" not in workflow["jobs"]["build"]


def test_permissions_are_least_privilege():
    workflow = load_workflow()

    assert workflow["permissions"] == {"contents": "read"}
    assert {name: job.get("permissions") for name, job in workflow["jobs"].items()} == {
        "build": {"contents": "read", "pages": "read"},
        "deploy": {"contents": "read", "pages": "write", "id-token": "write"},
    }
    checkout = next(step for step in all_steps(workflow) if uses(step) == "actions/checkout")
    assert checkout["with"]["persist-credentials"] is False


def test_actions_are_first_party_and_pinned_to_a_major_version():
    for path in workflow_files():
        for step in all_steps(load_workflow(path)):
            if "uses" in step:
                assert MAJOR_VERSION_PIN.match(step["uses"]), f"{path.name}: {step['uses']}"


def test_python_is_set_up_with_pip_caching_and_installs_without_dev_tools():
    steps = build_steps(load_workflow())

    setup = steps[step_index(steps, lambda step: uses(step) == "actions/setup-python")]
    assert setup["with"] == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "pyproject.toml",
    }
    install = step_index(steps, lambda step: "pip install" in step.get("run", ""))
    assert steps[install]["run"].strip() == "python -m pip install -e ."
    assert install < step_index(steps, is_build)


def test_build_and_feed_check_use_the_pages_site_url(monkeypatch):
    steps = build_steps(load_workflow())
    pages = step_index(steps, lambda step: uses(step) == "actions/configure-pages")
    base_url = f"${{{{ steps.{steps[pages]['id']}.outputs.base_url }}}}"
    build = step_index(steps, is_build)
    check = step_index(steps, is_feed_check)

    assert pages < build
    assert steps[build]["env"]["BROADSHEET_SITEURL"] == base_url
    assert steps[check]["env"]["SITE_URL"] == base_url
    assert 'tasks.py check --against "$SITE_URL"' in steps[check]["run"]

    monkeypatch.chdir(ROOT)  # publishconf imports pelicanconf from the working directory
    monkeypatch.setenv("BROADSHEET_SITEURL", "https://octocat.github.io/news")
    settings = tasks.load_settings(publish=True)
    assert settings["SITEURL"] == settings["FEEDS_SITEURL"] == "https://octocat.github.io/news"


def test_content_cache_is_restored_before_the_build():
    workflow = load_workflow()
    steps = build_steps(workflow)

    cache = steps[step_index(steps, lambda step: uses(step) == "actions/cache")]
    assert steps.index(cache) < step_index(steps, is_build)
    assert cache["with"]["path"] == "${{ env.BROADSHEET_CONTENT_CACHE }}"
    assert workflow["env"]["BROADSHEET_CONTENT_CACHE"] == "cache/pelican"
    key, restore_keys = cache["with"]["key"], cache["with"]["restore-keys"]
    assert key == restore_keys + "${{ hashFiles('content/**') }}"


def test_the_cache_is_named_anew_whenever_the_build_would_start_it_afresh():
    """Every file `code_version` hashes (a change to any makes every build cache start
    afresh) is in the cache's name. Were one left out, a push changing only it would
    restore the old cache under the same name, rebuild everything, and not save what it
    made (the name is taken): every build cold until the content changed."""
    steps = build_steps(load_workflow())
    naming = steps[step_index(steps, lambda step: step.get("id") == "cache-key")]
    patterns = re.findall(r"'([^']+)'", naming["env"]["CODE_HASH"])
    hashed = [
        path.relative_to(ROOT).as_posix()
        for glob in CODE_GLOBS
        for path in sorted(ROOT.glob(glob))
        if path.is_file()
    ]
    assert hashed
    missing = [
        path
        for path in hashed
        if not any(fnmatch.fnmatch(path, pattern.replace("**", "*")) for pattern in patterns)
    ]
    assert missing == []


def test_publish_build_uses_the_content_cache_the_workflow_keeps(tmp_path, monkeypatch):
    """A warm build of a fresh checkout (every file with a new mtime) reads no Markdown file
    again and writes the same site; so the workflow's cache step is worth its time."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("BROADSHEET_SITEURL", "https://octocat.github.io/news")
    cache = tmp_path / "cache"
    monkeypatch.setenv("BROADSHEET_CONTENT_CACHE", str(cache))
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    reads = count_markdown_reads(monkeypatch)

    cold = tasks.run_pelican(publish=True, output=tmp_path / "cold", content_dir=content)
    cold_reads = len(reads)
    assert cold_reads > 0
    assert cache.is_dir() and any(cache.iterdir()), (
        "publishconf.py does not turn Pelican's content cache on in BROADSHEET_CONTENT_CACHE"
    )
    for path in content.rglob("*"):
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 3600))
    warm = tasks.run_pelican(publish=True, output=tmp_path / "warm", content_dir=content)

    assert len(reads) == cold_reads, "the warm build read Markdown files the cache holds"
    assert site_files(warm) == site_files(cold)


def site_files(output: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(output)): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }
