"""A real HTTP receiver for webhook tests: a werkzeug server in a thread on 127.0.0.1."""

import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class Receiver:
    """Records every request; answers with `statuses` in turn, then with `default`."""

    def __init__(self, statuses=(), default: int = 204, delay: float = 0.0):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        self.default = default
        self.delay = delay
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/hooks"

    def _app(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.requests.append(
                {
                    "path": request.path,
                    "headers": {key.lower(): value for key, value in request.headers.items()},
                    "body": request.get_data(),
                }
            )
            status = self.statuses.pop(0) if self.statuses else self.default
        if self.delay:
            time.sleep(self.delay)
        return Response("", status=status)(environ, start_response)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
