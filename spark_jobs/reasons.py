"""Quarantine reason codes, with readable texts (Chinese / English). Defined once, used everywhere."""

from __future__ import annotations

REASONS: dict[str, str] = {
    "bad_encoding": "无法解码的字符编码 / undecodable text encoding",
    "malformed_record": "记录格式错误（列数或JSON不合法） / malformed record (column count or invalid JSON)",
    "schema_drift": "字段与约定不符 / fields do not match the landing contract",
    "missing_key": "缺少主键 / missing record key",
    "duplicate_key_conflict": "主键重复且内容冲突 / duplicate key with conflicting content",
    "duplicate_record": "完全重复的记录 / exact duplicate of a record already kept",
    "unparseable_time": "时间无法解析 / unparseable time",
    "future_time": "时间晚于接收时间 / time in the future",
    "time_out_of_range": "时间早于系统启用日期 / time before the city's history starts",
    "missing_coordinates": "缺少坐标 / missing coordinates",
    "unparseable_coordinates": "坐标无法解析 / unparseable coordinates",
    "unknown_crs": "未知坐标系 / unknown coordinate reference system",
    "outside_city": "坐标位于城市网格之外 / coordinates outside the city's unit grid",
    "unknown_category": "类别代码无法映射且文本无法判断 / unknown category code and undecidable text",
    "invalid_value": "数值无效或超出范围 / invalid or out-of-range value",
    "unknown_grid_code": "网格编码不存在 / grid code not in the unit grid",
    "invalid_case_version": "案卷版本号无效 / invalid case version",
    "missing_time": "缺少时间 / missing time",
    "excluded_by_profile": "按数据配置排除（如重复工单状态） / excluded by the data profile's filter (e.g. duplicate status)",
    "outside_bounds": "坐标超出数据的合理范围 / coordinates outside the plausible bounds of the data",
    "stale_case_version": "案卷版本早于已存版本且内容冲突 / case version older than the stored one with conflicting content",
}


def reason_text(code: str) -> str:
    """Readable text of a reason code; raises on an unknown code so typos fail loudly."""
    return REASONS[code]
