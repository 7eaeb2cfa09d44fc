-- kept_baseline: the baseline forecast `carejsna build` worked out for an area (the council, or
-- one district alone) on the default reference period, three years ahead (forecast.remember:
-- forecast_baseline.parquet). Rows in the order they were written: each month end's mean and
-- variance by age band (and All ages) and placement category (and All placements), then each
-- day's by category (daily).
-- $area: the council's code or a district's; $reference_from: the reference period's first year.
-- Parameters: $area, $reference_from
-- Sources: forecast_baseline (beside the extracts).
select daily, date, mean, variance,
from forecast_baseline
where area = $area and reference_from = $reference_from
