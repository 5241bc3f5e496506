# syntax=docker/dockerfile:1
# pathway-bot: multi-stage build on a slim Python base, running as a non-root user.
# Build:  docker build -t pathway-bot .
# Run:    docker run -e DISCORD_TOKEN=... -v pathway-data:/data pathway-bot
# The token is only ever passed at run time: no secret is in any layer.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install .

FROM python:3.12-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/pathway-bot.sqlite3 \
    PATHWAYS_DIR=/app/pathways
RUN groupadd --system --gid 10001 pathway \
 && useradd --system --uid 10001 --gid pathway --home-dir /app --shell /usr/sbin/nologin pathway \
 && mkdir -p /data /app \
 && chown pathway:pathway /data
COPY --from=build /opt/venv /opt/venv
# Pathways are baked in; mount a directory over /app/pathways to override them.
COPY --chown=root:root pathways /app/pathways
WORKDIR /app
USER pathway
VOLUME ["/data"]
# Fails when the gateway is disconnected or the scheduler has stopped ticking.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-m", "bot", "health"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
