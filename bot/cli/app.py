"""`factdesk`: index the articles, ask questions, serve them over HTTP, run the Discord bot, evaluate.

Every failure a user can cause or meet (bad question, no index, store down, model missing)
ends in one clear line and a non-zero exit, never a traceback. Commands import what they need
when they run, so `factdesk --help` loads no model, store or llama-index.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

import index.offline  # noqa: F401  (before any model import)
from bot.answering.config import AnswerMode
from bot.errors import UserError, operator_message
from bot.settings import Settings, bad_setting

if TYPE_CHECKING:
    from bot.follows.store import FollowStore
    from index.build import IndexReport
    from index.indexer import Indexer, PeriodicTask

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
eval_app = typer.Typer(no_args_is_help=True, help="Measure factdesk on public evaluation data.")
app.add_typer(eval_app, name="eval")
feeds_app = typer.Typer(no_args_is_help=True, help="The RSS and Atom feeds factdesk follows.")
app.add_typer(feeds_app, name="feeds")
train_app = typer.Typer(no_args_is_help=True, help="Train factdesk's small models on public data.")
app.add_typer(train_app, name="train")
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)
log = logging.getLogger("factdesk")
# Internal-error tracebacks go to errors.log in the data folder, once the settings name it.
_incident_folder = Path(".factdesk")


def plain(text: str) -> Text:
    """A line for the terminal from text that may come from outside (a server, a feed, a file name)."""
    from bot.cli.render import plain as render_plain

    return render_plain(text)


_UNESCAPED_CONTROLS = re.compile("[\x7f-\x9f]")


def json_for_terminal(text: str) -> str:
    """JSON escapes C0 controls but may write DEL and the C1 controls (an 8-bit CSI) as they are:
    written as `\\u009b` instead, the same JSON prints inert."""
    return _UNESCAPED_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _printable_record(record: logging.LogRecord) -> bool:
    """Log lines name articles, feeds and addresses: they reach the terminal through `printable` too."""
    from index.text import printable

    record.msg, record.args = printable(record.getMessage()), None
    return True


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


@app.callback()
def main(
    ctx: typer.Context,
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Folder of articles (FACTDESK_CORPUS_DIR).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the embedded index lives (FACTDESK_DATA_DIR).")] = None,
    chroma_host: Annotated[str | None, typer.Option(help="Use a Chroma server (FACTDESK_CHROMA_HOST).")] = None,
    chroma_port: Annotated[int | None, typer.Option(help="Chroma server port (FACTDESK_CHROMA_PORT).")] = None,
    embed_model: Annotated[str | None, typer.Option(help="Embedding model (FACTDESK_EMBED_MODEL).")] = None,
    llm: Annotated[AnswerMode | None, typer.Option(help="Answer mode (FACTDESK_LLM).")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads for models (FACTDESK_THREADS).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    from rich.logging import RichHandler

    handler = RichHandler(console=errors, show_path=False, markup=False)
    handler.addFilter(_printable_record)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s", handlers=[handler])
    for noisy in ("httpx", "chromadb", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)
    overrides: dict[str, Any] = {
        "corpus_dir": corpus,
        "data_dir": data_dir,
        "chroma_host": chroma_host,
        "chroma_port": chroma_port,
        "embed_model": embed_model,
        "llm": llm,
        "threads": threads,
    }
    try:
        settings = Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as error:
        raise UserError(bad_setting(error)) from error
    ctx.obj = {"settings": settings}
    global _incident_folder
    _incident_folder = settings.data_dir


@app.command("index")
def index_command(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option(help="Build a fresh index; switch to it only when complete.")] = False,
    watch: Annotated[bool, typer.Option(help="Keep running and re-index when the corpus folder changes.")] = False,
    status: Annotated[bool, typer.Option(help="Show what the index holds and exit.")] = False,
) -> None:
    """Bring the index in line with the corpus folder (only new or changed articles are embedded)."""
    from bot.cli.render import render_report, render_status

    settings = _settings(ctx)
    config = settings.index_config()
    if status:
        from index.embedding import choose_precision
        from index.store import open_store

        render_status(
            console,
            open_store(config).status(),
            corpus=str(config.corpus_dir),
            mode=settings.llm.value,
            precision=choose_precision(config.embed_precision).describe(),
        )
        return
    indexer = _indexer(settings)
    with indexer.holding():
        render_report(console, run_update(indexer, rebuild=rebuild))
        if watch:
            _watch(indexer, lambda report: render_report(console, report), feeds_task(settings))


def _indexer(settings: Settings) -> Indexer:
    """The writer of the data folder; after each update, the follows it may touch are checked."""
    from functools import cache

    from bot.answering.engine import AnswerEngine
    from bot.cli.follow_render import render_follow_report
    from bot.follows.notice import follow_hook
    from index.indexer import Indexer

    engine = cache(partial(AnswerEngine.open, settings.index_config(), settings.answer_config()))
    hook = follow_hook(settings.follow_config(), engine, lambda report: render_follow_report(console, report))
    return Indexer(settings.index_config(), after_update=hook)


def feeds_task(settings: Settings) -> PeriodicTask | None:
    """Polling the followed feeds while watching: what it writes, the watcher indexes."""
    from bot.cli.render import render_fetch
    from index.feeds.fetch import polling_task

    return polling_task(settings.fetch_config(), lambda report: render_fetch(console, report))


def _watch(indexer: Indexer, on_report: Callable[[IndexReport], None], task: PeriodicTask | None = None) -> None:
    """Watch until Ctrl-C or SIGTERM (Docker's stop signal); both end with one line and exit 0."""
    import threading

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    console.print(f"watching {indexer.config.corpus_dir} for changes (Ctrl-C to stop)")
    try:
        indexer.watch(on_report, stop=stop, tasks=[task] if task else [])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print("stopped watching; the index is up to date with the last change seen")


def run_update(indexer: Indexer, *, rebuild: bool = False) -> IndexReport:
    from bot.cli.progress import progress_bars

    with progress_bars(errors) as advance:
        return indexer.update(rebuild=rebuild, progress=partial(advance, "embedding articles"))


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The feed's address (RSS or Atom).")],
    outlet: Annotated[str | None, typer.Option(help="Outlet name for its articles (default: the site's).")] = None,
) -> None:
    """Follow a feed: `factdesk fetch` (or a watching indexer or bot) reads it from now on."""
    from index.feeds.subscriptions import add_feed

    entry = add_feed(_settings(ctx).fetch_config(), url, outlet=outlet)
    console.print(plain(f"following {entry.url}" + (f" as {entry.outlet}" if entry.outlet else "")))


@feeds_app.command("list")
def feeds_list(ctx: typer.Context) -> None:
    """The followed feeds, with when each was last read."""
    from bot.cli.render import render_feeds
    from index.feeds.subscriptions import list_feeds

    render_feeds(console, list_feeds(_settings(ctx).fetch_config()))


@feeds_app.command("remove")
def feeds_remove(ctx: typer.Context, url: Annotated[str, typer.Argument(help="The feed's address.")]) -> None:
    """Stop following a feed (its articles stay in the corpus)."""
    from index.feeds.subscriptions import remove_feed

    if not remove_feed(_settings(ctx).fetch_config(), url):
        raise UserError(f"not following {url}")
    console.print(plain(f"no longer following {url}"))


@app.command()
def fetch(ctx: typer.Context) -> None:
    """Poll every followed feed once, write new or changed articles into the corpus, update the index."""
    from bot.cli.render import render_fetch, render_report
    from index.feeds.fetch import fetch_feeds

    settings = _settings(ctx)
    indexer = _indexer(settings)
    with indexer.holding():
        report = fetch_feeds(settings.fetch_config())
        render_fetch(console, report)
        render_report(console, run_update(indexer))


@app.command("add")
def add_pages(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Pages to add, or sitemaps whose pages to add.")],
) -> None:
    """Fetch pages (or every page of a sitemap) into the corpus as articles, then update the index."""
    from bot.cli.render import render_fetch, render_report
    from index.feeds.fetch import add_urls

    settings = _settings(ctx)
    indexer = _indexer(settings)
    with indexer.holding():
        report = add_urls(settings.fetch_config(), urls)
        render_fetch(console, report)
        if report.nothing_usable:  # each failure is listed above; the index has nothing new to take
            raise UserError(
                "the address gave no article"
                if len(urls) == 1
                else f"none of the {len(urls)} addresses gave an article"
            )
        render_report(console, run_update(indexer))


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question; quote it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    mode: Annotated[AnswerMode | None, typer.Option(help="Answer mode for this question.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only articles from this outlet.")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before YYYY-MM-DD.")] = None,
    server: Annotated[
        str | None, typer.Option(help="Ask a running `factdesk serve` at this URL (FACTDESK_SERVER).")
    ] = None,
) -> None:
    """Answer a question from the indexed articles, with cited sources and claim statuses."""
    from bot.answering.question import clean_question
    from bot.cli.render import render_answer

    settings = _settings(ctx)
    clean_question(question, max_chars=settings.max_question_chars)  # a bad question fails before any loading
    published_from, published_to = _date(since, "--since"), _date(until, "--until")
    url = server or settings.server
    if url:
        from bot.http.client import ask_server

        answer = ask_server(
            url,
            question,
            mode=mode,
            outlet=outlet,
            since=published_from,
            until=published_to,
            token=settings.http_token,
        )
    else:
        from bot.answering.engine import AnswerEngine, answer_question
        from index.search import SearchFilters

        filters = SearchFilters(outlet=outlet, published_from=published_from, published_to=published_to)
        engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
        answer = answer_question(question, engine, mode=mode, filters=filters)
    if as_json:
        for note in answer.notes:
            errors.print(plain(f"note: {note}"))
        sys.stdout.write(json_for_terminal(answer.model_dump_json(indent=2)) + "\n")
    else:
        render_answer(console, answer)


@app.command()
def follow(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question; quote it.")],
    outlet: Annotated[str | None, typer.Option(help="Only articles from this outlet.")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before YYYY-MM-DD.")] = None,
) -> None:
    """Answer a question and follow it: each index update then notes what new articles change."""
    from bot.answering.engine import AnswerEngine, answer_question
    from bot.answering.question import clean_question
    from bot.cli.render import render_answer
    from bot.follows.models import Snapshot
    from bot.follows.notice import keep_evidence
    from index.search import SearchFilters

    settings = _settings(ctx)
    question = clean_question(question, max_chars=settings.max_question_chars)
    published_from, published_to = _date(since, "--since"), _date(until, "--until")
    store = _follow_store(settings)
    engine = AnswerEngine.open(settings.index_config(), settings.answer_config())
    filters = SearchFilters(outlet=outlet, published_from=published_from, published_to=published_to)
    answer = answer_question(question, engine, filters=filters)
    followed, created = store.add(
        answer.question,
        Snapshot.of(answer),
        channel="cli",
        user="cli",
        outlet=outlet,
        since=published_from,
        until=published_to,
    )
    if created:
        keep_evidence(store, engine, answer.question, filters)
    render_answer(console, answer)
    if created:
        console.print(
            f"following as #{followed.id}: after each index update, `factdesk follows --changes` lists what "
            "new articles confirm, dispute, corroborate or supersede",
            markup=False,
        )
    else:
        console.print(f"already following this question as #{followed.id}", markup=False)


@app.command()
def follows(
    ctx: typer.Context,
    changes: Annotated[bool, typer.Option("--changes", help="List the changes not listed before.")] = False,
    remove: Annotated[int | None, typer.Option("--remove", help="Stop following the question with this id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The followed questions; with --changes, what changed since you last looked."""
    import json

    from bot.cli.follow_render import render_changes, render_follows

    store = _follow_store(_settings(ctx))
    if remove is not None:
        if not store.remove(remove):
            raise UserError(f"no followed question has the id {remove}")
        console.print(f"no longer following #{remove}", markup=False)
        return
    if changes:
        recorded = store.unread()
        if as_json:
            sys.stdout.write(json.dumps([item.model_dump(mode="json") for item in recorded], indent=2) + "\n")
        else:
            render_changes(console, recorded)
        return
    listed = store.follows()
    if as_json:
        sys.stdout.write(json.dumps([item.model_dump(mode="json") for item in listed], indent=2) + "\n")
    else:
        render_follows(console, listed)


def _follow_store(settings: Settings) -> FollowStore:
    from bot.follows.store import FollowStore

    return FollowStore(settings.follow_config())


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (FACTDESK_HTTP_HOST; loopback).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (FACTDESK_HTTP_PORT).")] = None,
) -> None:
    """Serve the HTTP JSON API (/ask, /status, /healthz) and the question page at /."""
    import dataclasses

    from bot.http.server import serve as run_server

    settings = _settings(ctx)
    config = settings.http_config()
    config = dataclasses.replace(config, host=host or config.host, port=port or config.port)
    run_server(
        config,
        settings.index_config(),
        settings.answer_config(),
        follows=settings.follow_config(),
        on_ready=lambda url: errors.print(f"serving on {url} (Ctrl-C to stop)", markup=False),
    )
    errors.print("stopped serving")


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise UserError(f"{flag} takes a date as YYYY-MM-DD, not {value!r}") from error


@app.command()
def discord(ctx: typer.Context) -> None:
    """Run the Discord bot (token from FACTDESK_DISCORD_TOKEN)."""
    from bot.discord.client import run_discord

    settings = _settings(ctx)
    run_discord(
        settings.discord_config(),
        settings.index_config(),
        settings.answer_config(),
        settings.fetch_config(),
        follows=settings.follow_config(),
    )


@eval_app.command("claims")
def eval_claims(
    data: Annotated[Path, typer.Option(help="Folder with the public data sets.")] = Path("../shared/data"),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    split: Annotated[str, typer.Option(help="test (reported figures) or dev (for development).")] = "test",
    limit: Annotated[int | None, typer.Option(help="At most this many items per data set (quick runs).")] = None,
) -> None:
    """Claim-status tagging on CoNLL-2010, PolNeAR, Emergent and FNC-1, with the rules alone beside."""
    import json

    from evaluation.claims import evaluate_claims, render_claims_table

    results = evaluate_claims(data, split=split, limit=limit)
    if as_json:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
    else:
        render_claims_table(console, results)


@train_app.command("claims")
def train_claims(
    data: Annotated[Path, typer.Option(help="Folder with the public data sets.")] = Path("../shared/data"),
    out: Annotated[
        Path | None, typer.Option(help="Where to write the models (default: the package's index/claims/models).")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Train only these parts (in this order): cues, attribution, hedge, own_voice, emergent, fnc."
        ),
    ] = None,
    cache: Annotated[Path | None, typer.Option(help="Keep parses here between runs (outside the repository).")] = None,
) -> None:
    """Retrain the claim models (attribution CRF, hedge, headline and body stance) from train splits."""
    import json

    from evaluation.claims_training import PARTS
    from evaluation.claims_training import train_claims as train
    from index.claims.learned.models import MODELS

    report = train(
        data,
        out or MODELS,
        parts=only or PARTS,
        cache=cache,
        progress=lambda line: errors.print(line, markup=False, highlight=False),
    )
    sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")


@eval_app.command("rtqa")
def eval_rtqa(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option(help="Folder with the public data sets.")] = Path("../shared/data"),
    quick: Annotated[bool, typer.Option(help="A sample of questions and their articles (minutes, not hours).")] = False,
    questions: Annotated[int, typer.Option(help="How many questions --quick samples.")] = 20,
    answerable: Annotated[
        bool, typer.Option("--answerable", help="Only questions whose answer is in one of their articles.")
    ] = False,
    split: Annotated[str, typer.Option(help="test (reported figures) or dev (for development).")] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON results to this file.")] = None,
) -> None:
    """Indexing, retrieval, multiple choice and abstention on RealTimeQA 2024."""
    import json

    from bot.cli.progress import progress_bars
    from evaluation.rtqa import evaluate_rtqa, render_rtqa_table

    if split not in ("dev", "test"):
        raise UserError("--split is dev or test")
    folder = data / "realtimeqa-2024"
    if not (folder / "qa.jsonl.gz").is_file():
        raise UserError(f"RealTimeQA data not found in {folder}")
    with progress_bars(errors) as advance:
        results = evaluate_rtqa(
            _settings(ctx),
            folder,
            quick=quick,
            split=split,
            questions_in_quick=questions,
            answerable_only=answerable,
            progress=advance,
        )
    if out:
        # The file may be committed: keep ids and picks, never the article sentences quoted.
        saved = {**results, "answers": [{k: v for k, v in a.items() if k != "quote"} for a in results["answers"]]}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(saved, indent=2) + "\n")
    if as_json:
        sys.stdout.write(json.dumps({k: v for k, v in results.items() if k != "answers"}, indent=2) + "\n")
    else:
        render_rtqa_table(console, results)


@eval_app.command("rgb")
def eval_rgb(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option(help="Folder with the public data sets.")] = Path("../shared/data"),
    limit: Annotated[int | None, typer.Option(help="Only the first N questions (quick runs).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON results to this file.")] = None,
) -> None:
    """Noise robustness, negative rejection and error detection on RGB en_fact, through answer_question."""
    import json

    from bot.cli.progress import progress_bars
    from evaluation.rgb import evaluate_rgb, render_rgb_table

    with progress_bars(errors) as advance:
        results = evaluate_rgb(_settings(ctx), data / "rgb", limit=limit, progress=advance)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
    if as_json:
        sys.stdout.write(json.dumps({k: v for k, v in results.items() if k != "answers"}, indent=2) + "\n")
    else:
        render_rgb_table(console, results)


def run(entry: Callable[..., Any] = app) -> None:
    """Console-script entry: known failures become one line; anything else gets an id to look up."""
    try:
        entry(standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        errors.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        errors.print("interrupted: the index that was serving before still serves")
        sys.exit(130)
    except typer.TyperException as error:  # usage errors: click's own message and exit code
        show = getattr(error, "show", None)
        if callable(show):
            show()
        sys.exit(int(getattr(error, "exit_code", 2)))
    except Exception as error:  # noqa: BLE001 - the last line of defence before a user's terminal
        message = operator_message(error)
        if message is not None:
            errors.print("[red]error:[/] ", end="")
            errors.print(plain(message))
            sys.exit(1)
        incident = uuid.uuid4().hex[:8]
        where = _log_incident(incident, error)
        errors.print(f"[red]internal error {incident}:[/] ", end="")
        errors.print(plain(f"{type(error).__name__}: {error}"))
        errors.print(plain(f"details in {where}"))
        sys.exit(70)


def _log_incident(incident: str, error: BaseException) -> str:
    """Keep the traceback for whoever runs the bot, in a file: the terminal gets one line."""
    import traceback
    from datetime import UTC, datetime

    path = _incident_folder / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(f"--- {datetime.now(UTC).isoformat()} incident {incident}\n")
            file.write("".join(traceback.format_exception(error)))
        return str(path)
    except OSError:
        return "the log (the errors file could not be written)"


if __name__ == "__main__":
    run()
