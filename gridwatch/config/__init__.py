"""Configuration files that cities tune: KPI weights (kpi.yaml) and risk-list rules (risk_list.yaml)."""
