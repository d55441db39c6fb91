"""Forecasting: measures, baselines, LightGBM, backtest, registry, text classifier, risk lists."""
