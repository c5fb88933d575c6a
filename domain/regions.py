"""Chinese provincial-level regions and major cities, as they prefix or bracket company names; and the one rule
for when two typed regions are the same region (北京 = 北京市 = 北京 市)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

from domain.errors import InvalidInput

PROVINCES = [
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
    "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
]
CITIES = [
    "深圳", "广州", "杭州", "南京", "苏州", "无锡", "宁波", "厦门", "福州", "武汉", "长沙", "成都", "西安", "郑州",
    "济南", "青岛", "大连", "沈阳", "长春", "哈尔滨", "石家庄", "太原", "合肥", "南昌", "南宁", "昆明", "贵阳",
    "兰州", "西宁", "银川", "乌鲁木齐", "拉萨", "呼和浩特", "海口", "三亚", "珠海", "佛山", "东莞", "温州",
    "常州", "徐州", "烟台", "唐山", "保定", "洛阳", "绍兴", "嘉兴", "金华", "台州", "泉州", "中山", "惠州",
]
SUFFIXES = ["特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "区", "县"]

# Longest first, so 黑龙江省 is dropped whole rather than leaving 省 behind.
REGION_PREFIXES = sorted({name + suffix for name in PROVINCES + CITIES for suffix in ["", *SUFFIXES]},
                         key=len, reverse=True)
REGION_NAMES = frozenset(REGION_PREFIXES)


# The area code (区号) of each known region that has exactly one, by region_key: the municipalities and cities.
# A province has one per city (广东: 020 Guangzhou, 0755 Shenzhen ...), so none here; its capital's code would
# read a local number of another city as the capital's. 海南 is the exception: one code for the whole province.
# 香港, 澳门 and 台湾 have no mainland area code.
AREA_CODES = {
    "北京": "010", "天津": "022", "上海": "021", "重庆": "023", "海南": "0898",
    "深圳": "0755", "广州": "020", "杭州": "0571", "南京": "025", "苏州": "0512", "无锡": "0510", "宁波": "0574",
    "厦门": "0592", "福州": "0591", "武汉": "027", "长沙": "0731", "成都": "028", "西安": "029", "郑州": "0371",
    "济南": "0531", "青岛": "0532", "大连": "0411", "沈阳": "024", "长春": "0431", "哈尔滨": "0451",
    "石家庄": "0311", "太原": "0351", "合肥": "0551", "南昌": "0791", "南宁": "0771", "昆明": "0871",
    "贵阳": "0851", "兰州": "0931", "西宁": "0971", "银川": "0951", "乌鲁木齐": "0991", "拉萨": "0891",
    "呼和浩特": "0471", "海口": "0898", "三亚": "0898", "珠海": "0756", "佛山": "0757", "东莞": "0769",
    "温州": "0577", "常州": "0519", "徐州": "0516", "烟台": "0535", "唐山": "0315", "保定": "0312",
    "洛阳": "0379", "绍兴": "0575", "嘉兴": "0573", "金华": "0579", "台州": "0576", "泉州": "0595",
    "中山": "0760", "惠州": "0752",
}


# One suffix is dropped, the longest that fits, so 内蒙古自治区 becomes 内蒙古 and not 内蒙古自治.
_SUFFIXES_LONGEST_FIRST = sorted(SUFFIXES, key=len, reverse=True)
NEAR_REGIONS = 8  # how many known regions an unknown one's refusal lists


def region_key(region: str) -> str:
    """北京, 北京市 and 北京 市 are one region: NFKC (full-width = half-width), no spacing, Latin case folded, and one
    trailing administrative suffix (市, 省, 自治区, 特别行政区 ...) dropped. Every comparison of regions uses this."""
    key = "".join(unicodedata.normalize("NFKC", region).split()).casefold()
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def area_code(region: str) -> str | None:
    """The one area code of a region, however typed (北京市 → 010); None for a province or an unknown region."""
    return AREA_CODES.get(region_key(region))


def same_region(left: str, right: str) -> bool:
    return region_key(left) == region_key(right)


def in_regions(region: str, regions: Iterable[str]) -> bool:
    return any(same_region(region, r) for r in regions)


def known_region(region: str, known: Iterable[str], field: str = "region") -> str:
    """The org's own spelling of a typed region (the shortest, when the org file spells one region two ways).
    A region the org does not have is refused, naming the known regions nearest to it: a region typed freely
    would make a false "file a transfer-in" or hide a customer from the reps of its real region."""
    spellings: dict[str, str] = {}
    for name in sorted(set(known), key=lambda r: (len(r), r)):
        spellings.setdefault(region_key(name), name)
    key = region_key(region)
    if key in spellings:
        return spellings[key]
    if not spellings:
        raise InvalidInput(f"{field} '{region}' is not a region of the org: the org file defines no regions")
    near = sorted(spellings.items(), key=lambda kv: (-SequenceMatcher(None, key, kv[0]).ratio(), kv[1]))
    raise InvalidInput(f"{field} '{region}' is not a region of the org; the known regions nearest to it: "
                       f"{', '.join(name for _, name in near[:NEAR_REGIONS])}")
