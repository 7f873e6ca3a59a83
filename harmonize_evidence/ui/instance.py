"""One running program per store: a second launch asks the first to come to the front."""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from harmonize_evidence.services.store import StoreLocation

log = logging.getLogger(__name__)

_RAISE = b"raise\n"
_TIMEOUT_MS = 1500


def instance_name(location: StoreLocation) -> str:
    """The local socket name for a store: per user and per store folder."""
    try:
        folder = str(location.directory.resolve())
    except OSError:
        folder = str(location.directory)
    digest = hashlib.sha256(f"{getpass.getuser()}\0{folder}".encode()).hexdigest()[:24]
    return f"harmonize-evidence-{digest}"


def ask_running_instance(location: StoreLocation) -> bool:
    """Ask a program already open on this store to come to the front; False if there is none."""
    socket = QLocalSocket()
    socket.connectToServer(instance_name(location))
    if not socket.waitForConnected(_TIMEOUT_MS):
        return False
    socket.write(_RAISE)
    socket.flush()
    socket.waitForBytesWritten(_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Listens for later launches on the same store; emits :attr:`raise_requested`."""

    raise_requested = Signal()

    def __init__(self, location: StoreLocation) -> None:
        super().__init__()
        self.name = instance_name(location)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(self.name):
            # A socket left by a program that crashed: nobody answered it, so take it over.
            QLocalServer.removeServer(self.name)
            if not self.server.listen(self.name):
                log.warning("cannot listen for other launches: %s", self.server.errorString())
        self.server.newConnection.connect(self._connected)

    @property
    def listening(self) -> bool:
        """Whether later launches can reach this program."""
        return self.server.isListening()

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if _RAISE.strip() in bytes(socket.readAll().data()):
            self.raise_requested.emit()

    def close(self) -> None:
        """Stop listening."""
        self.server.close()
