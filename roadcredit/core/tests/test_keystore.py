import json

import pytest

from roadcredit.core.keystore import KeyStore, KeyStoreError


def test_a_new_store_keeps_secrets_encrypted_at_rest(tmp_path):
    path = tmp_path / "ks" / "keystore.json"
    store = KeyStore.open(path, "correct horse battery staple", create=True)
    store.add_version("seal-key", b"-----BEGIN PRIVATE KEY----- very secret")
    raw = path.read_text(encoding="utf-8")
    assert "very secret" not in raw
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again = KeyStore.open(path, "correct horse battery staple")
    assert again.get("seal-key") == b"-----BEGIN PRIVATE KEY----- very secret"


def test_it_refuses_the_wrong_passphrase(tmp_path):
    path = tmp_path / "keystore.json"
    KeyStore.open(path, "right", create=True)
    with pytest.raises(KeyStoreError, match="口令错误"):
        KeyStore.open(path, "wrong")


def test_it_does_not_create_a_store_unless_asked(tmp_path):
    with pytest.raises(KeyStoreError, match="不存在"):
        KeyStore.open(tmp_path / "none.json", "x")


def test_versions_rotate_and_old_versions_stay_readable(tmp_path):
    store = KeyStore.open(tmp_path / "k.json", "p", create=True)
    assert store.add_version("pii", b"old") == 1
    assert store.add_version("pii", b"new") == 2
    assert store.get("pii") == b"new"
    assert store.get("pii", 1) == b"old"
    assert store.versions("pii") == [1, 2]


def test_a_swapped_entry_is_detected(tmp_path):
    path = tmp_path / "k.json"
    store = KeyStore.open(path, "p", create=True)
    store.add_version("a", b"alpha")
    store.add_version("b", b"beta")
    data = json.loads(path.read_text())
    data["entries"]["a@1"]["blob"], data["entries"]["b@1"]["blob"] = (
        data["entries"]["b@1"]["blob"],
        data["entries"]["a@1"]["blob"],
    )
    path.write_text(json.dumps(data))
    tampered = KeyStore.open(path, "p")
    with pytest.raises(KeyStoreError, match="篡改"):
        tampered.get("a")


def test_ensure_creates_once(tmp_path):
    store = KeyStore.open(tmp_path / "k.json", "p", create=True)
    first = store.ensure("index", lambda: b"one")
    second = store.ensure("index", lambda: b"two")
    assert first == second == b"one"
