"""Reading versioned TOML data files with key-naming validation errors (pure Python).

Shared by the grading rule sets, the behaviour catalogue and the publication rules. A
``TomlReader`` records every problem (key path + Chinese message) instead of stopping at the
first, and ``raise_if_failed`` raises one ``RuleSetError`` listing them all. Key paths use
1-based indexes for arrays of tables (``thresholds[2].min_score`` = the second row).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["RuleSetError", "TomlReader", "canonical_digest", "parse_toml"]


class RuleSetError(ValueError):
    """A rule-set or catalogue file is invalid. ``problems``: (key path, Chinese message) pairs."""

    def __init__(self, source: str, problems: Iterable[tuple[str, str]]) -> None:
        self.source = source
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        detail = "；".join(f"{key}：{message}" for key, message in self.problems)
        self.message = f"规则文件 {source} 有误：{detail}"
        super().__init__(self.message)


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(source, [("<toml>", f"不是有效的 TOML：{exc}")]) from exc


def canonical_digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON form of parsed TOML data."""
    text = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_iso
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(value: object) -> str:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")  # pragma: no cover


class TomlReader:
    """Typed access to parsed TOML that records problems instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[str, str]] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append((key, message))

    def raise_if_failed(self) -> None:
        if self.problems:
            raise RuleSetError(self.source, self.problems)

    @staticmethod
    def _key(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def known(self, table: Mapping[str, Any], path: str, allowed: Iterable[str]) -> None:
        allowed_set = set(allowed)
        for key in sorted(table):
            if key not in allowed_set:
                self.fail(self._key(path, key), "未知的配置项")

    def sub(
        self, table: Mapping[str, Any], path: str, key: str, *, required: bool = True
    ) -> dict[str, Any]:
        value = table.get(key)
        if value is None:
            if required:
                self.fail(self._key(path, key), "缺少必填项")
            return {}
        if not isinstance(value, dict):
            self.fail(self._key(path, key), "应为表（table）")
            return {}
        return value

    def tables(self, table: Mapping[str, Any], path: str, key: str) -> list[dict[str, Any]]:
        value = table.get(key)
        if value is None:
            self.fail(self._key(path, key), "缺少必填项")
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(self._key(path, key), "应为表数组（[[…]]）")
            return []
        if not value:
            self.fail(self._key(path, key), "至少需要一项")
        return value

    def text(self, table: Mapping[str, Any], path: str, key: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.fail(self._key(path, key), "缺少必填项")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(self._key(path, key), "应为非空文本")
            return ""
        return value

    def integer(
        self,
        table: Mapping[str, Any],
        path: str,
        key: str,
        *,
        required: bool = True,
        minimum: int | None = None,
    ) -> int | None:
        value = table.get(key)
        if value is None:
            if required:
                self.fail(self._key(path, key), "缺少必填项")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(self._key(path, key), "应为整数")
            return None
        if minimum is not None and value < minimum:
            self.fail(self._key(path, key), f"不能小于 {minimum}")
            return None
        return value

    def boolean(self, table: Mapping[str, Any], path: str, key: str, *, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.fail(self._key(path, key), "应为 true 或 false")
            return default
        return value

    def day(self, table: Mapping[str, Any], path: str, key: str) -> datetime.date:
        value = table.get(key)
        if value is None:
            self.fail(self._key(path, key), "缺少必填项")
        elif isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.fail(self._key(path, key), "应为日期（YYYY-MM-DD，不带引号）")
        else:
            return value
        return datetime.date.min

    def choice(
        self,
        table: Mapping[str, Any],
        path: str,
        key: str,
        options: Iterable[str],
        *,
        required: bool = True,
    ) -> str:
        options = tuple(options)
        value = self.text(table, path, key, required=required)
        if value and value not in options:
            self.fail(self._key(path, key), f"应为 {' / '.join(options)} 之一")
            return ""
        return value

    def texts(
        self, table: Mapping[str, Any], path: str, key: str, *, required: bool = True
    ) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            if required:
                self.fail(self._key(path, key), "缺少必填项")
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.fail(self._key(path, key), "应为文本列表")
            return ()
        if len(set(value)) != len(value):
            self.fail(self._key(path, key), "列表中有重复项")
        return tuple(value)
