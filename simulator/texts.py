"""Chinese free text of complaints and police calls, true to the event's minor code."""

from __future__ import annotations

import numpy as np

_GOODS = ["卖水果", "卖烤红薯", "卖蔬菜", "卖小吃", "卖衣服袜子", "卖玩具", "卖煎饼果子", "卖羊肉串", "卖西瓜", "卖花", "卖手机壳"]
_IMPACT = ["堵塞人行道", "影响行人通行", "占用盲道", "噪音很大", "影响周边商户", "存在安全隐患", "造成交通拥堵",
           "影响市容", "老人孩子走路很不方便"]
_TIME = ["每天晚上", "每天早上", "最近一周", "周末", "每天下午放学时", "这几天", "天天", "一到晚上", "中午时分"]
_OPEN = ["市民反映：", "来电人反映，", "来电称，", "您好，", "", "", "网友留言：", "市民来电称："]
_CLOSE = ["请相关部门尽快处理。", "希望尽快解决！", "已经持续好几天了。", "多次反映未解决，请重视。", "请派人来看看。",
          "希望加强管理。", ""]
_CAR = ["私家车", "出租车", "货车", "面包车", "小轿车"]
_BIKE = ["共享单车", "电动自行车", "电动车", "自行车"]
_BUILD_WHERE = ["楼顶", "院内", "小区绿地上", "一楼门前", "阳台外", "车库旁", "巷子里"]
_BUILD_WHAT = ["彩钢房", "铁皮棚子", "砖房", "阳光房", "二层小楼", "简易棚", "围墙"]
_OTHER = ["路灯不亮，晚上很黑", "井盖缺失，很危险", "小广告乱贴乱画", "广场舞噪音扰民", "树木倒伏挡路",
          "下水道堵塞冒水", "道路破损有大坑", "护栏损坏", "流浪狗伤人", "公厕无人管理", "施工噪音夜间扰民"]

# Templates per minor code; {p} place, {t} time, {i} impact, {g} goods, {c} car, {b} bike, {w}/{x} where/what.
TEMPLATES: dict[str, list[str]] = {
    "0501": ["{p}门口有流动摊贩{g}，{i}", "{t}{p}附近很多小商贩推着三轮车{g}，{i}", "{p}旁边有人摆地摊{g}，{i}",
             "{p}路边占道摆摊{g}的越来越多，{i}", "{t}有游商在{p}一带{g}，城管来了就跑，{i}"],
    "0504": ["{p}附近商铺把货物摆到店外人行道上经营，{i}", "{p}一家店铺长期占道经营，门口堆满货架，{i}",
             "{t}{p}旁的饭店在门外摆桌子经营，{i}", "{p}周边店外经营严重，商品摆到马路边，{i}"],
    "0510": ["{t}{p}附近有人露天烧烤，油烟很大，{i}", "{p}旁边烧烤摊占道经营，烟熏火燎，{i}",
             "{p}一带夜里露天烧烤，油烟呛人，{i}", "{t}{p}门口摆烧烤摊，烟味很重，{i}"],
    "0505": ["{p}门口{c}乱停乱放，{i}", "{t}{p}附近机动车停在人行道上，{i}", "{p}周边车辆违停占用消防通道，{i}",
             "{p}路口{c}随意停放堵住出入口，{i}", "{t}接送孩子的{c}在{p}门口乱停，{i}"],
    "0506": ["{p}门口{b}乱停乱放，{i}", "{t}{p}附近{b}横七竖八堵住人行道，{i}", "{p}周边{b}停放无序，{i}"],
    "0101": ["{p}有人私搭乱建，在{w}搭建{x}", "{t}{p}有住户违规在{w}加盖{x}，没有任何手续",
             "举报{p}违章建筑，有人在{w}私自搭建{x}", "{p}{w}新盖了一处{x}，属于违法建设"],
    "0102": ["{p}附近垃圾堆放很久没人清理，有异味", "{p}旁边垃圾桶满了溢出来，{i}", "{t}{p}门口暴露垃圾没人管，臭气熏天"],
    "0103": ["{p}附近堆了大量建筑垃圾和渣土，{i}", "{p}旁边积存垃圾渣土很长时间没有清运", "{t}有人往{p}附近倾倒渣土"],
    "0104": ["{p}门口路面很脏，油污遍地", "{p}附近道路不洁，泥土沙石很多", "{t}{p}一带路面脏乱，没人清扫"],
    "0302": ["{p}附近工地扬尘很大，没有覆盖防尘网", "{t}{p}旁边工地施工尘土飞扬，{i}", "{p}建筑工地未采取降尘措施，灰尘很大"],
    "0303": ["{t}渣土车经过{p}时没有密闭，沿路遗撒", "{p}路段渣土车抛洒滴漏严重，路面全是泥", "{p}附近渣土车未苫盖，尘土飞扬"],
    "0999": ["{p}附近{o}", "{t}{p}{o}", "{p}一带{o}，{i}"],
}


def _pick(rng: np.random.Generator, items: list[str], n: int) -> np.ndarray:
    return np.asarray(items, dtype=object)[rng.integers(0, len(items), n)]


def complaint_texts(rng: np.random.Generator, minor: np.ndarray, place: np.ndarray, police: bool = False,
                    newline_share: float = 0.01) -> np.ndarray:
    """One Chinese text per event, naming its place; commas and the odd line break included."""
    n = len(minor)
    if n == 0:
        return np.array([], dtype=object)
    slots = {k: _pick(rng, v, n) for k, v in (("t", _TIME), ("i", _IMPACT), ("g", _GOODS), ("c", _CAR), ("b", _BIKE),
                                               ("w", _BUILD_WHERE), ("x", _BUILD_WHAT), ("o", _OTHER))}
    opens = _pick(rng, ["报警人称", "报警人称", "群众报警称，", "报警人反映："] if police else _OPEN, n)
    closes = _pick(rng, ["请求处理。", "", "要求出警。"] if police else _CLOSE, n)
    tpl_idx = rng.integers(0, 1000, n)
    ascii_comma = rng.random(n) < 0.15
    newline = rng.random(n) < newline_share
    out = np.empty(n, dtype=object)
    for k in range(n):
        tpls = TEMPLATES.get(minor[k], TEMPLATES["0999"])
        body = tpls[tpl_idx[k] % len(tpls)].format(p=place[k], **{s: v[k] for s, v in slots.items()})
        text = f"{opens[k]}{body}。{closes[k]}"
        if ascii_comma[k]:
            text = text.replace("，", ",", 1)
        if newline[k]:
            text = f"{text}\n补充：{slots['t'][k]}情况依旧，\"请尽快处理\"。"
        out[k] = text
    return out
