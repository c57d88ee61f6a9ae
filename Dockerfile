# mltip: one image for Slack, Discord and the daily tip. Build: docker build -t mltip .
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLTIP_DATA_DIR=/data \
    MLTIP_HTTP_PORT=3000

WORKDIR /app
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin mltip \
    && mkdir -p /data && chown mltip:mltip /data

# Dependencies get a layer of their own: it is rebuilt only when pyproject.toml changes, not on
# every code or content edit. A stub package lets pip resolve them before the source is copied.
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py \
    && pip install . \
    && pip uninstall --yes mltip \
    && rm -rf bot build *.egg-info

COPY bot ./bot
COPY content ./content
# The semantic ranker's embeddings (in the wordllama package) come with this attribution.
COPY NOTICE ./
# Editable, so the bot finds content/ beside its package, as in a checkout.
RUN pip install --no-deps -e . && python -m bot content check

USER mltip
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MLTIP_HTTP_PORT', '3000'), timeout=4)"
CMD ["mltip", "run"]
