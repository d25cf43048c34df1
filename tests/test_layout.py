"""Promises of the layout: light commands stay light, one writer per data folder, and the
answering core never sees what it does not need."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.settings import Settings
from index.errors import IndexerBusy
from index.indexer import Indexer
from tests.conftest import make_settings

HEAVY = ("torch", "llama_index", "chromadb", "spacy", "sentence_transformers", "transformers", "tantivy", "discord")


def modules_loaded_by(*argv: str) -> set[str]:
    """Top-level packages the `factdesk` command imports to do `argv` (run in a fresh interpreter)."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.argv = ["factdesk", *{list(argv)!r}]
        from bot.cli.app import run
        try:
            run()
        except SystemExit:
            pass
        print("LOADED", " ".join(sorted({{name.split(".")[0] for name in sys.modules}})))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED"))
    return set(line.split()[1:])


def test_help_loads_no_model_store_or_llama_index() -> None:
    loaded = modules_loaded_by("--help")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_listing_follows_loads_no_model_or_store(tmp_path: Path) -> None:
    loaded = modules_loaded_by("--data-dir", str(tmp_path), "follows", "--changes")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_index_status_opens_the_store_without_loading_a_model(tmp_path: Path) -> None:
    loaded = modules_loaded_by("--data-dir", str(tmp_path), "index", "--status")
    assert "chromadb" in loaded
    assert not loaded & {"torch", "spacy", "sentence_transformers", "llama_index"}, loaded


def test_ask_answers_without_torch_spacy_or_llama_index(tmp_path: Path) -> None:
    """The answering process embeds with ONNX Runtime: a cold `factdesk ask` loads no torch."""
    import shutil

    from tests.conftest import SEED_CORPUS, run

    shutil.copytree(SEED_CORPUS, tmp_path / "corpus")
    assert run(tmp_path, "index").returncode == 0
    loaded = modules_loaded_by(
        "--corpus", str(tmp_path / "corpus"), "--data-dir", str(tmp_path / "data"), "ask", "Who restricted Mythos?"
    )
    assert {"onnxruntime", "chromadb", "tantivy"} <= loaded
    assert not loaded & {"torch", "sentence_transformers", "transformers", "spacy", "thinc", "llama_index"}, loaded


def test_one_indexer_per_data_folder(tmp_path: Path) -> None:
    config = make_settings(tmp_path / "corpus", tmp_path / "data").index_config()
    first, second = Indexer(config), Indexer(config)
    with first.holding():
        with first.holding():  # re-entrant for its own holder
            pass
        with pytest.raises(IndexerBusy, match=r"another indexer is writing to .*data \(pid \d+"), second.holding():
            pass
    with second.holding():  # released: the next writer may go
        pass


def test_answering_core_gets_no_discord_secrets() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token="discord-secret",
        llm_api_key="llm-key",
        http_token="http-secret",
    )
    answering = dataclasses.asdict(settings.answer_config())
    assert "discord-secret" not in str(answering) and not any("discord" in key for key in answering)
    discord = dataclasses.asdict(settings.discord_config())
    assert "http-secret" not in str(answering) and "http-secret" not in str(discord)
    assert settings.http_config().token is not None and "llm-key" not in str(dataclasses.asdict(settings.http_config()))
    assert settings.answer_config().llm_api_key is not None
    assert settings.discord_config().token is not None
    index = dataclasses.asdict(settings.index_config())
    assert "discord-secret" not in str(index) and "llm-key" not in str(index)


def test_every_setting_default_comes_from_its_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and the frozen configs agree on every default: they are written once."""
    monkeypatch.delenv("FACTDESK_THREADS", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    from bot.answering.config import AnswerConfig
    from bot.discord.config import DiscordConfig
    from bot.follows.config import FollowConfig
    from bot.http.config import HttpConfig
    from index.config import IndexConfig

    index = settings.index_config()
    assert dataclasses.replace(index, corpus_dir=Path("corpus"), data_dir=Path(".factdesk")) == IndexConfig(
        corpus_dir=Path("corpus"), data_dir=Path(".factdesk")
    )
    assert settings.answer_config() == AnswerConfig()
    assert settings.discord_config() == DiscordConfig()
    assert settings.http_config() == HttpConfig()
    follow = dataclasses.replace(settings.follow_config(), data_dir=Path(".factdesk"))
    assert follow == FollowConfig(data_dir=Path(".factdesk"))
