"""Chinese provincial-level regions and major cities, as they prefix or bracket company names."""

from __future__ import annotations

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
