"""A real SFTP server in-process (asyncssh), chrooted to a folder, on a free port.

Its event loop runs in a thread of its own, so the synchronous connector under test talks
to it over a real TCP socket, SSH handshake, host key check and password login included.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

USERNAME = "accord"
PASSWORD = "drop-secret"
T = TypeVar("T")


class _PasswordServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == PASSWORD


class SftpServer:
    """Start with `start()`, stop with `stop()`; `root` is what clients see as `/`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = 0
        self.host_key = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._acceptor: asyncssh.SSHAcceptor | None = None

    def start(self) -> SftpServer:
        self._thread.start()
        key = asyncssh.generate_private_key("ssh-ed25519")
        self.host_key = key.export_public_key().decode().strip()
        self._acceptor = self._run(self._listen(key))
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self

    async def _listen(self, key: asyncssh.SSHKey) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[key],
            server_factory=_PasswordServer,
            sftp_factory=functools.partial(asyncssh.SFTPServer, chroot=str(self.root).encode()),
            allow_scp=False,
        )

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    def stop(self) -> None:
        self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    async def _shutdown(self) -> None:
        """Stop listening and end every open session, so nothing is left pending."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        sessions = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in sessions:
            task.cancel()
        await asyncio.gather(*sessions, return_exceptions=True)

    def location(self, **overrides: object) -> dict[str, object]:
        """The `location` config of a connector that uses this server."""
        return {
            "type": "sftp",
            "host": "127.0.0.1",
            "port": self.port,
            "username": USERNAME,
            "password": PASSWORD,
            "host_key": self.host_key,
            "root": "/",
            **overrides,
        }
