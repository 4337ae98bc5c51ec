"""Exit 0 when the PostgreSQL server in the URL answers, 1 otherwise (used by `make test`)."""

import sys

import dj_database_url
import psycopg

url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/postgres"
cfg = dj_database_url.parse(url)
try:
    psycopg.connect(
        host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3,
    ).close()
except psycopg.Error as error:
    print(f"PostgreSQL not reachable: {error}".strip(), file=sys.stderr)
    sys.exit(1)
sys.exit(0)
