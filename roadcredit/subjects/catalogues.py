"""Reference catalogues kept as data files (pure: reading and checking only, no Django).

The business-scope catalogue lives in ``data/business_scopes.toml``; ``services.
business_scopes_load`` writes it into the database and ``manage.py load_catalogues`` runs that.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUSINESS_SCOPES_PATH = Path(__file__).resolve().parent / "data" / "business_scopes.toml"


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message (Chinese) says where."""


@dataclass(frozen=True)
class ScopeSpec:
    code: str
    name: str
    active: bool
    sort_order: int


@dataclass(frozen=True)
class ScopeCatalogue:
    version: str
    source: str
    scopes: tuple[ScopeSpec, ...]


def parse_business_scopes(text: str) -> ScopeCatalogue:
    """Parse the TOML text of the business-scope catalogue, checking every entry."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"经营范围目录文件格式错误：{exc}") from exc
    entries = data.get("scope")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError("经营范围目录中没有任何 [[scope]] 条目")
    seen: set[str] = set()
    scopes: list[ScopeSpec] = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CatalogueError(f"第 {position} 个经营范围条目格式错误")
        code = str(entry.get("code", "")).strip()
        name = str(entry.get("name", "")).strip()
        if not code or not name:
            raise CatalogueError(f"第 {position} 个经营范围条目缺少代码或名称")
        if len(code) > 20 or len(name) > 100:
            raise CatalogueError(f"经营范围 {code} 的代码或名称过长")
        if code in seen:
            raise CatalogueError(f"经营范围代码 {code} 重复")
        seen.add(code)
        active = entry.get("active", True)
        sort_order = entry.get("sort_order", position * 10)
        if not isinstance(active, bool) or not isinstance(sort_order, int) or sort_order < 0:
            raise CatalogueError(f"经营范围 {code} 的 active 或 sort_order 取值错误")
        scopes.append(ScopeSpec(code=code, name=name, active=active, sort_order=sort_order))
    return ScopeCatalogue(
        version=str(data.get("version", "")),
        source=str(data.get("source", "")),
        scopes=tuple(scopes),
    )


def read_business_scopes(path: Path = BUSINESS_SCOPES_PATH) -> ScopeCatalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"无法读取经营范围目录文件 {path}：{exc}") from exc
    return parse_business_scopes(text)
