"""A local SMTP server for the benches that discards what it takes, and can act a provider's
handshake: `python -m bench.smtp_sink PORT [HANDSHAKE_SECONDS]`.

A real mail provider is reached over the network with STARTTLS and a login: several round
trips and a TLS handshake before the first message, 50-300 ms from a data centre. The sink
answers EHLO after HANDSHAKE_SECONDS to stand for that, once per connection; what follows
(MAIL, RCPT, DATA) it answers at once.
"""

import asyncio
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, handshake: float):
        self.handshake = handshake

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        await asyncio.sleep(self.handshake)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
        return "250 OK"


def main() -> None:
    port = int(sys.argv[1])
    handshake = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    controller = Controller(Sink(handshake), hostname="127.0.0.1", port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
