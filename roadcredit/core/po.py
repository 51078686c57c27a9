"""Developer tool: add or update zh-Hans translations in an app's catalogue.

python -m roadcredit.core.po roadcredit/subjects "plate number=车牌号码" "VIN=车辆识别代号"
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

HEADER = {
    "Project-Id-Version": "roadcredit",
    "Language": "zh_Hans",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def upsert(app_dir: Path, pairs: dict[str, str]) -> Path:
    po_path = app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    catalogue = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    catalogue.metadata = HEADER
    for msgid, msgstr in pairs.items():
        entry = catalogue.find(msgid)
        if entry is None:
            catalogue.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
        else:
            entry.msgstr = msgstr
    catalogue.sort(key=lambda e: e.msgid)
    catalogue.save(str(po_path))
    return po_path


def main(argv: list[str]) -> int:
    """Refuse anything but an existing app directory and ``msgid=译文`` pairs (so that a stray
    ``--help`` never creates a catalogue in a directory of that name)."""
    if not argv or argv[0].startswith("-") or not (Path(argv[0]) / "apps.py").is_file():
        print((__doc__ or "").strip(), file=sys.stderr)
        return 2
    malformed = [item for item in argv[1:] if "=" not in item]
    if malformed:
        print(f"not msgid=译文: {malformed}", file=sys.stderr)
        return 2
    pairs = dict(item.split("=", 1) for item in argv[1:])
    print(upsert(Path(argv[0]), pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
