-- kept_backtest: the back-test's rows (forecast.backtest) `carejsna build` worked out for an
-- area (the council, or one district alone) on the default reference period
-- (forecast.remember: forecast_backtest.parquet), in the order they were written.
-- $area: the council's code or a district's; $reference_from: the reference period's first year.
-- Parameters: $area, $reference_from
-- Sources: forecast_backtest (beside the extracts).
select * exclude (area, reference_from),
from forecast_backtest
where area = $area and reference_from = $reference_from
