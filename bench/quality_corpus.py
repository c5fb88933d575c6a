"""The corpus of the collision-quality benchmark (bench/collision_quality.py): realistic Chinese company names, with
numbers, and the variants of them that reps type. Everything is drawn from the module's own word lists with a seeded
random.Random, so a run is reproducible and needs no network.

How a name is made, and why:
- A name is [region] + brand (字号) + 0-2 industry words + a legal form, as registered names are: 北京美来尔工程技术
  有限公司. The region leads in 40% of names (北京, 北京市, 广东省 ...), is bracketed after the industry words in 10%
  (美来尔工程技术（北京）有限公司, full-width brackets as licences print them, ASCII in a third of those), and is
  absent otherwise. The customer's region is that region, or, with none in the name, a city with its own area code
  (the big cities far more often, as _CITY_WEIGHTS says).
- The brand is 2 (55%), 3 (30%) or 4 (15%) characters from BRAND_CHARS, several hundred characters that brand names
  use, most common first and drawn with Zipf-like weights (1/√rank), so 华, 信, 宏 and 达 recur the way they do in a
  real register. 3% of brands are Latin letters (TCL-like), so width folding has something to fold.
- Brands collide as in real life: 12% of companies reuse an earlier company's brand (华信科技 and 华信物流 are two
  companies), and short brands from common characters meet by chance besides. Truly new companies are drawn the same
  way, so they share brands with the register at the rate a real entry would.
- Industry words come from domain.names.INDUSTRY_WORDS (the check's own list: the corpus uses the words the keys
  know); the twenty most common in real names weigh eight times the others.
- Numbers are fixed lines of the customer's city (010-6xxxxxxx ...), distinct per customer: the local part walks
  6000000-8999999 by a step prime to its range, so every number is different and valid.
- Existing customers have unique name keys: a generated name whose key is taken is skipped, as the database would
  refuse it.

Variants (each a typed-by-a-rep version of one existing customer; the check should name that customer):
region added / removed / bracketed, another legal form, width toggled (full-width <-> ASCII), spacing, traditional
characters (opencc s2t), one and two brand characters replaced by a homophone (the same toneless pinyin as the
character has in the brand; pool and GB2312 level-1 characters), an industry word dropped or added; and the phone
written with an extension, with spaces, with +86, and without its area code (read with the customer's region).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache

import opencc
from pypinyin import Style, lazy_pinyin

from domain.names import INDUSTRY_WORDS
from domain.regions import CITIES, PROVINCES

# Characters of brand names (字号), roughly most common first.
_BRAND_TEXT = (
    "华信宏达恒通美来尔泰安中天长城东方新大金鑫盛兴隆昌源鸿海瑞祥和利嘉佳德正科创博远志诚世纪万众联合汇丰富贵"
    "永康宁福星光明辉煌阳晨旭日月升腾飞龙凤麟鹏翔云峰山川江河湖洋森林松柏竹梅兰菊春夏秋冬青蓝紫红绿白玉石银铜"
    "宝珠钻晶彩虹雅韵风锦绣文智慧思维精工匠心致启航领先锐捷迅驰速骏马奔亿千百亨顺健乐欣悦喜庆吉如意名仕豪杰英"
    "才俊秀颖聪灵敏力强劲坚固稳定久诚守义仁礼忠廉洁清直圆润泽滋培育成壮荣耀旺发财广进鼎立辰宇宙乾坤元贞国际环"
    "球航地人谐同共赢优品尚聚融夏神州九凯旋胜卓越臻晟昊睿哲铭轩宸浩瀚澜涛波润沣淼溢洪流畅达迪奥森威特克斯普蒙"
    "雷诺尼亚欧美华亚太蓝图景程途径道路桥梁楼宇庭院园圃苑阁台亭塔城邦都乡村田野禾稼穗麦稻谷粮丰收获实果叶"
    "芳菲馨香茗茶酒醇甘甜蜜糖鲜礼宾客友朋伴侣家居佩环璧琪琳琅瑛璟瑶瑾璐珑珀瑜琦玮珩"
    "天翼擎宙霖霏雯露霞曦晖昱旻晓昕暄景晴朗皓皎洁澄净纯粹真善诺信必达凯利莱博恩泰格林顿菲尔德赛思迈伦索拉"
)
BRAND_CHARS = "".join(dict.fromkeys(ch for ch in _BRAND_TEXT if "\u4e00" <= ch <= "\u9fff"))
_BRAND_WEIGHTS = [1 / (rank + 1) ** 0.5 for rank in range(len(BRAND_CHARS))]
_COMMON_INDUSTRY = {"科技", "技术", "工程", "贸易", "商贸", "实业", "发展", "电子", "信息", "咨询", "建筑", "物流",
                    "文化", "传媒", "机械", "设备", "管理", "服务", "投资", "网络"}
_INDUSTRY = sorted(INDUSTRY_WORDS)
_INDUSTRY_WEIGHTS = [8.0 if w in _COMMON_INDUSTRY else 1.0 for w in _INDUSTRY]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团", "公司"]
_FORM_WEIGHTS = [60, 12, 18, 5, 5]
# Cities whose fixed lines have 8-digit local numbers (6xxxxxxx-8xxxxxxx are valid in each, but 800xxxxx).
AREA = {"北京": "010", "上海": "021", "广州": "020", "天津": "022", "重庆": "023", "沈阳": "024", "南京": "025",
        "武汉": "027", "成都": "028", "西安": "029", "深圳": "0755", "杭州": "0571", "苏州": "0512", "宁波": "0574",
        "长沙": "0731", "青岛": "0532", "大连": "0411"}
_CITY_REGIONS = list(AREA)
# Customers crowd into the big cities as registers do: 北京, 上海, 广州 first, weights falling as 1/√rank.
_CITY_WEIGHTS = [1 / (rank + 1) ** 0.5 for rank in range(len(_CITY_REGIONS))]
_REGIONS = PROVINCES + CITIES
_SUFFIX = {**{c: "市" for c in CITIES + ["北京", "上海", "天津", "重庆"]}, "内蒙古": "自治区", "西藏": "自治区",
           "广西": "壮族自治区", "宁夏": "回族自治区", "新疆": "维吾尔自治区", "香港": "", "澳门": ""}
_REUSE_BRAND = 0.12
_LOCAL_SPAN, _LOCAL_STEP = 3_000_000 * 10, 7919  # locals 60000000-89999999, walked by a prime step
_S2T = opencc.OpenCC("s2t")


@dataclass(frozen=True)
class Company:
    region: str  # as written in the name ("" for none)
    place: str  # "lead", "bracket" (full-width), "ascii" (ASCII brackets) or "" (no region in the name)
    brand: str
    industry: tuple[str, ...]
    form: str
    home: str  # the customer's region: its city's area code is its numbers'

    @property
    def name(self) -> str:
        return render(self)


def render(c: Company, sep: tuple[str, ...] = ("", "", "", "")) -> str:
    """The name; `sep` is what a rep types after the region, after the brand, between industry words, before the
    legal form."""
    middle = c.brand + (sep[1] if c.industry else "") + sep[2].join(c.industry)
    if c.place == "lead":
        return c.region + sep[0] + middle + sep[3] + c.form
    if c.place in ("bracket", "ascii"):
        left, right = ("(", ")") if c.place == "ascii" else ("（", "）")
        return middle + left + c.region + right + sep[3] + c.form
    return middle + sep[3] + c.form


class Numbers:
    """Distinct valid fixed lines, per city."""

    def __init__(self) -> None:
        self.used: dict[str, int] = defaultdict(int)

    def next(self, city: str) -> tuple[str, str]:
        """(typed 010-62345678, E.164 +861062345678)."""
        local = 80_000_000
        while local // 100_000 == 800:  # 800xxxxx is no fixed line in Beijing or Shanghai
            k = self.used[city]
            self.used[city] += 1
            local = 60_000_000 + (k * _LOCAL_STEP) % _LOCAL_SPAN
        code = AREA[city]
        return f"{code}-{local}", f"+86{code[1:]}{local}"


class Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.brands: list[str] = []
        self.remember = True  # False once the register is built: a new company reuses only a customer's brand

    def brand(self) -> str:
        rng = self.rng
        if self.brands and rng.random() < _REUSE_BRAND:
            return rng.choice(self.brands)
        if rng.random() < 0.03:
            brand = "".join(rng.choice("ABCDEFGHJKLMNPRSTWXYZ") for _ in range(rng.randint(2, 4)))
        else:
            size = rng.choices([2, 3, 4], weights=[55, 30, 15])[0]
            brand = "".join(rng.choices(BRAND_CHARS, weights=_BRAND_WEIGHTS, k=size))
        if self.remember:
            self.brands.append(brand)
        return brand

    def region(self) -> str:
        """北京 or 北京市, 广东 or 广东省, 广西 or 广西壮族自治区; 香港 as it is."""
        name = self.rng.choice(_REGIONS)
        return name + _SUFFIX.get(name, "省") if self.rng.random() < 0.5 else name

    def company(self) -> Company:
        rng = self.rng
        roll = rng.random()
        place = "lead" if roll < 0.4 else ("bracket" if roll < 0.47 else "ascii" if roll < 0.5 else "")
        region = self.region() if place else ""
        words = rng.choices([0, 1, 2], weights=[15, 55, 30])[0]
        industry: list[str] = []
        while len(industry) < words:
            word = rng.choices(_INDUSTRY, weights=_INDUSTRY_WEIGHTS)[0]
            if word not in industry:
                industry.append(word)
        home = next((c for c in _CITY_REGIONS if region.startswith(c)),
                    rng.choices(_CITY_REGIONS, weights=_CITY_WEIGHTS)[0])
        return Company(region, place, self.brand(), tuple(industry), rng.choices(FORMS, weights=_FORM_WEIGHTS)[0],
                       home)


@cache
def _sound(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


@cache
def homophones() -> dict[str, list[str]]:
    """Toneless pinyin -> the characters (brand pool and GB2312 level 1) that sound so."""
    level1 = []
    for row in range(0xB0, 0xD8):
        for col in range(0xA1, 0xFF):
            try:
                level1.append(bytes([row, col]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    table: dict[str, list[str]] = defaultdict(list)
    for ch in dict.fromkeys(BRAND_CHARS + "".join(level1)):
        table[_sound(ch)].append(ch)
    return dict(table)


def _typo(rng: random.Random, brand: str, count: int) -> str | None:
    """`brand` with `count` of its characters replaced by a homophone of the character as it sounds in the brand (长
    in 绣长 is chang, never zhang: the rep types what was said); a brand-pool character first, as an input method
    offers the common characters first."""
    table = homophones()
    sounds = lazy_pinyin(brand, style=Style.NORMAL)
    if len(sounds) != len(brand):  # a Latin brand: no homophone typo
        return None
    spots = [i for i, sound in enumerate(sounds) if len(table.get(sound, [])) > 1]
    if len(spots) < count:
        return None
    chars = list(brand)
    for i in rng.sample(spots, count):
        others = [c for c in table[sounds[i]] if c != chars[i]]
        pooled = [c for c in others if c in BRAND_CHARS]
        chars[i] = rng.choice(pooled if pooled and rng.random() < 0.7 else others)
    return "".join(chars)


def _toggle_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else chr(ord(ch) - 0xFEE0) if "！" <= ch <= "～"
                   else ch for ch in text)


def name_variant(kind: str, c: Company, rng: random.Random) -> str | None:
    """What a rep types for company `c` in the way `kind`; None when the kind does not apply to it."""
    if kind == "region added":
        return None if c.place else rng.choice([c.home, c.home + "市"]) + c.name
    if kind == "region removed":
        return replace(c, place="", region="").name if c.place else None
    if kind == "region in brackets":
        if c.place in ("bracket", "ascii"):
            return None
        return replace(c, place=rng.choice(["bracket", "ascii"]), region=c.region or c.home).name
    if kind == "other legal form":
        return replace(c, form=rng.choice([f for f in FORMS if f != c.form])).name
    if kind == "full-width / half-width":
        toggled = _toggle_width(c.name)
        return toggled if toggled != c.name else None
    if kind == "spacing":
        seps = tuple(rng.choice(["", "", " ", "  ", "\u3000"]) for _ in range(4))
        spaced = render(c, (seps[0], seps[1] or " ", seps[2], seps[3]))
        return spaced if spaced != c.name else None
    if kind == "traditional characters":
        traditional = _S2T.convert(c.name)
        return traditional if traditional != c.name else None
    if kind in ("1-char homophone typo", "2-char homophone typo"):
        typo = _typo(rng, c.brand, 1 if kind.startswith("1") else 2)
        return replace(c, brand=typo).name if typo else None
    if kind == "industry word dropped":
        if not c.industry:
            return None
        drop = rng.randrange(len(c.industry))
        return replace(c, industry=c.industry[:drop] + c.industry[drop + 1:]).name
    if kind == "industry word added":
        word = rng.choices(_INDUSTRY, weights=_INDUSTRY_WEIGHTS)[0]
        return None if word in c.industry else replace(c, industry=(*c.industry, word)).name
    raise ValueError(kind)


def number_variant(kind: str, typed: str, rng: random.Random) -> str:
    """The phone `typed` (010-62345678) as a rep writes it in the way `kind`."""
    code, local = typed.split("-")
    if kind == "phone with extension":
        return f"{typed}-{rng.randint(100, 9999)}"
    if kind == "phone with spaces":
        return f"{code} {local[:4]} {local[4:]}"
    if kind == "phone with +86":
        return rng.choice([f"+86 {code[1:]} {local}", f"+86-{code[1:]}-{local}", f"+86{code[1:]}{local}"])
    if kind == "phone without area code":
        return local
    raise ValueError(kind)


NAME_KINDS = ["region added", "region removed", "region in brackets", "other legal form", "full-width / half-width",
              "spacing", "traditional characters", "1-char homophone typo", "2-char homophone typo",
              "industry word dropped", "industry word added"]
NUMBER_KINDS = ["phone with extension", "phone with spaces", "phone with +86", "phone without area code"]
