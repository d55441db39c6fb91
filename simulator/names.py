"""Chinese place, road, person and department names used by the simulated city."""

from __future__ import annotations

import numpy as np

ROADS = {
    "150602": ["鄂尔多斯大街", "伊金霍洛西街", "达拉特南路", "准格尔南路", "天骄北路", "团结路", "宝日陶亥东街",
               "林荫路", "交通街", "建设街", "杭锦北路", "罕台路", "吉劳庆南路", "纺织街", "工业街", "万正路",
               "铁西路", "伊克昭大街", "那日松路", "东环路", "北大街", "公园路", "兴胜路", "民族街"],
    "150603": ["康宁路", "乌兰木伦街", "青春山路", "文化东路", "康和路", "北区三路", "金泰街", "滨河大道",
               "鄂尔多斯西街", "兴康路", "康泰路", "图书馆路"],
    "150627": ["王府路", "新街", "札萨克路", "满达路", "纳林高勒路", "文明路", "通格朗路", "南苑街",
               "阿吉奈大街", "乌兰淖尔路"],
}

KIND_ZH = {
    "market": "农贸市场", "night_market": "夜市", "school": "学校", "hospital": "医院", "mall": "商场",
    "old_neighbourhood": "老旧小区", "urban_village": "城中村", "construction_zone": "建设工地",
    "transit_hub": "客运站", "park": "公园广场",
}

_SCHOOL_SUFFIX = ["小学", "中学", "实验小学", "第二中学", "幼儿园", "第一小学"]
_HOSPITAL = ["人民医院", "中心医院", "妇幼保健院", "中医医院", "第二人民医院", "口腔医院", "社区卫生服务中心"]
_MALL = ["万达广场", "王府井百货", "维多利购物中心", "宜家乐超市", "天骄购物中心", "东胜商厦", "吾悦广场",
         "嘉泰商场", "金威购物中心", "新天地商城"]
_PARK = ["人民公园", "成吉思汗广场", "滨河公园", "植物园", "体育公园", "文化广场", "乌兰木伦湖景区"]
_ESTATE = ["和谐", "幸福", "康乐", "富兴", "阳光", "锦绣", "华府", "金地", "朝阳", "团结", "建安", "园丁",
           "电力", "粮食局", "纺织厂", "煤炭", "矿务局", "税务", "交通局", "供销社"]
_VILLAGE = ["巴音敖包", "塔拉壕", "折家梁", "罕台庙", "布日都", "哈巴格希", "柴登", "铜川", "沙日乌苏", "察哈尔"]

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段") \
    + ["乌日", "巴图", "其其", "斯琴", "敖登"]
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红鹏飞鑫波宇浩凯晨斌慧瑞琳雪梅") \
    + ["其木格", "巴特尔", "乌兰", "图雅", "格日勒", "那仁"]


def place_name(kind: str, road: str, i: int, rng: np.random.Generator) -> str:
    """A plausible Chinese name for a place of a kind near a road."""
    base = road
    for suffix in ("大街", "大道", "街", "路"):
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            base = base.removesuffix(suffix)
            break
    if kind == "market":
        return f"{base}{rng.choice(['农贸市场', '菜市场', '综合市场', '便民市场'])}"
    if kind == "night_market":
        return f"{base}{rng.choice(['夜市', '美食街夜市', '烧烤夜市'])}"
    if kind == "school":
        return f"{base}{rng.choice(_SCHOOL_SUFFIX)}"
    if kind == "hospital":
        return str(_HOSPITAL[i % len(_HOSPITAL)]) if i < len(_HOSPITAL) else f"{base}{rng.choice(_HOSPITAL)}"
    if kind == "mall":
        return str(_MALL[i % len(_MALL)]) if i < len(_MALL) else f"{base}{rng.choice(['商场', '购物中心'])}"
    if kind == "park":
        return str(_PARK[i % len(_PARK)]) if i < len(_PARK) else f"{base}{rng.choice(['公园', '广场'])}"
    if kind == "old_neighbourhood":
        return f"{rng.choice(_ESTATE)}{rng.choice(['小区', '家属院', '大院', '小区'])}"
    if kind == "urban_village":
        return f"{_VILLAGE[i % len(_VILLAGE)]}村"
    if kind == "construction_zone":
        return f"{base}{rng.choice(['片区', '地块', '项目'])}{i + 1}号{rng.choice(['建设工地', '住宅项目', '棚改项目'])}"
    if kind == "transit_hub":
        return f"{base}{rng.choice(['客运站', '公交枢纽', '火车站'])}"
    return f"{base}{kind}"


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Caller names: full names, or the usual 'surname + 先生/女士' when a caller gives only that."""
    sur = rng.choice(np.array(SURNAMES, dtype=object), n)
    g1 = rng.choice(np.array(GIVEN, dtype=object), n)
    g2 = rng.choice(np.array(GIVEN, dtype=object), n)
    form = rng.random(n)
    title = np.where(rng.random(n) < 0.5, "先生", "女士")
    out = np.where(form < 0.35, sur + title, np.where(form < 0.65, sur + g1, sur + g1 + g2))
    return out.astype(object)


def phone_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """11-digit mainland mobile numbers (13x-19x prefixes)."""
    prefix = rng.choice(np.array(["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                                  "155", "156", "158", "159", "177", "180", "181", "186", "187", "188", "189",
                                  "191", "198", "199"], dtype=object), n)
    body = rng.integers(0, 10**8, n)
    return np.array([f"{p}{b:08d}" for p, b in zip(prefix, body, strict=False)], dtype=object)
