"""Realistic licence data for the rendering and signing tests (Muping district, fixed personas)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from roadcredit.elicences.rendering import LicenceRenderData

BUREAU = "烟台市牟平区交通运输局"
IDENTIFIER = "1.2.156.3005.2.11370000MB28500001001.11370612MB2850000X.2025000123.001.K"


# The QR text the issuance service printed on a transport certificate: the verification URL with
# the signed licence token (CBOR claims, COSE_Sign1 ES256, zlib, base45, percent-escaped).
REAL_QR_TEXT = (
    "https://dzzz.muping.gov.cn/v/?t=RC1:NCFOXN%25TSMAHN-HYO4U9WJBTR04LG6O32R6C%20QC8.1S*GJJKIIIUJK"
    "-IJ%20JMZEG1BH29DZ%2BD:Q0D%2B9%25%252154ZIKP70Q%2BQLDQC$59IK1VC1P0RA3-VTTY2MEFG7JRO2-3T-037:2"
    "%2BZOO5L**IR1L2$4:1J%25OM884OOM2JTC-R4HT2/DFKD6IU%253AN$UDNV6YVP%20N:GN-%25C0YL1QBHBOI38/MRC5"
    "Q0L6YS7L*B$%20MUCPNZ7AVDDWH78G-CM8C6$SVKQE668RCKBHPX2Q9.IT$EJN4OFC7KOI7OHG9L5T7%2BEQ0OL5T2-F8"
    "15APMF:K/CSK7NCCF$XC%25VL8BNV7TF/5Z4FRAOE%20TC%209.-J0J7A*T.38.9LBYQFLHPH7*IN77P3YBPVJUWD"
)


def verify_url(identifier: str) -> str:
    return f"https://rc.muping.gov.cn/v/{identifier}"


_SAMPLES: dict[str, LicenceRenderData] = {
    "business_permit": LicenceRenderData(
        type_name_zh="道路运输经营许可证",
        layout="business_permit",
        identifier=IDENTIFIER,
        holder_name="烟台鑫达物流有限公司",
        fields=(
            ("统一社会信用代码", "91370612MA3C5XXX1Q"),
            ("经济类型", "有限责任公司"),
            ("地址", "山东省烟台市牟平区宁海街道正阳路178号"),
            (
                "经营范围",
                "道路普通货物运输；货物专用运输（集装箱、冷藏保鲜设备）；大型物件运输（一类）",
            ),
            ("许可证号", "鲁交运管许可烟字370612000123号"),
        ),
        issuer_name=BUREAU,
        issue_date=dt.date(2025, 3, 1),
        valid_from=dt.date(2025, 3, 1),
        valid_to=dt.date(2029, 2, 28),
        qr_text=verify_url(IDENTIFIER),
        seal_text=BUREAU,
        paper_number="3706120012345",
        licence_number="鲁交运管许可烟字370612000123号",
    ),
    "transport_certificate": LicenceRenderData(
        type_name_zh="道路运输证",
        layout="transport_certificate",
        identifier=IDENTIFIER.replace("2025000123", "2025004321"),
        holder_name="烟台鑫达物流有限公司",
        fields=(
            ("车辆号牌", "鲁F5K327（黄）"),
            ("车辆类型", "重型厢式货车"),
            ("吨(座)位", "18吨"),
            ("车辆尺寸", "9600×2550×3950毫米"),
            ("经营许可证号", "鲁交运管许可烟字370612000123号"),
            ("经营范围", "道路普通货物运输；货物专用运输（集装箱）"),
        ),
        issuer_name=BUREAU,
        issue_date=dt.date(2025, 3, 1),
        valid_from=dt.date(2025, 3, 1),
        valid_to=dt.date(2027, 2, 28),
        qr_text=verify_url(IDENTIFIER.replace("2025000123", "2025004321")),
        seal_text=BUREAU,
        paper_number="3706120012346",
        licence_number="370612004321",
    ),
    "qualification_certificate": LicenceRenderData(
        type_name_zh="道路运输从业人员从业资格证",
        layout="qualification_certificate",
        identifier=IDENTIFIER.replace("2025000123", "2025007788"),
        holder_name="张伟",
        fields=(
            ("性别", "男"),
            ("身份证号码", "370612198507153214"),
            ("从业资格类别", "经营性道路货物运输驾驶员"),
            ("初次领证日期", "2012年06月18日"),
        ),
        issuer_name=BUREAU,
        issue_date=dt.date(2025, 3, 1),
        valid_from=dt.date(2025, 3, 1),
        valid_to=dt.date(2031, 2, 28),
        qr_text=verify_url(IDENTIFIER.replace("2025000123", "2025007788")),
        seal_text=BUREAU,
        licence_number="370612198507153214",
    ),
}

LAYOUTS = tuple(_SAMPLES)


def sample_licence(layout: str = "business_permit", **changes: Any) -> LicenceRenderData:
    return dataclasses.replace(_SAMPLES[layout], **changes)
