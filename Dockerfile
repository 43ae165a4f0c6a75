# mockrefund: a sandbox server for e-commerce refund APIs.
#   docker build -t mockrefund .
#   docker run --rm -p 8000:8000 -v mockrefund-data:/data mockrefund

# The base image, python:3.11-slim unless --build-arg PYTHON_IMAGE=... names another
# (a mirror, a pinned digest, an in-house base). Whatever it is, it must put Python 3.11
# or newer on PATH as `python` and `pip` (the health check below runs `python`), let pip
# install system-wide, and provide `groupadd` and `useradd`.
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Only what the wheel needs: pyproject.toml force-includes fixtures/ into the wheel as
# mockrefund/_fixtures, and README.md is the package's readme. The postgres extra
# (psycopg) lets the same image serve from PostgreSQL (MOCKREFUND_DB=postgresql://...),
# as the replicas of docker-compose.yml's scale profile do.
COPY pyproject.toml README.md LICENSE /tmp/mockrefund-src/
COPY mockrefund/ /tmp/mockrefund-src/mockrefund/
COPY fixtures/ /tmp/mockrefund-src/fixtures/
RUN pip install "/tmp/mockrefund-src[postgres]" \
 && rm -rf /tmp/mockrefund-src

# An unprivileged user and group, both 10001 (fixed, so that a volume's owner is the same
# in every build), that own the data folder (before VOLUME, so the ownership sticks).
RUN groupadd --system --gid 10001 mockrefund \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home mockrefund \
 && mkdir -p /data \
 && chown mockrefund:mockrefund /data
VOLUME ["/data"]
WORKDIR /data

ENV MOCKREFUND_HOST=0.0.0.0 \
    MOCKREFUND_PORT=8000 \
    MOCKREFUND_DB=/data/mockrefund.db

USER mockrefund
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/__admin/health' % os.environ.get('MOCKREFUND_PORT', '8000'), timeout=2)"]

CMD ["mockrefund", "serve"]
