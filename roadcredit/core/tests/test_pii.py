import pytest
from cryptography.exceptions import InvalidTag

from roadcredit.core import pii


def test_an_id_number_round_trips_and_is_not_stored_in_clear():
    blob = pii.encrypt("370612198503150011", purpose="id_number")
    assert b"370612198503150011" not in blob
    assert pii.decrypt(blob, purpose="id_number") == "370612198503150011"


def test_two_encryptions_of_the_same_value_differ():
    assert pii.encrypt("13812345678", purpose="phone") != pii.encrypt(
        "13812345678", purpose="phone"
    )


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    blob = pii.encrypt("13812345678", purpose="phone")
    with pytest.raises(InvalidTag):
        pii.decrypt(blob, purpose="id_number")


def test_the_blind_index_matches_equal_values_only():
    a = pii.blind_index("11010519491231002x", purpose="id_number")
    b = pii.blind_index("11010519491231002X", purpose="id_number")
    c = pii.blind_index("110105194912310038", purpose="id_number")
    assert a == b != c
    assert pii.blind_index("11010519491231002X", purpose="phone") != a


def test_a_store_opened_later_never_gets_an_earlier_stores_cached_key(settings, tmp_path):
    """The derived-key caches were keyed by ``id(store)``; CPython reuses the address of a
    dropped store for the next one, which then encrypted with the dropped store's key (data
    other processes, reading the key store file, could not decrypt: InvalidTag)."""
    import gc

    from roadcredit.core import keystore

    settings.KEYSTORE_AUTO_CREATE = True
    try:
        settings.KEYSTORE_PATH = tmp_path / "a" / "keystore.json"
        keystore.reset_cache()
        first = keystore.get_keystore()
        first_token, first_address = first.token, id(first)
        pii.encrypt("370612198503150011", purpose="id_number")  # caches store A's key
        index_a = pii.blind_index("370612198503150011", purpose="id_number")
        del first
        settings.KEYSTORE_PATH = tmp_path / "b" / "keystore.json"
        keystore.reset_cache()
        gc.collect()
        second = keystore.get_keystore()
        assert second.token != first_token  # whatever id() says (here it was reused or not)
        reused = id(second) == first_address
        blob = pii.encrypt("370612198503150011", purpose="id_number")
        # Store B's own key, as any other process opening file B would use it.
        version = int.from_bytes(blob[1:3], "big")
        own = keystore.KeyStore.open(settings.KEYSTORE_PATH, str(settings.KEYSTORE_PASSPHRASE)).get(
            pii.ENC_KEY, version
        )
        assert keystore.sm4_gcm_decrypt(own, blob[3:], b"id_number") == b"370612198503150011"
        assert pii.blind_index("370612198503150011", purpose="id_number") != index_a, reused
    finally:
        keystore.reset_cache()
