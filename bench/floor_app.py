"""The intake bench's second baseline: the least any durable intake can do.

Flask parses the JSON body and one raw psycopg INSERT (autocommit, one round-trip, one
index) stores it; no key check, no validation, no queue. Served like the others, it shows how
much of the gap to the bare endpoint a database write alone costs on this machine.
"""

import json
import os
import threading

import psycopg
from flask import Flask, request

app = Flask(__name__)
_connections = threading.local()  # one per gunicorn thread, as a pool would hand out
TABLE = "bench_floor"


def _connection() -> psycopg.Connection:
    connection = getattr(_connections, "connection", None)
    if connection is None:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        connection = _connections.connection = psycopg.connect(url, autocommit=True)
    return connection


@app.route("/api/v1/responses", methods=["POST"])
def store():
    body = json.dumps(request.get_json())
    new_id = (
        _connection()
        .execute(
            f"INSERT INTO {TABLE} (body) VALUES (%s) RETURNING id",  # noqa: S608 — a constant
            (body,),
        )
        .fetchone()[0]
    )
    return {"id": new_id, "status": "received"}, 202


@app.route("/", methods=["GET"])
def ok():
    return "ok"
