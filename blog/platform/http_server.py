"""gevent's WSGI server as Showfloor runs it: small answers leave at once, slow headers are cut."""

from __future__ import annotations

import contextlib
import logging
import socket

from gevent import Timeout, pywsgi

logger = logging.getLogger(__name__)


class ShowfloorHandler(pywsgi.WSGIHandler):
    """gevent's request handler with Nagle off, a header deadline, and websockets closed after use.

    On a kept-alive connection a small answer (a page from memory, a 304)
    otherwise waited for the client's delayed ACK of the one before: about
    40 ms per request here, whatever the server's own cost.
    """

    # Seconds a client has to send a request line and headers, counted from
    # when the server starts waiting for them (a kept-alive idle connection too).
    header_timeout: float = 10.0

    def handle(self):
        """Serve the connection's requests, each answer sent as soon as it is written."""
        with contextlib.suppress(OSError):
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().handle()

    def handle_one_request(self):
        """Read one request within the header deadline and answer it; None closes the connection."""
        # A slowloris client trickles its headers to hold a connection and a
        # greenlet for as long as it likes; past the deadline it is dropped.
        self._header_deadline = Timeout(self.header_timeout)
        self._header_deadline.start()
        try:
            return super().handle_one_request()
        except Timeout as expired:
            if expired is not self._header_deadline:
                raise
            logger.info(
                "http: %s sent no whole request head in %g s; closed",
                self.client_address,
                self.header_timeout,
            )
            return None
        finally:
            self._header_deadline.close()

    def read_request(self, raw_requestline):
        """Parse the request line and headers; the deadline ends once they are in."""
        result = super().read_request(raw_requestline)
        self._header_deadline.close()
        return result

    def handle_one_response(self):
        """Answer the request; a connection that became a websocket is closed afterwards."""
        super().handle_one_response()
        # After a websocket (blog/live/websocket.py) the bytes that follow on
        # the connection are frames, a close frame last: never read them as
        # the next request. A refused upgrade is closed as well.
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.close_connection = True


def handler_class(header_timeout: float) -> type[ShowfloorHandler]:
    """The request handler class with this header deadline in seconds."""
    return type("ShowfloorHandler", (ShowfloorHandler,), {"header_timeout": header_timeout})
