"""Publishing a built site: atomic releases behind a symlink, the git post-receive hook
that builds each push, and the gh-pages branch.

A web root published here is a symlink to one release in the folder beside it:

    /srv/www/site -> site.releases/20260115T093000.123456Z-<commit sha>
    /srv/www/site.releases/   releases (newest last), publish.log, .publish.lock

A publish builds into a hidden `.building-<name>` folder, renames it to `<name>` once the
build succeeded, then replaces the web root link with a new one in a single rename, so a
reader sees the old site or the new, never half of one. A failed or interrupted build
never touches the link; its folder is deleted (or, after a kill, at the next publish).
A lock on the releases folder keeps two publishes from interleaving. The last few
releases are kept, so `rollback` can switch the link back to the one before.

This module never imports Pelican: the caller passes the build as a function of the
output folder (tasks.py builds in-process; the hook runs the pushed commit's own
tasks.py in a subprocess).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from broadsheet.errors import BroadsheetError

RELEASES_SUFFIX = ".releases"
BUILDING_PREFIX = ".building-"
LOCK_NAME = ".publish.lock"
LOG_NAME = "publish.log"
KEEP_RELEASES = 3
LOCK_TIMEOUT_SECONDS = 900  # a push waits this long for the build of the push before it
RELEASE_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[A-Za-z0-9._-]+$")
LABEL = re.compile(r"^[A-Za-z0-9._-]+$")
ZERO_SHA = re.compile(r"^0+$")
HOOK_MARKER = "# broadsheet post-receive hook"
# Set by git for its hooks; they must not leak into the git commands and the build run here.
GIT_REPOSITORY_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_QUARANTINE_PATH",
    "GIT_PREFIX",
)
BUILD_ERROR_PREFIX = "Error: "


class PublishError(BroadsheetError):
    """Publishing was refused or failed; the live site is as it was."""


Build = Callable[[Path], None]
Report = Callable[[str], None]


def _quiet(_: str) -> None:
    """The default report: say nothing."""


# --- releases behind a symlink ------------------------------------------------------------------


class ReleaseSite:
    """A web root that is a symlink to the live release in `<web root>.releases/`."""

    def __init__(self, web_root: Path) -> None:
        # Absolute, but never resolved: resolving would follow the link to the release.
        self.web_root = Path(os.path.abspath(web_root))
        self.releases_dir = self.web_root.with_name(self.web_root.name + RELEASES_SUFFIX)

    def live(self) -> Path | None:
        """The release the web root links to; None when nothing is published there yet.

        Refuses a web root that is a folder with files, a file, or a link elsewhere:
        those are someone's, and publishing never deletes them."""
        root = self.web_root
        if root.is_symlink():
            target = Path(os.path.normpath(root.parent / os.readlink(root)))
            if target.parent != self.releases_dir or not RELEASE_NAME.match(target.name):
                raise PublishError(
                    f"{root}: is a link to {target}, not to a release in {self.releases_dir}; "
                    "remove the link or publish to another path"
                )
            return target
        if root.is_dir():
            if any(root.iterdir()):
                raise PublishError(
                    f"{root}: is a folder with files in it, not a link to a Broadsheet release; "
                    "move it away or empty it (publishing never deletes it)"
                )
            return None
        if root.exists():
            raise PublishError(f"{root}: is a file; give a folder path for the web root")
        return None

    def releases(self) -> list[Path]:
        """Every finished release, oldest first (names begin with their UTC time)."""
        if not self.releases_dir.is_dir():
            return []
        return sorted(
            path
            for path in self.releases_dir.iterdir()
            if RELEASE_NAME.match(path.name) and path.is_dir() and not path.is_symlink()
        )

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the releases folder's lock: one publish or rollback at a time."""
        self.releases_dir.mkdir(parents=True, exist_ok=True)
        path = self.releases_dir / LOCK_NAME
        try:
            with FileLock(str(path), timeout=LOCK_TIMEOUT_SECONDS):
                yield
        except Timeout as error:
            raise PublishError(
                f"{self.web_root}: another publish holds {path} (waited {LOCK_TIMEOUT_SECONDS} s)"
            ) from error

    def publish(self, build: Build, label: str, keep: int = KEEP_RELEASES) -> Path:
        """Build a new release and make it live; hold lock() around this.

        The build writes into a hidden folder; only a build that returns and wrote
        something becomes a release. Releases rolled back from are dropped, and the
        `keep` newest are kept."""
        if not LABEL.match(label):
            raise PublishError(f"{label!r}: a release label is letters, digits, '.', '_', '-'")
        if keep < 2:
            raise PublishError(
                f"keep {keep}: keep at least 2 releases, so one can be rolled back to"
            )
        live = self.live()
        # Releases newer than the live one were rolled back from: never "previous" again.
        rolled_back = [path for path in self.releases() if live and path.name > live.name]
        for leftover in self.releases_dir.glob(BUILDING_PREFIX + "*"):
            shutil.rmtree(leftover)  # a build that was killed: never live, never finished
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{label}"
        building = self.releases_dir / (BUILDING_PREFIX + name)
        building.mkdir()
        self._log("start", name)
        try:
            build(building)
            if not any(building.iterdir()):
                raise PublishError(f"{building}: the build wrote nothing")
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            self._log("failed", name)
            raise
        release = self.releases_dir / name
        building.rename(release)
        self._switch(release)
        self._log("live", name)
        remaining = [path for path in self.releases() if path not in rolled_back]
        for path in rolled_back + remaining[:-keep]:
            if path != release:
                shutil.rmtree(path)
        return release

    def rollback(self) -> tuple[Path, Path]:
        """Make the release before the live one live again; hold lock() around this.

        Returns (the release left, the release now live). The release left stays on
        disk until the next publish drops it."""
        live = self.live()
        if live is None:
            raise PublishError(
                f"{self.web_root}: nothing is published here, so nothing to roll back"
            )
        earlier = [path for path in self.releases() if path.name < live.name]
        if not earlier:
            raise PublishError(
                f"{self.web_root}: no release older than {live.name} is kept, "
                "so there is nothing to roll back to"
            )
        self._switch(earlier[-1])
        self._log("rollback", earlier[-1].name, f"from {live.name}")
        return live, earlier[-1]

    def _switch(self, release: Path) -> None:
        """Point the web root at `release` in one rename of a new link over the old."""
        root = self.web_root
        temporary = root.with_name(f".{root.name}.{os.getpid()}.link")
        temporary.unlink(missing_ok=True)
        os.symlink(os.path.relpath(release, root.parent), temporary)
        try:
            if root.is_dir() and not root.is_symlink():
                root.rmdir()  # the empty folder live() accepted: nothing was served from it
            os.replace(temporary, root)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_folder(root.parent)

    def _log(self, event: str, name: str, detail: str = "") -> None:
        line = "\t".join([datetime.now(UTC).isoformat(), event, name, detail]).rstrip("\t")
        with (self.releases_dir / LOG_NAME).open("a", encoding="utf-8") as log:
            log.write(line + "\n")


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def publish_to(web_root: Path, build: Build, label: str, keep: int = KEEP_RELEASES) -> Path:
    """Build a release and make it the live site at web_root (see ReleaseSite.publish)."""
    site = ReleaseSite(web_root)
    site.live()  # refuse someone's folder before creating anything beside it
    with site.lock():
        return site.publish(build, label, keep)


def rollback(web_root: Path) -> tuple[Path, Path]:
    """Make the release before the live one live again: (release left, release live)."""
    site = ReleaseSite(web_root)
    if site.live() is None:
        raise PublishError(f"{site.web_root}: nothing is published here, so nothing to roll back")
    with site.lock():
        return site.rollback()


def release_label(release: Path) -> str:
    """What a release was built from: a commit sha, or 'local'."""
    return release.name.partition("-")[2]


# --- the post-receive hook ----------------------------------------------------------------------


@dataclass(frozen=True)
class RefUpdate:
    """One line of a post-receive hook's input: old sha, new sha, ref name."""

    old: str
    new: str
    ref: str


def parse_ref_updates(lines: Iterable[str]) -> list[RefUpdate]:
    """The ref updates git gives a post-receive hook on stdin."""
    updates = []
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise PublishError(f"{line.strip()!r}: not a post-receive line (old new ref)")
        updates.append(RefUpdate(*fields))
    return updates


def run_hook(
    git_dir: Path,
    web_root: Path,
    branch: str,
    updates: Iterable[RefUpdate],
    *,
    python: str,
    site_url: str | None = None,
    keep: int = KEEP_RELEASES,
    report: Report = _quiet,
) -> list[Path]:
    """Publish the pushed commit of `branch`, if this push updated it: the releases made."""
    made = []
    for update in updates:
        if update.ref != f"refs/heads/{branch}":
            continue
        if ZERO_SHA.match(update.new):
            report(f"Broadsheet: {update.ref} was deleted; {web_root} is unchanged")
            continue
        release = publish_commit(
            git_dir,
            update.new,
            web_root,
            python=python,
            site_url=site_url,
            keep=keep,
            report=report,
        )
        if release is not None:
            made.append(release)
    return made


def publish_commit(
    git_dir: Path,
    sha: str,
    web_root: Path,
    *,
    python: str,
    site_url: str | None = None,
    keep: int = KEEP_RELEASES,
    report: Report = _quiet,
) -> Path | None:
    """Export commit `sha`, build it with its own tasks.py and publishconf.py, make it live.

    None when the live release already contains the commit (a newer push was built
    first). A failed build raises PublishError with the build's error line; the live
    site is unchanged."""
    git_dir = Path(os.path.abspath(git_dir))
    found = _git(git_dir, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
    if found.returncode:
        raise PublishError(f"{sha}: no such commit in {git_dir}")
    sha = found.stdout.strip()
    site = ReleaseSite(web_root)
    site.live()
    with site.lock():
        live = site.live()
        if live is not None and _is_ancestor(git_dir, sha, release_label(live)):
            report(f"Broadsheet: {site.web_root} already serves {sha[:12]} (in {live.name})")
            return None
        report(f"Broadsheet: building {sha[:12]} for {site.web_root}")

        def build(output: Path) -> None:
            with tempfile.TemporaryDirectory(prefix="broadsheet-publish-") as tree:
                export_commit(git_dir, sha, Path(tree))
                build_tree(Path(tree), output, python=python, site_url=site_url, report=report)

        try:
            release = site.publish(build, sha, keep)
        except (PublishError, OSError, tarfile.TarError) as error:
            was = f"still {live.name}" if live else "nothing published yet"
            raise PublishError(
                f"{sha[:12]}: not published, {site.web_root} is unchanged ({was}): {error}"
            ) from error
    report(f"Broadsheet: {site.web_root} now serves {sha[:12]} ({release.name})")
    return release


def export_commit(git_dir: Path, sha: str, tree: Path) -> None:
    """Write the files of commit `sha` into the folder `tree` (git archive, no index used)."""
    command = ["git", f"--git-dir={git_dir}", "archive", "--format=tar", sha]
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, env=_git_environment()
        ) as process,
    ):
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(tree, filter="data")
                else:  # Python before 3.11.4
                    archive.extractall(tree)
        except tarfile.TarError as error:
            process.wait()
            errors.seek(0)
            detail = _one_line(errors.read().decode("utf-8", "replace")) or str(error)
            raise PublishError(f"{sha[:12]}: cannot export the commit: {detail}") from error
    if process.returncode:
        raise PublishError(f"{sha[:12]}: git archive failed (exit {process.returncode})")


def build_tree(
    tree: Path, output: Path, *, python: str, site_url: str | None, report: Report = _quiet
) -> None:
    """Run `tasks.py build --publish --output OUTPUT` in tree, with the given interpreter.

    The build's output is reported line by line; a failed build raises PublishError
    with its error line."""
    if not (tree / "tasks.py").is_file():
        raise PublishError("no tasks.py at the top of the commit, so nothing can build it")
    environment = _git_environment()
    if site_url:
        environment["BROADSHEET_SITEURL"] = site_url
    finished = subprocess.run(
        [python, "tasks.py", "build", "--publish", "--output", str(output)],
        cwd=tree,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    log = finished.stdout.decode("utf-8", "replace")
    for line in log.splitlines():
        report(line)
    if finished.returncode:
        errors = [line for line in log.splitlines() if line.startswith(BUILD_ERROR_PREFIX)]
        cause = errors[-1].removeprefix(BUILD_ERROR_PREFIX) if errors else _one_line(log)
        raise PublishError(f"build failed (exit {finished.returncode}): {cause}")


def _is_ancestor(git_dir: Path, sha: str, other: str) -> bool:
    """Whether commit `sha` is `other` or in its history (False when `other` is unknown)."""
    if not re.fullmatch(r"[0-9a-f]{40}", other):
        return False
    return _git(git_dir, "merge-base", "--is-ancestor", sha, other).returncode == 0


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run git on the repository git_dir (whatever GIT_DIR says); output as text."""
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        capture_output=True,
        text=True,
        env=_git_environment(),
        check=False,
    )


def _git_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in GIT_REPOSITORY_VARIABLES}


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1].removeprefix("fatal: ") if lines else ""


# --- installing the hook ------------------------------------------------------------------------


def hook_script(
    python: str, tasks_path: Path, web_root: Path, branch: str, site_url: str | None, keep: int
) -> str:
    """The post-receive hook: one exec of `tasks.py publish-hook` with the chosen settings."""
    command = [
        python,
        str(tasks_path),
        "publish-hook",
        "--web-root",
        str(web_root),
        "--branch",
        branch,
        "--keep",
        str(keep),
    ]
    if site_url:
        command += ["--site-url", site_url]
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARKER} (written by `tasks.py install-hook`; run it again to change it).\n"
        f"# A push to refs/heads/{branch} is built with publishconf.py and goes live at "
        f"{web_root}.\n"
        f"exec {shlex.join(command)}\n"
    )


def install_hook(
    git_dir: Path,
    web_root: Path,
    *,
    branch: str = "main",
    site_url: str | None = None,
    keep: int = KEEP_RELEASES,
    force: bool = False,
    python: str,
    tasks_path: Path,
) -> tuple[Path, bool]:
    """Write the post-receive hook into the bare repository git_dir: (hook path, replaced
    another hook). Refuses a repository with a work tree, and another post-receive hook
    unless `force`."""
    git_dir = Path(os.path.abspath(git_dir))
    if not git_dir.is_dir():
        raise PublishError(f"{git_dir}: no such folder")
    finished = _git(git_dir, "rev-parse", "--is-bare-repository")
    if finished.returncode:
        raise PublishError(f"{git_dir}: not a git repository")
    if finished.stdout.strip() != "true":
        raise PublishError(
            f"{git_dir}: not a bare repository (it has a work tree); "
            "push to a bare one (git init --bare) and install the hook there"
        )
    valid = subprocess.run(
        ["git", "check-ref-format", f"refs/heads/{branch}"], capture_output=True, check=False
    )
    if valid.returncode or branch.startswith("-"):
        raise PublishError(f"{branch!r}: not a valid branch name")
    if keep < 2:
        raise PublishError(f"keep {keep}: keep at least 2 releases, so one can be rolled back to")
    site = ReleaseSite(web_root)
    if not site.web_root.parent.is_dir():
        raise PublishError(f"{site.web_root}: its folder {site.web_root.parent} does not exist")
    site.live()
    # --git-path follows core.hooksPath, where git would look for the hook.
    hook = Path(
        os.path.abspath(
            _git(git_dir, "rev-parse", "--git-path", "hooks/post-receive").stdout.strip()
        )
    )
    script = hook_script(python, tasks_path, site.web_root, branch, site_url, keep)
    replaced = False
    if hook.exists() or hook.is_symlink():
        try:
            existing = hook.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            existing = ""
        if HOOK_MARKER not in existing:
            if not force:
                raise PublishError(
                    f"{hook}: another post-receive hook is there; merge it by hand, "
                    "or pass --force to replace it"
                )
            replaced = True
    _write_executable(hook, script)
    return hook, replaced


def _write_executable(path: Path, text: str) -> None:
    """Write an executable script so that git runs the old one or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o755)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- gh-pages -----------------------------------------------------------------------------------


def commit_gh_pages(
    output: Path, *, branch: str = "gh-pages", push: bool = False, remote: str = "origin"
) -> str:
    """Commit the built folder `output` as the whole of `branch` in the current directory's
    repository (with .nojekyll, so GitHub Pages serves it as is); push it with `push`.
    Returns the new commit's sha."""
    from ghp_import import GhpError, ghp_import

    before = _current_ref(f"refs/heads/{branch}")
    head = _current_ref("HEAD")
    message = f"Publish {output.name}" + (f" built from {head[:12]}" if head else "")
    try:
        ghp_import(str(output), mesg=message, branch=branch, nojekyll=True, remote=remote)
    except GhpError as error:
        raise PublishError(f"{output}: cannot commit to {branch}: {error.message}") from error
    after = _current_ref(f"refs/heads/{branch}")
    if not after or after == before:
        raise PublishError(f"{output}: git fast-import did not commit to {branch}")
    if push:
        finished = subprocess.run(["git", "push", remote, branch], check=False)
        if finished.returncode:
            raise PublishError(
                f"{branch}: committed as {after[:12]}, but `git push {remote} {branch}` failed "
                f"(exit {finished.returncode})"
            )
    return after


def _current_ref(ref: str) -> str | None:
    finished = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", ref],
        capture_output=True,
        text=True,
        check=False,
    )
    return finished.stdout.strip() or None
