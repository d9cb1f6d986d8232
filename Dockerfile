# dangjian-bot: one bot process per container (`dangjian run`).
# Build: docker build -t dangjian-bot .   Run: see deploy/compose.yaml and the README.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY schedules ./schedules
COPY simulator ./simulator
COPY migrations ./migrations
COPY locales ./locales
COPY alembic.ini ./
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HEALTH_SERVER=on \
    HEALTH_LISTEN=0.0.0.0 \
    HEALTH_PORT=8081 \
    WEBHOOK_LISTEN=0.0.0.0 \
    DATABASE_URL=sqlite+aiosqlite:////data/dangjian.db
COPY --from=build /install /usr/local
# Catalogs compiled now, so the bot's user needs no write access outside /data.
RUN useradd --system --uid 10001 --home-dir /data --create-home dangjian \
    && python -c "from bot.i18n import compile_catalogs; compile_catalogs()"
USER dangjian
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8443 8081
# /healthz: database reachable and no delivery waiting too long (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8081/healthz', timeout=4).status == 200 else 1)"]
# SIGTERM (docker stop) is a graceful shutdown: give it more than SHUTDOWN_GRACE_SECONDS.
STOPSIGNAL SIGTERM
CMD ["dangjian", "run"]
