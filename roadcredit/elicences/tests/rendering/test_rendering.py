"""Licence PDFs: one page per layout, Chinese text embedded as a font subset, QR as vectors."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import segno
from pypdf import PdfReader

from roadcredit.elicences import rendering
from roadcredit.elicences.layouts import MM, LayoutError, layout_keys, load_layout
from roadcredit.elicences.rendering import (
    CjkFontMissing,
    RenderError,
    fonts,
    qr_runs,
    render_licence_pdf,
    render_print_layout,
)
from roadcredit.elicences.tests.rendering.samples import (
    IDENTIFIER,
    LAYOUTS,
    REAL_QR_TEXT,
    sample_licence,
)


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _fonts(reader: PdfReader) -> list[Any]:
    resources: Any = reader.pages[0]["/Resources"]
    return [font.get_object() for font in resources["/Font"].values()]


def _text(pdf: bytes) -> str:
    return "".join(_reader(pdf).pages[0].extract_text().split())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_is_one_landscape_a4_page(layout: str) -> None:
    reader = _reader(render_licence_pdf(sample_licence(layout)))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM) == 297
    assert round(float(box.height) / MM) == 210


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_cjk_font_is_embedded_as_a_subset(layout: str) -> None:
    fonts = _fonts(_reader(render_licence_pdf(sample_licence(layout))))

    cjk = [
        font for font in fonts if "WenQuanYi" in str(font["/BaseFont"]) or "/FontDescriptor" in font
    ]
    assert cjk
    for font in cjk:
        prefix, _, _name = str(font["/BaseFont"]).lstrip("/").partition("+")
        assert len(prefix) == 6 and prefix.isupper()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # an embedded TrueType program
        assert "/ToUnicode" in font  # so text extracts, searches and copies


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_chinese_text_extracts_from_the_pdf(layout: str) -> None:
    data = sample_licence(layout)

    text = _text(render_licence_pdf(data))

    for expected in (
        data.type_name_zh,
        data.holder_name,
        data.issuer_name,
        "电子证照专用章",
        "扫码核验",
    ):
        assert "".join(expected.split()) in text
    for label, value in data.fields:
        assert label in text and "".join(value.split()) in text
    assert "2025年03月01日" in text


def test_the_identifier_is_in_the_document_metadata() -> None:
    reader = _reader(render_licence_pdf(sample_licence()))

    assert reader.metadata is not None
    assert reader.metadata.subject == IDENTIFIER
    assert reader.metadata.title == "道路运输经营许可证（电子证照）"
    assert reader.metadata.author == "烟台市牟平区交通运输局"


def test_a_licence_without_end_date_reads_permanent() -> None:
    text = _text(render_licence_pdf(sample_licence("qualification_certificate", valid_to=None)))

    assert "2025年03月01日至长期" in text


@pytest.mark.parametrize(
    "text",
    [
        "https://rc.muping.gov.cn/v/" + IDENTIFIER,
        "HTTPS://RC.MUPING.GOV.CN/V/ABC",
        "短",
        REAL_QR_TEXT,
    ],
)
def test_the_qr_runs_redraw_exactly_the_qr_matrix(text: str) -> None:
    size, path = qr_runs(text)

    drawn: set[tuple[int, int]] = set()
    for run in path.split(" re"):
        if run.strip():
            x, y, width, height = (int(n) for n in run.split())
            assert height == 1
            drawn.update((x + dx, y) for dx in range(width))
    matrix = segno.make(
        rendering.qr_segments(text),
        error="m",
        mask=rendering.QR_MASK,
        micro=False,
        boost_error=False,
    ).matrix
    expected = {
        (column, size - 1 - row)
        for row, bits in enumerate(matrix)
        for column, bit in enumerate(bits)
        if bit
    }
    assert size == len(matrix)
    assert drawn == expected


def test_the_qr_code_is_drawn_as_vectors_not_an_image() -> None:
    page = _reader(render_licence_pdf(sample_licence())).pages[0]

    resources: Any = page["/Resources"]
    contents: Any = page.get_contents()
    assert "/XObject" not in resources
    assert contents.get_data().count(b" re") > 100


def test_long_values_wrap_and_many_fields_shrink_to_fit_one_page() -> None:
    many = tuple(
        (f"附加事项{n}", "道路普通货物运输；货物专用运输（集装箱、冷藏保鲜设备）") for n in range(5)
    )

    pdf = render_licence_pdf(sample_licence(fields=many))

    assert len(_reader(pdf).pages) == 1
    assert "附加事项4" in _text(pdf)


def test_it_refuses_fields_that_cannot_fit_on_one_page() -> None:
    too_many = tuple((f"附加事项{n}", "道路普通货物运输" * 12) for n in range(30))

    with pytest.raises(RenderError):
        render_licence_pdf(sample_licence(fields=too_many))


def test_it_refuses_characters_the_font_cannot_draw() -> None:
    with pytest.raises(RenderError) as caught:
        render_licence_pdf(sample_licence(holder_name="王\U00020000"))

    assert caught.value.extra["characters"] == "\U00020000"


def test_it_refuses_an_unknown_layout() -> None:
    with pytest.raises(RenderError):
        render_licence_pdf(dataclasses.replace(sample_licence(), layout="passport"))


def test_the_missing_font_error_names_the_package_and_the_setting(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings.CJK_FONT_PATH = None
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (tmp_path / "none.ttc",))

    with pytest.raises(CjkFontMissing) as caught:
        rendering.cjk_font_path()

    assert "fonts-wqy-microhei" in str(caught.value)
    assert "ROADCREDIT_CJK_FONT" in str(caught.value)


def test_a_configured_font_that_is_missing_or_not_truetype_is_reported(
    settings: Any, tmp_path: Path
) -> None:
    settings.CJK_FONT_PATH = str(tmp_path / "missing.ttf")
    with pytest.raises(CjkFontMissing, match="ROADCREDIT_CJK_FONT"):
        rendering.cjk_font()

    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    settings.CJK_FONT_PATH = str(broken)
    with pytest.raises(CjkFontMissing, match="fonts-wqy-microhei"):
        rendering.cjk_font()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_print_layout_has_only_the_values_at_the_stock_positions(layout: str) -> None:
    data = sample_licence(layout)
    stock = load_layout(layout).stock

    pdf = render_print_layout(data)

    reader = _reader(pdf)
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM) == round(stock.width_mm)
    assert round(float(box.height) / MM) == round(stock.height_mm)
    text = _text(pdf)
    assert data.holder_name in text
    for _label, value in data.fields:
        assert "".join(value.split()) in text
    assert "电子证照专用章" not in text and data.type_name_zh not in text
    assert "/Annots" not in reader.pages[0]


def test_the_print_layout_lists_fields_the_stock_has_no_box_for() -> None:
    data = sample_licence(fields=(("经营范围", "道路普通货物运输"), ("备注", "车辆挂靠经营")))

    text = _text(render_print_layout(data))

    assert "备注：车辆挂靠经营" in text
    assert "经营范围：" not in text  # the stock prints that label itself


def test_every_layout_file_loads() -> None:
    assert set(layout_keys()) == set(LAYOUTS)
    for key in layout_keys():
        layout = load_layout(key)
        assert layout.face.columns in (1, 2)
        assert layout.seal.caption == "电子证照专用章"


@pytest.mark.parametrize("key", ["../secrets", "nope", ""])
def test_an_unknown_layout_file_is_an_error(key: str) -> None:
    with pytest.raises(LayoutError):
        load_layout(key)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_scanner_reads_the_qr_code_off_the_rendered_page(layout: str, tmp_path: Path) -> None:
    # dev.py test installs poppler-utils and zbar-tools; a missing tool is a failure, not a skip.
    assert shutil.which("pdftoppm") and shutil.which("zbarimg"), (
        "apt-get install poppler-utils zbar-tools"
    )
    data = sample_licence(layout)
    (tmp_path / "licence.pdf").write_bytes(render_licence_pdf(data))

    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "licence.pdf", "page"], cwd=tmp_path, check=True
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", *(str(p) for p in tmp_path.glob("page*.png"))],
        capture_output=True,
        text=True,
        check=True,
    )

    assert scanned.stdout.strip() == data.qr_text


def test_a_scanner_reads_the_real_signed_token_off_the_rendered_page(tmp_path: Path) -> None:
    assert shutil.which("pdftoppm") and shutil.which("zbarimg"), (
        "apt-get install poppler-utils zbar-tools"
    )
    data = sample_licence("transport_certificate", qr_text=REAL_QR_TEXT)
    (tmp_path / "licence.pdf").write_bytes(render_licence_pdf(data))

    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "licence.pdf", "page"], cwd=tmp_path, check=True
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", *(str(p) for p in tmp_path.glob("page*.png"))],
        capture_output=True,
        text=True,
        check=True,
    )

    assert scanned.stdout.strip() == REAL_QR_TEXT
