# Centricity: one app instance. SQLite in /data by default; set DATABASE_URL for PostgreSQL.
FROM python:3.11-slim

# WeasyPrint's text layout and a font with wide Unicode coverage for the reports.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 centricity && mkdir /data && chown centricity /data
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY migrations migrations
COPY questionnaires questionnaires
# Editable install: the code finds questionnaires/ and migrations/ beside it in /app.
RUN pip install --no-cache-dir --no-deps -e .

USER centricity
ENV DATABASE_URL=sqlite:////data/centricity.db \
    CENTRICITY_ENVIRONMENT=production \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# `serve` applies migrations, then starts uvicorn.
CMD ["centricity", "serve", "--host", "0.0.0.0", "--port", "8000"]
