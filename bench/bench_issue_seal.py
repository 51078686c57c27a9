"""Issue-and-seal benchmark: licences rendered and sealed (PAdES B-B) per second, per core.

    .venv/bin/python bench/bench_issue_seal.py [--sample 150] [--count 11960] [--workers 2]

Every licence carries its real QR text: the verification URL with the signed licence token the
issuance service makes (CBOR claims, COSE_Sign1 ES256, zlib, base45; 410–480 characters).

(a) The naive pipeline, per licence: a fresh ReportLab canvas with the CJK font loaded and
    registered again, the page drawn with plain canvas calls (QR code module by module with
    segno's defaults: automatic mode and mask choice, the seal's text character by character),
    then pyHanko's plain ``sign_pdf`` (an incremental update). Also shown with the font
    registered once, which is the fairer baseline.
(b) The optimized pipeline: ``render_sealed_licence_pdf`` (font, layout and seal drawing set up
    once; the QR symbol from a per-version template — function patterns, placement order, mask,
    Reed-Solomon generator — drawn as runs in one path; the signature laid out at render time and
    filled in place with a CMS container from a per-seal template).
Per-core figures are CPU time of this process, so they hold on a busy machine; wall time is shown
beside them. Then the district's 11,960 licences through (b) on ``--workers`` processes (wall
time, which other load on the machine lengthens). A sample of the outputs is checked with
pyHanko's validator.

Runs with a fresh temporary key store and no database. Prints its own figures; not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import math
import multiprocessing
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DISTRICT_LICENCES = 11_960
PUBLIC_BASE_URL = "https://dzzz.muping.gov.cn"  # the bureau's public site, as a deployment sets it
TYPE_KEYS = {
    "business_permit": "business_licence",
    "transport_certificate": "transport_certificate",
    "qualification_certificate": "qualification_certificate",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华志强海燕晓东红梅国庆永胜玉兰德福"
TOWNS = [
    "宁海街道",
    "文化街道",
    "武宁街道",
    "大窑街道",
    "姜格庄街道",
    "龙泉镇",
    "玉林店镇",
    "水道镇",
    "莒格庄镇",
    "高陵镇",
    "王格庄镇",
    "观水镇",
]
ROADS = ["正阳路", "北关大街", "新城大街", "通海路", "金埠大街", "沁水路", "养马岛路", "政府大街"]
COMPANY_WORDS = [
    "鑫达",
    "顺通",
    "恒运",
    "宏盛",
    "金海",
    "永安",
    "泰和",
    "众诚",
    "利民",
    "安捷",
    "华宇",
    "昌隆",
]
SCOPES = [
    "道路普通货物运输",
    "道路普通货物运输；货物专用运输（集装箱）",
    "道路普通货物运输；货物专用运输（冷藏保鲜设备）；大型物件运输（一类）",
    "县内班车客运；包车客运",
]
VEHICLE_TYPES = ["重型厢式货车", "重型半挂牵引车", "中型普通货车", "轻型厢式货车", "大型普通客车"]
QUALIFICATIONS = ["经营性道路货物运输驾驶员", "经营性道路旅客运输驾驶员", "道路危险货物运输驾驶员"]
TYPE_CODES = {
    "business_permit": "11370000MB28500001001",
    "transport_certificate": "11370000MB28500001002",
    "qualification_certificate": "11370000MB28500001003",
}
# The district's mix (an assumption for the benchmark): vehicles dominate.
MIX = [
    ("transport_certificate", 0.55),
    ("qualification_certificate", 0.33),
    ("business_permit", 0.12),
]


def setup_django(work: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "ROADCREDIT_VAR_DIR": str(work / "var"),
            "ROADCREDIT_KEYSTORE_PATH": str(work / "keystore" / "keystore.json"),
            "ROADCREDIT_KEYSTORE_PASSPHRASE": secrets.token_urlsafe(24),
            "ROADCREDIT_KEYSTORE_AUTO_CREATE": "true",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("ROADCREDIT_PUBLIC_BASE_URL", PUBLIC_BASE_URL)
    import django

    django.setup()


# --- the district's licences ------------------------------------------------------------------
def licence(index: int) -> Any:
    from roadcredit.elicences.rendering import LicenceRenderData

    rng = random.Random(index)
    roll = rng.random()
    layout = next((key for key, share in _cumulative() if roll < share), MIX[-1][0])
    serial = f"2025{index:06d}"
    type_code = TYPE_CODES[layout]
    identifier = f"1.2.156.3005.2.{type_code}.11370612MB2850000X.{serial}.001.K"
    person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    company = f"烟台{rng.choice(COMPANY_WORDS)}{rng.choice(['物流', '运输', '货运'])}有限公司"
    address = f"山东省烟台市牟平区{rng.choice(TOWNS)}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
    plate = f"鲁{rng.choice('FY')}{rng.randint(10000, 99999)}"
    fields: tuple[tuple[str, str], ...]
    if layout == "business_permit":
        type_name, holder = "道路运输经营许可证", company
        fields = (
            ("统一社会信用代码", f"91370612MA{rng.randint(1000000, 9999999)}Q"),
            ("经济类型", "有限责任公司"),
            ("地址", address),
            ("经营范围", rng.choice(SCOPES)),
            ("许可证号", f"鲁交运管许可烟字370612{index:06d}号"),
        )
        years = 4
    elif layout == "transport_certificate":
        type_name, holder = "道路运输证", rng.choice((company, person))
        fields = (
            ("车辆号牌", f"{plate}（黄）"),
            ("车辆类型", rng.choice(VEHICLE_TYPES)),
            ("吨(座)位", f"{rng.randint(2, 40)}吨"),
            ("车辆尺寸", f"{rng.randint(5, 13)}×2550×{rng.randint(2, 4)}950毫米"),
            ("经营许可证号", f"鲁交运管许可烟字370612{rng.randint(1, 2000):06d}号"),
            ("经营范围", rng.choice(SCOPES)),
        )
        years = 2
    else:
        type_name, holder = "道路运输从业人员从业资格证", person
        fields = (
            ("性别", rng.choice("男女")),
            (
                "身份证号码",
                f"370612{rng.randint(1960, 2000)}0{rng.randint(1, 9)}1{rng.randint(1000, 9999)}",
            ),
            ("从业资格类别", rng.choice(QUALIFICATIONS)),
            (
                "初次领证日期",
                f"{rng.randint(2000, 2020)}年0{rng.randint(1, 9)}月1{rng.randint(0, 9)}日",
            ),
        )
        years = 6
    issued = dt.date(2025, 1, 1) + dt.timedelta(days=index % 365)
    valid_to = issued.replace(year=issued.year + years) - dt.timedelta(days=1)
    number = fields[-1][1] if layout == "business_permit" else serial
    return LicenceRenderData(
        type_name_zh=type_name,
        layout=layout,
        identifier=identifier,
        holder_name=holder,
        fields=fields,
        issuer_name="烟台市牟平区交通运输局",
        issue_date=issued,
        valid_from=issued,
        valid_to=valid_to,
        qr_text=qr_text(index, layout, identifier, number, holder, fields, issued, valid_to),
        seal_text="烟台市牟平区交通运输局",
        paper_number=f"37061200{index:05d}",
        licence_number=number,
    )


def qr_text(
    index: int,
    layout: str,
    identifier: str,
    number: str,
    holder: str,
    fields: tuple[tuple[str, str], ...],
    valid_from: dt.date,
    valid_to: dt.date,
) -> str:
    """The QR text the issuance service prints: the verification URL with the real signed token
    (CBOR claims, COSE_Sign1 ES256, zlib, base45), holder masked as the public sees it."""
    from roadcredit.core.masking import mask_id_number, mask_name
    from roadcredit.elicences.services.issuance import sign_licence_token

    if layout == "qualification_certificate":  # numbered by the ID number, masked in the token
        number = mask_id_number(fields[1][1])
    public_holder = {
        "business_permit": holder,
        "transport_certificate": f"{fields[0][1].split('（')[0]}（{holder}）",
        "qualification_certificate": mask_name(holder),
    }[layout]
    return sign_licence_token(
        identifier=identifier,
        type_key=TYPE_KEYS[layout],
        public_number=number,
        holder=public_holder,
        valid_from=valid_from,
        valid_until=valid_to,
        status_list="370612-1",
        status_index=index,
    )


def _cumulative() -> list[tuple[str, float]]:
    total, out = 0.0, []
    for key, share in MIX:
        total += share
        out.append((key, total))
    return out


# --- the naive pipeline -----------------------------------------------------------------------
def naive_render(data: Any, *, register_font: bool = True) -> bytes:
    """A straightforward ReportLab rendering of the same page, with nothing reused."""
    import segno
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from roadcredit.elicences.layouts import MM, load_layout
    from roadcredit.elicences.rendering import cjk_font_path

    font = "NaiveCJK"
    if register_font or font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(cjk_font_path()), subfontIndex=0))
    layout = load_layout(data.layout)
    face, colours = layout.face, layout.colours
    width, height = face.width_mm * MM, face.height_mm * MM
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height))
    c.setTitle(f"{data.type_name_zh}（电子证照）")
    c.setSubject(data.identifier)
    inset = face.frame_inset_mm * MM
    c.setStrokeColor(HexColor(colours.frame))
    c.setLineWidth(2.4)
    c.rect(inset, inset, width - 2 * inset, height - 2 * inset)
    c.setLineWidth(0.8)
    c.rect(inset + 7, inset + 7, width - 2 * inset - 14, height - 2 * inset - 14)
    c.setFillColor(HexColor(colours.title))
    c.setFont(font, face.title_size)
    c.drawCentredString(width / 2, face.title_y_mm * MM, data.type_name_zh)
    c.setFont(font, 11)
    c.drawCentredString(width / 2, face.subtitle_y_mm * MM, face.subtitle)
    y = face.fields_top_mm * MM - face.font_size
    validity = (
        f"{data.valid_from:%Y年%m月%d日} 至 {data.valid_to:%Y年%m月%d日}"
        if data.valid_to
        else "长期"
    )
    for label, value in [
        (face.holder_label, data.holder_name),
        *data.fields,
        (face.validity_label, validity),
    ]:
        c.setFillColor(HexColor(colours.label))
        c.setFont(font, face.font_size)
        c.drawString(face.fields_x_mm * MM, y, f"{label}：")
        c.setFillColor(HexColor(colours.text))
        line = ""
        for char in value:
            if pdfmetrics.stringWidth(line + char, font, face.font_size) > 170 * MM:
                c.drawString(face.fields_x_mm * MM + 45 * MM, y, line)
                y -= face.font_size * 1.35
                line = ""
            line += char
        c.drawString(face.fields_x_mm * MM + 45 * MM, y, line)
        y -= face.font_size * 1.35 + face.row_gap_mm * MM
    c.setFont(font, 13)
    c.drawCentredString(
        face.issuer_x_mm * MM, face.issuer_y_mm * MM + 5 * MM, f"发证机关：{data.issuer_name}"
    )
    c.drawCentredString(
        face.issuer_x_mm * MM, face.issuer_y_mm * MM - 4 * MM, f"{data.issue_date:%Y年%m月%d日}"
    )
    c.setFont(font, 7.5)
    c.drawString(face.footer_x_mm * MM, face.footer_y_mm * MM, f"电子证照标识：{data.identifier}")
    matrix = segno.make(data.qr_text, error="m").matrix  # automatic mask choice
    module = layout.qr.size_mm * MM / (len(matrix) + 8)
    c.setFillColor(HexColor("#000000"))
    for row_index, row in enumerate(matrix):
        for column, bit in enumerate(row):
            if bit:
                c.rect(
                    layout.qr.x_mm * MM + (column + 4) * module,
                    layout.qr.y_mm * MM + (len(matrix) + 3 - row_index) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    seal = layout.seal
    cx, cy, r = seal.centre_x_mm * MM, seal.centre_y_mm * MM, seal.radius_mm * MM
    red = HexColor(colours.seal)
    c.saveState()
    c.setFillAlpha(seal.opacity)
    c.setStrokeAlpha(seal.opacity)
    c.setStrokeColor(red)
    c.setFillColor(red)
    c.setLineWidth(r * 0.055)
    c.circle(cx, cy, r - r * 0.0275)
    star = c.beginPath()
    for k in range(10):
        radius = r * 0.29 if k % 2 == 0 else r * 0.29 * 0.382
        angle = math.radians(90 + k * 36)
        (star.moveTo if k == 0 else star.lineTo)(
            cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        )
    star.close()
    c.drawPath(star, stroke=0, fill=1)
    size = r * 0.26
    span = math.radians(245)
    text = data.seal_text
    for k, char in enumerate(text):
        theta = math.pi / 2 + span / 2 - k * span / max(len(text) - 1, 1)
        c.saveState()
        c.translate(
            cx + (r * 0.8 - size * 0.86) * math.cos(theta),
            cy + (r * 0.8 - size * 0.86) * math.sin(theta),
        )
        c.rotate(math.degrees(theta) - 90)
        c.setFont(font, size)
        c.drawCentredString(0, 0, char)
        c.restoreState()
    c.setFont(font, r * 0.2)
    c.drawCentredString(cx, cy - r * 0.58, seal.caption)
    c.restoreState()
    c.showPage()
    c.save()
    return buffer.getvalue()


def naive_issue(data: Any) -> bytes:
    from roadcredit.elicences.signing import seal_pdf

    return seal_pdf(naive_render(data))


def naive_issue_font_once(data: Any) -> bytes:
    from roadcredit.elicences.signing import seal_pdf

    return seal_pdf(naive_render(data, register_font=False))


def optimized_issue(data: Any) -> bytes:
    from roadcredit.elicences.rendering import render_sealed_licence_pdf

    return render_sealed_licence_pdf(data)


# --- measuring --------------------------------------------------------------------------------
def per_core(label: str, issue: Callable[[Any], bytes], sample: int, offset: int) -> float:
    """Licences per CPU-second of this process (what one idle core would do); wall time is
    printed beside it, and is longer when other work shares the cores."""
    for index in range(3):  # warm-up (first-use set-up is not what we measure)
        issue(licence(offset + index))
    data = [licence(offset + 10 + index) for index in range(sample)]
    started, cpu_started = time.perf_counter(), time.process_time()
    size = 0
    for item in data:
        size += len(issue(item))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        f"  {label:<50} {cpu / sample * 1000:7.2f} ms CPU/licence ({seconds / sample * 1000:7.2f} ms "
        f"wall)  {sample / cpu:7.1f} licences per CPU-second  (avg {size / sample / 1024:.0f} KiB)"
    )
    return sample / cpu


def _worker_init() -> None:
    from roadcredit.elicences.rendering import render_sealed_licence_pdf

    render_sealed_licence_pdf(licence(0))  # font, layouts, seal and CMS template ready


def _worker_issue(bounds: tuple[int, int]) -> tuple[int, int, str, float]:
    """Make the token and the sealed PDF of each licence: (count, bytes, digest, CPU seconds)."""
    from roadcredit.elicences.rendering import render_sealed_licence_pdf

    cpu = time.process_time()
    count, size = 0, 0
    digest = hashlib.sha256()
    for index in range(*bounds):
        pdf = render_sealed_licence_pdf(licence(index))
        count += 1
        size += len(pdf)
        digest.update(hashlib.sha256(pdf).digest())
    return count, size, digest.hexdigest(), time.process_time() - cpu


def district(count: int, workers: int) -> None:
    chunk = 100
    bounds = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    started = time.perf_counter()
    with context.Pool(workers, initializer=_worker_init) as pool:
        results = pool.map(_worker_issue, bounds, chunksize=1)
    seconds = time.perf_counter() - started
    issued = sum(r[0] for r in results)
    size = sum(r[1] for r in results)
    cpu = sum(r[3] for r in results)
    print(
        f"  {issued} licences (signed QR token + sealed PDF) on {workers} processes: "
        f"{seconds:.1f} s wall ({issued / seconds:.0f} licences/s, {size / 1024 / 1024:.0f} MiB "
        f"of PDF); goal ≤ 120 s: {'met' if seconds <= 120 else 'NOT met'}"
    )
    print(
        f"  CPU {cpu / issued * 1000:.2f} ms per licence; on {workers} idle cores: "
        f"{cpu / workers:.1f} s"
    )


def verify_sample(count: int) -> None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from roadcredit.elicences.signing import trust_roots

    roots = [asn1_x509.Certificate.load(der) for der in trust_roots()]
    bad = 0
    for index in random.Random(7).sample(range(DISTRICT_LICENCES), count):
        pdf = optimized_issue(licence(index))
        (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
        bad += not status.bottom_line
    print(f"  pyHanko validator: {count - bad} of {count} sampled outputs valid")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=150, help="licences per per-core measurement")
    parser.add_argument(
        "--count", type=int, default=DISTRICT_LICENCES, help="licences in the district run"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--verify", type=int, default=20, help="outputs to check with pyHanko")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadcredit-bench-") as work:
        setup_django(Path(work))
        import reportlab

        print(
            f"Python {platform.python_version()}, ReportLab {reportlab.Version}, "
            f"{os.cpu_count()} CPUs; sample {args.sample} licences per pipeline"
        )
        try:
            import _rl_accel  # type: ignore[import-not-found]  # noqa: F401

            print("  ReportLab C accelerator (rl-accel): installed")
        except ImportError:
            print("  ReportLab C accelerator (rl-accel): missing — pip install rl-accel")
        print("(a)/(b) one core:")
        naive = per_core(
            "naive (font registered per licence) + sign_pdf", naive_issue, args.sample, 1000
        )
        naive_once = per_core(
            "naive (font registered once) + sign_pdf", naive_issue_font_once, args.sample, 2000
        )
        fast = per_core("optimized render_sealed_licence_pdf", optimized_issue, args.sample, 3000)
        print(
            f"  ratio optimized / naive (CPU time): {fast / naive:.1f}× (vs naive with the font "
            f"registered once: {fast / naive_once:.1f}×); goal ≥ 2×"
        )
        print(f"District run, optimized pipeline, {args.workers} processes:")
        district(args.count, args.workers)
        if args.verify:
            verify_sample(args.verify)


if __name__ == "__main__":
    main()
