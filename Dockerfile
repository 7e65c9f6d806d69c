# Centricity: one app instance. SQLite in /data by default; set DATABASE_URL for PostgreSQL
# (compose.yaml runs two instances on PostgreSQL behind a proxy).
# The image runs in production mode: give it CENTRICITY_SECRET_KEY (32+ characters) and
# CENTRICITY_BASE_URL (the https:// address people reach it at), or it refuses to start.
FROM python:3.11-slim

# WeasyPrint's text layout (Pango, HarfBuzz font subsetting) and the fonts the reports use.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 centricity && mkdir /data && chown centricity /data
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY migrations migrations
COPY questionnaires questionnaires
COPY templates templates
COPY static static
# Editable install: the code finds questionnaires/, migrations/, templates/ and static/ beside it in /app.
RUN pip install --no-cache-dir --no-deps -e .

USER centricity
ENV DATABASE_URL=sqlite:////data/centricity.db \
    CENTRICITY_ENVIRONMENT=production \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
# Alive: the process answers. (Readiness, /readyz, also checks the database and its migrations.)
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# `serve` applies migrations (one instance at a time on PostgreSQL), then starts uvicorn;
# logs are JSON lines on stderr.
CMD ["centricity", "serve", "--host", "0.0.0.0", "--port", "8000"]
