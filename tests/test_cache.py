"""A second run over files that need no conversion takes their sites from the cache."""

from __future__ import annotations

import json
import os

import pytest

from seq2func import cli, runner
from seq2func.cache import Cache, cache_dir

SKIPPED = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(4)])\n"
CONVERTIBLE = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n"


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "unbuilt.py").write_text(SKIPPED)
    (tmp_path / "model.py").write_text(CONVERTIBLE)
    return tmp_path


def _no_converting(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("converted although the cache knew the file")

    monkeypatch.setattr(runner, "convert_text", refuse)


def test_an_unchanged_file_is_not_converted_again(tree, monkeypatch, capsys):
    (tree / "model.py").unlink()
    assert cli.main(["convert", str(tree), "--json", "-j", "1"]) == 0
    first = json.loads(capsys.readouterr().out)
    _no_converting(monkeypatch)
    assert cli.main(["convert", str(tree), "--json", "-j", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["files"] == first["files"]


def test_the_cached_sites_keep_their_diagnostics(tree, capsys):
    cli.main(["convert", str(tree / "unbuilt.py"), "-j", "1"])
    first = capsys.readouterr().err
    cli.main(["convert", str(tree / "unbuilt.py"), "-j", "1"])
    assert "S2F101" in first
    assert capsys.readouterr().err == first


def test_a_file_that_would_change_is_converted_every_time(tree):
    assert cli.main(["convert", str(tree), "--check", "-q", "-j", "1"]) == 1
    assert cli.main(["convert", str(tree), "--check", "-q", "-j", "1"]) == 1


def test_an_edited_file_is_converted_again(tree, monkeypatch):
    cli.main(["convert", str(tree), "-q", "-j", "1"])
    (tree / "unbuilt.py").write_text(
        SKIPPED.replace("Dense(4)", "Dense(4, input_shape=(2,))")
    )
    assert cli.main(["convert", str(tree), "--check", "-q", "-j", "1"]) == 1


def test_no_cache_neither_reads_nor_writes(tree):
    cli.main(["convert", str(tree), "-q", "-j", "1", "--no-cache"])
    assert not any(cache_dir().glob("convert-*.json"))


def test_a_damaged_cache_is_ignored_and_replaced(tree):
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    damaged = Cache(folder).path
    damaged.write_text("{not json")
    assert cli.main(["convert", str(tree), "-q", "-j", "1"]) == 0
    entries = json.loads(damaged.read_text())
    # model.py was rewritten in this run, so only unbuilt.py is known unchanged.
    assert list(entries) == [os.path.realpath(tree / "unbuilt.py")]


def test_the_parallel_runner_uses_the_cache_too(tmp_path, monkeypatch):
    for index in range(10):
        (tmp_path / f"m{index}.py").write_text(SKIPPED)
    assert cli.main(["convert", str(tmp_path), "-q", "-j", "2"]) == 0
    _no_converting(monkeypatch)
    assert cli.main(["convert", str(tmp_path), "-q", "-j", "2"]) == 0
