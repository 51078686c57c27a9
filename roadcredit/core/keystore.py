"""The platform's key store: named secrets kept in one file, encrypted at rest.

The file lives outside the repository (``KEYSTORE_PATH``, by default ``var/keystore/``). Each
secret is encrypted with SM4-GCM under a key derived from the passphrase with scrypt; the secret's
name is bound as associated data so entries cannot be swapped. Secrets are versioned
(``name@1``, ``name@2`` …) so keys can be rotated while old data stays readable.

Personal-data encryption uses it now; the licence seal keys and the audit signing key of later
issues are stored in it too. In development a store and a random passphrase file are created on
first use (``KEYSTORE_AUTO_CREATE``); production must supply ``ROADCREDIT_KEYSTORE_PASSPHRASE``
(or ``…_FILE``) and an existing store.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import functools
import itertools
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT_VERSION = 1
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


class KeyStoreError(RuntimeError):
    """The key store is missing, locked with another passphrase, or damaged."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce (12 bytes) + ciphertext + tag (16 bytes)."""
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 28:
        raise InvalidTag
    nonce, body, tag = blob[:12], blob[12:-16], blob[-16:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


_TOKENS = itertools.count(1)


@dataclass
class KeyStore:
    path: Path
    _master: bytes
    _data: dict[str, Any]
    # Unique per opened store for the life of the process (unlike ``id()``, never reused once
    # a store is dropped): caches of derived keys are keyed by it, so a re-opened or other store
    # never gets another store's cached key.
    token: int = field(default_factory=lambda: next(_TOKENS), init=False, compare=False)

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, passphrase: str, *, create: bool = False) -> KeyStore:
        if not path.exists():
            if not create:
                raise KeyStoreError(
                    f"密钥库不存在：{path}（生产环境请先运行 python manage.py keystore init）"
                )
            return cls._create(path, passphrase)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT_VERSION:
            raise KeyStoreError("密钥库格式无法识别")
        kdf = data["kdf"]
        master = _derive(passphrase, _unb64(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])
        store = cls(path=path, _master=master, _data=data)
        try:
            sm4_gcm_decrypt(master, _unb64(data["check"]), b"roadcredit-keystore-check")
        except InvalidTag as exc:
            raise KeyStoreError("密钥库口令错误，或密钥库已被篡改") from exc
        return store

    @classmethod
    def _create(cls, path: Path, passphrase: str) -> KeyStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            path.parent.chmod(0o700)
        salt = os.urandom(16)
        master = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        data = {
            "format": FORMAT_VERSION,
            "kdf": {
                "alg": "scrypt",
                "salt": _b64(salt),
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
            },
            "check": _b64(sm4_gcm_encrypt(master, b"ok", b"roadcredit-keystore-check")),
            "entries": {},
        }
        store = cls(path=path, _master=master, _data=data)
        with store._locked():
            if path.exists():  # another process created it while we derived the key
                return cls.open(path, passphrase)
            store._write()
        return store

    # --- secrets ---------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._data["entries"])

    def versions(self, name: str) -> list[int]:
        prefix = f"{name}@"
        return sorted(
            int(key[len(prefix) :]) for key in self._data["entries"] if key.startswith(prefix)
        )

    def current_version(self, name: str) -> int | None:
        versions = self.versions(name)
        return versions[-1] if versions else None

    def get(self, name: str, version: int | None = None) -> bytes:
        version = version or self.current_version(name)
        entry = self._data["entries"].get(f"{name}@{version}")
        if entry is None:
            raise KeyStoreError(f"密钥库中没有密钥 {name}（版本 {version}）")
        try:
            return sm4_gcm_decrypt(
                self._master, _unb64(entry["blob"]), f"{name}@{version}".encode()
            )
        except InvalidTag as exc:
            raise KeyStoreError(f"密钥 {name} 无法解密：密钥库已被篡改") from exc

    def metadata(self, name: str, version: int | None = None) -> dict[str, Any]:
        version = version or self.current_version(name)
        entry = self._data["entries"].get(f"{name}@{version}", {})
        return {k: v for k, v in entry.items() if k != "blob"}

    def add_version(self, name: str, secret: bytes, **metadata: Any) -> int:
        """Store ``secret`` as the next version of ``name`` and return that version."""
        with self._locked():
            self._reload()
            version = (self.current_version(name) or 0) + 1
            key = f"{name}@{version}"
            self._data["entries"][key] = {
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                **metadata,
                "blob": _b64(sm4_gcm_encrypt(self._master, secret, key.encode())),
            }
            self._write()
        return version

    def ensure(self, name: str, factory: Callable[[], bytes], **metadata: Any) -> bytes:
        """Return the current version of ``name``, creating version 1 with ``factory`` if absent."""
        if self.current_version(name) is None:
            with self._locked():
                self._reload()
                if self.current_version(name) is None:
                    key = f"{name}@1"
                    self._data["entries"][key] = {
                        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        **metadata,
                        "blob": _b64(sm4_gcm_encrypt(self._master, factory(), key.encode())),
                    }
                    self._write()
        return self.get(name)

    # --- file handling ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.path.with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _reload(self) -> None:
        if self.path.exists():
            self._data = json.loads(self.path.read_text(encoding="utf-8"))

    def _write(self) -> None:
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=16, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


# --- the process-wide store -------------------------------------------------------------------
_lock = threading.Lock()
_cached: dict[tuple[str, str], KeyStore] = {}


@functools.cache
def development_passphrase(path: Path) -> str:
    """A random passphrase kept beside a development store (never used in production)."""
    phrase_file = path.parent / "dev-passphrase"
    phrase_file.parent.mkdir(parents=True, exist_ok=True)
    if not phrase_file.exists():
        fd = os.open(phrase_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return phrase_file.read_text().strip()


def get_keystore() -> KeyStore:
    from django.conf import settings

    path = Path(settings.KEYSTORE_PATH)
    passphrase = settings.KEYSTORE_PASSPHRASE
    create = bool(settings.KEYSTORE_AUTO_CREATE)
    if not passphrase:
        if not create:
            raise KeyStoreError("未配置密钥库口令 ROADCREDIT_KEYSTORE_PASSPHRASE")
        passphrase = development_passphrase(path)
    cache_key = (str(path), passphrase)
    with _lock:
        store = _cached.get(cache_key)
        if store is None or not path.exists():
            store = KeyStore.open(path, passphrase, create=create)
            _cached.clear()
            _cached[cache_key] = store
        return store


def reset_cache() -> None:
    with _lock:
        _cached.clear()
