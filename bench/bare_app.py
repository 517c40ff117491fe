"""The intake bench's baseline: the least a Flask app can do for the same POST.

Served by the same gunicorn settings as Phasewise (bench/servers.py), at the same path, so the
ratio measures what intake adds: auth, validation, one INSERT + COMMIT, one enqueue.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/", methods=["GET"])
@app.route("/api/v1/responses", methods=["POST"])
def ok():
    return "ok"
