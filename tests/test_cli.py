"""The click CLI, through CliRunner: what a maintainer types and reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_pipeline import scrape

import tasks


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(tasks.cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("command", sorted(tasks.cli.commands))
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_import_reports_each_input_and_a_summary(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    result = invoke("import", str(good), "--content-dir", str(tmp_path / "content"))
    assert result.exit_code == 0
    assert "imported" in result.output and str(good) in result.output
    assert result.output.strip().endswith("1 imported")
    again = invoke("import", str(good), "--content-dir", str(tmp_path / "content"))
    assert again.output.strip().endswith("1 unchanged")
    assert (tmp_path / "archive" / "ledger.tsv").exists()


def test_import_with_a_failure_exits_non_zero_with_one_line_naming_it(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = invoke("import", str(empty), str(good), "--content-dir", str(tmp_path / "c"))
    assert result.exit_code == 1
    assert f"failed: {empty}: empty file" in result.output
    assert "1 imported, 1 failed" in result.output


def test_import_json_output(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    result = invoke(
        "import",
        str(good),
        str(tmp_path / "missing.txt"),
        "--json",
        "--content-dir",
        str(tmp_path / "content"),
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    first, second = payload["results"]
    assert first["status"] == "imported" and first["source"] == str(good)
    assert first["path"].endswith(".md") and first["error"] is None
    assert first["title"] == "Harbourton dock workers strike over pay"
    assert second == {**second, "status": "failed", "path": None}
    assert "no such file" in second["error"]
    assert payload["counts"]["imported"] == 1 and payload["counts"]["failed"] == 1


def test_import_from_stdin(tmp_path):
    result = invoke(
        "import", "-", "--content-dir", str(tmp_path / "content"), input=scrape().encode()
    )
    assert result.exit_code == 0, result.output
    assert "(<stdin>)" in result.output


def test_import_dry_run_says_so_and_writes_nothing(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    result = invoke("import", str(good), "--dry-run", "--content-dir", str(tmp_path / "content"))
    assert "Dry run: 1 imported" in result.output
    assert not list((tmp_path / "content").rglob("*.md"))


def test_import_needs_a_source():
    result = CliRunner().invoke(tasks.cli, ["import"])
    assert result.exit_code == 2
    assert "give at least one file" in result.output


def test_broken_sources_yml_is_one_clear_error(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "sources.yml").write_text("outlets:\n  x: {domains: [a]}\n", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    result = CliRunner().invoke(tasks.cli, ["import", str(good), "--content-dir", str(content)])
    assert result.exit_code == 1
    assert "sources.yml: outlet 'x' needs at least a 'name'" in result.output


def test_sources_yml_names_the_outlet_and_drops_its_lines(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "sources.yml").write_text(
        "outlets:\n  ht:\n    name: The Harbour Times\n    names: [Harbour Times]\n"
        "    drop_lines: ['^Shipping agents warned']\n",
        encoding="utf-8",
    )
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    invoke("import", str(good), "--content-dir", str(content))
    [article] = content.rglob("*.md")
    text = article.read_text(encoding="utf-8")
    assert "Source: The Harbour Times" in text
    assert "Shipping agents warned" not in text


def test_build_writes_the_site_and_fails_on_a_broken_article(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    content = tmp_path / "content"
    invoke("import", str(good), "--content-dir", str(content))
    result = invoke("build", "--content-dir", str(content), "--output", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "index.html").exists()
    broken = content / "articles" / "2025" / "03" / "broken.md"
    broken.write_text("Title: Broken\nDate: not a date\n\nText.\n", encoding="utf-8")
    failed = CliRunner().invoke(
        tasks.cli, ["build", "--content-dir", str(content), "--output", str(tmp_path / "out2")]
    )
    assert failed.exit_code == 1
    assert "build failed" in failed.output and "broken.md" in failed.output


def test_build_publish_uses_absolute_urls(tmp_path, monkeypatch):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    content = tmp_path / "content"
    invoke("import", str(good), "--content-dir", str(content))
    monkeypatch.setenv("BROADSHEET_SITEURL", "https://news.example.org")
    result = invoke(
        "build", "--publish", "--content-dir", str(content), "--output", str(tmp_path / "public")
    )
    assert result.exit_code == 0, result.output
    index = (tmp_path / "public" / "index.html").read_text(encoding="utf-8")
    assert "https://news.example.org/2025/03/harbourton-dock-workers-strike-over-pay.html" in index
    assert Path(tmp_path / "public" / "feeds" / "all.atom.xml").exists()


def test_reclean_and_jobs_from_the_command_line(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    content = str(tmp_path / "content")
    first = invoke("import", str(good), "--jobs", "2", "--content-dir", content)
    assert first.output.strip().endswith("1 imported")
    good.unlink()
    again = invoke("import", "--reclean", "--content-dir", content)
    assert again.exit_code == 0
    assert again.output.strip().endswith("1 unchanged")


def test_import_keeps_body_fingerprints_in_the_cache_folder(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(scrape(), encoding="utf-8")
    invoke("import", str(good), "--content-dir", str(tmp_path / "content"))
    assert (tmp_path / "cache" / "dedupe-prints.bin").stat().st_size > 100
    other = tmp_path / "other.txt"
    other.write_text(scrape(outlet="Coastal Mail"), encoding="utf-8")
    again = invoke("import", str(other), "--content-dir", str(tmp_path / "content"))
    assert again.output.strip().endswith("1 duplicate")  # found through the cached print


BUILD_AND_LIST_MODULES = """
import sys
sys.path.insert(0, sys.argv[1])
import tasks
tasks.cli(["build", "--content-dir", sys.argv[2], "--output", sys.argv[3]], standalone_mode=False)
print(" ".join(sorted(sys.modules)))
"""


def test_a_build_does_not_load_the_importer(tmp_path):
    """The build (run on every push) leaves the importer and its extractors unloaded:
    0.2 s of every build's start."""
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "articles" / "harbour.md").write_text(
        "Title: Harbour reopens\nDate: 2025-03-01\n\nThe harbour reopened today.\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", BUILD_AND_LIST_MODULES, str(tasks.ROOT)]
        + [str(content), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
        cwd=tasks.ROOT,
    )
    loaded = set(done.stdout.splitlines()[-1].split())
    assert (tmp_path / "out" / "index.html").is_file()
    assert "pelican" in loaded and "broadsheet.reader" in loaded
    assert not loaded & {"broadsheet.pipeline", "broadsheet.htmlextract", "trafilatura"}
