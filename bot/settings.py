"""The one place configuration is read: `FACTDESK_*` environment variables and a `.env` file.

`Settings` builds the frozen configs each part needs (`index_config`, `answer_config`,
`discord_config`, `http_config`, `follow_config`), so the answering core never sees the Discord
token and every default is written once, in the config class that uses it. Importing this module
loads no model, store or llama-index: the CLI reads settings before it knows whether it needs any of them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.answering.config import AnswerConfig, AnswerMode
from bot.discord.config import DiscordConfig
from bot.follows.config import FollowConfig
from bot.http.config import HttpConfig
from index.config import EmbedPrecision, IndexConfig
from index.feeds.config import FetchConfig
from index.text import has_controls

_INDEX = IndexConfig(corpus_dir=Path("corpus"), data_dir=Path(".factdesk"))
_ANSWER = AnswerConfig()
_DISCORD = DiscordConfig()
_FETCH = FetchConfig(corpus_dir=_INDEX.corpus_dir, data_dir=_INDEX.data_dir)
_HTTP = HttpConfig()
_FOLLOW = FollowConfig(data_dir=_INDEX.data_dir)


def _partition(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    worker, workers = (int(part) for part in value.split("/"))
    return worker, workers


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FACTDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where articles and the index live.
    corpus_dir: Path = _INDEX.corpus_dir
    data_dir: Path = _INDEX.data_dir
    collection: str = Field(default=_INDEX.collection, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,40}[a-zA-Z0-9]$")
    chroma_host: str | None = _INDEX.chroma_host
    chroma_port: int = Field(default=_INDEX.chroma_port, ge=1, le=65535)
    embed_model: str = _INDEX.embed_model
    # How indexing embeds: bf16 autocast where the CPU has native bf16 ("auto"), or forced.
    embed_precision: EmbedPrecision = _INDEX.embed_precision
    max_article_bytes: int = Field(default=_INDEX.max_article_bytes, ge=1_000)
    chunk_tokens: int = Field(default=_INDEX.chunk_tokens, ge=50, le=230)
    chunk_overlap: int = Field(default=_INDEX.chunk_overlap, ge=0, le=100)
    threads: int | None = Field(default=_INDEX.threads, ge=1, le=64)
    index_batch_articles: int = Field(default=_INDEX.batch_articles, ge=1, le=1000)  # articles embedded per write
    # "k/n": this indexer is worker k of n sharing one Chroma server (docs/scaling.md).
    partition: str | None = Field(default=None, pattern=r"^\d{1,3}/\d{1,3}$")
    # Comma-separated data folders of other writers whose keyword indexes to search too.
    keyword_snapshots: str | None = None

    # Answering.
    llm: AnswerMode = _ANSWER.mode
    llm_model: str | None = _ANSWER.llm_model  # local: a packaged model or a GGUF path; hosted: a model name
    llm_base_url: str | None = _ANSWER.llm_base_url
    llm_api_key: SecretStr | None = _ANSWER.llm_api_key
    llm_timeout: float = Field(default=_ANSWER.llm_timeout_s, gt=0)
    llm_retries: int = Field(default=_ANSWER.llm_retries, ge=0, le=10)
    llm_context_tokens: int = Field(default=_ANSWER.llm_context_tokens, ge=256)
    max_question_chars: int = Field(default=_ANSWER.max_question_chars, ge=10)
    top_k: int = Field(default=_ANSWER.top_k, ge=1, le=50)

    # Fetching feeds and pages.
    fetch_interval_s: float = Field(default=_FETCH.poll_interval_s, ge=0)
    fetch_allow_private: bool = _FETCH.allow_private  # loopback and private addresses (tests, intranets)
    fetch_timeout_s: float = Field(default=_FETCH.timeout_s, gt=0)
    fetch_max_bytes: int = Field(default=_FETCH.max_bytes, ge=10_000)
    fetch_per_host_delay_s: float = Field(default=_FETCH.per_host_delay_s, ge=0)
    fetch_min_article_chars: int = Field(default=_FETCH.min_article_chars, ge=0)  # shorter: a paywall stub
    user_agent: str = Field(default=_FETCH.user_agent, min_length=1, max_length=300)

    # Discord.
    discord_token: SecretStr | None = None
    discord_reindex_role: str | None = _DISCORD.reindex_role
    discord_announce_channel: int | None = _DISCORD.announce_channel
    discord_use_threads: bool = _DISCORD.use_threads
    # Off when another process (a `factdesk index --watch` against a Chroma server) keeps the index.
    discord_watch: bool = _DISCORD.watch
    discord_user_rate: int = Field(default=_DISCORD.user_rate, ge=1)
    discord_channel_rate: int = Field(default=_DISCORD.channel_rate, ge=1)
    discord_rate_window_s: float = Field(default=_DISCORD.rate_window_s, gt=0)
    discord_guild_id: int | None = _DISCORD.guild_id

    # The HTTP server (`factdesk serve`).
    http_host: str = _HTTP.host
    http_port: int = Field(default=_HTTP.port, ge=1, le=65535)
    http_token: SecretStr | None = _HTTP.token
    http_max_request_bytes: int = Field(default=_HTTP.max_request_bytes, ge=1_024)
    http_rate: int = Field(default=_HTTP.rate, ge=1)
    http_rate_window_s: float = Field(default=_HTTP.rate_window_s, gt=0)
    # Comma-separated host names the server answers to besides its own address ("*": any).
    http_allowed_hosts: str | None = None
    http_read_timeout_s: float = Field(default=_HTTP.read_timeout_s, gt=0, le=600)
    http_max_connections: int = Field(default=_HTTP.max_connections, ge=1, le=100_000)
    # `factdesk ask` posts to this running server (http://host:port) instead of loading models.
    server: str | None = None

    # Following questions (docs: README "Following a question").
    follow_max_per_channel: int = Field(default=_FOLLOW.max_per_channel, ge=1)
    follow_max_per_user: int = Field(default=_FOLLOW.max_per_user, ge=1)
    follow_webhook: str | None = _FOLLOW.webhook  # changes are POSTed here as JSON
    follow_webhook_allow_private: bool = _FOLLOW.webhook_allow_private
    follow_post_interval_s: float = Field(default=_FOLLOW.post_interval_s, gt=0)

    @field_validator("follow_webhook")
    @classmethod
    def _webhook_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from index.feeds.urls import BadURL, canonical_url

        try:
            canonical_url(value)
        except BadURL as error:
            raise ValueError(str(error)) from None
        return value.strip()

    @field_validator("partition")
    @classmethod
    def _worker_in_range(cls, value: str | None) -> str | None:
        if value is not None:
            worker, workers = (int(part) for part in value.split("/"))
            if not 1 <= worker <= workers:
                raise ValueError(f"worker {worker} of {workers}: the first number must be from 1 to the second")
        return value

    @field_validator("user_agent")
    @classmethod
    def _one_printable_line(cls, value: str) -> str:
        # Sent as an HTTP header: a CR or LF would end it (or add headers of the value's choosing).
        if has_controls(value) or "\n" in value or "\t" in value:
            raise ValueError("must be one line of printable text (no CR, LF or other control characters)")
        return value

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            corpus_dir=self.corpus_dir,
            data_dir=self.data_dir,
            collection=self.collection,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            embed_model=self.embed_model,
            embed_precision=self.embed_precision,
            max_article_bytes=self.max_article_bytes,
            chunk_tokens=self.chunk_tokens,
            chunk_overlap=self.chunk_overlap,
            threads=self.threads,
            batch_articles=self.index_batch_articles,
            partition=_partition(self.partition),
            keyword_snapshots=tuple(Path(p.strip()) for p in (self.keyword_snapshots or "").split(",") if p.strip()),
        )

    def answer_config(self) -> AnswerConfig:
        return AnswerConfig(
            mode=self.llm,
            llm_model=self.llm_model,
            llm_base_url=self.llm_base_url,
            llm_api_key=self.llm_api_key,
            llm_timeout_s=self.llm_timeout,
            llm_retries=self.llm_retries,
            llm_context_tokens=self.llm_context_tokens,
            max_question_chars=self.max_question_chars,
            top_k=self.top_k,
            threads=self.threads,
            # The packaged local models are joined into the data folder: they move with it.
            models_dir=self.data_dir / "models",
        )

    def fetch_config(self) -> FetchConfig:
        return FetchConfig(
            corpus_dir=self.corpus_dir,
            data_dir=self.data_dir,
            user_agent=self.user_agent,
            timeout_s=self.fetch_timeout_s,
            max_bytes=self.fetch_max_bytes,
            per_host_delay_s=self.fetch_per_host_delay_s,
            allow_private=self.fetch_allow_private,
            min_article_chars=self.fetch_min_article_chars,
            max_article_bytes=self.max_article_bytes,
            poll_interval_s=self.fetch_interval_s,
        )

    def discord_config(self) -> DiscordConfig:
        return DiscordConfig(
            token=self.discord_token,
            reindex_role=self.discord_reindex_role,
            announce_channel=self.discord_announce_channel,
            use_threads=self.discord_use_threads,
            watch=self.discord_watch,
            user_rate=self.discord_user_rate,
            channel_rate=self.discord_channel_rate,
            rate_window_s=self.discord_rate_window_s,
            guild_id=self.discord_guild_id,
        )

    def follow_config(self) -> FollowConfig:
        return FollowConfig(
            data_dir=self.data_dir,
            max_per_channel=self.follow_max_per_channel,
            max_per_user=self.follow_max_per_user,
            webhook=self.follow_webhook,
            webhook_allow_private=self.follow_webhook_allow_private,
            user_agent=self.user_agent,
            post_interval_s=self.follow_post_interval_s,
        )

    def http_config(self) -> HttpConfig:
        return HttpConfig(
            host=self.http_host,
            port=self.http_port,
            token=self.http_token,
            max_request_bytes=self.http_max_request_bytes,
            rate=self.http_rate,
            rate_window_s=self.http_rate_window_s,
            allowed_hosts=tuple(
                name.strip().lower() for name in (self.http_allowed_hosts or "").split(",") if name.strip()
            ),
            read_timeout_s=self.http_read_timeout_s,
            max_connections=self.http_max_connections,
        )


def bad_setting(error: ValidationError) -> str:
    """`bad setting: FACTDESK_USER_AGENT: must be one line ...`: the first problem, named by the
    environment variable that sets it (a flag such as --threads sets the same one)."""
    first = error.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else "value"
    variable = f"{Settings.model_config.get('env_prefix', '')}{field}".upper()
    return f"bad setting: {variable}: {str(first['msg']).removeprefix('Value error, ')}"
