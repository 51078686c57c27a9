"""The zh-Hans catalogues: complete, and one translation per message across all apps.

Django merges every app's catalogue into one; a msgid translated differently in two apps would
show whichever loads first, so such clashes are errors.
"""

from collections import defaultdict

import polib

from roadcredit.core.i18n import catalogue_files


def test_every_message_has_a_chinese_translation():
    missing = [
        f"{path.parent.parent.parent.parent.name}: {entry.msgid}"
        for path in catalogue_files()
        for entry in polib.pofile(str(path))
        if not entry.obsolete and not entry.msgstr and not entry.msgstr_plural
    ]
    assert missing == []


def test_no_message_is_translated_two_ways():
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in catalogue_files():
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                seen[(entry.msgctxt or "", entry.msgid)].add(entry.msgstr)
    clashes = {key: sorted(values) for key, values in seen.items() if len(values) > 1}
    assert clashes == {}
