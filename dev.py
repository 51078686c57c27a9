#!/usr/bin/env python3
"""The two quick-start commands of roadcredit.

    python3 dev.py start   # install, migrate, load the demo district, serve on 127.0.0.1:8000
    python3 dev.py test    # install, then ruff, ruff format --check, mypy and the whole test suite

Only the Python standard library is used here, so it runs on a fresh clone with Python 3.11+.
Everything is installed into ./.venv. System packages (a CJK TrueType font for the licence PDFs,
Chromium for the browser tests) are installed with apt-get when run as root, otherwise the command
stops and names the package to install.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".roadcredit-installed"

CJK_FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
]
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
CHROMIUM = Path("/usr/bin/chromium")
# Tools the test suite drives: (executable, Debian package, what for).
TEST_TOOLS = [
    (CHROMIUM, "chromium", "the browser tests (Playwright drives Debian's Chromium)"),
    (Path("/usr/bin/pdftoppm"), "poppler-utils", "rendering licence PDFs to images in tests"),
    (Path("/usr/bin/zbarimg"), "zbar-tools", "scanning the printed QR codes in tests"),
]


def say(message: str) -> None:
    print(f"[roadcredit] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[roadcredit] 错误 / error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


# --- environment ----------------------------------------------------------------------------
def ensure_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs before any venv exists)
        fail(f"Python 3.11 or newer is required, this is {sys.version.split()[0]}")


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        say("creating the virtual environment .venv")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    have = STAMP.read_text().split() if STAMP.exists() else []
    if wanted in have:
        return
    say(f"installing Python packages ({extras or 'runtime'}) into .venv")
    target = f".[{extras}]" if extras else "."
    run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target)
    STAMP.write_text(" ".join([*have, wanted]))


def _apt_install(package: str) -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    say(f"installing the system package {package} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lists = Path("/var/lib/apt/lists")
    if not any(lists.glob("*Packages*")):
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", package], check=False, env=env
    )
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
        done = subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
            check=False,
            env=env,
        )
    return done.returncode == 0


def cjk_font() -> Path | None:
    configured = os.environ.get("ROADCREDIT_CJK_FONT")
    if configured and Path(configured).exists():
        return Path(configured)
    return next((p for p in CJK_FONT_CANDIDATES if p.exists()), None)


def ensure_system_packages(*, browser: bool) -> None:
    if cjk_font() is None and not (_apt_install(CJK_FONT_PACKAGE) and cjk_font() is not None):
        fail(
            f"a CJK TrueType font is needed for the licence PDFs: install the Debian/Ubuntu "
            f"package '{CJK_FONT_PACKAGE}' (sudo apt-get install {CJK_FONT_PACKAGE}) or set "
            f"ROADCREDIT_CJK_FONT to a .ttf/.ttc file with Chinese glyphs"
        )
    if not browser:
        return
    for executable, package, purpose in TEST_TOOLS:
        if not executable.exists() and not (_apt_install(package) and executable.exists()):
            fail(
                f"{executable} is needed for {purpose}: install the Debian package "
                f"'{package}' (sudo apt-get install {package})"
            )


def django_env(settings: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONUNBUFFERED": "1"}
    font = cjk_font()
    if font is not None:
        env.setdefault("ROADCREDIT_CJK_FONT", str(font))
    return env


def compile_translations(env: dict[str, str]) -> None:
    run(
        PY,
        "-c",
        "from roadcredit.core.i18n import compile_catalogues; compile_catalogues()",
        env=env,
    )


# --- commands -------------------------------------------------------------------------------
def cmd_start(args: argparse.Namespace) -> None:
    ensure_python()
    ensure_venv("")
    ensure_system_packages(browser=False)
    env = django_env("config.settings.local")
    compile_translations(env)
    say("applying database migrations")
    run(PY, "manage.py", "migrate", "--noinput", "-v", "0", env=env)
    say("loading the demo district (idempotent: a second run adds nothing)")
    run(PY, "manage.py", "load_demo", *(["--scale", args.scale] if args.scale else []), env=env)
    url = f"http://127.0.0.1:{args.port}/"
    print()
    print("=" * 64)
    print(f"  roadcredit 道路运输信用与电子证照平台  →  {url}")
    print("  演示账户见上表 (demo accounts: see the table above)")
    print(f"  API 文档: {url}api/docs")
    print("=" * 64, flush=True)
    os.execve(  # noqa: S606 (replace this process with the server)
        str(PY),
        [str(PY), "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        env,
    )


def cmd_test(args: argparse.Namespace) -> None:
    ensure_python()
    ensure_venv("dev")
    ensure_system_packages(browser=True)
    env = django_env("config.settings.test")
    compile_translations(env)
    started = time.monotonic()
    if not args.no_lint:
        say("ruff check")
        run(BIN / "ruff", "check", ".", env=env)
        say("ruff format --check")
        run(BIN / "ruff", "format", "--check", ".", env=env)
        say("mypy --strict")
        run(BIN / "mypy", ".", env=env)
    database = env.get("DATABASE_URL", "sqlite (default)")
    say(f"pytest on {database.split('@')[-1]}")
    run(
        PY,
        "-m",
        "pytest",
        "--create-db",
        "--cov",
        "--cov-report=term",
        *args.pytest_args,
        env=env,
    )
    say(f"all checks passed in {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="install, migrate, load the demo district and serve")
    start.add_argument("--port", default=os.environ.get("ROADCREDIT_PORT", "8000"))
    start.add_argument("--scale", default=None, help="demo data scale factor (default 1)")
    start.set_defaults(func=cmd_start)
    test = sub.add_parser("test", help="install and run ruff, mypy and all tests")
    test.add_argument("--no-lint", action="store_true", help="skip ruff and mypy")
    test.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    test.set_defaults(func=cmd_test)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
