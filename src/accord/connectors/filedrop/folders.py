"""Where dropped files live: a local folder or a folder on an SFTP server (paramiko).

Both speak the same small `Folder` protocol, with paths relative to the folder's root.
`rename` never replaces an existing file, so claiming a file (moving it out of the inbox)
succeeds for one reader only, and an SFTP connection that breaks raises `UnavailableError`
(the hub tries again on the next pull, the cursor unmoved) and is reopened on next use.
"""

from __future__ import annotations

import base64
import os
import posixpath
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import paramiko

from accord.connectors.sdk import UnavailableError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """A file in a folder: its name, size in bytes and modification time (epoch s)."""

    name: str
    size: int
    mtime: float


class Folder(Protocol):
    """A folder of files, local or remote (see the module docs)."""

    def list(self, directory: str) -> list[Entry]:
        """The files (not directories) in `directory`, sorted by name; [] if it is absent."""
        ...

    def read(self, path: str) -> bytes | None:
        """The content of `path`, or None when there is no such file."""
        ...

    def write(self, path: str, data: bytes) -> None:
        """Create or replace `path` with `data` (not atomic: callers write a temporary
        name and `rename` it)."""
        ...

    def rename(self, source: str, target: str) -> bool:
        """Move `source` to `target`; False (nothing moved) when `source` is gone or
        `target` exists."""
        ...

    def remove(self, path: str) -> None:
        """Delete `path` if it exists."""
        ...

    def makedirs(self, directory: str) -> None: ...

    def close(self) -> None: ...


class LocalFolder:
    """A folder on this machine (or a mounted share)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, path: str) -> Path:
        return self.root / path

    def list(self, directory: str) -> list[Entry]:
        try:
            found = list(os.scandir(self._path(directory)))
        except FileNotFoundError:
            return []
        entries = []
        for item in found:
            if item.is_file(follow_symlinks=False):
                info = item.stat()
                entries.append(Entry(item.name, info.st_size, info.st_mtime))
        return sorted(entries, key=lambda entry: entry.name)

    def read(self, path: str) -> bytes | None:
        try:
            return self._path(path).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, path: str, data: bytes) -> None:
        with open(self._path(path), "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())

    def rename(self, source: str, target: str) -> bool:
        # link + unlink: atomic, and refuses an existing target (os.rename would replace it).
        try:
            os.link(self._path(source), self._path(target))
        except (FileNotFoundError, FileExistsError):
            return False
        os.unlink(self._path(source))
        return True

    def remove(self, path: str) -> None:
        self._path(path).unlink(missing_ok=True)

    def makedirs(self, directory: str) -> None:
        self._path(directory).mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class SftpSettings:
    """How to reach the SFTP server. `host_key` is the server's public key as in
    known_hosts (`ssh-ed25519 AAAA...`): an unknown server is refused, never trusted."""

    host: str
    port: int
    username: str
    host_key: str
    root: str = "."
    password: str | None = None
    private_key_file: str | None = None
    timeout: float = 15.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SftpSettings:
        missing = [key for key in ("host", "username", "host_key") if not config.get(key)]
        if missing:
            raise ValueError(f"location (sftp) needs {', '.join(missing)}")
        if not config.get("password") and not config.get("private_key_file"):
            raise ValueError("location (sftp) needs password or private_key_file")
        return cls(
            host=str(config["host"]),
            port=int(config.get("port", 22)),
            username=str(config["username"]),
            host_key=str(config["host_key"]).strip(),
            root=str(config.get("root", ".")),
            password=config.get("password"),
            private_key_file=config.get("private_key_file"),
            timeout=float(config.get("timeout", 15.0)),
        )

    def __repr__(self) -> str:
        return f"SftpSettings(host={self.host!r}, port={self.port}, username={self.username!r})"


class SftpFolder:
    """A folder on an SFTP server; one connection, opened on first use, shared by calls."""

    def __init__(self, settings: SftpSettings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def _connect(self) -> paramiko.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        s = self.settings
        key_type, key_data = s.host_key.split()[:2]
        client = paramiko.SSHClient()
        name = s.host if s.port == 22 else f"[{s.host}]:{s.port}"
        client.get_host_keys().add(
            name, key_type, paramiko.PKey.from_type_string(key_type, base64.b64decode(key_data))
        )
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            s.host,
            port=s.port,
            username=s.username,
            password=s.password,
            key_filename=s.private_key_file,
            timeout=s.timeout,
            banner_timeout=s.timeout,
            auth_timeout=s.timeout,
            allow_agent=False,
            look_for_keys=False,
        )
        self._client, self._sftp = client, client.open_sftp()
        self._sftp.get_channel().settimeout(s.timeout)  # type: ignore[union-attr]
        return self._sftp

    def _call(self, action: Callable[[paramiko.SFTPClient], T]) -> T:
        with self._lock:
            try:
                return action(self._connect())
            except (FileNotFoundError, FileExistsError, PermissionError):
                raise
            except (paramiko.SSHException, OSError, EOFError) as error:
                self.close()
                where = f"{self.settings.host}:{self.settings.port}"
                reason = str(error) or type(error).__name__
                raise UnavailableError(f"SFTP {where}: {reason}") from error

    def _path(self, path: str) -> str:
        return posixpath.join(self.settings.root, path)

    def list(self, directory: str) -> list[Entry]:
        def run(sftp: paramiko.SFTPClient) -> list[Entry]:
            try:
                found = sftp.listdir_attr(self._path(directory))
            except FileNotFoundError:
                return []
            return [
                Entry(a.filename, a.st_size or 0, float(a.st_mtime or 0))
                for a in found
                if a.st_mode is not None and stat.S_ISREG(a.st_mode)
            ]

        return sorted(self._call(run), key=lambda entry: entry.name)

    def read(self, path: str) -> bytes | None:
        def run(sftp: paramiko.SFTPClient) -> bytes | None:
            try:
                with sftp.open(self._path(path), "rb") as file:
                    return bytes(file.read())
            except FileNotFoundError:
                return None

        return self._call(run)

    def write(self, path: str, data: bytes) -> None:
        def run(sftp: paramiko.SFTPClient) -> None:
            with sftp.open(self._path(path), "wb") as file:
                file.write(data)

        self._call(run)

    def rename(self, source: str, target: str) -> bool:
        def run(sftp: paramiko.SFTPClient) -> bool:
            if _exists(sftp, self._path(target)) or not _exists(sftp, self._path(source)):
                return False
            # SFTP v3 rename refuses an existing target, as a claim needs.
            sftp.rename(self._path(source), self._path(target))
            return True

        return self._call(run)

    def remove(self, path: str) -> None:
        def run(sftp: paramiko.SFTPClient) -> None:
            try:
                sftp.remove(self._path(path))
            except FileNotFoundError:
                return

        self._call(run)

    def makedirs(self, directory: str) -> None:
        def run(sftp: paramiko.SFTPClient) -> None:
            current = ""
            for part in directory.strip("/").split("/"):
                current = posixpath.join(current, part) if current else part
                if not _exists(sftp, self._path(current)):
                    sftp.mkdir(self._path(current))

        self._call(run)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client, self._sftp = None, None


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def open_folder(location: Mapping[str, Any]) -> Folder:
    """The folder a connector's `location` config names: `{type: local, root: PATH}` or
    `{type: sftp, host, port, username, host_key, password | private_key_file, root}`."""
    kind = location.get("type", "local")
    if kind == "local":
        if not location.get("root"):
            raise ValueError("location (local) needs root, the folder's path")
        return LocalFolder(str(location["root"]))
    if kind == "sftp":
        return SftpFolder(SftpSettings.from_config(location))
    raise ValueError(f"location type must be local or sftp, not {kind!r}")
