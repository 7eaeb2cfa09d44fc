"""Public mode (CAREJSNA_MODE=public, `carejsna serve`): the explorer on a published folder
alone offers every page but those needing record-level data, says when the data was published,
and will not start on a folder holding record-level extracts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from carejsna import publish, serve, site, ui
from carejsna.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("public") / "board"
    publish.publish(DATA, out)
    return out


@pytest.fixture
def mode(monkeypatch):
    """Run the app in a mode on a folder: the caches held for the process are emptied."""

    def use(folder: Path, public: bool = True) -> None:
        monkeypatch.setenv("CAREJSNA_DATA", str(folder))
        if public:
            monkeypatch.setenv(site.MODE, "public")
        else:
            monkeypatch.delenv(site.MODE, raising=False)
        clear()

    def clear():
        st.cache_resource.clear()
        st.cache_data.clear()
        site._refusal_once.cache_clear()

    yield use
    monkeypatch.delenv(site.MODE, raising=False)
    monkeypatch.delenv("CAREJSNA_DATA", raising=False)
    clear()


def opened(page: str = "") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def links(at: AppTest) -> list[tuple[str, str]]:
    """The sidebar's page links: (URL path, label)."""
    return [(link.proto.page, link.proto.label) for link in at.get("page_link")]


def test_public_mode_offers_every_page_but_those_needing_record_level_data(published, mode):
    mode(DATA, public=False)
    analyst = links(opened())
    mode(published)
    at = opened()
    assert not at.exception and not at.error
    public = links(at)
    record_level = {Path(p).stem.split("_", 1)[1] for p in site.RECORD_LEVEL_PAGES}
    assert public == [(path, label) for path, label in analyst if path not in record_level]
    assert public[0] == ("", "Overview")
    labels = {name for _, name in public}
    assert {"Children in care", "Care leavers", "Indicator catalogue"} <= labels
    assert not {path for path, _ in public} & record_level


@pytest.mark.parametrize("path", site.RECORD_LEVEL_PAGES)
def test_a_record_level_page_is_offered_to_analysts_only(path, published, mode):
    if not (ROOT / path).exists():
        pytest.skip(f"{path} is not written yet: nothing to offer or hide")
    name = Path(path).stem.split("_", 1)[1]
    mode(DATA, public=False)
    assert name in {p for p, _ in links(opened())}
    mode(published)
    assert name not in {p for p, _ in links(opened())}


def test_every_public_page_opens_and_the_overview_says_when_it_was_published(published, mode):
    mode(published)
    at = opened()
    assert at.title[0].value == "Children in care and care leavers: overview"
    day = publish.json.loads((published / "published.json").read_text())["published"][:10]
    shown = " ".join(c.value for c in at.caption)
    assert "Published on " in shown
    year, month, date = (int(x) for x in day.split("-"))
    assert f"Published on {date} " in shown and f" {year}." in shown
    offered = {label for _, label in links(at)}
    for path, label, _ in ui.PAGES[1:]:
        if label not in offered:
            continue
        at = opened(path)
        assert not at.exception, [e.value for e in at.exception]
        assert label.lower() in at.title[0].value.lower()
        assert any("Synthetic demo data" in w.value for w in at.warning)


def test_the_public_chapter_builder_offers_no_forecast(published, mode):
    """The public Chapter builder had its forecast box ticked and listed "the forecast's table
    and chart" in the pack, which then left the forecast out with a warning: a published
    folder has no record-level extracts to forecast from. Now it says so and offers none."""
    mode(published)
    at = opened("pages/7_Chapter_builder.py")
    assert not at.exception
    assert not [box for box in at.checkbox if box.key == "chapter-forecast"]
    said = " ".join(c.value for c in at.caption)
    assert "forecast's table" not in said and "chapter has no forecast" in said
    mode(DATA, public=False)
    at = opened("pages/7_Chapter_builder.py")
    assert [box.value for box in at.checkbox if box.key == "chapter-forecast"] == [True]


def test_the_analysts_overview_on_data_says_nothing_of_publishing(mode):
    mode(DATA, public=False)
    assert not any("Published on" in c.value for c in opened().caption)


def _refused(at: AppTest) -> str:
    assert not at.exception
    assert not at.title and not at.get("page_link"), "nothing of the explorer is shown"
    (error,) = at.error
    return error.value


def test_public_mode_will_not_start_on_record_level_extracts(mode):
    mode(DATA)
    message = _refused(opened())
    assert "holds record-level extracts" in message
    assert "children.parquet" in message and "episodes.parquet" in message
    assert "carejsna publish" in message


def test_public_mode_will_not_start_on_a_published_folder_with_an_extract_added(
    published, tmp_path, mode
):
    folder = tmp_path / "board"
    shutil.copytree(published, folder)
    shutil.copyfile(DATA / "children.parquet", folder / "children.parquet")
    mode(folder)
    said = _refused(opened())  # advised to publish again from the published folder, it was
    assert "children.parquet" in said and "Move them out of it" in said
    assert f"--data {folder}" not in said
    (folder / "children.parquet").unlink()
    (folder / "targets.parquet").write_bytes(b"changed")
    mode(folder)
    assert "targets.parquet: changed since it was published" in _refused(opened())
    (folder / "published.json").unlink()
    mode(folder)
    assert "is not a published folder" in _refused(opened())


def test_a_folder_published_while_the_explorer_runs_is_served_at_the_next_rerun(tmp_path, mode):
    folder = tmp_path / "board"
    mode(folder)
    at = opened()
    assert "is not a published folder" in _refused(at)
    publish.publish(DATA, folder)  # no restart: the refusal held for the folder is let go
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value.startswith("Children in care and care leavers")


def test_carejsna_serve_refuses_what_it_may_not_serve(tmp_path, capsys):
    assert main(["serve", str(DATA)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("carejsna serve: Public mode will not start:")
    assert "children.parquet" in err
    assert main(["serve", str(tmp_path / "missing")]) == 2
    assert "is not a published folder" in capsys.readouterr().err


@pytest.mark.parametrize("manifest", ['{\n  "files": {', '{"files": ["a"]}', "[]", '{"x": 1}'])
def test_carejsna_serve_on_a_damaged_manifest_names_it_and_the_folder(
    published, tmp_path, capsys, manifest
):
    """An officer's hand-edit left published.json unreadable: `carejsna serve` printed only
    "Expecting property name enclosed in double quotes: line 2 column 1 (char 2)", naming
    neither the file nor the folder nor what to do (a manifest of another shape: a KeyError)."""
    folder = tmp_path / "board"
    shutil.copytree(published, folder)
    (folder / "published.json").write_text(manifest)
    assert main(["serve", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{folder} is not as it was published" in err
    assert "published.json: damaged" in err and "into a new folder" in err
    new = tmp_path / "new"
    assert main(["publish", "--data", str(DATA), "--out", str(new)]) == 0  # as advised
    assert main(["publish", "--data", str(DATA), "--out", str(folder)]) == 2  # not over it
    assert "(age_bands.parquet, benchmarks.parquet" in capsys.readouterr().err  # named


def test_carejsna_serve_serves_a_published_folder_in_public_mode(published, tmp_path):
    port = serve.free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "carejsna.cli", "serve", str(published), "--port", str(port)],
            cwd=tmp_path,  # anywhere: it serves from the repository, with its config
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = serve.Server(f"http://localhost:{port}", process)
    try:
        deadline = time.monotonic() + serve.START_S
        while not serve.healthy(server.url):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
        assert b"CAREJSNA_MODE=public" in environ
        assert f"CAREJSNA_DATA={published}".encode() in environ
        assert Path(f"/proc/{process.pid}/cwd").resolve() == ROOT
    finally:
        server.stop()
    assert "External URL" not in log.read_text()


def test_the_deployment_files_agree_with_each_other():
    """compose.yaml gives HAProxy every address haproxy.cfg reads and mounts the published
    folder read-only; the image runs `carejsna serve` as a user of its own and checks the same
    health endpoint as the balancer (the failover test runs haproxy.cfg itself)."""
    import re

    deploy = ROOT / "deploy"
    config = (deploy / "haproxy.cfg").read_text()
    compose = (deploy / "compose.yaml").read_text()
    dockerfile = (deploy / "Dockerfile").read_text()
    wanted = set(re.findall(r'"\$\{(\w+)\}"', config))
    assert wanted == {"BALANCER_BIND", "STATS_BIND", "APP1", "APP2"}
    assert all(re.search(rf"^\s+{name}: ", compose, re.MULTILINE) for name in wanted)
    assert re.findall(r"^  (app\d): \*replica$", compose, re.MULTILINE) == ["app1", "app2"]
    assert ":/data:ro" in compose and "read_only: true" in compose
    assert "http-check send meth GET uri /_stcore/health" in config
    assert "/_stcore/health" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert re.search(r"^USER explorer$", dockerfile, re.MULTILINE)
    assert dockerfile.rstrip().endswith('CMD ["carejsna", "serve", "/data", "--port", "8501"]')
    ignored = (deploy / "Dockerfile.dockerignore").read_text().split()
    assert "data/" in ignored and "demo/" in ignored
