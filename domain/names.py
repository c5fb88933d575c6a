"""A company name's keys (撞单): the unique key that makes two ways of writing one name one company, the brand that
tells companies apart, and the brand's sound that makes a rep's homophone typo meet the company it meant.

Each key is chosen because the collision-quality benchmark (bench/collision_quality.py, BENCHMARKS.md) says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

from domain.regions import REGION_NAMES, REGION_PREFIXES

LEGAL_FORMS = sorted(["股份有限公司", "有限责任公司", "有限公司", "集团", "公司"], key=len, reverse=True)
# The words that say what a company does, not who it is: shared by thousands of companies, so sharing one is not
# similarity. Dropped from the end of the name key, longest first, repeatedly (工程技术 then 建筑).
INDUSTRY_WORDS = sorted({
    "科技", "技术", "工程", "信息", "网络", "电子", "电器", "电机", "机电", "机械", "设备", "仪器", "自动化", "智能",
    "软件", "数据", "通信", "通讯", "贸易", "商贸", "工贸", "进出口", "实业", "发展", "投资", "控股", "咨询", "管理",
    "服务", "企业管理", "文化", "传媒", "广告", "教育", "培训", "设计", "装饰", "建筑", "建设", "建材", "材料",
    "化工", "医药", "生物", "医疗", "健康", "食品", "餐饮", "农业", "物流", "运输", "供应链", "汽车", "服饰", "服装",
    "纺织", "家具", "印刷", "包装", "钢铁", "金属", "塑料", "橡胶", "能源", "环保", "环境", "电力", "物业", "房地产",
    "置业", "酒店", "旅游", "会展", "商务", "金融", "保险", "资产", "人力资源", "制造", "制品", "五金", "照明",
    "光电", "国际", "新材料", "新能源", "用品", "工业", "产业", "开发", "安装", "维修", "销售", "经营", "文具",
    "印务", "礼品", "日用品", "家居", "陶瓷", "玻璃", "石油", "矿业", "水务", "园林", "景观", "体育", "娱乐",
    "航空", "航运", "银行", "证券", "铁路", "船舶", "港口", "机场", "电视", "广播", "出版", "药业", "电气", "化学",
}, key=len, reverse=True)
_INDUSTRY = frozenset(INDUSTRY_WORDS)
MIN_BRAND = 2  # a brand keeps at least this many characters: 华信科技 has the brand 华信, never 华

# Traditional to simplified: 華信電機 is 华信电机. Then once more through traditional and back, so that a simplified
# character with a variant (镟 and 旋 are both 鏇's) keys as the traditional one folds (s2t only ever reads
# simplified text: on traditional text it would take 修 for 脩).
_S2T, _T2S = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
_SURROGATES = re.compile("[\ud800-\udfff]")
_BRACKETED = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_SPACE_AND_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
# One alternation, longest first, so 黑龙江省 is dropped whole rather than leaving 省 behind.
_LEADING_REGION = re.compile("|".join(map(re.escape, REGION_PREFIXES)))


def name_key(name: str) -> str:
    """The key that makes 美来尔工程技术(北京)有限公司, 北京 美来尔工程技术有限公司 and 美來爾工程技術有限公司 one
    company.

    NFKC folds full-width to half-width and traditional characters fold to simplified; a region in brackets, a
    leading province or city, spacing, punctuation, Latin case and the legal-form suffix don't make a new company.
    """
    # A lone surrogate is no character (OpenCC cannot encode it): such a name keys as if it were not there.
    simplified = _T2S.convert(_SURROGATES.sub("", unicodedata.normalize("NFKC", name)))
    folded = _T2S.convert(_S2T.convert(simplified))
    folded = _BRACKETED.sub(lambda m: "" if _SPACE_AND_PUNCT.sub("", m.group(1)) in REGION_NAMES else m.group(1),
                            folded)
    key = _SPACE_AND_PUNCT.sub("", folded).lower()
    for form in LEGAL_FORMS:
        if key.endswith(form) and len(key) > len(form):
            key = key[: -len(form)]
            break
    # 北京美来尔工程技术 is 美来尔工程技术 (and so is 北京上海美来尔...); but 海南航空 keeps 海南: without it no
    # brand is left to tell it from 四川航空, and 北京科技 is not 上海科技.
    while (region := _LEADING_REGION.match(key)) and _has_brand(key[region.end():]):
        key = key[region.end():]
    return key


def _has_brand(rest: str) -> bool:
    """What is left after a leading region still names a company: a brand of MIN_BRAND characters, not an industry
    word."""
    brand = brand_of(rest)
    return len(brand) >= MIN_BRAND and brand not in _INDUSTRY


def brand_of(key: str) -> str:
    """The distinctive part of a name key: what is left once the industry words are dropped from its end
    (美来尔工程技术 → 美来尔), never shorter than MIN_BRAND."""
    return key[: len(key) - sum(len(w) for w in _industry_words(key))]


@lru_cache(maxsize=65536)  # one brand's customers are looked at again and again
def industry_of(key: str) -> frozenset[str]:
    """The industry words brand_of drops from the key's end (美来尔工程技术 → {工程, 技术})."""
    return frozenset(_industry_words(key))


def _industry_words(key: str) -> list[str]:
    """Dropped from the end, longest first, repeatedly (工程技术 then 建筑), leaving at least MIN_BRAND characters."""
    words: list[str] = []
    rest = key
    while True:
        word = next((w for w in INDUSTRY_WORDS if rest.endswith(w) and len(rest) - len(w) >= MIN_BRAND), None)
        if word is None:
            return words
        words.append(word)
        rest = rest[: -len(word)]


def same_brand_alert(a: str, b: str) -> bool:
    """Two keys of one brand are an alert when one's industry words are among the other's: a rep dropped or added a
    word (美来尔技术 for 美来尔工程技术). One brand in different trades (华信科技, 华信物流) is two companies."""
    industry_a, industry_b = industry_of(a), industry_of(b)
    return industry_a <= industry_b or industry_b <= industry_a


def sound_of(key: str) -> str:
    """How a key sounds, without tones: 美莱尔工程技术 and 美来尔工程技术 are both meilaiergongchengjishu. A character
    pypinyin cannot read (Latin, digits) stands for itself."""
    return "".join(lazy_pinyin(key, style=Style.NORMAL, errors="default"))


@dataclass(frozen=True)
class NameKeys:
    name: str  # unique: one company, one key
    brand: str  # the name key's distinctive part (brand_of)
    sound: str  # the whole name key's sound (sound_of): a homophone typo of the brand meets it


def keys_of(key: str) -> NameKeys:
    """The keys of a name key (as name_key made it)."""
    return NameKeys(key, brand_of(key), sound_of(key))


def name_keys(name: str) -> NameKeys:
    return keys_of(name_key(name))


NO_NAME = NameKeys("", "", "")  # a search by numbers only: "" is no customer's name key


def similar_brands(a: str, b: str, threshold: float) -> bool:
    """Two similar names are an alert only when their brands are alike too: close by fuzzy ratio, or one the start of
    the other (a typo in an industry word leaves the brand 美来尔 at the head of 美来尔工程技木). Names that share only
    their industry words (华通科技, 华信科技) are different companies."""
    return fuzz.ratio(a, b) >= threshold or a.startswith(b) or b.startswith(a)
