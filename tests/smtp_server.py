"""Real SMTP servers (aiosmtpd) on free local ports, for the tests that send mail."""
from __future__ import annotations

from aiosmtpd.controller import Controller


class LocalController(Controller):
    """Listens on a free port chosen by the OS."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServers:
    """Starts servers on 127.0.0.1 and stops them all at the end of a test."""

    def __init__(self) -> None:
        self.controllers: list[Controller] = []

    def start(self, handler, **options) -> int:
        controller = LocalController(handler, hostname="127.0.0.1", port=0, **options)
        controller.start()
        self.controllers.append(controller)
        return controller.port

    def stop_all(self) -> None:
        for controller in self.controllers:
            controller.stop()
