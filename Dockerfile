# mltip: one image for Slack, Discord and the daily tip. Build: docker build -t mltip .

# Stage 1: build the wheel (code plus content/, which the wheel carries as bot/content).
FROM python:3.12-slim AS wheel
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY content ./content
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# Stage 2: the image that runs, with the installed wheel and no source tree.
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
# every code or content edit. They are read from pyproject.toml, so the list lives in one place.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && pip install -r requirements.txt \
    && rm requirements.txt pyproject.toml

COPY --from=wheel /dist/ /tmp/dist/
# The semantic ranker's embeddings (in the wordllama package) come with this attribution.
COPY NOTICE ./
RUN pip install --no-deps /tmp/dist/*.whl && rm -rf /tmp/dist && mltip content check

USER mltip
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MLTIP_HTTP_PORT', '3000'), timeout=4)"
CMD ["mltip", "run"]
